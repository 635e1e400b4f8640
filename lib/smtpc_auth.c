/* AUTH as a client (RFC 4954). The secret (password or OAuth2 token) is
   fetched when needed and wiped with every buffer that held it, the output
   buffer included; the trace shows "<redacted>" for each payload. Never
   AUTH in clear unless configured (dma's smtp_login()); never go on
   without AUTH when credentials are configured. */

#include <string.h>
#include <skalibs/stralloc.h>
#include "auth_client.h"
#include "b64.h"
#include "smtpc.h"
#include "smtpc_internal.h"

/* Sends one payload line (a base64 response, or "AUTH MECH payload"). */
static int smtpc_auth_send (smtpc *s, char const *prefix, stralloc *payload, char const *shown)
{
  stralloc line = STRALLOC_ZERO;
  int r = stralloc_cats(&line, prefix) && stralloc_catb(&line, payload->s, payload->len) && stralloc_0(&line);
  if (r) r = smtpc_cmd(s, line.s, shown);
  else smtpc_fails(s, "local", "out of memory", 0);
  auth_wipe(&line);
  auth_wipe(payload);
  return r;
}

/* Reads on after the first reply: 334 expected. */
static int smtpc_auth_334 (smtpc *s)
{
  return s->reply.code == 334;
}

static int smtpc_auth_login (smtpc *s, stralloc *secret)
{
  stralloc r = STRALLOC_ZERO;
  if (!smtpc_cmd(s, "AUTH LOGIN", 0)) return 0;
  if (!smtpc_auth_334(s)) return 1;
  if (!b64_encode_sa(&r, s->user, strlen(s->user))) return 0;
  if (!smtpc_auth_send(s, "", &r, "<redacted>")) return 0;
  if (!smtpc_auth_334(s)) return 1;
  if (!b64_encode_sa(&r, secret->s, secret->len)) { auth_wipe(&r); return 0; }
  return smtpc_auth_send(s, "", &r, "<redacted>");
}

static int smtpc_auth_cram (smtpc *s, stralloc *secret)
{
  stralloc r = STRALLOC_ZERO;
  int e;
  if (!smtpc_cmd(s, "AUTH CRAM-MD5", 0)) return 0;
  if (!smtpc_auth_334(s)) return 1;
  e = auth_cram_md5(&r, s->user, secret->s, secret->len, smtp_reply_linetext(&s->reply, 0));
  if (e < 0)
  {
    /* "*" cancels the exchange (RFC 4954 4) */
    smtpc_cmd(s, "*", 0);
    smtpc_fails(s, "protocol", "the upstream's CRAM-MD5 challenge is not base64", 0);
    return 0;
  }
  if (!e) return 0;
  return smtpc_auth_send(s, "", &r, "<redacted>");
}

/* XOAUTH2 and OAUTHBEARER: a failure comes as a 334 with a JSON error,
   to which the client answers an empty line (XOAUTH2) or ^A (RFC 7628
   3.2.3), then gets the final 5xx. */
static int smtpc_auth_bearer (smtpc *s, enum auth_mech m, stralloc *secret)
{
  stralloc r = STRALLOC_ZERO;
  int ok = m == AUTH_XOAUTH2
    ? auth_xoauth2(&r, s->user, secret->s, secret->len)
    : auth_oauthbearer(&r, s->user, s->host, s->port, secret->s, secret->len);
  if (!ok) { auth_wipe(&r); return 0; }
  if (!smtpc_auth_send(s, m == AUTH_XOAUTH2 ? "AUTH XOAUTH2 " : "AUTH OAUTHBEARER ", &r,
    m == AUTH_XOAUTH2 ? "AUTH XOAUTH2 <redacted>" : "AUTH OAUTHBEARER <redacted>")) return 0;
  if (smtpc_auth_334(s)) return smtpc_cmd(s, m == AUTH_XOAUTH2 ? "" : "AQ==", 0);
  return 1;
}

static int smtpc_auth_run (smtpc *s, enum auth_mech m, stralloc *secret)
{
  stralloc r = STRALLOC_ZERO;
  switch (m)
  {
    case AUTH_PLAIN:
      if (!auth_plain(&r, s->user, secret->s, secret->len)) { auth_wipe(&r); return 0; }
      return smtpc_auth_send(s, "AUTH PLAIN ", &r, "AUTH PLAIN <redacted>");
    case AUTH_LOGIN: return smtpc_auth_login(s, secret);
    case AUTH_CRAM_MD5: return smtpc_auth_cram(s, secret);
    default: return smtpc_auth_bearer(s, m, secret);
  }
}

int smtpc_auth (smtpc *s)
{
  stralloc secret = STRALLOC_ZERO;
  enum auth_mech m;
  int r;
  if (!s->tls && !s->auth_clear)
  {
    smtpc_fails(s, "config", "AUTH without TLS is not allowed (set UPSTREAM_AUTH_CLEAR=1 to allow it)", 0);
    s->fperm = 1;
    return 0;
  }
  if (!(s->ext & SMTPC_EXT_AUTH))
  {
    smtpc_fails(s, "auth", "the upstream offers no AUTH, and credentials are configured", 0);
    s->fperm = 1;
    return 0;
  }
  m = auth_choose(s->authmechs.s, s->have_password, s->have_token, s->mech);
  if (m == AUTH_NONE)
  {
    smtpc_fails(s, "auth", "no AUTH mechanism in common; the upstream offers", s->authmechs.s);
    s->fperm = 1;
    return 0;
  }
  if (!(*s->secret)(s->aux, m == AUTH_XOAUTH2 || m == AUTH_OAUTHBEARER, &secret))
  {
    auth_wipe(&secret);
    return 0;
  }
  r = smtpc_auth_run(s, m, &secret);
  auth_wipe(&secret);
  /* the last payload is still in the output buffer */
  netio_wipe_output(&s->io);
  if (!r)
  {
    if (!s->fclass) smtpc_fails(s, "local", "out of memory", 0);
    return 0;
  }
  if (s->reply.code == 235) { s->authmech = auth_mech_name(m); return 1; }
  /* 421 (closing) and 454 (too many logins) say "later", not "wrong
     credentials": pausing the queue for them would wait for a fix */
  smtpc_failreply(s, s->reply.code == 454 || s->reply.code == 421 ? "throttle" : "auth", "AUTH refused");
  return 0;
}
