#!/bin/sh
# bench-milter.sh - what upki-milter costs a real Postfix.  One throwaway
# Postfix instance (tests/milter/postfix-lib.sh), Postfix's own load
# generator smtp-source, rounds alternating without and with the milter
# in the same run: N concurrent SMTP sessions send M ordinary messages
# while one more session sends a few notices (genuine and look-alike).
# A round ends when every message is in the Maildir.  Prints messages/s
# of each round, the ratio of the best rounds with and without the
# milter, p50/p99 of the milter's time per notice (the "ms=" of its log
# line: analysis and decision at the end of the message; cpu_ms the same
# in CPU time, which the machine's load does not inflate), the milter's
# CPU time per message of the round, and whether any message was lost.  Not a test; docs/performance.md has the figures.
# BENCH_SESSIONS (8), BENCH_MESSAGES (2000), BENCH_NOTICES (100),
# BENCH_ROUNDS (3 pairs).
set -u
BUILD=${BUILD:-build}
TOP=$PWD
MILTER="$TOP/$BUILD/upki-milter"
. "$TOP/tests/milter/postfix-lib.sh"
N=${BENCH_SESSIONS:-8}
M=${BENCH_MESSAGES:-2000}
K=${BENCH_NOTICES:-100}
ROUNDS=${BENCH_ROUNDS:-3}

why=$(pf_missing)
[ -z "$why" ] || { echo "bench-milter: skipped: $why"; exit 0; }
command -v smtp-source >/dev/null 2>&1 || { echo "bench-milter: skipped: no smtp-source (postfix)"; exit 0; }
[ -x "$MILTER" ] || { echo "bench-milter: $MILTER not built"; exit 1; }

T=$(mktemp -d)
chmod 755 "$T"
MPID=
trap '[ -n "$MPID" ] && kill "$MPID" 2>/dev/null; pf_stop; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

mkdir -p "$T/milter"
cp samples/ca/root.pem "$T/milter/root.pem"
cat >"$T/milter/upki-milter.conf" <<EOF
Socket unix:$T/milter/sock
UserID postfix
TrustAnchorFile $T/milter/root.pem
StaleDays 0
AuthservID mx.bench
EOF
"$MILTER" -f -c "$T/milter/upki-milter.conf" >"$T/milter.log" 2>&1 &
MPID=$!
i=0
while [ ! -S "$T/milter/sock" ]; do
	[ $i -ge 50 ] && { echo "bench-milter: milter did not start"; cat "$T/milter.log"; exit 1; }
	sleep 0.1; i=$((i + 1))
done

PORT=$(pf_free_port 7)
pf_setup "$T/pf" "$PORT" ""
pf_start || exit 1

# smtp-source -F appends CRLF to every line itself: give it LF files.
tr -d '\r' <samples/plain-utf8.eml >"$T/plain.eml"
tr -d '\r' <samples/cert-issue.eml >"$T/notice.eml"
tr -d '\r' <samples/phish-host-suffix.eml >"$T/phish.eml"

now() { date +%s.%N; }
# CPU seconds the milter has used so far (all threads, user + system).
milter_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$MPID/stat"; }

# round on|off: prints "messages seconds rate".
round() {
	if [ "$1" = on ]; then pf_set "smtpd_milters = unix:$T/milter/sock"
	else pf_set "smtpd_milters ="; fi
	pf_reload
	sleep 3
	before=$(pf_count)
	half=$((K / 2))
	cpu0=$(milter_cpu)
	start=$(now)
	smtp-source -s "$N" -m "$M" -f sender@example.org -t user@example.ac.jp \
		-F "$T/plain.eml" "127.0.0.1:$PORT" &
	p1=$!
	smtp-source -s 1 -m "$half" -f sender@example.org -t user@example.ac.jp \
		-F "$T/notice.eml" "127.0.0.1:$PORT" &
	p2=$!
	smtp-source -s 1 -m $((K - half)) -f sender@example.org -t user@example.ac.jp \
		-F "$T/phish.eml" "127.0.0.1:$PORT" &
	p3=$!
	wait $p1 $p2 $p3
	total=$((M + K))
	pf_wait $((before + total)) 600 || echo "bench-milter: LOST: $((before + total - $(pf_count))) message(s)" >&2
	end=$(now)
	cpu1=$(milter_cpu)
	awk -v n="$total" -v s="$start" -v e="$end" -v c="$cpu0" -v d="$cpu1" \
		'BEGIN { printf "%d %.2f %.1f %.3f\n", n, e - s, n / (e - s), (d - c) * 1000 / n }'
}

echo "# upki-milter benchmark: $N sessions x $M ordinary messages + $K notices a round, $ROUNDS pairs"
echo "# machine: $(nproc) cores, $(uname -r), Postfix $(postconf -d -h mail_version 2>/dev/null), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %-6s %9s %9s %11s %18s\n' round milter messages seconds "messages/s" "milter CPU ms/msg"
r=1
: >"$T/rates"
while [ $r -le "$ROUNDS" ]; do
	for mode in off on; do
		set -- $(round "$mode")
		cpu=$4; [ "$mode" = off ] && cpu=-
		printf '%-8s %-6s %9s %9s %11s %18s\n' "$r" "$mode" "$1" "$2" "$3" "$cpu"
		echo "$mode $3" >>"$T/rates"
	done
	r=$((r + 1))
done

echo "# load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
sent=$(( ROUNDS * 2 * (M + K) ))
got=$(pf_count)
echo "# sent $sent, delivered $got: $( [ "$got" = "$sent" ] && echo "no message lost" || echo "LOST $((sent - got))")"
awk '$1 == "off" && $2 > off { off = $2 } $1 == "on" && $2 > on { on = $2 }
     END { printf "# best messages/s: without %.1f, with %.1f, ratio %.3f (target >= 0.95)\n", off, on, on / off }' "$T/rates"
awk '$1 == "off" { off += $2; no++ } $1 == "on" { on += $2; nn++ }
     END { printf "# mean messages/s: without %.1f, with %.1f, ratio %.3f\n", off / no, on / nn, (on / nn) / (off / no) }' "$T/rates"
grep -E 'kind=cert-issue verdict=' "$T/milter.log" >"$T/notices.log"
echo "# notices examined by the milter: $(wc -l <"$T/notices.log") (sent with the milter on: $(( ROUNDS * K )))"
# percentile FIELD LABEL: p50/p99/max of "FIELD=<ms>" over the notice lines.
percentile() {
	sed -n "s/.* $1=\([0-9.]*\).*/\1/p" "$T/notices.log" | sort -n | awk -v what="$2" '
		{ v[NR] = $1 }
		function at(p,  i) { i = int(NR * p + 0.999); if (i < 1) i = 1; return v[i] }
		END { if (NR) printf "# milter %s per notice: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
			what, at(0.50), at(0.99), v[NR] }'
}
percentile ms "wall time (end of message: analysis and decision)"
percentile cpu_ms "CPU time (same step)"
echo "# (target: p99 < 5 ms)"
