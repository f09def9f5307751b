# tap.sh - TAP output for the shell tests (sourced; the caller's cwd is
# the project root).  n counts the tests; the script prints "1..$n" last.
n=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
# not_ok NAME [DIAGNOSTIC]
not_ok() { n=$((n + 1)); echo "not ok $n $1"; [ $# -gt 1 ] && echo "# $2"; return 0; }
# The whole script has nothing to test here (a tool is missing).
skip_all() { echo "1..0 # SKIP $1"; exit 0; }

BUILD=${BUILD:-build}
SCAN="$BUILD/upki-scan"

# Makes $T, a temporary directory removed at exit even if a test made
# parts of it read-only.  A script that needs more cleanup sets its own
# EXIT trap after this (and removes $T there).
tap_tmpdir() {
	T=$(mktemp -d)
	trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
}
