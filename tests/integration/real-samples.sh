#!/bin/sh
# The six real notices of ../shared/upki-samples through the upki-scan
# command, with the stock system trust store: genuine at their signing
# time, suspicious when checked now (their signers have expired), and the
# same after a relay turned CRLF into LF; with the store read as hashed
# directory and as bundle file.  Skipped when the folder is absent.
set -u
. tests/lib/tap.sh
DIR=${UPKI_SHARED_SAMPLES:-../shared/upki-samples}

if [ ! -d "$DIR" ]; then
	echo "ok 1 real notices # SKIP $DIR is absent"
	echo "1..1"
	exit 0
fi
tap_tmpdir

for f in "$DIR"/*.eml; do
	name=$(basename "$f" .eml)
	kind=$(echo "$name" | sed 's/-[0-9]*$//; s/^pin-issue-all$/pin-issue/')
	"$SCAN" --check "$f"; rc=$?
	[ "$rc" = 0 ] && ok "$name genuine at signing time" || not_ok "$name: --check gave $rc"
	"$SCAN" --check --verify-time=now "$f"; rc=$?
	[ "$rc" = 2 ] && ok "$name suspicious now" || not_ok "$name now: --check gave $rc"
	"$SCAN" "$f" >"$T/out" 2>&1
	grep -q "\"kind\":\"$kind\"" "$T/out" && ok "$name kind $kind" || not_ok "$name: kind is not $kind"
	grep -q '"reasons":\["signer-expired-now"\]' "$T/out" && ok "$name says signer-expired-now" \
		|| not_ok "$name: reasons wrong"
	tr -d '\r' <"$f" >"$T/lf.eml"
	"$SCAN" --check "$T/lf.eml"; rc=$?
	[ "$rc" = 0 ] && ok "$name genuine with LF line ends" || not_ok "$name LF: --check gave $rc"
	# The system store both ways smime.c reads it: the hashed directory,
	# and the bundle file named by SSL_CERT_FILE.
	env -u SSL_CERT_FILE -u SSL_CERT_DIR "$SCAN" --check "$f"; rc=$?
	[ "$rc" = 0 ] && ok "$name genuine with the hashed directory" || not_ok "$name dir: --check gave $rc"
	if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
		SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt "$SCAN" --check "$f"; rc=$?
		[ "$rc" = 0 ] && ok "$name genuine with SSL_CERT_FILE" || not_ok "$name file: --check gave $rc"
	fi
done
echo "1..$n"
