#!/usr/bin/python3
# upstream.py: a real SMTP server (Debian's python3-aiosmtpd) to play the
# upstream smarthost in tests. Run it with /usr/bin/python3 ($PY).
#
# usage: upstream.py --port P --dir D
#          [--cert C --key K [--tls-mode starttls|implicit] [--client-ca F]]
#          [--auth-user U --auth-pass P [--require-auth]]
#          [--mechs 'PLAIN LOGIN CRAM-MD5 XOAUTH2 OAUTHBEARER'] [--auth-token T]
#          [--auth-token-file F]
#          [--size N] [--no-pipelining] [--hostname NAME]
#          [--defer-rcpt REGEX] [--fail-rcpt REGEX] [--fail-data REGEX]
#          [--dsn] [--smtputf8] [--log-options]
#          [--max-conn N] [--data-delay S] [--refuse REPLY] [--fail-reply REPLY]
#
# Listens on 127.0.0.1:P and prints "ready" on stdout once it accepts.
#
#   --cert/--key     certificate and key (PEM); with them the server offers
#                    STARTTLS (--tls-mode starttls, the default) or speaks TLS
#                    from the first byte (--tls-mode implicit, as on port 465)
#   --client-ca F    require a client certificate signed by a CA in F
#                    (PEM): a client without one, or with another, fails
#                    the TLS handshake. A verified client certificate is
#                    logged as "client CN" (after "starttls", or after
#                    "connect" in implicit mode).
#   --auth-user/--auth-pass
#                    the one account AUTH accepts. AUTH is advertised only
#                    once the connection is under TLS (after STARTTLS, or at
#                    once in implicit mode); without --cert it is offered in
#                    clear. LOGIN asks exactly "334 VXNlcm5hbWU6" then
#                    "334 UGFzc3dvcmQ6".
#   --mechs          the mechanisms offered (default "PLAIN LOGIN");
#                    XOAUTH2 and OAUTHBEARER accept --auth-token for the user
#   --auth-token-file F  XOAUTH2 and OAUTHBEARER also accept any token that
#                    is a line of F, read at each AUTH (the tokens that
#                    tests/peers/tokenserver.py issued)
#   --require-auth   MAIL before a successful AUTH gets 530
#   --own-sender     as ISPs do: MAIL FROM other than --auth-user (any
#                    case; the null sender passes) gets 553 5.7.1
#   --size N         advertise SIZE N and refuse larger messages (default:
#                    no SIZE advertised)
#   --no-pipelining  do not advertise PIPELINING (it is advertised by default)
#   --defer-rcpt RE  recipients matching RE (Python regex, search) get 451
#   --fail-rcpt RE   recipients matching RE get 550
#   --fail-data RE   a transaction with a recipient matching RE gets 554 at
#                    the final dot (and is not stored)
#   --dsn            advertise DSN (RFC 3461) and take RET, ENVID, NOTIFY and
#                    ORCPT, logging them as they came ("mail-dsn", "rcpt-dsn";
#                    aiosmtpd itself refuses them with 555). Without it a
#                    client that sends them gets that 555.
#   --smtputf8       offer SMTPUTF8 (aiosmtpd's enable_SMTPUTF8; off by default)
#   --log-options    log each MAIL's parameters as "options P1 P2 ..."
#
# Addresses are written to N.env as UTF-8.
#   --max-conn N     at most N connections at once, as Exim's
#                    smtp_accept_max_per_host: one more gets Exim's "421 Too
#                    many concurrent SMTP connections from this IP address"
#                    as its greeting and is closed (logged "toomany")
#   --data-delay S   wait S seconds (a float) before answering the final
#                    dot: a slow upstream, so that a client's sessions
#                    overlap whatever the speed of the machine
#   --refuse REPLY   every connection gets REPLY (e.g. "421 4.7.0 busy") as
#                    its greeting and is closed (logged "refused")
#   --fail-reply R   the reply --fail-rcpt gives (default "550 5.1.1
#                    <rcpt>: no such user here"), e.g. qmail's "553 sorry,
#                    that domain isn't in my list of allowed rcpthosts (#5.7.1)"
#
# Each accepted message is stored in D as N.env ("F sender" then one
# "T rcpt" line each; "F " alone for the null sender) and N.msg (the bytes
# as received after dot-unstuffing, CRLF line ends kept), N = 1, 2, ...
# N.env is renamed into place last: once it exists, N.msg is complete.
#
# D/log gets one line per event, so tests can count sessions and logins:
#   connect HOST:PORT        a new TCP connection
#   starttls                 a TLS handshake after STARTTLS succeeded
#   client CN                the client certificate's CN (--client-ca)
#   auth ok MECH USER        a successful AUTH
#   auth fail MECH USER      a failed AUTH (USER "-" when none could be read)
#   mail SENDER              a MAIL command accepted
#   mail-dsn PARAMS          (--dsn) the DSN parameters of that MAIL, "-" for none
#   rcpt-dsn RCPT PARAMS     (--dsn) those of a RCPT, "-" for none
#   rset                     an RSET
#   msg N                    message N stored
#   quit                     a QUIT
import argparse
import asyncio
import base64
import hashlib
import hmac
import logging
import os
import re
import ssl
import sys
import time
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

warnings.simplefilter('ignore')
logging.disable(logging.CRITICAL)


class Store:
    """The message directory and its log."""

    def __init__(self, d):
        self.dir = d
        self.n = 0
        while os.path.exists(os.path.join(d, '%d.env' % (self.n + 1))):
            self.n += 1

    def log(self, line):
        with open(os.path.join(self.dir, 'log'), 'a', encoding='utf-8', errors='surrogateescape') as f:
            f.write(line + '\n')

    def save(self, sender, rcpts, data):
        self.n += 1
        base = os.path.join(self.dir, str(self.n))
        with open(base + '.msg', 'wb') as f:
            f.write(data)
        env = 'F %s\n' % ('' if sender == '<>' else sender)
        env += ''.join('T %s\n' % r for r in rcpts)
        with open(base + '.env.tmp', 'w', encoding='utf-8', errors='surrogateescape') as f:
            f.write(env)
        os.rename(base + '.env.tmp', base + '.env')
        self.log('msg %d' % self.n)
        return self.n


class Handler:
    def __init__(self, opts, store):
        self.opts = opts
        self.store = store

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if not self.opts.no_pipelining:
            responses.insert(len(responses) - 1, '250-PIPELINING')
        if self.opts.dsn:
            responses.insert(len(responses) - 1, '250-DSN')
        return responses

    async def handle_MAIL(self, server, session, envelope, address, options):
        o = self.opts
        if o.own_sender and address not in ('', '<>') and address.lower() != (o.auth_user or '').lower():
            self.store.log('refused %s' % address)
            return '553 5.7.1 <%s>: Sender address rejected: not owned by user %s' % (address, o.auth_user)
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        self.store.log('mail %s' % address)
        if self.opts.log_options:
            self.store.log('options %s' % ' '.join(options))
        return '250 OK'

    async def handle_RCPT(self, server, session, envelope, address, options):
        o = self.opts
        self.store.log('rcpt %s' % address)
        if o.fail_rcpt and re.search(o.fail_rcpt, address):
            return o.fail_reply or '550 5.1.1 <%s>: no such user here' % address
        if o.defer_rcpt and re.search(o.defer_rcpt, address):
            return '451 4.3.0 <%s>: try again later' % address
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_RSET(self, server, session, envelope):
        self.store.log('rset')
        return '250 OK'

    async def handle_QUIT(self, server, session, envelope):
        self.store.log('quit')
        return '221 Bye'

    async def handle_DATA(self, server, session, envelope):
        o = self.opts
        if o.fail_data and any(re.search(o.fail_data, r) for r in envelope.rcpt_tos):
            return '554 5.7.1 message refused'
        if o.data_delay:
            await asyncio.sleep(o.data_delay)
        n = self.store.save(envelope.mail_from, envelope.rcpt_tos,
                            envelope.original_content)
        return '250 OK queued as %d' % n

    def handle_STARTTLS(self, server, session, envelope):
        self.store.log('starttls')
        log_client(self.store, (session.ssl or {}).get('peercert'))
        return True

    # Mechanisms aiosmtpd does not have: CRAM-MD5 (RFC 2195), XOAUTH2,
    # OAUTHBEARER (RFC 7628). Method names map "__" to "-".
    async def auth_CRAM__MD5(self, server, args):
        challenge = '<%d.%d@upstream.test>' % (os.getpid(), int(time.time()))
        resp = await server.challenge_auth(challenge)
        if not isinstance(resp, bytes):
            return self.fail(server, 'CRAM-MD5', '-')
        user, _, digest = resp.partition(b' ')
        want = hmac.new(self.opts.auth_pass.encode(), challenge.encode(),
                        hashlib.md5).hexdigest().encode()
        good = user == self.opts.auth_user.encode() and hmac.compare_digest(digest, want)
        return self.result(server, 'CRAM-MD5', user, good)

    async def auth_XOAUTH2(self, server, args):
        return await self.bearer(server, args, 'XOAUTH2')

    async def auth_OAUTHBEARER(self, server, args):
        return await self.bearer(server, args, 'OAUTHBEARER')

    async def bearer(self, server, args, mech):
        if len(args) > 1:
            try:
                blob = base64.b64decode(args[1], validate=True)
            except Exception:
                return self.fail(server, mech, '-')
        else:
            blob = await server.challenge_auth('')
            if not isinstance(blob, bytes):
                return self.fail(server, mech, '-')
        fields = blob.split(b'\x01')
        user = b'-'
        token = None
        for f in fields:
            if f.startswith(b'user='):
                user = f[5:]
            elif f.startswith(b'n,a='):
                # the GS2 authzid, a saslname: ',' and '=' come as =2C, =3D
                user = f[4:].split(b',')[0].replace(b'=2C', b',').replace(b'=3D', b'=')
            elif f.startswith(b'auth=Bearer '):
                token = f[12:]
        good = (user == self.opts.auth_user.encode() and token is not None
                and token in self.tokens())
        if not good:
            # Both mechanisms answer a failure with a 334 JSON error and wait
            # for an empty line before the final 535.
            err = b'{"status":"invalid_token","schema":"bearer"}'
            await server.challenge_auth(err)
        return self.result(server, mech, user, good)

    def tokens(self):
        t = set()
        if self.opts.auth_token is not None:
            t.add(self.opts.auth_token.encode())
        if self.opts.auth_token_file:
            try:
                with open(self.opts.auth_token_file, 'rb') as f:
                    t.update(line.strip() for line in f if line.strip())
            except OSError:
                pass
        return t

    def result(self, server, mech, user, good):
        u = user.decode('utf-8', 'replace') if isinstance(user, bytes) else user
        self.store.log('auth %s %s %s' % ('ok' if good else 'fail', mech, u or '-'))
        if good:
            return AuthResult(success=True, auth_data=LoginPassword(user, b''))
        return AuthResult(success=False, handled=False)

    def fail(self, server, mech, user):
        return self.result(server, mech, user, False)


def log_client(store, cert):
    # only a verified certificate reaches here (CERT_REQUIRED)
    if cert:
        cn = [v for rdn in cert.get('subject', ()) for k, v in rdn if k == 'commonName']
        store.log('client %s' % (cn[0] if cn else '-'))


class Upstream(SMTP):
    # RFC draft-murchison-sasl-login: what real servers send ("Username:",
    # "Password:"), rather than aiosmtpd's "User Name\0".
    AuthLoginUsernameChallenge = 'Username:'
    AuthLoginPasswordChallenge = 'Password:'

    def __init__(self, handler, store, dsn=False, **kw):
        self.store = store
        self.dsn = dsn
        super().__init__(handler, **kw)

    def dsn_strip(self, arg, keys):
        """arg without the DSN parameters keys, and those, as sent."""
        if not self.dsn or arg is None:
            return arg, ''
        words = arg.split(' ')
        got = [w for w in words if w.split('=', 1)[0].upper() in keys]
        return ' '.join(w for w in words if w not in got), ' '.join(got)

    async def smtp_MAIL(self, arg):
        arg, got = self.dsn_strip(arg, ('RET', 'ENVID'))
        if self.dsn:
            self.store.log('mail-dsn %s' % (got or '-'))
        await super().smtp_MAIL(arg)

    async def smtp_RCPT(self, arg):
        arg, got = self.dsn_strip(arg, ('NOTIFY', 'ORCPT'))
        if self.dsn:
            self.store.log('rcpt-dsn %s %s' % ((arg or '').split(' ')[0].split(':', 1)[-1], got or '-'))
        await super().smtp_RCPT(arg)
    open_now = 0
    max_conn = 0
    refuse = None

    def connection_made(self, transport):
        if self._original_transport is None:
            self.refused = self.counted = False
        if self._original_transport is None and self.refuse:
            self.refused = True
            self.store.log('refused')
            transport.write(self.refuse.encode() + b'\r\n')
            transport.close()
            return
        if self._original_transport is None and self.max_conn and Upstream.open_now >= self.max_conn:
            self.refused = True
            self.store.log('toomany')
            transport.write(b'421 upstream.test Too many concurrent SMTP connections from this IP address; please try again later.\r\n')
            transport.close()
            return
        if self._original_transport is None:
            Upstream.open_now += 1
            self.counted = True
            peer = transport.get_extra_info('peername')
            self.store.log('connect %s:%s' % (peer[0], peer[1]) if peer else 'connect -')
            # implicit TLS: the handshake is done before the protocol starts
            log_client(self.store, transport.get_extra_info('peercert'))
        super().connection_made(transport)

    def connection_lost(self, exc):
        if self.refused:
            return
        if self.counted:
            Upstream.open_now -= 1
            self.counted = False
        super().connection_lost(exc)


def main():
    p = argparse.ArgumentParser(description='SMTP upstream for tests')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--dir', required=True)
    p.add_argument('--cert')
    p.add_argument('--key')
    p.add_argument('--tls-mode', choices=('starttls', 'implicit'), default='starttls')
    p.add_argument('--client-ca')
    p.add_argument('--auth-user')
    p.add_argument('--auth-pass')
    p.add_argument('--auth-token')
    p.add_argument('--auth-token-file')
    p.add_argument('--mechs', default='PLAIN LOGIN')
    p.add_argument('--require-auth', action='store_true')
    p.add_argument('--own-sender', action='store_true')
    p.add_argument('--size', type=int, default=0)
    p.add_argument('--no-pipelining', action='store_true')
    p.add_argument('--hostname', default='upstream.test')
    p.add_argument('--defer-rcpt')
    p.add_argument('--fail-rcpt')
    p.add_argument('--fail-data')
    p.add_argument('--dsn', action='store_true')
    p.add_argument('--smtputf8', action='store_true')
    p.add_argument('--log-options', action='store_true')
    p.add_argument('--max-conn', type=int, default=0)
    p.add_argument('--data-delay', type=float, default=0)
    p.add_argument('--refuse')
    p.add_argument('--fail-reply')
    o = p.parse_args()
    if o.auth_pass is None:
        o.auth_pass = ''
    store = Store(o.dir)
    handler = Handler(o, store)
    Upstream.max_conn = o.max_conn
    Upstream.refuse = o.refuse

    ctx = None
    if o.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(o.cert, o.key)
        if o.client_ca:
            ctx.load_verify_locations(o.client_ca)
            ctx.verify_mode = ssl.CERT_REQUIRED
    implicit = ctx is not None and o.tls_mode == 'implicit'
    offered = set(o.mechs.split())
    every = {'PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2', 'OAUTHBEARER'}

    def authenticator(server, session, envelope, mechanism, data):
        good = (isinstance(data, LoginPassword) and o.auth_user is not None
                and data.login == o.auth_user.encode()
                and data.password == o.auth_pass.encode())
        user = data.login.decode('utf-8', 'replace') if isinstance(data, LoginPassword) else '-'
        store.log('auth %s %s %s' % ('ok' if good else 'fail', mechanism, user or '-'))
        # handled=False: aiosmtpd then answers the 535 itself
        return AuthResult(success=good, handled=False, auth_data=data if good else None)

    def factory():
        kw = dict(hostname=o.hostname, ident='upstream.py',
                  data_size_limit=o.size or None,
                  tls_context=None if implicit else ctx,
                  auth_required=o.require_auth,
                  # AUTH only under TLS when there is TLS; in implicit mode
                  # the whole connection is TLS already.
                  auth_require_tls=(ctx is not None and not implicit),
                  auth_exclude_mechanism=list(every - offered),
                  authenticator=authenticator if o.auth_user is not None else None,
                  enable_SMTPUTF8=o.smtputf8,
                  timeout=60)
        return Upstream(handler, store, dsn=o.dsn, **kw)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        factory, host='127.0.0.1', port=o.port, ssl=ctx if implicit else None,
        reuse_address=True))
    print('ready', flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == '__main__':
    main()
