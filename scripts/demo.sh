#!/bin/sh
# `make demo`: classify every bundled sample and print one summary each,
# then show a wrapped genuine notice and a wrapped look-alike.
# The samples are signed by the project's test CA (samples/ca/), so that
# CA is the trust anchor here; checks run at the signing time, as for any
# archived mail.
set -eu
BUILD=${BUILD:-build}
for f in samples/*.eml; do
	"$BUILD/upki-scan" --format=text --ca-file samples/ca/root.pem "$f" || true
done

# Annotate wrap: a genuine notice and a look-alike as the recipient gets
# them from `upki-scan --filter --annotate=wrap` (and from upki-milter with
# Annotate wrap): the outer header, the text instructions, the HTML in a
# file.  The templates come from the source tree (TemplateDir).
DEMO="$BUILD/demo"
mkdir -p "$DEMO"
cat >"$DEMO/wrap.conf" <<CONF
Annotate wrap
WrapVerdicts genuine-issue,genuine-other,suspicious
TemplateDir $PWD/templates
WrapContact 情報基盤センター helpdesk@example.ac.jp (内線 1234)
AuthservID mx.example.ac.jp
StaleDays 0
CONF
for s in cert-issue phish-host-suffix; do
	out="$DEMO/wrapped-$s.eml"
	"$BUILD/upki-scan" --filter --config="$DEMO/wrap.conf" --ca-file samples/ca/root.pem \
		--verify-time=signing <"samples/$s.eml" >"$out"
	"$BUILD/tools/upki-unwrap" html "$out" >"$DEMO/wrapped-$s.html"
	echo
	echo "======== samples/$s.eml wrapped (Annotate wrap): $out ========"
	tr -d '\r' <"$out" | awk '/^$/ { exit } /^[ \t]/ { sub(/^[ \t]+/, " "); printf "%s", $0; next }
		{ if (NR > 1) print ""; printf "%s", $0 } END { print "" }' |
		grep -E '^(X-UPKI-Notice|Authentication-Results|Content-Type|Subject|From):'
	echo "-------- text/plain part --------"
	"$BUILD/tools/upki-unwrap" text "$out" | tr -d '\r'
	echo "-------- text/html part written to $DEMO/wrapped-$s.html --------"
done

# The certificate lifecycle of the samples (docs/ledger.md): the ledger
# they make, the report as text, and the HTML page in a file.  As of the
# samples' month, so that their deadlines are still ahead.
LEDGER="$DEMO/ledger.sqlite"
rm -f "$LEDGER" "$LEDGER-wal" "$LEDGER-shm"
echo
echo "======== the samples' certificate lifecycle (upki-scan --report --ledger=$LEDGER) ========"
"$BUILD/upki-scan" -q --ca-file samples/ca/root.pem --ledger="$LEDGER" --report --as-of=2026-11-20 \
	samples/*.eml || true
"$BUILD/upki-scan" -q --ledger="$LEDGER" --report=html --as-of=2026-11-20 >"$DEMO/lifecycle.html"
echo "-------- the HTML report written to $DEMO/lifecycle.html --------"
