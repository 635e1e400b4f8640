#!/bin/sh
# The design contract is in the tree: every document or file the code,
# the man pages and the docs point at by name (DESIGN.md, doc/*.md,
# queue/README.md) exists in the repository, and the relative links of
# the Markdown files resolve.
. "$(dirname "$0")/lib.sh"
plan 4

cd "$TOP" || exit 1
files=$(ls cmd/*.c lib/*.[ch] queue/*.[ch] service/smarthost-* service/*/run man/* Makefile README.md doc/*.md queue/README.md tests/*.t 2>/dev/null)
ok "doc/design.md is in the tree" test -s doc/design.md
is "nothing names a DESIGN.md outside the tree" "$(grep -l "DESIGN[.]md" $files | grep -v "^tests/0520" | tr "\n" " ")" ""
missing=
for ref in $(grep -ohE '\b(doc|queue)/[A-Za-z0-9_.-]+\.md\b' $files | sort -u); do
  [ -f "$ref" ] || missing="$missing $ref"
done
is "every doc/ and queue/ document named exists" "$missing" ""
broken=
for md in README.md doc/*.md queue/README.md; do
  for link in $(grep -oE '\]\([^)#:]+\)' "$md" | sed 's/^](//; s/)$//'); do
    [ -e "$(dirname "$md")/$link" ] || broken="$broken $md:$link"
  done
done
is "every relative Markdown link resolves" "$broken" ""
