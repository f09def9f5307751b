#!/bin/sh
# OutputDir on a full file system: a small tmpfs (root only; without the
# right to mount one the test skips, saying so).  The keep action cannot
# write: the job is retried, stays in cur/, no half-written file is left;
# with space again the next run finishes it.  TAP output.
set -u
. tests/lib/tap.sh
. tests/lib/fetch.sh
[ -x "$FETCH" ] || skip_all "$FETCH not built"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
T=$(mktemp -d)
trap 'umount "$T/small" 2>/dev/null; rm -rf "$T"' EXIT
mkdir "$T/small"
[ "$(id -u)" = 0 ] || skip_all "not root: cannot mount a small tmpfs for a full OutputDir"
mount -t tmpfs -o size=64k,mode=0700 tmpfs "$T/small" 2>/dev/null ||
	skip_all "cannot mount a tmpfs here (no CAP_SYS_ADMIN in this container?)"
check() { if eval "$2"; then ok "$1"; else not_ok "$1" "${3:-$2}"; fi; }
fetch_conf "$T/c.conf" OutputDir "$T/small/out" RetryDelay 1 RetryMaxDelay 1
mkdir "$T/small/out"
dd if=/dev/zero of="$T/small/filler" bs=4k count=100 2>/dev/null
j=$(fetch_job "$T/spool" cert-issue "$(fetch_token 1)")
"$FETCH" --once -c "$T/c.conf" >"$T/log" 2>&1; rc=$?
check "full disk: retry (75)" "[ $rc = 75 ]"
check "the job stays in cur/" "[ -f '$T/spool/cur/$j.json' ]"
check "no half-written file left" "[ -z \"\$(ls -A '$T/small/out')\" ]"
grep -q "No space left on device" "$T/log" && ok "the log says the disk is full" || not_ok "no ENOSPC in the log"
rm -f "$T/small/filler"
sleep 1.1
"$FETCH" --once -c "$T/c.conf" >>"$T/log" 2>&1; rc=$?
check "with space again: done" "[ $rc = 0 ] && [ -f '$T/spool/done/$j.json' ] && cmp -s '$T/small/out/$j.json' '$T/spool/done/$j.json'"
echo "1..$n"
