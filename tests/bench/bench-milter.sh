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
# Also per round: the whole machine's CPU time per message (/proc/stat;
# on a VM it grows when the host is busy, which is what makes single
# rounds vary), and the median of the ratios of each round with the
# milter to the round without it just before (paired: slow drift of the
# machine's speed cancels).  Unless BENCH_NULL=0, a third mode runs
# tests/bench/null-milter.c (built here with cc), a libmilter daemon that
# does nothing: the floor for any milter on this libmilter and machine.
# BENCH_SESSIONS (8), BENCH_MESSAGES (2000), BENCH_NOTICES (100),
# BENCH_ROUNDS (3 pairs), BENCH_NULL (1).
set -u
BUILD=${BUILD:-build}
TOP=$PWD
MILTER="$TOP/$BUILD/upki-milter"
. "$TOP/tests/milter/postfix-lib.sh"
N=${BENCH_SESSIONS:-8}
M=${BENCH_MESSAGES:-2000}
K=${BENCH_NOTICES:-100}
ROUNDS=${BENCH_ROUNDS:-3}
NULLM=${BENCH_NULL:-1}

why=$(pf_missing)
[ -z "$why" ] || { echo "bench-milter: skipped: $why"; exit 0; }
command -v smtp-source >/dev/null 2>&1 || { echo "bench-milter: skipped: no smtp-source (postfix)"; exit 0; }
[ -x "$MILTER" ] || { echo "bench-milter: $MILTER not built"; exit 1; }

T=$(mktemp -d)
chmod 755 "$T"
MPID=
NPID=
trap '[ -n "$MPID" ] && kill "$MPID" 2>/dev/null; [ -n "$NPID" ] && kill "$NPID" 2>/dev/null; pf_stop; rm -rf "$T"' EXIT
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

# The null milter, as the same user on a socket of its own.
MODES="off on"
if [ "$NULLM" != 0 ]; then
	if cc -std=c11 -O2 -o "$T/null-milter" tests/bench/null-milter.c -lmilter -lpthread 2>"$T/null-cc.log"; then
		mkdir -p "$T/null"
		chown postfix "$T/null"
		setpriv --reuid postfix --regid postfix --clear-groups "$T/null-milter" "unix:$T/null/sock" \
			>"$T/null.log" 2>&1 &
		NPID=$!
		i=0
		while [ ! -S "$T/null/sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		[ -S "$T/null/sock" ] && MODES="off on null" || echo "# null milter did not start: no reference"
	else
		echo "# null milter not built (cc, libmilter-dev?): no reference"
	fi
fi

PORT=$(pf_free_port 7)
pf_setup "$T/pf" "$PORT" ""
pf_start || exit 1

# smtp-source -F appends CRLF to every line itself: give it LF files.
tr -d '\r' <samples/plain-utf8.eml >"$T/plain.eml"
tr -d '\r' <samples/cert-issue.eml >"$T/notice.eml"
tr -d '\r' <samples/phish-host-suffix.eml >"$T/phish.eml"

now() { date +%s.%N; }
# CPU seconds the milter of mode $1 has used so far (all threads, user + system).
milter_cpu() {
	pid=$MPID
	[ "$1" = null ] && pid=$NPID
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$pid/stat"
}
# CPU seconds the whole machine has been busy (user, nice, system, irq, softirq).
machine_cpu() { awk -v hz="$(getconf CLK_TCK)" '/^cpu / { printf "%.2f", ($2 + $3 + $4 + $7 + $8) / hz }' /proc/stat; }

# round off|on|null: prints "messages seconds rate milter-ms/msg machine-ms/msg".
round() {
	case $1 in
	on) pf_set "smtpd_milters = unix:$T/milter/sock" ;;
	null) pf_set "smtpd_milters = unix:$T/null/sock" ;;
	*) pf_set "smtpd_milters =" ;;
	esac
	pf_reload
	sleep 3
	before=$(pf_count)
	half=$((K / 2))
	cpu0=$(milter_cpu "$1")
	sys0=$(machine_cpu)
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
	cpu1=$(milter_cpu "$1")
	sys1=$(machine_cpu)
	awk -v n="$total" -v s="$start" -v e="$end" -v c="$cpu0" -v d="$cpu1" -v y0="$sys0" -v y1="$sys1" \
		'BEGIN { printf "%d %.2f %.1f %.3f %.2f\n", n, e - s, n / (e - s), (d - c) * 1000 / n, (y1 - y0) * 1000 / n }'
}

echo "# upki-milter benchmark: $N sessions x $M ordinary messages + $K notices a round, $ROUNDS rounds of: $MODES"
echo "# machine: $(nproc) cores, $(uname -r), Postfix $(postconf -d -h mail_version 2>/dev/null), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %-6s %9s %9s %11s %18s %19s\n' round milter messages seconds "messages/s" "milter CPU ms/msg" "machine CPU ms/msg"
r=1
: >"$T/rates"
while [ $r -le "$ROUNDS" ]; do
	for mode in $MODES; do
		set -- $(round "$mode")
		cpu=$4; [ "$mode" = off ] && cpu=-
		printf '%-8s %-6s %9s %9s %11s %18s %19s\n' "$r" "$mode" "$1" "$2" "$3" "$cpu" "$5"
		echo "$mode $3 $r $4 $5" >>"$T/rates"
	done
	r=$((r + 1))
done

echo "# load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
sent=$(( ROUNDS * $(echo $MODES | wc -w) * (M + K) ))
got=$(pf_count)
echo "# sent $sent, delivered $got: $( [ "$got" = "$sent" ] && echo "no message lost" || echo "LOST $((sent - got))")"
# summary MODE LABEL: best, mean and paired-median ratio of MODE to off.
summary() {
	awk -v m="$1" -v what="$2" '
		$1 == "off" { off[$3] = $2; if ($2 > ob) ob = $2; os += $2; on_++ }
		$1 == m { if ($2 > b) b = $2; s += $2; n++; r[n] = $2 / off[$3]; c += $4; y += $5 }
		END {
			if (!n) exit
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
			med = n % 2 ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2
			printf "# %s: best %.1f vs %.1f messages/s, ratio %.3f; mean %.1f vs %.1f, ratio %.3f; paired median ratio %.3f; milter CPU %.3f ms/msg\n",
				what, b, ob, b / ob, s / n, os / on_, (s / n) / (os / on_), med, c / n
		}' "$T/rates"
}
summary on "with upki-milter"
summary null "with the null milter (floor)"
awk '$1 == "off" { y += $5; n++ } END { printf "# machine CPU per message without a milter: %.2f ms (mean)\n", y / n }' "$T/rates"
# Issue 15's target: ordinary mail within 5% of a do-nothing milter that
# negotiates the same callbacks (the 0.95-of-no-milter target is retired:
# no libmilter daemon gets much above 0.83 here).
awk '$1 == "on" { on += $2; n++ } $1 == "null" { nu += $2; m++ }
	END { if (n && m) printf "# upki-milter against the null milter: mean messages/s ratio %.3f (target >= 0.95)\n", (on / n) / (nu / m) }' "$T/rates"
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
echo "# (target: CPU p99 < 1 ms)"
