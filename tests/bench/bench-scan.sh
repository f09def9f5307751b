#!/bin/sh
# bench-scan.sh - `make bench`: upki-scan's throughput and peak memory on
# a synthetic mbox, next to `grep -c '^From '` and `cat` on the same file.
# Not a test: it prints figures and ratios (docs/performance.md has the
# targets and the figures of record).  The -j 2 lines split the one mbox
# over two threads: two cores against grep's one.
#
#   BENCH_MB=256   size of the mbox in MiB (default 256)
#   BENCH_BIG=1    also run a 1 GiB mbox (peak RSS must not grow)
#   BENCH_DIR=DIR  where the mbox files go (default: a temporary directory)
#   BENCH_RUNS=3   runs per command; the best time counts (page cache warm)
set -u
# the figures are for the built-in defaults, not the machine's /etc/upki-milter.conf
UPKI_SYSTEM_CONFIG=${UPKI_SYSTEM_CONFIG:-/nonexistent/upki-milter.conf}
export UPKI_SYSTEM_CONFIG
BUILD=${BUILD:-build}
SCAN="$BUILD/upki-scan"
MKMBOX="$BUILD/tools/upki-mkmbox"
MB=${BENCH_MB:-256}
RUNS=${BENCH_RUNS:-3}
CA="--ca-file=samples/ca/root.pem"
DIR=${BENCH_DIR:-$(mktemp -d)}
[ -n "${BENCH_DIR:-}" ] || trap 'rm -rf "$DIR"' EXIT
mkdir -p "$DIR"

# best_of OUT CMD...: runs CMD $RUNS times with stdout to OUT, prints
# the best wall time in seconds and the peak RSS of that run in KiB.
# grep's OUT must be a file: GNU grep stops at the first match when its
# output is /dev/null, which would make its time meaningless.
best_of() {
	out=$1; shift
	best=""; best_rss=""
	i=0
	while [ $i -lt "$RUNS" ]; do
		i=$((i + 1))
		start=$(date +%s.%N)
		if [ -x /usr/bin/time ]; then
			/usr/bin/time -f '%M' -o "$DIR/time" "$@" >"$out" 2>/dev/null
			t=$(calc "$(date +%s.%N) - $start")
			rss=$(tail -1 "$DIR/time")
		else
			# No time(1) (Debian package "time"): poll VmHWM.
			"$@" >"$out" 2>/dev/null &
			pid=$!; rss=0
			while kill -0 $pid 2>/dev/null; do
				r=$(sed -n 's/^VmHWM:[^0-9]*\([0-9]*\).*/\1/p' /proc/$pid/status 2>/dev/null)
				[ -n "$r" ] && [ "$r" -gt "$rss" ] && rss=$r
				sleep 0.02
			done
			wait $pid
			t=$(calc "$(date +%s.%N) - $start")
		fi
		if [ -z "$best" ] || [ "$(calc "$t < $best")" = 1 ]; then best=$t; best_rss=$rss; fi
	done
	echo "$best $best_rss"
}

# calc EXPR: arithmetic in awk (bc is not always installed).
calc() { awk "BEGIN { x = $1; if (x == int(x)) print x; else printf \"%.3f\n\", x }"; }
rate() { awk "BEGIN { printf \"%.1f\n\", $1 / 1048576 / ($2 > 0 ? $2 : 0.001) }"; }

run_size() {
	size=$1
	f="$DIR/bench-$size.mbox"
	if [ ! -s "$f" ]; then
		echo "generating $f ($size MiB) ..."
		"$MKMBOX" --size "$size" --notices samples "$f" || exit 1
	fi
	bytes=$(stat -c %s "$f")
	msgs=$(grep -c '^From ' "$f")
	cat "$f" >/dev/null # into the page cache
	echo
	echo "== $f: $bytes bytes, $msgs messages (grep -c '^From ') =="
	o="$DIR/out"
	set -- $(best_of /dev/null cat "$f"); cat_t=$1
	set -- $(best_of "$o" grep -c '^From ' "$f"); grep_t=$1
	set -- $(best_of "$o" "$SCAN" -q --notices-only $CA "$f"); no_t=$1; no_rss=$2
	set -- $(best_of "$o" "$SCAN" -q $CA "$f"); all_t=$1; all_rss=$2
	set -- $(best_of "$o" "$SCAN" -q -j 2 --notices-only $CA "$f"); no2_t=$1; no2_rss=$2
	set -- $(best_of "$o" "$SCAN" -q -j 2 $CA "$f"); all2_t=$1; all2_rss=$2
	set -- $(best_of "$o" env UPKI_SCAN_FULL=1 "$SCAN" -q --notices-only $CA "$f"); full_t=$1; full_rss=$2
	notices=$("$SCAN" -q --notices-only $CA "$f" | wc -l)
	printf '%-34s %8s s %9s MB/s %10s msg/s %8s\n' command time throughput messages "peak RSS"
	printf '%-34s %8s s %9s MB/s\n' "cat > /dev/null" "$cat_t" "$(rate "$bytes" "$cat_t")"
	printf '%-34s %8s s %9s MB/s\n' "grep -c '^From '" "$grep_t" "$(rate "$bytes" "$grep_t")"
	printf '%-34s %8s s %9s MB/s %10s msg/s %5s MiB\n' "upki-scan --notices-only" "$no_t" \
		"$(rate "$bytes" "$no_t")" "$(calc "int($msgs / $no_t)")" "$(calc "int($no_rss / 1024)")"
	printf '%-34s %8s s %9s MB/s %10s msg/s %5s MiB\n' "upki-scan (every message, JSON)" "$all_t" \
		"$(rate "$bytes" "$all_t")" "$(calc "int($msgs / $all_t)")" "$(calc "int($all_rss / 1024)")"
	printf '%-34s %8s s %9s MB/s %10s msg/s %5s MiB\n' "upki-scan -j 2 --notices-only" "$no2_t" \
		"$(rate "$bytes" "$no2_t")" "$(calc "int($msgs / $no2_t)")" "$(calc "int($no2_rss / 1024)")"
	printf '%-34s %8s s %9s MB/s %10s msg/s %5s MiB\n' "upki-scan -j 2 (every message)" "$all2_t" \
		"$(rate "$bytes" "$all2_t")" "$(calc "int($msgs / $all2_t)")" "$(calc "int($all2_rss / 1024)")"
	printf '%-34s %8s s %9s MB/s %10s msg/s %5s MiB\n' "--notices-only, UPKI_SCAN_FULL=1" "$full_t" \
		"$(rate "$bytes" "$full_t")" "$(calc "int($msgs / $full_t)")" "$(calc "int($full_rss / 1024)")"
	echo "notices and look-alikes found: $notices"
	echo "ratios to grep (grep always on one core; -j 2 splits the mbox over two cores):"
	echo "  upki-scan --notices-only / grep: $(calc "$grep_t / $no_t")x with -j 1 (one core)," \
		"$(calc "$grep_t / $no2_t")x with -j 2 (two cores) (target >= 0.5x)"
	echo "  upki-scan (all lines) / grep:    $(calc "$grep_t / $all_t")x with -j 1," \
		"$(calc "$grep_t / $all2_t")x with -j 2"
	echo "ratio upki-scan --notices-only / cat:  $(calc "$cat_t / $no_t")x"
	echo "peak RSS: $(calc "int($no_rss / 1024)") MiB and $(calc "int($all_rss / 1024)") MiB," \
		"-j 2: $(calc "int($no2_rss / 1024)") and $(calc "int($all2_rss / 1024)") MiB (target < 32 MiB)"
}

if [ ! -x "$SCAN" ] || [ ! -x "$MKMBOX" ]; then
	echo "bench-scan: build first (make all-tests)" >&2
	exit 1
fi
echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
echo "best of $RUNS runs each, files in the page cache"
run_size "$MB"
[ "${BENCH_BIG:-0}" = 1 ] && run_size 1024
exit 0
