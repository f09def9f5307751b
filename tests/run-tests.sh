#!/bin/sh
# Runs every test program and script, each bounded in time, and counts TAP
# lines: "ok" passes, "not ok" fails, "# SKIP" skips.  A program that dies
# without a failing line counts as one failure.  Logs go to $BUILD/test-logs.
# The last line is "N passed, N failed, N skipped".
set -u
BUILD=${BUILD:-build}
export BUILD
LOGS="$BUILD/test-logs"
mkdir -p "$LOGS"
# GLib's slice allocator hides leaks from the sanitizers and valgrind.
export G_SLICE=always-malloc G_DEBUG=gc-friendly
[ -f tests/lsan.supp ] && export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
pass=0; fail=0; skip=0

run_one() {
	name=$1; shift
	log="$LOGS/$name.log"
	timeout 600 "$@" >"$log" 2>&1
	rc=$?
	p=$(grep -E '^ok ' "$log" | grep -vc '# SKIP')
	s=$(grep -Ec '^ok .*# SKIP' "$log")
	f=$(grep -Ec '^not ok ' "$log")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
		echo "  $name: exited with status $rc" >>"$log"
	fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	if [ "$f" != 0 ]; then
		echo "FAIL $name ($p passed, $f failed, $s skipped; log: $log)"
		grep -E '^not ok |exited with status|^Bail out' "$log" | head -20 | sed 's/^/    /'
	else
		echo "ok   $name ($p passed, $s skipped)"
	fi
	grep -E '^ok .*# SKIP' "$log" | head -5 | sed 's/^/    /'
}

for t in "$BUILD"/tests/test-*; do
	[ -x "$t" ] || continue
	run_one "$(basename "$t")" "$t" --tap
done
# deb.sh installs and purges the Debian package on this machine: last,
# after every test that might see what it adds for a while.
LAST=tests/integration/deb.sh
for t in tests/integration/*.sh; do
	[ -f "$t" ] && [ "$t" != "$LAST" ] || continue
	run_one "$(basename "$t" .sh)" sh "$t"
done
[ -f "$LAST" ] && run_one "$(basename "$LAST" .sh)" sh "$LAST"

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
