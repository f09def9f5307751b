#!/bin/sh
# Notices relayed through other servers (tests/tools/relay.py): every
# transform that leaves the signed bytes alone (trace headers, re-encoded,
# unfolded or lower-cased header fields, LF/CRLF, a gateway's disclaimer
# wrapped around the signed part, the signature re-wrapped, parameters
# reordered) keeps the verdict and every fact of the untouched notice
# (kind, url, dn, serial, deadline) in upki-scan's JSON, and --filter's
# header (checked now, so the real notices' expired signers make it
# suspicious) stays what it is for the untouched notice; every transform inside the signed part (an 8BITMIME
# downgrade's quoting, a trailing blank, a re-wrapped line) is never
# genuine.  Bases: the genuine samples (test CA) and, when present, the
# real notices of ../shared/upki-samples (system store, signing time).
set -u
. tests/lib/tap.sh
RELAY=tests/tools/relay.py
FACTS="$BUILD/tools/upki-facts"
REAL=${UPKI_SHARED_SAMPLES:-../shared/upki-samples}
for x in "$SCAN" "$FACTS"; do [ -x "$x" ] || skip_all "$x not built"; done
command -v python3 >/dev/null || skip_all "python3 missing"
tap_tmpdir
printf 'TrustAnchorFile samples/ca/root.pem\nStaleDays 0\n' >"$T/test-ca.conf"
printf 'StaleDays 0\nVerifyTime signing\n' >"$T/system.conf"

# facts FILE CONF: verdict kind url dn serial deadline
facts() {
	"$SCAN" -q --config="$2" "$1" 2>/dev/null | "$FACTS" | cut -f3-8
}

# filter_verdict FILE CONF: the verdict of the X-UPKI-Notice header --filter adds
filter_verdict() {
	"$SCAN" --filter --config="$2" <"$1" 2>/dev/null | tr -d '\r' |
		sed -n 's/^X-UPKI-Notice: \([a-z-]*\).*/\1/p' | head -1
}

relay_base() {
	base=$1 conf=$2 label=$3
	d="$T/$label"
	mkdir -p "$d"
	if ! python3 "$RELAY" "$base" "$d" >"$d/list"; then
		not_ok "$label: relay.py failed"
		return
	fi
	want=$(facts "$base" "$conf")
	wantf=$(filter_verdict "$base" "$conf")
	case "$want" in
	genuine*) ok "$label: the untouched notice is genuine" ;;
	*) not_ok "$label: the untouched notice is not genuine" "$want"; return ;;
	esac
	while read -r name effect; do
		got=$(facts "$d/$name.eml" "$conf")
		fv=$(filter_verdict "$d/$name.eml" "$conf")
		if [ "$effect" = keeps ]; then
			if [ "$got" = "$want" ] && [ "$fv" = "$wantf" ]; then
				ok "$label $name: genuine, same facts, --filter agrees"
			else
				not_ok "$label $name: relayed notice changed" "want [$want] got [$got] filter [$fv]"
			fi
		else
			case "$got" in
			genuine*) not_ok "$label $name: a changed signed part is genuine" "$got" ;;
			*) [ "$fv" = suspicious ] && ok "$label $name: not genuine" ||
				not_ok "$label $name: --filter says genuine" ;;
			esac
		fi
	done <"$d/list"
	[ "$(wc -l <"$d/list")" -ge 14 ] && ok "$label: every transform ran" || not_ok "$label: transforms missing"
}

for b in cert-issue pin-issue cert-retrieved cert-renewed cert-revoked cert-issue-lf cert-issue-html; do
	relay_base "samples/$b.eml" "$T/test-ca.conf" "$b"
done
if ls "$REAL"/*.eml >/dev/null 2>&1; then
	for f in "$REAL"/*.eml; do
		relay_base "$f" "$T/system.conf" "real-$(basename "$f" .eml)"
	done
else
	ok "real notices # SKIP $REAL absent"
fi
echo "1..$n"
