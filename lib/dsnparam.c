/* dsnparam.c: RFC 3461's parameters, checked, written and read back
   (lib/dsnparam.h).

     MAIL FROM:<a> RET=FULL|HDRS ENVID=xtext
     RCPT TO:<b>   NOTIFY=NEVER|SUCCESS,FAILURE,DELAY ORCPT=type;xtext

   xtext: bytes 0x21-0x7e but "+" and "=" stand for themselves, anything
   else is "+" and two hex digits (RFC 3461 asks for upper case; lower
   case is taken too, and passed on as it came). Decoded, ENVID and the
   ORCPT address must be printable US-ASCII (sections 4.2 and 4.4): they
   end up in a notification's header lines. */

#include <string.h>
#include <strings.h>
#include "dsnparam.h"

static int hexval (char c)
{
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* 1 if s is xtext whose decoded bytes are all in lo..0x7e */
static int xtext_check (char const *s, size_t len, unsigned char lo)
{
  size_t i = 0;
  while (i < len)
  {
    unsigned char c = s[i];
    if (c == '+')
    {
      int h, l;
      if (len - i < 3 || (h = hexval(s[i + 1])) < 0 || (l = hexval(s[i + 2])) < 0) return 0;
      c = (unsigned char)(h << 4 | l);
      if (lo && (c < lo || c > 0x7e)) return 0;
      i += 3;
    }
    else if (c < 0x21 || c > 0x7e || c == '=') return 0;
    else i++;
  }
  return 1;
}

int dsn_xtext_valid (char const *s, size_t len)
{
  return xtext_check(s, len, 0);
}

int dsn_xtext_decode (stralloc *sa, char const *s, size_t len)
{
  size_t i = 0;
  while (i < len)
  {
    char c = s[i];
    if (c == '+' && len - i >= 3) { c = (char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2])); i += 3; }
    else i++;
    if (!stralloc_catb(sa, &c, 1)) return 0;
  }
  return 1;
}

int dsn_xtext_encode (stralloc *sa, char const *s, size_t len)
{
  static char const hex[] = "0123456789ABCDEF";
  size_t i = 0;
  for (; i < len; i++)
  {
    unsigned char c = s[i];
    char x[3] = { '+', hex[c >> 4], hex[c & 15] };
    int r = c > 0x20 && c < 0x7f && c != '+' && c != '=' ? stralloc_catb(sa, s + i, 1) : stralloc_catb(sa, x, 3);
    if (!r) return 0;
  }
  return 1;
}

static int word_is (char const *s, size_t len, char const *w)
{
  return len == strlen(w) && !strncasecmp(s, w, len);
}

/* NEVER alone, or a list of SUCCESS, FAILURE and DELAY (section 4.1) */
static unsigned int notify_scan (char const *s, size_t len)
{
  unsigned int flags = 0;
  size_t i = 0;
  if (word_is(s, len, "NEVER")) return DSN_NOTIFY_NEVER;
  while (i <= len)
  {
    char const *comma = memchr(s + i, ',', len - i);
    size_t n = comma ? (size_t)(comma - (s + i)) : len - i;
    if (word_is(s + i, n, "SUCCESS")) flags |= DSN_NOTIFY_SUCCESS;
    else if (word_is(s + i, n, "FAILURE")) flags |= DSN_NOTIFY_FAILURE;
    else if (word_is(s + i, n, "DELAY")) flags |= DSN_NOTIFY_DELAY;
    else return 0;  /* an empty word, NEVER among others, anything else */
    i += n + 1;
    if (!comma) break;
  }
  return flags;
}

/* RFC 5322 atext: the address type before ";" */
static int atom_valid (char const *s, size_t len)
{
  size_t i = 0;
  if (!len) return 0;
  for (; i < len; i++)
  {
    unsigned char c = s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
       || (c && strchr("!#$%&'*+-/=?^_`{|}~", c)))) return 0;
  }
  return 1;
}

static int orcpt_valid (char const *s, size_t len)
{
  char const *semi = memchr(s, ';', len);
  size_t tl;
  if (len > DSN_ORCPT_MAX || !semi) return 0;
  tl = semi - s;
  return atom_valid(s, tl) && len - tl - 1 > 0 && xtext_check(semi + 1, len - tl - 1, 0x20);
}

static int envid_valid (char const *s, size_t len)
{
  return len && len <= DSN_ENVID_MAX && xtext_check(s, len, 0x20);
}

int dsnparam_take (dsnparam *p, int rcpt, char const *key, size_t keylen, char const *val, size_t vallen)
{
  if (!rcpt && word_is(key, keylen, "RET"))
  {
    if (p->ret) return DSNPARAM_EDUP;
    if (!val) return DSNPARAM_EVALUE;
    p->ret = word_is(val, vallen, "FULL") ? DSN_RET_FULL : word_is(val, vallen, "HDRS") ? DSN_RET_HDRS : 0;
    return p->ret ? DSNPARAM_OK : DSNPARAM_EVALUE;
  }
  if (!rcpt && word_is(key, keylen, "ENVID"))
  {
    if (p->envid) return DSNPARAM_EDUP;
    if (!val || !envid_valid(val, vallen)) return DSNPARAM_EVALUE;
    p->envid = val; p->envidlen = vallen;
    return DSNPARAM_OK;
  }
  if (rcpt && word_is(key, keylen, "NOTIFY"))
  {
    if (p->notify) return DSNPARAM_EDUP;
    if (!val) return DSNPARAM_EVALUE;
    p->notify = notify_scan(val, vallen);
    return p->notify ? DSNPARAM_OK : DSNPARAM_EVALUE;
  }
  if (rcpt && word_is(key, keylen, "ORCPT"))
  {
    if (p->orcpt) return DSNPARAM_EDUP;
    if (!val || !orcpt_valid(val, vallen)) return DSNPARAM_EVALUE;
    p->orcpt = val; p->orcptlen = vallen;
    return DSNPARAM_OK;
  }
  return DSNPARAM_OTHER;
}

char const *dsnparam_error (int r, char const *key, size_t keylen)
{
  int dup = r == DSNPARAM_EDUP;
  if (word_is(key, keylen, "NOTIFY"))
    return dup ? "501 5.5.4 NOTIFY given twice\r\n" : "501 5.5.4 bad NOTIFY value: NEVER, or a list of SUCCESS, FAILURE, DELAY\r\n";
  if (word_is(key, keylen, "ORCPT"))
    return dup ? "501 5.5.4 ORCPT given twice\r\n" : "501 5.5.4 bad ORCPT value: type;xtext, printable US-ASCII, at most 500 characters\r\n";
  if (word_is(key, keylen, "RET"))
    return dup ? "501 5.5.4 RET given twice\r\n" : "501 5.5.4 bad RET value: FULL or HDRS\r\n";
  return dup ? "501 5.5.4 ENVID given twice\r\n" : "501 5.5.4 bad ENVID value: xtext, printable US-ASCII, at most 100 characters\r\n";
}

int dsnparam_fmt (stralloc *sa, dsnparam const *p)
{
  if (p->ret && !stralloc_cats(sa, p->ret == DSN_RET_FULL ? " RET=FULL" : " RET=HDRS")) return 0;
  if (p->envid && !(stralloc_cats(sa, " ENVID=") && stralloc_catb(sa, p->envid, p->envidlen))) return 0;
  if (p->notify)
  {
    static char const *const word[] = { "NEVER", "SUCCESS", "FAILURE", "DELAY" };
    unsigned int i;
    char sep = '=';
    if (!stralloc_cats(sa, " NOTIFY")) return 0;
    for (i = 0; i < 4; i++)
      if (p->notify & (1u << i))
      {
        if (!stralloc_catb(sa, &sep, 1) || !stralloc_cats(sa, word[i])) return 0;
        sep = ',';
      }
  }
  if (p->orcpt && !(stralloc_cats(sa, " ORCPT=") && stralloc_catb(sa, p->orcpt, p->orcptlen))) return 0;
  return 1;
}

int dsnparam_scan (dsnparam *p, int rcpt, char const *s, size_t len)
{
  size_t i = 0;
  dsnparam zero = DSNPARAM_ZERO;
  *p = zero;
  while (i < len)
  {
    char const *sp, *eq;
    size_t n;
    if (s[i] != ' ') return 0;
    i++;
    sp = memchr(s + i, ' ', len - i);
    n = sp ? (size_t)(sp - (s + i)) : len - i;
    eq = memchr(s + i, '=', n);
    if (!eq) return 0;
    if (dsnparam_take(p, rcpt, s + i, eq - (s + i), eq + 1, n - (eq + 1 - (s + i))) != DSNPARAM_OK) return 0;
    i += n;
  }
  return 1;
}
