#!/bin/sh
# The attacker's side of issue 9 (verdict soundness): every attack of
# tests/tools/upki-attack on (a) the test CA's notices re-signed now and
# (b) the real notices of ../shared/upki-samples (checked at signing time),
# through upki-scan (JSON), upki-scan --filter, upki-scan --spool and, for
# (a), upki-milter -t.  One TAP line per base and attack.  The oracle:
#   - never is the attacker's URL reported as signed;
#   - a genuine verdict carries the untouched base's url, kind, dn, serial
#     and deadline (the attacker cannot sign, so other facts are forged);
#   - rows marked not-genuine (splices, second signers, duplicated
#     structural headers, relabels, budgets, hidden parts) are never
#     genuine, in any front end;
#   - --filter agrees with the JSON verdict, the milter with
#     upki-scan --verify-time=now, and no spooled job holds the attacker's URL;
#   - the non-linear row (6 MiB of signed parts) takes under CPU_LIMIT s.
# ATTACK_BASES and ATTACK_REAL choose the bases (names of samples/, paths
# of real notices; defaults below keep the test under a minute).
set -u
. tests/lib/tap.sh
ATTACK="$BUILD/tools/upki-attack"
FACTS="$BUILD/tools/upki-facts"
MILTER="$BUILD/upki-milter"
REAL=../shared/upki-samples
CPU_LIMIT=${CPU_LIMIT:-4}
for x in "$SCAN" "$ATTACK" "$FACTS"; do [ -x "$x" ] || skip_all "$x not built"; done
tap_tmpdir
TOKEN=QXR0YWNrZXJUb2tlbkF0dGFja2VyVG9rZW5BdHRhY2tlclRva2VuQXR0YWNrZXI
TAB=$(printf '\t')
TESTCA="--ca-file=samples/ca/root.pem"
printf 'TrustAnchorFile samples/ca/root.pem\nStaleDays 0\nMaxMessageSize 64M\nAuthservID mx.test\n' >"$T/milter.conf"
printf 'MaxMessageSize 64M\nStaleDays 0\n' >"$T/scan.conf"

# url_for KIND: the attacker's URL, on the path the kind's policy allows.
url_for() {
	case $1 in
	pin-issue) echo "https://scia.secomtrust.net/upki-odcert/download/view/jsp/SPEntranceCliPin.jsp?p1=$TOKEN" ;;
	*) echo "https://scia.secomtrust.net/upki-odcert/download/view/jsp/SPEntranceCliAll.jsp?p1=$TOKEN" ;;
	esac
}

# header_verdict: the verdict of the X-UPKI-Notice in a message's header
# block on stdin ("none" without one: not a notice).
header_verdict() {
	awk '/^\r?$/ { exit } /^X-UPKI-Notice:/ { v = $2; sub(/;.*/, "", v); print v; found = 1; exit }
	     END { if (!found) print "none" }' | tr -d '\r'
}
milter_verdict() {
	awk '/^insert X-UPKI-Notice:/ { v = $3; sub(/;.*/, "", v); print v; found = 1; exit }
	     END { if (!found) print "none" }'
}
norm() { [ "$1" = none ] && echo not-notice || echo "$1"; }

# facts_of LINE: url kind dn serial deadline of a upki-facts line.
facts_of() { printf '%s\n' "$1" | cut -f4-8; }

# check_row BASE-ID FILE CLASS EXPECT: one TAP line.
check_row() {
	id=$1; f=$2; cls=$3; expect=$4
	line=$(grep -F "$f$TAB" "$D/facts.tsv" | head -1)
	v=$(printf '%s\n' "$line" | cut -f3)
	signed=$(printf '%s\n' "$line" | cut -f10)
	bad=""
	[ -n "$line" ] || bad="no JSON line"
	[ "${signed:-0}" = 0 ] || bad="$bad; json: attacker URL reported signed"
	case $expect in
	genuine) [ "$v" = genuine ] || bad="$bad; json: $v (base not genuine)" ;;
	not-genuine) [ "$v" != genuine ] || bad="$bad; json: genuine" ;;
	esac
	if [ "$v" = genuine ] && [ "$(facts_of "$line")" != "$BASEFACTS" ]; then
		bad="$bad; json: genuine with other facts [$(facts_of "$line" | tr '\t' ' ')]"
	fi
	fv=$(norm "$("$SCAN" --filter -q --config="$T/scan.conf" $OPTS <"$D/$f" | header_verdict)")
	[ "$fv" = "$v" ] || bad="$bad; filter: $fv, json: $v"
	[ "$expect" = not-genuine ] && [ "$fv" = genuine ] && bad="$bad; filter: genuine"
	if [ -n "$MILTER_ON" ]; then
		mv=$(norm "$("$MILTER" -c "$T/milter.conf" -t "$D/$f" 2>/dev/null </dev/null | milter_verdict)")
		[ "$mv" = "$v" ] || bad="$bad; milter: $mv, upki-scan --verify-time=now: $v"
		[ "$expect" = not-genuine ] && [ "$mv" = genuine ] && bad="$bad; milter: genuine"
	fi
	if [ -z "$bad" ]; then ok "$id/$f [$cls]"; else not_ok "$id/$f [$cls] ${bad#; }"; fi
}

# run_base ID FILE KIND RESIGN(0/1) BIG(0/1)
run_base() {
	id=$1; base=$2; kind=$3; resign=$4; big=$5
	D="$T/$id"
	set -- --base "$base" --out "$D" --kind "$kind" --url "$(url_for "$kind")" --ca-dir samples/ca
	[ "$resign" = 1 ] && set -- "$@" --resign
	[ "$big" = 1 ] && set -- "$@" --big
	if ! "$ATTACK" "$@" 2>"$T/attack.err"; then
		not_ok "$id: upki-attack failed" "$(head -1 "$T/attack.err")"
		return
	fi
	"$SCAN" -q --config="$T/scan.conf" $OPTS "$D"/*.eml 2>/dev/null | "$FACTS" --token "$TOKEN" |
		sed "s#^$D/##" >"$D/facts.tsv"
	BASEFACTS=$(facts_of "$(grep "^001-base.eml$TAB" "$D/facts.tsv")")
	while IFS="$TAB" read -r f cls expect desc; do
		check_row "$id" "$f" "$cls" "$expect"
	done <"$D/manifest.tsv"
	check_spool "$id"
	check_cpu "$id"
}

# No job of `upki-scan --spool` over all attacks holds the attacker's URL.
check_spool() {
	sp="$T/spool-$1"
	"$SCAN" -q --config="$T/scan.conf" $OPTS --spool="$sp" "$D"/*.eml >/dev/null 2>&1
	hits=$(grep -l -F "$TOKEN" "$sp"/new/* 2>/dev/null | xargs -r grep -h -o '"source":"[^"]*"' | tr '\n' ' ')
	if [ -z "$hits" ]; then ok "$1: no spooled job carries the attacker URL"; else
		not_ok "$1: spooled jobs with the attacker URL: $hits"; fi
}

# CPU time (user + system, from `times`), so that a loaded machine does
# not make a linear scan look slow.
check_cpu() {
	for f in "$D"/*-cpu-*.eml; do
		[ -f "$f" ] || return 0
		ms=$( ( "$SCAN" -q --config="$T/scan.conf" $OPTS "$f" >/dev/null 2>&1; times ) | tail -1 |
			awk '{ t = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); t += a[1] * 60 + a[2] } printf "%d", t * 1000 }')
		if [ "$ms" -lt $((CPU_LIMIT * 1000)) ]; then ok "$1/$(basename "$f"): ${ms} ms of CPU"; else
			not_ok "$1/$(basename "$f"): ${ms} ms of CPU, over ${CPU_LIMIT} s (non-linear work)"; fi
	done
}

# (a) test-CA notices, signed now: the milter verifies at now.
OPTS="--verify-time=now $TESTCA"
MILTER_ON=""
[ -x "$MILTER" ] && MILTER_ON=1
for s in ${ATTACK_BASES:-cert-issue cert-issue-lf cert-issue-html pin-issue cert-revoked}; do
	kind=$(awk -F'\t' -v f="$s.eml" '$1 == f { print $2 }' samples/expected.tsv)
	big=0
	[ "$s" = cert-issue ] && big=1
	run_base "testca-$s" "samples/$s.eml" "$kind" 1 "$big"
done

# (b) the real notices, at signing time with the system store; the milter
# checks at now, when their signers have expired, so it is left out.
if [ -d "$REAL" ]; then
	OPTS="--verify-time=signing"  # the filter too (it verifies at now by default)
	MILTER_ON=""
	for f in ${ATTACK_REAL:-"$REAL"/cert-issue-1.eml "$REAL"/pin-issue-1.eml "$REAL"/cert-revoked-1.eml}; do
		kind=$("$SCAN" -q "$f" | "$FACTS" | cut -f4)
		run_base "real-$(basename "$f" .eml)" "$f" "$kind" 0 0
	done
else
	ok "real notices # SKIP $REAL absent"
fi
echo "1..$n"
