#!/bin/sh
# samples/make-samples.sh works on this machine: it makes a new test CA and
# every sample again in a temporary directory, and each new sample gives
# the verdict, kind and reasons that samples/expected.tsv promises.  So the
# committed samples are reproducible, not a one-off.
set -u
. tests/lib/tap.sh
tap_tmpdir

if BUILD="$BUILD" samples/make-samples.sh "$T/s" >"$T/log" 2>&1; then
	ok "make-samples.sh ran"
else
	not_ok "make-samples.sh failed"; sed 's/^/# /' "$T/log"; echo "1..$n"; exit 1
fi
cmp -s samples/expected.tsv "$T/s/expected.tsv" && ok "same expected.tsv as committed" \
	|| not_ok "expected.tsv differs from the committed one"
cmp -s samples/ca/root.pem "$T/s/ca/root.pem" && not_ok "new CA is the old one" || ok "a new test CA was made"

while IFS='	' read -r file kind verdict reasons; do
	case $file in ''|'#'*) continue ;; esac
	out=$("$SCAN" --ca-file="$T/s/ca/root.pem" "$T/s/$file" 2>&1)
	want_kind=$( [ "$kind" = - ] && echo null || echo "\"$kind\"")
	want_reasons=$( [ "$reasons" = - ] && echo '' || echo "\"$reasons\"" | sed 's/,/","/g')
	if echo "$out" | grep -qF "\"kind\":$want_kind,\"verdict\":\"$verdict\",\"reasons\":[$want_reasons]"; then
		ok "$file: $verdict"
	else
		not_ok "$file: wanted $kind $verdict $reasons"; echo "$out" | cut -c1-400 | sed 's/^/# /'
	fi
done <"$T/s/expected.tsv"
echo "1..$n"
