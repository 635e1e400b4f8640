/* reply_fields.c: a reply's status, MTA name and text (reply_fields.h) */

#include <string.h>
#include "reply_fields.h"

/* The length of an enhanced code "c.sss.ddd" at s (c 2, 4 or 5, one to
   three digits each after), 0 if there is none. */
static size_t enhanced_at (char const *s)
{
  size_t i = 2, n;
  if ((s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.') return 0;
  for (n = 0; n < 3 && s[i] >= '0' && s[i] <= '9'; n++) i++;
  if (!n || s[i++] != '.') return 0;
  for (n = 0; n < 3 && s[i] >= '0' && s[i] <= '9'; n++) i++;
  if (!n || (s[i] >= '0' && s[i] <= '9') || s[i] == '.') return 0;
  return i;
}

/* 1 when p is ": NNN" with NNN the code (three digits). */
static int code_after_colon (char const *p, unsigned int code)
{
  char c[4];
  c[0] = (char)('0' + code / 100 % 10);
  c[1] = (char)('0' + code / 10 % 10);
  c[2] = (char)('0' + code % 10);
  c[3] = 0;
  /* strncmp: stops at the end of a short text */
  return p[0] == ':' && p[1] == ' ' && !strncmp(p + 2, c, 3);
}

/* Where the text names an enhanced code, and its length (0: nowhere). */
static size_t enhanced_in (char const *text, unsigned int code, char const **at)
{
  char const *p;
  size_t n = enhanced_at(text);
  if (n && (!text[n] || text[n] == ' ')) { *at = text; return n; }
  /* qmail: "Sorry, no mailbox here by that name. (#5.1.1)" */
  for (p = strstr(text, "(#"); p; p = strstr(p + 2, "(#"))
    if ((n = enhanced_at(p + 2)) && p[2 + n] == ')') { *at = p + 2; return n; }
  /* ours: "what: 421 4.7.0 text" */
  if (code >= 200 && code <= 599)
    for (p = strchr(text, ':'); p; p = strchr(p + 1, ':'))
      if (code_after_colon(p, code) && p[5] == ' ' && (n = enhanced_at(p + 6)) && (!p[6 + n] || p[6 + n] == ' ')) { *at = p + 6; return n; }
  return 0;
}

/* What a basic code means when the reply says no more (RFC 5321 section
   4.2, RFC 3463, RFC 4954, RFC 7504, RFC 7505). 550 and 554 are left to
   X.0.0: servers use them for everything from an unknown user to a
   policy. 552 is "message too big" in practice (RFC 1870). */
static char const *basic (unsigned int code)
{
  static struct { unsigned int code; char const *status; } const map[] = {
    { 450, "4.2.0" }, { 451, "4.3.0" }, { 454, "4.7.0" },
    { 500, "5.5.2" }, { 501, "5.5.4" }, { 502, "5.5.1" }, { 503, "5.5.1" }, { 504, "5.5.4" },
    { 521, "5.3.2" }, { 530, "5.7.0" }, { 534, "5.7.9" }, { 535, "5.7.8" }, { 538, "5.7.11" },
    { 551, "5.1.6" }, { 552, "5.3.4" }, { 553, "5.1.3" }, { 555, "5.5.4" }, { 556, "5.1.10" },
    { 0, 0 } };
  unsigned int i = 0;
  for (; map[i].code; i++) if (map[i].code == code) return map[i].status;
  return 0;
}

void reply_status (char *s, unsigned int code, char const *text)
{
  char const *at = 0;
  size_t n = text ? enhanced_in(text, code, &at) : 0;
  char cls = code / 100 == 4 ? '4' : code / 100 == 2 ? '2' : '5';
  if (n && n < REPLY_STATUS_MAX)
  {
    memcpy(s, at, n);
    s[n] = 0;
    if (code) s[0] = cls;
    return;
  }
  at = basic(code);
  if (at) { strcpy(s, at); return; }
  s[0] = cls;
  memcpy(s + 1, ".0.0", 5);
}

size_t reply_mta_host (char const *upstream, char const **host)
{
  size_t n;
  if (!upstream) return 0;
  while (*upstream == ' ') upstream++;
  if (*upstream == '[')
  {
    *host = ++upstream;
    n = strcspn(upstream, "],");
    return upstream[n] == ']' ? n : 0;
  }
  *host = upstream;
  return strcspn(upstream, ":, ");
}

int reply_text_once (stralloc *sa, unsigned int code, char const *text)
{
  char const *p;
  if (code >= 100 && code <= 999)
    for (p = strchr(text, ':'); p; p = strchr(p + 1, ':'))
      if (code_after_colon(p, code) && (p[5] == ' ' || !p[5]))
      {
        /* "what: 421" alone: "what" */
        if (!p[5]) return stralloc_catb(sa, text, p - text);
        return stralloc_catb(sa, text, p + 2 - text) && stralloc_cats(sa, p + 6);
      }
  return stralloc_cats(sa, text);
}
