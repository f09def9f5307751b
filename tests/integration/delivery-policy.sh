#!/bin/sh
# The delivery-time policy that `upki-scan --filter` and `upki-milter -t`
# share (upki_config_delivery_options): the signer must be valid now and
# the signing time within StaleDays (default 35), from the same config
# keys.  A test-CA notice signed now is genuine through both; the same
# notice signed 40 days ago is stale through both and is not spooled; a
# real notice of ../shared/upki-samples (signer long expired) is not
# genuine and not spooled; --verify-time=signing still overrides the
# filter's signer check.  TAP output.
set -u
. tests/lib/tap.sh
. tests/lib/resign.sh
MILTER="$BUILD/upki-milter"
REAL=${UPKI_SHARED_SAMPLES:-../shared/upki-samples}
[ -x "$MILTER" ] || skip_all "$MILTER not built"
[ -x "$BUILD/tools/upki-testsign" ] || skip_all "$BUILD/tools/upki-testsign not built"
command -v perl >/dev/null 2>&1 || skip_all "perl not installed"
tap_tmpdir
CA="--ca-file=samples/ca/root.pem"

check() { name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; sed 's/^/# /' "$T/err" 2>/dev/null | head -5; fi; }
jobs_in() { find "$1" -type f 2>/dev/null | wc -l | tr -d ' '; }

# filter_verdict FILE [OPTIONS]: the X-UPKI-Notice value --filter writes.
filter_verdict() {
	f=$1; shift
	"$SCAN" --filter "$@" <"$f" 2>"$T/err" | tr -d '\r' | sed -n 's/^X-UPKI-Notice: //p'
}
# milter_verdict FILE CONF: the X-UPKI-Notice value upki-milter -t inserts.
milter_verdict() {
	"$MILTER" -c "$2" -t "$1" 2>"$T/err" | sed -n 's/^insert X-UPKI-Notice: //p'
}

NOW=$(date +%s)
resign samples/cert-issue.eml "$NOW" "$T/now.eml" || skip_all "resign failed"
resign samples/cert-issue.eml $((NOW - 40 * 86400)) "$T/old.eml" || skip_all "resign failed"
resign samples/cert-issue.eml $((NOW - 20 * 86400)) "$T/20d.eml" || skip_all "resign failed"
printf 'TrustAnchorFile samples/ca/root.pem\nAuthservID mx.test\n' >"$T/default.conf"
printf 'TrustAnchorFile samples/ca/root.pem\nAuthservID mx.test\nStaleDays 10\n' >"$T/ten.conf"

v=$(filter_verdict "$T/now.eml" $CA)
check "filter: signed now: genuine ($v)" test "$v" = "genuine; kind=cert-issue"
v=$(milter_verdict "$T/now.eml" "$T/default.conf")
check "milter -t: signed now: genuine ($v)" test "$v" = "genuine; kind=cert-issue"

v=$(filter_verdict "$T/old.eml" $CA)
check "filter: signed 40 days ago: stale ($v)" test "$v" = "suspicious; kind=cert-issue; reasons=stale"
v=$(milter_verdict "$T/old.eml" "$T/default.conf")
check "milter -t: signed 40 days ago: stale ($v)" test "$v" = "suspicious; kind=cert-issue; reasons=stale"

# StaleDays from the same key: 20 days old is fine at 35, stale at 10.
v=$(filter_verdict "$T/20d.eml" $CA)
check "filter: 20 days, default StaleDays: genuine ($v)" test "$v" = "genuine; kind=cert-issue"
v=$(filter_verdict "$T/20d.eml" --config="$T/ten.conf")
check "filter: 20 days, StaleDays 10: stale ($v)" test "$v" = "suspicious; kind=cert-issue; reasons=stale"
v=$(milter_verdict "$T/20d.eml" "$T/ten.conf")
check "milter -t: 20 days, StaleDays 10: stale ($v)" test "$v" = "suspicious; kind=cert-issue; reasons=stale"

# Not spooled when stale; spooled when fresh.
"$SCAN" --filter $CA --spool="$T/sp-old" <"$T/old.eml" >/dev/null 2>"$T/err"
check "filter --spool: stale notice not spooled" test "$(jobs_in "$T/sp-old/new")" = 0
"$SCAN" --filter $CA --spool="$T/sp-now" <"$T/now.eml" >/dev/null 2>"$T/err"
check "filter --spool: fresh notice spooled" test "$(jobs_in "$T/sp-now/new")" = 1

# The signer is checked now: valid when signed, expired since.
printf 'StaleDays 0\n' >"$T/nostale.conf"
v=$(filter_verdict samples/cert-issue-signer-expired-now.eml $CA --config="$T/nostale.conf")
check "filter: signer expired since signing: suspicious ($v)" \
	test "$v" = "suspicious; kind=cert-issue; reasons=signer-expired"
v=$(filter_verdict samples/cert-issue-signer-expired-now.eml $CA --config="$T/nostale.conf" --verify-time=signing)
check "filter --verify-time=signing: checked at signing time ($v)" \
	test "$v" = "genuine; kind=cert-issue; reasons=signer-expired-now"
# VerifyTime in the file is for batch scans: the filter still checks now.
printf 'StaleDays 0\nVerifyTime signing\n' >"$T/vt.conf"
v=$(filter_verdict samples/cert-issue-signer-expired-now.eml $CA --config="$T/vt.conf")
check "filter: VerifyTime signing in the config does not loosen it ($v)" \
	test "$v" = "suspicious; kind=cert-issue; reasons=signer-expired"

if [ -d "$REAL" ] && ls "$REAL"/*.eml >/dev/null 2>&1; then
	for f in "$REAL"/*.eml; do
		name=$(basename "$f" .eml)
		v=$(filter_verdict "$f")
		case $v in
		suspicious*signer-expired*) ok "real $name through --filter: not genuine ($v)" ;;
		*) not_ok "real $name through --filter: '$v'" ;;
		esac
		"$SCAN" --filter --spool="$T/sp-real" <"$f" >/dev/null 2>"$T/err"
		check "real $name: not spooled" test "$(jobs_in "$T/sp-real/new")" = 0
	done
else
	ok "real notices # SKIP $REAL is absent"
fi

echo "1..$n"
