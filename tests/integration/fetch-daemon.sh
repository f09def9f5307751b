#!/bin/sh
# upki-fetch -f: jobs picked up through inotify (RescanInterval is far
# off, so only inotify explains a quick pickup), a retry woken at its due
# time, SIGHUP with a bad file (kept running on the old one) and a good
# one (the new action applies), SIGTERM; the milter end to end (miltertest
# hands notices to the spool, upki-fetch consumes them); the daemon under
# valgrind.  TAP output.
set -u
. tests/lib/tap.sh
. tests/lib/fetch.sh
[ -x "$FETCH" ] || skip_all "$FETCH not built"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
T=$(mktemp -d)
FPID=
trap '[ -n "$FPID" ] && kill -9 "$FPID" 2>/dev/null; [ -n "${KEEP_T:-}" ] || rm -rf "$T"' EXIT
TOP=$PWD
check() { if eval "$2"; then ok "$1"; else not_ok "$1" "${3:-$2}"; fi; }
# wait_for SECONDS CONDITION
wait_for() { w=0; while ! eval "$2"; do [ $w -ge $(($1 * 10)) ] && return 1; sleep 0.1; w=$((w + 1)); done; }

cat >"$T/hook.sh" <<HOOK
#!/bin/sh
echo "\$UPKI_KIND \$UPKI_JOB_ID" >>"$T/runs"
if [ -e "$T/fail-once" ]; then rm -f "$T/fail-once"; exit 75; fi
exit 0
HOOK
chmod 755 "$T/hook.sh"
fetch_conf "$T/c.conf" CertIssueAction exec PinIssueAction keep ExecCommand "$T/hook.sh" \
	RescanInterval 300 RetryDelay 2
"$FETCH" -f -c "$T/c.conf" >"$T/log" 2>&1 &
FPID=$!
check "daemon started" "wait_for 10 \"grep -q started '$T/log'\""

"$SCAN" -q --ca-file=samples/ca/root.pem --spool="$T/spool" samples/cert-issue.eml >/dev/null 2>&1
check "a job from upki-scan --spool is done within 5 s (inotify)" \
	"wait_for 5 \"[ \\\$(ls '$T/spool/done' | wc -l) = 1 ]\""
j=$(fetch_job "$T/spool" pin-issue "$(fetch_token 1)")
check "a pin-issue job is kept within 5 s" "wait_for 5 \"[ -f '$T/output/$j.json' ]\""

touch "$T/fail-once"
j=$(fetch_job "$T/spool" cert-issue "$(fetch_token 2)")
check "retry: the first attempt failed" "wait_for 5 \"grep -q 'outcome=retry' '$T/log'\""
check "retry: woken when due (RetryDelay 2, rescan 300)" "wait_for 8 \"[ -f '$T/spool/done/$j.json' ]\""

cp "$T/c.conf" "$T/c.good"
echo "NoSuchKey 1" >>"$T/c.conf"
kill -HUP "$FPID"
check "SIGHUP with a bad file: refused with file and line" "wait_for 5 \"grep -q 'reload refused.*c.conf:[0-9]*: unknown key' '$T/log'\""
check "still running" "kill -0 $FPID"
sed 's/^PinIssueAction keep/PinIssueAction exec/' "$T/c.good" >"$T/c.conf"
kill -HUP "$FPID"
check "SIGHUP with a good file: reloaded" "wait_for 5 \"grep -q 'configuration reloaded' '$T/log'\""
j=$(fetch_job "$T/spool" pin-issue "$(fetch_token 3)")
check "the new PinIssueAction applies" "wait_for 5 \"grep -q 'pin-issue $j' '$T/runs'\""
kill -TERM "$FPID"; wait "$FPID"; rc=$?; FPID=
check "SIGTERM: exit 0" "[ $rc = 0 ]"
tap_no_token "no token in the daemon's log" samples/cert-issue.eml "$T/log"

# The milter end to end: miltertest hands notices to the spool.
MILTER="$TOP/$BUILD/upki-milter"
if command -v miltertest >/dev/null 2>&1 && [ -x "$MILTER" ]; then
	printf 'TrustAnchorFile %s/samples/ca/root.pem\nStaleDays 0\nAuthservID mx.test\nSpool %s/mspool\n' \
		"$TOP" "$T" >"$T/milter.conf"
	mkdir -p "$T/mt"
	ln -s "$T/mspool" "$T/mt/spool"
	timeout 120 miltertest -s tests/milter/t-spool.lua -D MILTER="$MILTER" -D CONF="$T/milter.conf" \
		-D SOCK="unix:$T/m.sock" -D TOP="$TOP" -D TMP="$T/mt" >"$T/mt.out" 2>&1
	check "miltertest: the milter spooled three notices" "[ \$(ls '$T/mspool/new' | wc -l) = 3 ]" "$(grep 'not ok' "$T/mt.out")"
	fetch_conf "$T/m.conf" Spool "$T/mspool" OutputDir "$T/mout" StateFile "$T/m.db"
	"$FETCH" --once -c "$T/m.conf" >"$T/m.log" 2>&1; rc=$?
	check "upki-fetch consumed the milter's jobs" "[ $rc = 0 ] && [ \$(ls '$T/mspool/done' | wc -l) = 3 ] && [ \$(ls '$T/mout' | wc -l) = 3 ]"
	check "the milter's jobs name their source and recipient" "grep -q '\"source\":\"milter:' '$T/mout/'*.json && grep -q '\"recipient\":\"' '$T/mout/'*.json"
	check "the job of a message with an envelope names its first recipient" "grep -l '\"recipient\":\"office@example.ac.jp\"' '$T/mout/'*.json | wc -l | grep -qx 1"
	tap_no_token "no token in upki-fetch's log (milter jobs)" samples/cert-issue.eml "$T/m.log" "$T/mt.out"
else
	n=$((n + 1)); echo "ok $n milter end to end # SKIP miltertest or upki-milter missing"
fi

# The daemon under valgrind: keep and exec jobs, SIGHUP, SIGTERM.
case "$BUILD" in *san*) n=$((n + 1)); echo "ok $n valgrind # SKIP sanitizer build"; echo "1..$n"; exit 0 ;; esac
if ! command -v valgrind >/dev/null 2>&1; then
	n=$((n + 1)); echo "ok $n valgrind # SKIP valgrind not installed"; echo "1..$n"; exit 0
fi
fetch_conf "$T/v.conf" Spool "$T/vspool" StateFile "$T/v.db" OutputDir "$T/vout" CertIssueAction exec \
	ExecCommand "$T/hook.sh" RescanInterval 300
export G_SLICE=always-malloc G_DEBUG=gc-friendly
valgrind -q --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
	--error-exitcode=99 --suppressions="$TOP/tests/valgrind.supp" --num-callers=30 \
	--log-file="$T/vg.log" "$FETCH" -f -c "$T/v.conf" >"$T/vlog" 2>&1 &
FPID=$!
wait_for 60 "grep -q started '$T/vlog' 2>/dev/null"
fetch_job "$T/vspool" cert-issue "$(fetch_token 10)" >/dev/null
fetch_job "$T/vspool" pin-issue "$(fetch_token 11)" >/dev/null
check "valgrind: jobs done" "wait_for 60 \"[ \\\$(ls '$T/vspool/done' | wc -l) = 2 ]\""
kill -HUP "$FPID"
wait_for 30 "grep -q 'configuration reloaded' '$T/vlog'"
kill -TERM "$FPID"; wait "$FPID"; rc=$?; FPID=
if [ $rc = 0 ] && ! grep -q "definitely lost\|Invalid\|uninitialised" "$T/vg.log"; then
	ok "daemon under valgrind: no errors, no definite leaks, exit 0 after SIGTERM"
else not_ok "daemon under valgrind: exit $rc"; sed 's/^/# /' "$T/vg.log" | head -40; fi
echo "1..$n"
