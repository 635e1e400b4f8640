#!/bin/sh
# smarthost-smtpd and SMTPUTF8 (RFC 6531), both ways, with python3's
# smtplib as the client: advertised with 8BITMIME; a UTF-8 address is
# taken only on a MAIL with SMTPUTF8, and then only well formed (no
# overlong form, surrogate or control); without it 553 5.6.7 (RFC 6531
# 3.5), never queued; the flag reaches the spool (the U line) in-process
# and through QMAILQUEUE; and the one rule holds for random addresses.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/smtpd-lib.sh"
plan 19

SMTPD_MAXERRORS=100000
export SMTPD_MAXERRORS
start_smtpd relay

cat > "$T/c.py" <<'EOS'
import smtplib, socket, sys, random
port = int(sys.argv[1]); what = sys.argv[2]

def raw(cmds):
    """The replies (first line each) to exact byte commands after EHLO."""
    s = socket.create_connection(("127.0.0.1", port), 10)
    f = s.makefile("rb")
    def reply():
        while True:
            l = f.readline()
            if not l: raise EOFError
            if l[3:4] != b"-": return l.rstrip(b"\r\n").decode("latin-1")
    reply()
    s.sendall(b"EHLO client.test\r\n"); reply()
    out = []
    for c in cmds:
        s.sendall(c + b"\r\n"); out.append(reply())
    s.sendall(b"QUIT\r\n"); s.close()
    return out

if what == "ehlo":
    c = smtplib.SMTP("127.0.0.1", port); c.ehlo("client.test")
    print("smtputf8" if c.has_extn("smtputf8") else "-", "8bitmime" if c.has_extn("8bitmime") else "-")
    c.quit()
elif what == "send":
    # smtplib itself: sendmail() with SMTPUTF8 sends the addresses as UTF-8
    fr, to, opts = sys.argv[3], sys.argv[4], sys.argv[5:]
    msg = ("From: <%s>\r\nTo: <%s>\r\nSubject: gr\u00fc\u00dfe\r\n\r\nHall\u00f6.\r\n" % (fr, to)).encode()
    c = smtplib.SMTP("127.0.0.1", port); c.ehlo("client.test")
    try:
        c.sendmail(fr, [to], msg, mail_options=opts)
        print("250")
    except smtplib.SMTPSenderRefused as e: print(e.smtp_code, e.smtp_error.decode())
    except smtplib.SMTPRecipientsRefused as e:
        for k, v in e.recipients.items(): print(v[0], v[1].decode())
    c.quit()
elif what == "raw":
    for r in raw([eval("b'" + a + "'") for a in sys.argv[3:]]): print(r)
elif what == "random":
    # random local parts, each tried with and without SMTPUTF8; the one
    # rule: without it ASCII only (553 5.6.7 for the rest); with it, what
    # Python's strict decoder takes and has no control character (C0,
    # DEL, C1)
    rng = random.Random(int(sys.argv[3])); n = int(sys.argv[4]); bad = 0
    pool = [b"a", b"\xc3\xb6", b"\xe4\xbd\xa0", b"\xf0\x9f\x90\xb1", b"\xc0\xaf", b"\xed\xa0\x80",
            b"\xf4\x90\x80\x80", b"\xc2\x85", b"\x80", b"\xc3", b"\xe9", b"\xff", b"\xc2\xa0", b"\x7f"]
    cmds, want = [], []
    for i in range(n):
        local = b"".join(rng.choice(pool) if rng.random() < 0.7 else bytes([rng.randrange(0x80, 0x100)])
                         for _ in range(rng.randrange(1, 6)))
        addr = b"r" + local + b"@example.net"
        try:
            u = addr.decode("utf-8"); good8 = not any(ord(ch) < 0x20 or 0x7f <= ord(ch) <= 0x9f for ch in u)
        except UnicodeDecodeError:
            good8 = False
        ascii_ok = all(b < 0x80 for b in addr) and b"\x7f" not in addr
        for opt in (b" SMTPUTF8", b""):
            cmds += [b"MAIL FROM:<a@example.org>" + opt, b"RCPT TO:<" + addr + b">", b"RSET"]
            want.append((good8 if opt else ascii_ok, addr, opt))
    replies = raw(cmds)
    for i, (w, addr, opt) in enumerate(want):
        got = replies[3 * i + 1]
        # DEL is a control character in any transaction: a syntax error first
        why = "501 5.1.3" if b"\x7f" in addr else "553 5.6.7"
        if got.startswith("250") != w or (not w and not opt and not got.startswith(why)):
            bad += 1; print("mismatch:", addr, opt, got, file=sys.stderr)
    print(bad)
EOS
c() { "$PY" "$T/c.py" "$PORT" "$@"; }
U='j\303\266rg@b\303\274cher.example'
UR=$(printf "$U")

is "EHLO offers SMTPUTF8 and 8BITMIME" "$(c ehlo)" "smtputf8 8bitmime"

is "smtplib, SMTPUTF8, UTF-8 sender and recipient: queued" "$(c send "$UR" "$UR" SMTPUTF8 BODY=8BITMIME)" 250
f=$(ls "$Q/new/"* | head -1)
is "the spool has both addresses byte for byte and the U line" "$(head -4 "$f")" "$(printf "F $U\nT $U\nU SMTPUTF8\n")"
like "Received says UTF8SMTP (RFC 6531 3.7.3)" "$(sed -n 6,7p "$f")" 'with UTF8SMTP$'
rm -f "$Q/new/"*

is "smtplib, SMTPUTF8 and ASCII only: queued" "$(c send a@example.org b@example.net SMTPUTF8)" 250
ok "with the U line: the client asked for it" grep -qx 'U SMTPUTF8' "$Q/new/"*
rm -f "$Q/new/"*
is "smtplib, no SMTPUTF8, ASCII: queued" "$(c send a@example.org b@example.net)" 250
fails "without the U line" grep -q '^U' "$Q/new/"*
rm -f "$Q/new/"*

out=$(c raw "MAIL FROM:<$U>" "MAIL FROM:<a@example.org>" "RCPT TO:<$U>" "RCPT TO:<b@example.net>")
like "raw UTF-8 sender without SMTPUTF8: 553 5.6.7" "$(echo "$out" | sed -n 1p)" '^553 5\.6\.7 '
like "raw UTF-8 recipient without SMTPUTF8: 553 5.6.7" "$(echo "$out" | sed -n 3p)" '^553 5\.6\.7 '
like "the ASCII recipient of the same transaction is fine" "$(echo "$out" | sed -n 4p)" '^250 '
out=$(c raw 'MAIL FROM:<a@example.org> SMTPUTF8' 'RCPT TO:<j\351rg@example.net>' 'RCPT TO:<a\300\257b@example.net>' \
  'RCPT TO:<a\355\240\200b@example.net>' 'RCPT TO:<a\302\205b@example.net>' 'RCPT TO:<a\364\220\200\200@example.net>' \
  "RCPT TO:<$U>")
is "with SMTPUTF8: Latin-1, overlong, surrogate, C1 control, past U+10FFFF all 553 5.1.3" \
  "$(echo "$out" | sed -n 2,6p | cut -c1-9 | sort -u)" "553 5.1.3"
like "and the well-formed one 250" "$(echo "$out" | sed -n 7p)" '^250 '
like "SMTPUTF8 with a value is refused" "$(c raw 'MAIL FROM:<a@example.org> SMTPUTF8=yes')" '^555 '
out=$(c raw "MAIL FROM:<a@example.org> SMTPUTF8" "RSET" "MAIL FROM:<a@example.org>" "RCPT TO:<$U>")
like "the flag ends with its transaction (RSET)" "$(echo "$out" | sed -n 4p)" '^553 5\.6\.7 '
is "nothing refused was queued" "$(spool_count new)" 0

is "random addresses: the one rule, both ways (300 x 2)" "$(c random 1 "$(rounds 300)")" 0

# Through QMAILQUEUE: the smtpd tells the injector in SMARTHOST_SMTPUTF8
printf '#!/bin/sh\necho "$SMARTHOST_SMTPUTF8" >> %s/flag\nexec smarthost-queue\n' "$T" > "$T/qq"
chmod +x "$T/qq"
kill $SPAWNED; QMAILQUEUE=$T/qq; export QMAILQUEUE
start_smtpd relay
c send "$UR" b@example.net SMTPUTF8 >/dev/null
c send a@example.org b@example.net >/dev/null
is "the injector was told 1, then 0" "$(cat "$T/flag" | tr '\n' ' ')" "1 0 "
is "one U line for the two: a UTF-8 header from SMTP without SMTPUTF8 is not flagged" "$(cat "$Q/new/"* | grep -c '^U SMTPUTF8$')" 1
