#!/bin/sh
# ledger-filter.sh - `upki-scan --filter` records in the ledger: with
# --ledger, or the config's Ledger key (a procmail user's own record),
# as source "filter"; the same message filtered twice is one row; a
# ledger that cannot be written changes nothing about the mail (the
# output is the same, exit 0, one line on stderr).  TAP output.
set -u
. tests/lib/tap.sh
tap_tmpdir
SCAN="$BUILD/upki-scan"
[ -x "$SCAN" ] || skip_all "$SCAN not built"
command -v python3 >/dev/null || skip_all "python3 missing"
check() { if eval "$2"; then ok "$1"; else not_ok "$1" "${3:-$2}"; fi; }
# rows LEDGER TABLE: "kind|source|offset" per row
rows() { python3 -c 'import sqlite3,sys
for r in sqlite3.connect(sys.argv[1]).execute("select kind, source, offset from " + sys.argv[2]): print("|".join(map(str, r)))' "$1" "$2"; }
CA=--ca-file=samples/ca/root.pem
# the filter checks the signer now: a sample signed long ago may be stale
# (suspicious), which is recorded too - in its own table
table() { if grep -q '^X-UPKI-Notice: genuine' "$1"; then echo notices; else echo suspicious; fi; }

"$SCAN" --filter $CA --ledger="$T/a.sqlite" <samples/cert-issue.eml >"$T/out1" 2>"$T/err1"
check "--filter --ledger: exit 0, the message annotated" "[ \$? = 0 ] && grep -q '^X-UPKI-Notice: ' '$T/out1'" "$(cat "$T/err1")"
t=$(table "$T/out1")
check "the notice recorded as 'filter', offset 0, mode 0600" \
	"[ \"\$(rows '$T/a.sqlite' $t)\" = 'cert-issue|filter|0' ] && [ \"\$(stat -c %a '$T/a.sqlite')\" = 600 ]" "$(rows "$T/a.sqlite" "$t")"
"$SCAN" --filter $CA --ledger="$T/a.sqlite" <samples/cert-issue.eml >/dev/null 2>&1
check "filtered twice: one row" "[ \$(rows '$T/a.sqlite' $t | wc -l) = 1 ]"
"$SCAN" --filter $CA --ledger="$T/a.sqlite" <samples/plain-attachment.eml >/dev/null 2>&1
check "a not-notice adds nothing" "[ \$(rows '$T/a.sqlite' notices | wc -l):\$(rows '$T/a.sqlite' suspicious | wc -l) = \$( [ $t = notices ] && echo 1:0 || echo 0:1) ]"

printf 'Ledger %s\n' "$T/b.sqlite" >"$T/user.conf"
"$SCAN" --filter $CA --config="$T/user.conf" <samples/pin-issue.eml >"$T/out2" 2>"$T/err2"
t=$(table "$T/out2")
check "--filter --config with Ledger: recorded there" "[ \"\$(rows '$T/b.sqlite' $t)\" = 'pin-issue|filter|0' ]" "$(cat "$T/err2")"

"$SCAN" --filter $CA <samples/cert-issue.eml >"$T/ref" 2>/dev/null
"$SCAN" --filter $CA --ledger="$T/no/such/dir/l.sqlite" <samples/cert-issue.eml >"$T/out3" 2>"$T/err3"
rc=$?
check "a ledger that cannot be opened: exit 0, the same output, one line on stderr" \
	"[ $rc = 0 ] && cmp -s '$T/ref' '$T/out3' && grep -q 'ledger not written (the message is not affected)' '$T/err3'" "rc $rc: $(cat "$T/err3")"
echo "1..$n"
