/* sink: a fast SMTP upstream for the benchmark and the fault tests.
 *
 * It plays the provider's submission server: ESMTP with PIPELINING, SIZE,
 * 8BITMIME, optional STARTTLS (libtls), and AUTH PLAIN/LOGIN checked against
 * one user and password; MAIL before a successful AUTH gets 530. Every
 * message is read to its final dot and thrown away; the counts (messages,
 * recipients, dropped messages) are rewritten in place in COUNTFILE after
 * each message, so a script can poll them with cat. A thread per connection: the relays under
 * test open few upstream sessions and keep them.
 *
 *   sink [-t cert,key] [-a user:password] [-x N] [-m FILE] PORT COUNTFILE
 *
 * -t   offer STARTTLS with this certificate and key; AUTH only after TLS
 * -a   require AUTH with these credentials
 * -x   for the first N messages, read the data and drop the connection
 *      without replying to the final dot (an upstream that accepted, then
 *      failed); those messages are not counted
 * -m   append each counted message's Message-ID line to FILE
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <tls.h>

#define LINEMAX 4096

static struct tls_config *tlscfg;
static struct tls *tlsserver;
static char const *authuser, *authpass;
static int countfd = -1;
static FILE *midfile;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long nmsg, nrcpt, dropleft, ndrop;

typedef struct conn_s conn;
struct conn_s
{
  int fd;
  struct tls *tls;
  char rbuf[65536];
  size_t rpos, rlen;
  char wbuf[8192];
  size_t wlen;
};

static int conn_fill (conn *c)
{
  ssize_t r;
  for (;;)
  {
    r = c->tls ? tls_read(c->tls, c->rbuf, sizeof c->rbuf) : read(c->fd, c->rbuf, sizeof c->rbuf);
    if (c->tls && (r == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT)) continue;
    if (r < 0 && !c->tls && errno == EINTR) continue;
    break;
  }
  if (r <= 0) return -1;
  c->rpos = 0; c->rlen = (size_t)r;
  return 0;
}

static int conn_flush (conn *c)
{
  size_t w = 0;
  while (w < c->wlen)
  {
    ssize_t r = c->tls ? tls_write(c->tls, c->wbuf + w, c->wlen - w) : write(c->fd, c->wbuf + w, c->wlen - w);
    if (c->tls && (r == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT)) continue;
    if (r < 0 && !c->tls && errno == EINTR) continue;
    if (r <= 0) return -1;
    w += (size_t)r;
  }
  c->wlen = 0;
  return 0;
}

/* Replies are buffered while pipelined commands are waiting in the read
   buffer, and flushed before we would block: RFC 2920 section 3.1. */
static int conn_put (conn *c, char const *s)
{
  size_t n = strlen(s);
  if (c->wlen + n > sizeof c->wbuf && conn_flush(c) < 0) return -1;
  memcpy(c->wbuf + c->wlen, s, n);
  c->wlen += n;
  return 0;
}

/* One line without its CRLF into line; -1 on EOF or a line too long. */
static int conn_getline (conn *c, char *line, size_t *len)
{
  size_t n = 0;
  for (;;)
  {
    if (c->rpos >= c->rlen)
    {
      if (c->wlen && conn_flush(c) < 0) return -1;
      if (conn_fill(c) < 0) return -1;
    }
    char ch = c->rbuf[c->rpos++];
    if (ch == '\n') break;
    if (n >= LINEMAX - 1) return -1;
    line[n++] = ch;
  }
  if (n && line[n-1] == '\r') n--;
  line[n] = 0;
  *len = n;
  return 0;
}

static void count_write (void)
{
  char s[96];
  int n = snprintf(s, sizeof s, "%20lu %20lu %20lu\n", nmsg, nrcpt, ndrop);
  if (pwrite(countfd, s, (size_t)n, 0) != n) perror("sink: write count");
}

static int b64val (int ch)
{
  if (ch >= 'A' && ch <= 'Z') return ch - 'A';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9') return ch - '0' + 52;
  if (ch == '+') return 62;
  if (ch == '/') return 63;
  return -1;
}

/* A small independent decoder: the sink must not share code with what it tests. */
static ssize_t b64dec (char const *s, char *out, size_t max)
{
  size_t n = 0;
  unsigned int acc = 0;
  int bits = 0;
  for (; *s && *s != '='; s++)
  {
    int v = b64val((unsigned char)*s);
    if (v < 0) return -1;
    acc = (acc << 6) | (unsigned int)v; bits += 6;
    if (bits >= 8) { bits -= 8; if (n >= max) return -1; out[n++] = (char)(acc >> bits); acc &= (1u << bits) - 1; }
  }
  return (ssize_t)n;
}

static int check_plain (char const *b64)
{
  char buf[1024];
  ssize_t n = b64dec(b64, buf, sizeof buf - 1);
  if (n < 0) return 0;
  buf[n] = 0;
  char const *authz = buf;
  char const *user = authz + strlen(authz) + 1;
  if (user >= buf + n) return 0;
  char const *pass = user + strlen(user) + 1;
  if (pass > buf + n) return 0;
  return !strcmp(user, authuser) && (size_t)(pass - buf) + strlen(authpass) == (size_t)n && !memcmp(pass, authpass, strlen(authpass));
}

static int check_login (conn *c, char *line)
{
  char u[512], p[512];
  size_t len;
  ssize_t n;
  if (conn_put(c, "334 VXNlcm5hbWU6\r\n") < 0 || conn_getline(c, line, &len) < 0) return -1;
  n = b64dec(line, u, sizeof u - 1); if (n < 0) return 0; u[n] = 0;
  if (conn_put(c, "334 UGFzc3dvcmQ6\r\n") < 0 || conn_getline(c, line, &len) < 0) return -1;
  n = b64dec(line, p, sizeof p - 1); if (n < 0) return 0; p[n] = 0;
  return !strcmp(u, authuser) && !strcmp(p, authpass);
}

static int do_ehlo (conn *c, int helo)
{
  if (helo) return conn_put(c, "250 sink\r\n");
  conn_put(c, "250-sink\r\n250-PIPELINING\r\n250-SIZE 104857600\r\n250-8BITMIME\r\n");
  if (tlscfg && !c->tls) conn_put(c, "250-STARTTLS\r\n");
  if (authuser && (!tlscfg || c->tls)) conn_put(c, "250-AUTH PLAIN LOGIN\r\n");
  return conn_put(c, "250 ENHANCEDSTATUSCODES\r\n");
}

/* Reads the message up to the final dot. Returns 0, -1 on EOF. */
static int do_data (conn *c, char *line, char *mid)
{
  size_t len;
  int inheader = 1;
  mid[0] = 0;
  for (;;)
  {
    if (conn_getline(c, line, &len) < 0) return -1;
    if (len == 1 && line[0] == '.') return 0;
    if (inheader && !len) inheader = 0;
    if (inheader && !mid[0] && !strncasecmp(line, "Message-ID:", 11)) snprintf(mid, 512, "%.500s", line);
  }
}

static int do_starttls (conn *c)
{
  if (conn_put(c, "220 2.0.0 go ahead\r\n") < 0 || conn_flush(c) < 0) return -1;
  if (c->rpos < c->rlen) return -1;  /* RFC 3207 5: no pipelining past STARTTLS */
  if (tls_accept_socket(tlsserver, &c->tls, c->fd) < 0) return -1;
  if (tls_handshake(c->tls) < 0) return -1;
  return 0;
}

static void session (conn *c)
{
  char line[LINEMAX], mid[512];
  size_t len;
  int authed = !authuser, inmail = 0, rcpts = 0;
  if (conn_put(c, "220 sink ESMTP\r\n") < 0) return;
  while (conn_getline(c, line, &len) == 0)
  {
    char const *cmd = line;
    if (!strncasecmp(cmd, "EHLO", 4) || !strncasecmp(cmd, "HELO", 4)) { inmail = 0; rcpts = 0; do_ehlo(c, cmd[0] == 'H' || cmd[0] == 'h'); }
    else if (!strncasecmp(cmd, "STARTTLS", 8) && tlscfg && !c->tls) { if (do_starttls(c) < 0) return; authed = !authuser; inmail = 0; }
    else if (!strncasecmp(cmd, "AUTH PLAIN", 10) && authuser && !authed)
    {
      char const *tok = cmd + 10;
      while (*tok == ' ') tok++;
      if (!*tok)
      {
        if (conn_put(c, "334 \r\n") < 0 || conn_getline(c, line, &len) < 0) return;
        tok = line;
      }
      authed = check_plain(tok);
      conn_put(c, authed ? "235 2.7.0 ok\r\n" : "535 5.7.8 bad credentials\r\n");
    }
    else if (!strncasecmp(cmd, "AUTH LOGIN", 10) && authuser && !authed)
    {
      int r = check_login(c, line);
      if (r < 0) return;
      authed = r;
      conn_put(c, authed ? "235 2.7.0 ok\r\n" : "535 5.7.8 bad credentials\r\n");
    }
    else if (!strncasecmp(cmd, "MAIL FROM:", 10))
    {
      if (!authed) conn_put(c, "530 5.7.0 authentication required\r\n");
      else if (inmail) conn_put(c, "503 5.5.1 nested MAIL\r\n");
      else { inmail = 1; rcpts = 0; conn_put(c, "250 2.1.0 ok\r\n"); }
    }
    else if (!strncasecmp(cmd, "RCPT TO:", 8))
    {
      if (!inmail) conn_put(c, "503 5.5.1 MAIL first\r\n");
      else { rcpts++; conn_put(c, "250 2.1.5 ok\r\n"); }
    }
    else if (!strncasecmp(cmd, "DATA", 4))
    {
      int drop = 0;
      if (!inmail || !rcpts) { conn_put(c, "554 5.5.1 no valid recipients\r\n"); continue; }
      if (conn_put(c, "354 go ahead\r\n") < 0) return;
      if (do_data(c, line, mid) < 0) return;
      pthread_mutex_lock(&lock);
      if (dropleft) { dropleft--; ndrop++; drop = 1; count_write(); }
      else
      {
        nmsg++; nrcpt += (unsigned long)rcpts; count_write();
        if (midfile && mid[0]) { fprintf(midfile, "%s\n", mid); fflush(midfile); }
      }
      pthread_mutex_unlock(&lock);
      if (drop) return;
      inmail = 0; rcpts = 0;
      conn_put(c, "250 2.0.0 ok\r\n");
    }
    else if (!strncasecmp(cmd, "RSET", 4)) { inmail = 0; rcpts = 0; conn_put(c, "250 2.0.0 ok\r\n"); }
    else if (!strncasecmp(cmd, "NOOP", 4)) conn_put(c, "250 2.0.0 ok\r\n");
    else if (!strncasecmp(cmd, "QUIT", 4)) { conn_put(c, "221 2.0.0 bye\r\n"); conn_flush(c); return; }
    else conn_put(c, "502 5.5.2 unknown command\r\n");
  }
}

static void *thread_main (void *p)
{
  conn *c = p;
  session(c);
  if (c->tls) { tls_close(c->tls); tls_free(c->tls); }
  close(c->fd);
  free(c);
  return 0;
}

static void usage (void)
{
  fputs("usage: sink [-t cert,key] [-a user:password] [-x N] [-m FILE] PORT COUNTFILE\n", stderr);
  exit(100);
}

static void setup_tls (char *arg)
{
  char *key = strchr(arg, ',');
  if (!key) usage();
  *key++ = 0;
  if (tls_init() < 0 || !(tlscfg = tls_config_new()) || !(tlsserver = tls_server())) exit(111);
  if (tls_config_set_cert_file(tlscfg, arg) < 0 || tls_config_set_key_file(tlscfg, key) < 0
   || tls_configure(tlsserver, tlscfg) < 0)
  {
    fprintf(stderr, "sink: tls: %s\n", tls_error(tlsserver) ? tls_error(tlsserver) : tls_config_error(tlscfg));
    exit(111);
  }
}

int main (int argc, char **argv)
{
  int opt, s, one = 1;
  struct sockaddr_in sa;
  while ((opt = getopt(argc, argv, "t:a:x:m:")) != -1)
  {
    switch (opt)
    {
      case 't': setup_tls(optarg); break;
      case 'a':
      {
        char *p = strchr(optarg, ':');
        if (!p) usage();
        *p = 0; authuser = optarg; authpass = p + 1;
        break;
      }
      case 'x': dropleft = strtoul(optarg, 0, 10); break;
      case 'm': if (!(midfile = fopen(optarg, "a"))) { perror("sink: open"); exit(111); } break;
      default: usage();
    }
  }
  if (argc - optind != 2) usage();
  signal(SIGPIPE, SIG_IGN);
  countfd = open(argv[optind + 1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (countfd < 0) { perror("sink: open countfile"); exit(111); }
  count_write();
  s = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)atoi(argv[optind]));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s, 1024) < 0) { perror("sink: listen"); exit(111); }
  for (;;)
  {
    pthread_t t;
    pthread_attr_t attr;
    int fd = accept(s, 0, 0);
    if (fd < 0) { if (errno == EINTR || errno == ECONNABORTED) continue; perror("sink: accept"); exit(111); }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    conn *c = calloc(1, sizeof *c);
    if (!c) { close(fd); continue; }
    c->fd = fd;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    if (pthread_create(&t, &attr, thread_main, c)) { close(fd); free(c); }
    pthread_attr_destroy(&attr);
  }
}
