#!/bin/sh
# upki-milter's StatsFile and PeerList, end to end under miltertest:
# genuine notices, look-alikes and ordinary mail from an unlisted client,
# mail from a PeerList peer (one with a forged verdict), an oversized
# message; then SIGUSR1, and every counter compared with what the script
# sent (verdicts and reasons from samples/expected.tsv, early accepts
# from the milter's own debug lines).  Also: the file written at start,
# every UPKI_STATS_INTERVAL seconds without a signal, at a clean exit,
# always whole while a reader loops over it, mode 0644; a directory that
# vanishes is logged once and mail still passes; -n and the keys.
set -u
. tests/lib/tap.sh
BUILD=${BUILD:-build}
MILTER="$PWD/$BUILD/upki-milter"
TOP=$PWD

command -v miltertest >/dev/null 2>&1 || skip_all "miltertest not installed (Debian package miltertest)"
[ -x "$MILTER" ] || skip_all "$MILTER not built"
T=$(mktemp -d)
MPID=
trap '[ -n "$MPID" ] && kill -9 "$MPID" 2>/dev/null; rm -rf "$T"' EXIT
check() { if eval "$2"; then ok "$1"; else not_ok "$1" "${3:-$2}"; fi; }
# wait_for SECONDS CONDITION
wait_for() { w=0; while ! eval "$2"; do [ $w -ge $(($1 * 10)) ] && return 1; sleep 0.1; w=$((w + 1)); done; }

PROM="$T/prom/upki-milter.prom"
mkdir -p "$T/prom"
cat >"$T/m.conf" <<CONF
TrustAnchorFile $TOP/samples/ca/root.pem
StaleDays 0
AuthservID mx.test
LogLevel debug
Spool $T/spool
MaxMessageSize 128k
PeerList 192.0.2.0/24, 2001:db8::/32
StatsFile $PROM
CONF

# start INTERVAL: the milter in the background, its log in $T/log.
start() {
	rm -f "$T/m.sock"
	UPKI_STATS_INTERVAL=$1 "$MILTER" -f -c "$T/m.conf" -p "unix:$T/m.sock" >>"$T/log" 2>&1 &
	MPID=$!
	wait_for 10 "[ -S '$T/m.sock' ]"
}
stop() { kill -TERM "$MPID"; wait "$MPID"; rc=$?; MPID=; return $rc; }

# traffic OUT VAR=VALUE...: a t-stats.lua run; its TAP lines renumbered.
traffic() {
	out=$1; shift
	defs=
	# lists go as one word each: commas for blanks (t-stats.lua splits on both)
	for d in "$@"; do defs="$defs -D $(printf %s "$d" | tr " " ,)"; done
	# shellcheck disable=SC2086
	timeout 120 miltertest -s tests/milter/t-stats.lua -D NOSTART=1 -D SOCK="unix:$T/m.sock" \
		-D TOP="$TOP" -D TMP="$T" $defs >"$T/$out" 2>&1
	mrc=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) not_ok "${line#not ok - }" ;;
		esac
	done <"$T/$out"
	[ "$mrc" = 0 ] || not_ok "miltertest exited with $mrc" "$(tail -5 "$T/$out")"
}

# value NAME{LABELS}: the sample's value, empty when absent.
value() { awk -v k="$1" '$1 == k { print $2 }' "$PROM"; }
# expect NAME{LABELS} N
expect() {
	got=$(value "$1")
	if [ "$got" = "$2" ]; then ok "$1 = $2"; else not_ok "$1 = $2" "got '${got}'"; fi
}
# The file is well formed: HELP/TYPE lines, then samples with integer
# values, every sample's family declared, counters named *_total.
well_formed() {
	awk '
	/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* / { next }
	/^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge)$/ {
		type[$3] = $4; if ($4 == "counter" && $3 !~ /_total$/) bad = 1; next }
	/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? [0-9]+$/ {
		name = $1; sub(/\{.*/, "", name); if (!(name in type)) bad = 1; n++; next }
	{ bad = 1 }
	END { exit (bad || n < 20 || last != "") }' "$1"
}

start 3600
check "the StatsFile is written at start" "wait_for 5 \"[ -s '$PROM' ]\""
check "it is well formed" "well_formed '$PROM'"
check "mode 0644" "[ \"\$(stat -c %a '$PROM')\" = 644 ]"
check "no temp file beside it" "[ \"\$(ls -A '$T/prom')\" = upki-milter.prom ]"
now=$(date +%s); st=$(value upki_milter_start_time_seconds)
check "start time gauge is now" "[ \"${st:-0}\" -ge $((now - 30)) ] && [ \"${st:-0}\" -le $now ]"
check "counters start at zero" "[ \"\$(awk '/^upki_milter_.*_total/ { s += \$2 } END { print s + 0 }' '$PROM')\" = 0 ]"

MSGS="cert-issue.eml pin-issue.eml cert-issue.eml cert-renewed.eml phish-http.eml phish-userinfo.eml \
phish-unsigned.eml odd-missing-url.eml plain-utf8.eml plain-iso2022jp.eml plain-attachment.eml"
PEER_MSGS="phish-http.eml cert-issue.eml"
traffic run1.out MSGS="$MSGS" PEER_MSGS="$PEER_MSGS" FORGED=1 OVERSIZED=1
before=$(stat -c %Y.%i "$PROM")
kill -USR1 "$MPID"
check "SIGUSR1 rewrites the file (the interval is an hour)" \
	"wait_for 5 \"[ \\\"\\\$(stat -c %Y.%i '$PROM')\\\" != '$before' ]\""
check "still well formed" "well_formed '$PROM'"

# What was sent, from samples/expected.tsv: verdict, kind, reasons.
for m in $MSGS; do grep -P "^\Q$m\E\t" samples/expected.tsv | head -1; done >"$T/sent.tsv"
check "every sample sent has an expected verdict" "[ \$(wc -l <'$T/sent.tsv') = $(echo $MSGS | wc -w) ]"
for v in genuine suspicious not-notice; do
	for k in none cert-issue pin-issue cert-renewed; do
		want=$(awk -F'\t' -v v=$v -v k=$k '$3 == v && ($2 == "-" ? "none" : $2) == k' "$T/sent.tsv" | wc -l)
		[ "$v" = genuine ] && [ $k = none ] && continue
		[ "$v" = not-notice ] && [ $k != none ] && continue
		expect "upki_milter_messages_total{verdict=\"$v\",kind=\"$k\"}" "$want"
	done
done
for r in unsigned url-scheme url-host url-userinfo missing-url kind-mismatch bad-signature; do
	want=$(awk -F'\t' '$3 == "suspicious" { print $4 }' "$T/sent.tsv" | tr ',' '\n' | grep -cx "$r")
	expect "upki_milter_suspicious_reasons_total{reason=\"$r\"}" "$want"
done
genuine=$(awk -F'\t' '$3 == "genuine"' "$T/sent.tsv" | wc -l)
suspicious=$(awk -F'\t' '$3 == "suspicious"' "$T/sent.tsv" | wc -l)
plain=$(awk -F'\t' '$3 == "not-notice"' "$T/sent.tsv" | wc -l)
peers=$(($(echo $PEER_MSGS | wc -w) + 1))
early=$(grep -c 'passed at end of message without analysis: why=no-marker' "$T/log")
check "ordinary mail passed early (debug lines)" "[ $early -ge 1 ]"
expect 'upki_milter_early_accepts_total{stage="no-marker"}' "$early"
expect 'upki_milter_early_accepts_total{stage="headers-only"}' 0
expect 'upki_milter_actions_total{action="mark"}' "$suspicious"
# genuine, ordinary, the listed peer's and the oversized one: delivered
expect 'upki_milter_actions_total{action="accept"}' $((genuine + plain + peers + 1))
expect 'upki_milter_actions_total{action="reject"}' 0
expect 'upki_milter_actions_total{action="tempfail"}' 0
expect 'upki_milter_failures_total{failure="oversized"}' 1
expect 'upki_milter_failures_total{failure="parse-error"}' 0
expect 'upki_milter_peer_exempted_total' "$peers"
jobs=$(awk -F'\t' '$3 == "genuine" && ($2 == "cert-issue" || $2 == "pin-issue") { print $1 }' "$T/sent.tsv")
expect 'upki_milter_spool_jobs_total{result="written"}' "$(echo "$jobs" | sort -u | wc -l)"
expect 'upki_milter_spool_jobs_total{result="existing"}' $(($(echo "$jobs" | wc -l) - $(echo "$jobs" | sort -u | wc -l)))
check "the spool holds the jobs counted as written" "[ \$(ls '$T/spool/new' | wc -l) = \"\$(value 'upki_milter_spool_jobs_total{result=\"written\"}')\" ]"
total=$(($(echo $MSGS | wc -w) + peers + 1))
expect 'upki_milter_messages_in_flight' 0
check "actions add up to the $total messages sent" \
	"[ \"\$(awk '/^upki_milter_actions_total/ { s += \$2 } END { print s }' '$PROM')\" = $total ]"
check "no label holds an address, a URL or a token" \
	"! grep -E '192\\.0\\.2|198\\.51|https?:|p1=|@' '$PROM'"

kill -HUP "$MPID"
check "a reload is counted" "wait_for 5 \"grep -q 'configuration reloaded' '$T/log'\""
traffic run2.out MSGS="phish-http.eml"
stop
check "SIGTERM: exit 0" "[ $rc = 0 ]"
expect 'upki_milter_actions_total{action="mark"}' $((suspicious + 1))
expect 'upki_milter_config_reloads_total{result="ok"}' 1

# The periodic write, the whole file under a reader, a vanished directory.
start 1
traffic run3.out MSGS="phish-http.eml"
check "written within 3 s without a signal (UPKI_STATS_INTERVAL 1)" \
	"wait_for 3 \"[ \\\"\\\$(value 'upki_milter_actions_total{action=\\\\\\\"mark\\\\\\\"}')\\\" = 1 ]\""
( i=0; while [ $i -lt 200 ]; do kill -USR1 "$MPID" 2>/dev/null; i=$((i + 1)); done ) &
spammer=$!
bad=0; i=0
while [ $i -lt 200 ]; do
	cp "$PROM" "$T/copy" 2>/dev/null && { well_formed "$T/copy" || bad=$((bad + 1)); }
	i=$((i + 1))
done
wait $spammer
check "a reader never saw a partial file (200 reads during 200 SIGUSR1 writes)" "[ $bad = 0 ]"
check "no temp files left" "[ \"\$(ls -A '$T/prom')\" = upki-milter.prom ]"
rm -rf "$T/prom"
kill -USR1 "$MPID"; sleep 1.5; kill -USR1 "$MPID"; sleep 0.5
check "a vanished directory is logged once" "[ \$(grep -c 'StatsFile: .*mail is not affected' '$T/log') = 1 ]"
traffic run4.out MSGS="cert-issue.eml"
check "mail still passes and is annotated" "grep -q 'verdict=genuine' '$T/log'"
mkdir -p "$T/prom"
check "written again once the directory is back" "wait_for 4 \"[ -s '$PROM' ]\" && grep -q 'StatsFile .* written again' '$T/log'"
stop

# Without StatsFile, SIGUSR1 is harmless (its default action would kill).
grep -v '^StatsFile' "$T/m.conf" >"$T/m2.conf" && mv "$T/m2.conf" "$T/m.conf"
start 3600
kill -USR1 "$MPID"; sleep 0.5
check "no StatsFile: SIGUSR1 leaves the daemon running" "kill -0 $MPID"
stop
check "and it stops cleanly" "[ $rc = 0 ]"

# -n: StatsFile and PeerList checked, with their line.
: >"$T/n.out"
n_check() { "$MILTER" -n -c "$1" -p "unix:$T/n.sock" >"$T/n.out" 2>&1; }
printf 'LogLevel info\nStatsFile %s/no-such-dir/x.prom\n' "$T" >"$T/bad1.conf"
check "-n: StatsFile in a missing directory refused at line 2" \
	"! n_check '$T/bad1.conf' && grep -q 'bad1.conf:2: StatsFile' '$T/n.out'" "$(cat "$T/n.out")"
printf 'StatsFile relative.prom\n' >"$T/bad2.conf"
check "-n: a relative StatsFile refused" "! n_check '$T/bad2.conf' && grep -q 'bad2.conf:1: StatsFile.*absolute' '$T/n.out'"
printf '# peers\n\nPeerList 192.0.2.0/24, mail.example.ac.jp\n' >"$T/bad3.conf"
check "-n: a host name in PeerList refused at line 3" \
	"! n_check '$T/bad3.conf' && grep -q \"bad3.conf:3: PeerList: 'mail.example.ac.jp'\" '$T/n.out'" "$(cat "$T/n.out")"
printf '10.0.0.0/8\n# relays\n10.0.0.1/8\n' >"$T/peers"
printf 'PeerList file:%s\n' "$T/peers" >"$T/bad4.conf"
check "-n: a bad line of a PeerList file named with its own line" \
	"! n_check '$T/bad4.conf' && grep -q \"bad4.conf:1: PeerList: $T/peers:3: '10.0.0.1/8': host bits\" '$T/n.out'" "$(cat "$T/n.out")"
printf 'PeerList 127.0.0.1 ::1 file:%s\nStatsFile %s/ok.prom\n' "$T/peers" "$T" >"$T/good.conf"
sed -i 's#10.0.0.1/8#10.0.0.0/16#' "$T/peers"
check "-n: good PeerList and StatsFile accepted" "n_check '$T/good.conf'" "$(cat "$T/n.out")"
echo "1..$n"
