#!/bin/sh
# Which local mail is marked for SMTPUTF8 (the spool's U line,
# queue/README.md): smarthost-sendmail and the injector mark a message
# whose envelope has an address outside ASCII, or whose header holds
# well-formed UTF-8 (RFC 6532; Postfix's smtputf8_autodetect_classes for
# its sendmail); not one with UTF-8 in the body only, nor one with other
# 8-bit octets (Latin-1) in its header, which goes as it always went.
# SMARTHOST_SMTPUTF8=0 or 1 (what the smtpd sets) overrides the header.
. "$(dirname "$0")/lib.sh"
plan 9

test_spool
export DEFAULTDOMAIN=site.example
unset SENDMAIL_FROM SMARTHOST_SMTPUTF8 2>/dev/null
U=$(printf 'j\303\266rg@b\303\274cher.example')
# marked FROM RCPT: sendmail with the message on stdin; yes or no
marked()
{
  rm -f "$Q"/new/*
  smarthost-sendmail -i -f "$1" "$2" || { echo failed; return; }
  if grep -qx 'U SMTPUTF8' "$Q"/new/*; then echo yes; else echo no; fi
}

is "ASCII only: not marked" "$(printf 'Subject: plain\n\nx\n' | marked a@site.example b@example.net)" no
is "UTF-8 in the body only: not marked" "$(printf 'Subject: plain\n\nHall\303\266\n' | marked a@site.example b@example.net)" no
is "a UTF-8 Subject: marked" "$(printf 'Subject: Gr\303\274\303\237e\n\nx\n' | marked a@site.example b@example.net)" yes
is "a Latin-1 Subject: not marked (relayed as before)" "$(printf 'Subject: Gr\374\337e\n\nx\n' | marked a@site.example b@example.net)" no
is "a UTF-8 recipient, ASCII header: marked" "$(printf 'Subject: plain\n\nx\n' | marked a@site.example "$U")" yes
is "a UTF-8 sender: marked" "$(printf 'Subject: plain\n\nx\n' | marked "$U" b@example.net)" yes
is "the U line stands before the blank line" "$(sed '/^$/q' "$Q"/new/* | tr '\n' '|')" "F $U|T b@example.net|U SMTPUTF8||"
is "SMARTHOST_SMTPUTF8=0: a UTF-8 header alone is not marked" \
  "$(printf 'Subject: Gr\303\274\303\237e\n\nx\n' | SMARTHOST_SMTPUTF8=0 marked a@site.example b@example.net)" no
is "SMARTHOST_SMTPUTF8=1: an ASCII message is" \
  "$(printf 'Subject: plain\n\nx\n' | SMARTHOST_SMTPUTF8=1 marked a@site.example b@example.net)" yes
