#!/bin/sh
# The prefilter seen from the command line, on the generated variants
# (look-alike hosts full-width, Cyrillic, Greek, punycode, in base64 and
# quoted-printable with breaks at every offset, four charsets, neutral
# subjects, replies and forwards, message/rfc822, HTML):
#  (c) upki-scan's quick path and the full pipeline (UPKI_SCAN_FULL=1)
#      write the same lines (but for the signature of ordinary mail);
#  (b) upki-milter -t and upki-scan --verify-time=now reach the same
#      verdict on every STEP-th variant (PARITY_STEP, default 25) and on
#      every sample.  TAP output.
set -u
. tests/lib/tap.sh
BUILD=${BUILD:-build}
SCAN="$BUILD/upki-scan"
MILTER="$BUILD/upki-milter"
GEN="$BUILD/tools/upki-variants"
for x in "$SCAN" "$MILTER" "$GEN"; do
	[ -x "$x" ] || { echo "1..0 # SKIP $x not built"; exit 0; }
done
tap_tmpdir
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }
CA=--ca-file=samples/ca/root.pem
mkdir -p "$T/v"
"$GEN" "$T/v" "${PARITY_STEP:-25}" || { not_ok "upki-variants failed"; echo "1..$n"; exit 1; }

strip_sig() { sed 's/"signature":{[^}]*}//'; }
"$SCAN" -q $CA --verify-time=now "$T/v/all.mbox" | strip_sig >"$T/quick"
UPKI_SCAN_FULL=1 "$SCAN" -q $CA --verify-time=now "$T/v/all.mbox" | strip_sig >"$T/full"
lines=$(wc -l <"$T/full")
check "the variants are many ($lines)" '[ "$lines" -gt 3000 ]'
check "quick path = full pipeline on every variant" 'cmp -s "$T/quick" "$T/full"'
susp=$(grep -c '"verdict":"suspicious"' "$T/full")
check "most variants are suspicious ($susp)" '[ "$susp" -gt $((lines / 2)) ]'

conf=$T/parity.conf
printf 'TrustAnchorFile %s\nAuthservID parity.test\nStaleDays 0\n' "$PWD/samples/ca/root.pem" >"$conf"
diffs=0; total=0
for f in "$T"/v/*.eml samples/*.eml; do
	a=$("$SCAN" $CA --verify-time=now "$f" 2>/dev/null | sed -n 's/.*"verdict": *"\([a-z-]*\)".*/\1/p' | head -n 1)
	b=$("$MILTER" -c "$conf" -t "$f" 2>/dev/null | sed -n 's/^insert X-UPKI-Notice: *\([a-z-]*\).*/\1/p' | head -n 1)
	[ -n "$b" ] || b=not-notice
	total=$((total + 1))
	if [ "$a" != "$b" ]; then
		diffs=$((diffs + 1))
		echo "# $f: upki-scan $a, upki-milter $b"
	fi
done
check "upki-milter -t = upki-scan --verify-time=now on $total messages" '[ "$diffs" = 0 ]'
echo "1..$n"
