#!/bin/sh
# upki-milter under miltertest (OpenDKIM's MTA simulator): every verdict,
# the early accept, forged header removal, the OnSuspicious and OnOversized
# policies, the spool hand-off and OnSpoolError, SIGHUP reload and SIGTERM,
# PeerList (a listed peer's mail passes unexamined, forged headers still go).  Each
# tests/milter/t-*.lua runs against its own filter on a unix socket in a
# temp dir; the scripts print TAP lines, numbered here.
set -u
. tests/lib/tap.sh
BUILD=${BUILD:-build}
MILTER="$PWD/$BUILD/upki-milter"
TOP=$PWD

command -v miltertest >/dev/null 2>&1 || skip_all "miltertest not installed (Debian package miltertest)"
[ -x "$MILTER" ] || skip_all "$MILTER not built"

tap_tmpdir

# conf NAME LINES...: a config file with the test CA and a fixed authserv-id.
conf() {
	name=$1; shift
	{
		echo "TrustAnchorFile $TOP/samples/ca/root.pem"
		# the samples are signed on 2026-11-02: no staleness check
		echo "StaleDays 0"
		echo "AuthservID mx.test"
		for l in "$@"; do echo "$l"; done
	} >"$T/$name.conf"
}

# The notice sender's own signed mail that is no notice (not-notice at EOM).
printf 'Content-Type: text/plain; charset=UTF-8\n\nThe service stops on Sunday.\n' >"$T/body"
openssl smime -sign -in "$T/body" -signer samples/ca/signer.pem -inkey samples/ca/signer.key \
	-certfile samples/ca/smime-ca.pem -from ca-support@ml.secom-sts.co.jp \
	-to user@example.ac.jp -subject maintenance >"$T/sender-signed.eml" 2>/dev/null \
	|| skip_all "openssl smime -sign failed"

conf default "LogLevel debug"
conf eoh "EarlyAccept headers" "LogLevel debug"
conf quarantine "OnSuspicious quarantine"
conf reject "OnSuspicious reject"
conf oversized "MaxMessageSize 4k"
conf oversized-tempfail "MaxMessageSize 4k" "OnOversized tempfail"
conf spool "Spool $T/spool"
conf spool-error "Spool $T/broken-spool"
conf spool-error-accept "Spool $T/broken-spool2" "OnSpoolError accept"
: >"$T/broken-spool"
: >"$T/broken-spool2"
conf stale "StaleDays 1"
conf reload "OnSuspicious mark"
conf peerlist "LogLevel debug" "PeerList 192.0.2.0/24, 2001:db8::/32"

# run SCRIPT CONF: the script's TAP lines, renumbered; a script that dies
# outside a case is one failure.
run() {
	script=$1; cfg=$2
	out="$T/$(basename "$script" .lua).out"
	timeout 120 miltertest -s "$script" -D MILTER="$MILTER" -D CONF="$T/$cfg.conf" \
		-D SOCK="unix:$T/$cfg.sock" -D TOP="$TOP" -D TMP="$T" >"$out" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) n=$((n + 1)); echo "ok $n ${line#ok - }" ;;
		"not ok - "*) n=$((n + 1)); echo "not ok $n ${line#not ok - }" ;;
		*) echo "# $line" ;;
		esac
	done <"$out"
	if [ "$rc" != 0 ]; then
		n=$((n + 1)); echo "not ok $n $(basename "$script"): miltertest exited with $rc"
	fi
}

run tests/milter/t-verdicts.lua default
# ordinary mail went through the prefilter at EOM, not the full pipeline
early=$(grep -c 'passed at end of message without analysis: why=no-marker' "$T/t-verdicts.out")
n=$((n + 1))
if [ "$early" -ge 3 ]; then echo "ok $n ordinary mail passed at EOM without a full parse ($early debug lines)"
else echo "not ok $n ordinary mail passed at EOM without a full parse: $early debug lines"; fi
run tests/milter/t-early-headers.lua eoh
run tests/milter/t-quarantine.lua quarantine
run tests/milter/t-reject.lua reject
run tests/milter/t-oversized.lua oversized
run tests/milter/t-oversized-tempfail.lua oversized-tempfail
run tests/milter/t-spool.lua spool
run tests/milter/t-spool-error.lua spool-error
n=$((n + 1))
if grep -q 'spool hand-off to .* failed (deferred, the MTA will retry: OnSpoolError tempfail)' "$T/t-spool-error.out" &&
	grep -q 'kind=cert-issue verdict=genuine .*action=tempfail' "$T/t-spool-error.out"; then
	echo "ok $n the deferral is logged, with the notice"
else echo "not ok $n no log line of the deferred hand-off"; fi
run tests/milter/t-spool-error-accept.lua spool-error-accept
n=$((n + 1))
if grep -q 'failed (mail accepted, the job is lost: OnSpoolError accept)' "$T/t-spool-error-accept.out"; then
	echo "ok $n the lost job is logged"
else echo "not ok $n no log line of the lost job"; fi
run tests/milter/t-stale.lua stale
run tests/milter/t-signals.lua reload
run tests/milter/t-peerlist.lua peerlist
# The milters' log lines (stderr, in each script's output) show the
# retrieval token only as a hash (and the log lines are there to look at).
if grep -q 'verdict=genuine .*p1=#' "$T"/*.out; then ok "the milters' log lines are in the output"; else
	not_ok "no milter log line with a hashed token in $T/*.out"; fi
for id in cert-issue pin-issue pin-issue-all cert-issue-html; do
	tap_no_token "no retrieval token of $id in the milter's log" "samples/$id.eml" "$T"/*.out
done
echo "1..$n"
