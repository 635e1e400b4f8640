#!/usr/bin/python3
# tokenserver.py: an OAuth 2.0 authorization server for tests, over HTTPS
# (Python's http.server and ssl), playing Microsoft's identity platform.
# Run it with /usr/bin/python3 ($PY).
#
# usage: tokenserver.py --port P --dir D --cert C --key K --client-id ID
#          [--secret-file F] [--client-cert F] [--refresh-file F]
#          [--rotate] [--expires N] [--interval N] [--slow-down]
#
# Listens on 127.0.0.1:P and prints "ready" on stdout once it accepts.
#
#   --secret-file F   the client secret (one line) that /token accepts
#   --client-cert F   a certificate (PEM): /token accepts a client assertion
#                     (RFC 7523) signed RS256 by its key, with its SHA-1
#                     thumbprint as x5t, iss and sub the client id, aud the
#                     token URL (https://localhost:P/token)
#   --refresh-file F  a refresh token (one line) that /token accepts
#   --rotate          each refresh grant gives a new refresh token; old ones
#                     stay valid, as Microsoft's do until they expire
#   --expires N       expires_in of the access tokens (default 3600)
#   --interval N      the device flow's polling interval (default 1)
#   --slow-down       the first poll of each device sign-in gets slow_down
#
# Endpoints:
#   POST /token       grant_type client_credentials, refresh_token,
#                     authorization_code (PKCE S256 checked),
#                     urn:ietf:params:oauth:grant-type:device_code
#   POST /devicecode  RFC 8628 3.2; the person is played by
#   GET  /device?user_code=X   which approves the sign-in (&deny=1: declines)
#   GET  /authorize   RFC 6749 4.1.1 with PKCE: redirects (302) at once to
#                     redirect_uri with a code and the state
#
# D/mode, read at every request, changes the answers of /token: "slow"
# (logs "slow", then a normal answer after 3 s), "garbage"
# (200 that is not JSON), "down" (503, an HTML page), "echo" (400 whose
# error_description echoes the request, secrets and all), or an OAuth2
# error code (invalid_client, invalid_grant, ...: 400 with it).
# D/revoked: refresh tokens (one a line) that are refused (invalid_grant).
# D/tokens gets every access token issued, one a line (upstream.py
# --auth-token-file reads it). D/log gets one line per request:
#   scope SCOPE (before the token line of the same request)
#   token GRANT ok|ERROR [secret|assertion|public]
#   devicecode | device approve | authorize | GET PATH
import argparse
import base64
import hashlib
import json
import os
import secrets
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes


class State:
    def __init__(self, o):
        self.o = o
        self.lock = threading.Lock()
        self.refresh = set()
        if o.refresh_file:
            self.refresh.add(open(o.refresh_file).read().strip())
        self.secret = open(o.secret_file).read().strip() if o.secret_file else None
        self.cert = None
        if o.client_cert:
            self.cert = x509.load_pem_x509_certificate(open(o.client_cert, 'rb').read())
        self.devices = {}     # device_code -> {'user_code', 'approved'}
        self.codes = {}       # code -> (challenge, redirect_uri)

    def path(self, name):
        return os.path.join(self.o.dir, name)

    def log(self, line):
        with self.lock, open(self.path('log'), 'a') as f:
            f.write(line + '\n')

    def read(self, name):
        try:
            return open(self.path(name)).read()
        except OSError:
            return ''


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b'=').decode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *a):
        pass

    def answer(self, code, body, ctype='application/json', extra=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def error(self, code, err, desc=''):
        self.answer(code, json.dumps({'error': err, 'error_description': desc}))

    def form(self):
        n = int(self.headers.get('Content-Length', 0))
        raw = self.rfile.read(n).decode()
        return raw, {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}

    def do_POST(self):
        S = self.server.state
        raw, f = self.form()
        if self.path == '/devicecode':
            return self.devicecode(S, f)
        if self.path != '/token':
            return self.answer(404, 'no')
        grant = f.get('grant_type', '-')
        S.log('scope %s' % f.get('scope', '-'))
        mode = S.read('mode').strip()
        if mode == 'slow':
            # time for a test to look at the client while it waits
            S.log('slow')
            time.sleep(3)
            mode = ''
        if mode == 'garbage':
            S.log('token %s garbage' % grant)
            return self.answer(200, '<html>Service Unavailable</html>', 'text/html')
        if mode == 'down':
            S.log('token %s down' % grant)
            return self.answer(503, '<html>503</html>', 'text/html')
        if mode == 'echo':
            S.log('token %s echo' % grant)
            return self.error(400, 'invalid_request', 'AADSTS900144: you sent ' + raw)
        if mode:
            S.log('token %s %s' % (grant, mode))
            return self.error(400, mode, 'AADSTS7000215: Invalid client secret provided.')
        how = self.client_auth(S, f)
        if not how:
            S.log('token %s invalid_client' % grant)
            return self.error(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.')
        self.grant(S, grant, f, how)

    def client_auth(self, S, f):
        if f.get('client_id') != S.o.client_id:
            return None
        a = f.get('client_assertion')
        if a is not None:
            return 'assertion' if self.assertion_ok(S, a, f) else None
        s = f.get('client_secret')
        if s is not None:
            return 'secret' if S.secret and secrets.compare_digest(s, S.secret) else None
        # a public client (device flow, PKCE) authenticates with nothing
        return 'public' if f.get('grant_type') != 'client_credentials' else None

    def assertion_ok(self, S, a, f):
        if f.get('client_assertion_type') != 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' or not S.cert:
            return False
        try:
            h = jwt.get_unverified_header(a)
            c = jwt.decode(a, S.cert.public_key(), algorithms=['RS256'],
                           audience='https://localhost:%d/token' % S.o.port)
        except Exception as e:
            S.log('assertion refused: %s' % type(e).__name__)
            return False
        thumb = b64url(S.cert.fingerprint(hashes.SHA1()))
        return (h.get('x5t') == thumb and c.get('iss') == S.o.client_id
                and c.get('sub') == S.o.client_id and 'jti' in c and c['exp'] - c['nbf'] <= 3600)

    def grant(self, S, grant, f, how):
        new_refresh = None
        if grant == 'client_credentials':
            pass
        elif grant == 'refresh_token':
            rt = f.get('refresh_token', '')
            revoked = S.read('revoked').split()
            if rt not in S.refresh or rt in revoked:
                S.log('token %s invalid_grant' % grant)
                return self.error(400, 'invalid_grant', 'AADSTS70008: The refresh token has expired.')
            if S.o.rotate:
                new_refresh = 'rt-' + secrets.token_hex(8)
        elif grant == 'authorization_code':
            c = S.codes.pop(f.get('code', ''), None)
            v = f.get('code_verifier', '')
            if not c or b64url(hashlib.sha256(v.encode()).digest()) != c[0] or f.get('redirect_uri') != c[1]:
                S.log('token %s invalid_grant' % grant)
                return self.error(400, 'invalid_grant', 'AADSTS501481: The Code_Verifier does not match.')
            new_refresh = 'rt-' + secrets.token_hex(8)
        elif grant == 'urn:ietf:params:oauth:grant-type:device_code':
            d = S.devices.get(f.get('device_code', ''))
            if not d:
                S.log('token device expired_token')
                return self.error(400, 'expired_token')
            if d['approved'] == 'denied':
                S.log('token device access_denied')
                return self.error(400, 'access_denied')
            if not d['approved'] and S.o.slow_down and not d.get('slowed'):
                d['slowed'] = True
                S.log('token device slow_down')
                return self.error(400, 'slow_down')
            if not d['approved']:
                S.log('token device authorization_pending')
                return self.error(400, 'authorization_pending')
            del S.devices[f['device_code']]
            new_refresh = 'rt-' + secrets.token_hex(8)
        else:
            S.log('token %s unsupported_grant_type' % grant)
            return self.error(400, 'unsupported_grant_type')
        at = 'at-' + secrets.token_hex(12)
        with S.lock, open(S.path('tokens'), 'a') as t:
            t.write(at + '\n')
        body = {'token_type': 'Bearer', 'expires_in': S.o.expires, 'access_token': at}
        if new_refresh:
            S.refresh.add(new_refresh)
            body['refresh_token'] = new_refresh
        S.log('token %s ok %s' % ('device' if grant.startswith('urn:') else grant, how))
        self.answer(200, json.dumps(body))

    def devicecode(self, S, f):
        if f.get('client_id') != S.o.client_id:
            return self.error(400, 'invalid_client')
        dc, uc = secrets.token_hex(16), secrets.token_hex(4).upper()
        S.devices[dc] = {'user_code': uc, 'approved': False}
        S.log('devicecode %s' % f.get('scope', '-'))
        self.answer(200, json.dumps({
            'device_code': dc, 'user_code': uc, 'expires_in': 60, 'interval': S.o.interval,
            'verification_uri': 'https://127.0.0.1:%d/device' % S.o.port,
            'message': 'To sign in, use a web browser to open the page and enter the code.'}))

    def do_GET(self):
        S = self.server.state
        u = urllib.parse.urlparse(self.path)
        q = {k: v[0] for k, v in urllib.parse.parse_qs(u.query).items()}
        if u.path == '/device':
            for d in S.devices.values():
                if d['user_code'] == q.get('user_code'):
                    d['approved'] = 'denied' if q.get('deny') else True
                    S.log('device %s' % ('deny' if q.get('deny') else 'approve'))
                    return self.answer(200, 'denied' if q.get('deny') else 'approved', 'text/plain')
            return self.answer(404, 'no such code', 'text/plain')
        if u.path == '/authorize':
            return self.authorize(S, q)
        S.log('GET %s' % u.path)
        self.answer(404, 'no', 'text/plain')

    def authorize(self, S, q):
        ok = (q.get('client_id') == S.o.client_id and q.get('response_type') == 'code'
              and q.get('code_challenge_method') == 'S256' and len(q.get('code_challenge', '')) == 43
              and q.get('redirect_uri', '').startswith('http://127.0.0.1:'))
        S.log('authorize %s' % ('ok' if ok else 'refused'))
        if not ok:
            return self.answer(400, 'bad request', 'text/plain')
        code = secrets.token_hex(10)
        S.codes[code] = (q['code_challenge'], q['redirect_uri'])
        loc = q['redirect_uri'] + '?' + urllib.parse.urlencode({'code': code, 'state': q.get('state', '')})
        self.answer(302, '', 'text/plain', [('Location', loc)])


def main():
    p = argparse.ArgumentParser(description='OAuth2 token endpoint for tests')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--dir', required=True)
    p.add_argument('--cert', required=True)
    p.add_argument('--key', required=True)
    p.add_argument('--client-id', required=True)
    p.add_argument('--secret-file')
    p.add_argument('--client-cert')
    p.add_argument('--refresh-file')
    p.add_argument('--rotate', action='store_true')
    p.add_argument('--expires', type=int, default=3600)
    p.add_argument('--interval', type=int, default=1)
    p.add_argument('--slow-down', action='store_true')
    o = p.parse_args()
    srv = ThreadingHTTPServer(('127.0.0.1', o.port), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(o.cert, o.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.state = State(o)
    print('ready', flush=True)
    srv.serve_forever()


if __name__ == '__main__':
    main()
