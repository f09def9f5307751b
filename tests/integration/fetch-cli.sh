#!/bin/sh
# upki-fetch's command line and queue with --once: -V, -n (good and bad
# files, each error with its file and line), usage errors, the keep and
# exec actions on jobs of versions 1 and 2, bad jobs to failed/, retry
# with backoff kept across runs, dead letter after MaxAttempts, the exec
# timeout and clean environment, tmp/ cleanup, a job decided before a
# crash never run again, and upki-scan --spool -> upki-fetch end to end
# with no token in any log.  TAP output.
set -u
. tests/lib/tap.sh
. tests/lib/fetch.sh
[ -x "$FETCH" ] || skip_all "$FETCH not built"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
tap_tmpdir
TOP=$PWD

# expect NAME WANT-RC CMD...: stdout in $T/out, stderr in $T/err.
expect() {
	name=$1; want=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" = "$want" ]; then ok "$name (exit $rc)"; else
		not_ok "$name: exit $rc, wanted $want"; sed 's/^/# /' "$T/err" "$T/out" | head -10; fi
}
has() { if grep -q -- "$2" "$T/$3"; then ok "$1"; else not_ok "$1: no '$2' in $3"; sed 's/^/# /' "$T/$3" | head -5; fi; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1" "${3:-$2}"; fi; }
mode() { stat -c %a "$1"; }

expect "-V" 0 "$FETCH" -V
has "-V names the version" "^upki-fetch [0-9]" out
fetch_conf "$T/good.conf"
expect "-n good file" 0 "$FETCH" -n -c "$T/good.conf"
has "-n says OK" "configuration OK" out

# bad NAME LINE-EXPECTED TEXT: a file whose error names a line.
bad() {
	printf '%b' "$3" >"$T/bad.conf"
	expect "-n $1" 1 "$FETCH" -n -c "$T/bad.conf"
	has "-n $1: names file and line" "bad.conf:$2:" err
}
bad "unknown key" 2 "# comment\nNoSuchKey 1\n"
bad "bad action" 1 "CertIssueAction burn\n"
bad "bad number" 3 "\n\nMaxAttempts many\n"
bad "MaxAttempts 0" 1 "MaxAttempts 0\n"
bad "exec without ExecCommand" 2 "Spool $T/spool\nPinIssueAction exec\n"
bad "relative ExecCommand" 2 "CertIssueAction exec\nExecCommand bin/true\n"
bad "unbalanced quotes" 2 "CertIssueAction exec\nExecCommand /bin/true 'x\n"
bad "webhook without URL" 1 "CertIssueAction webhook\n"
printf 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n' >"$T/secret"
chmod 644 "$T/secret"
bad "webhook secret readable by others" 3 "CertIssueAction webhook\nWebhookURL https://127.0.0.1/x\nWebhookSecretFile $T/secret\n"
chmod 600 "$T/secret"
bad "webhook over http" 2 "CertIssueAction webhook\nWebhookURL http://127.0.0.1/x\nWebhookSecretFile $T/secret\n"
printf 'whsec_short\n' >"$T/secret2"; chmod 600 "$T/secret2"
bad "webhook secret not whsec_" 3 "CertIssueAction webhook\nWebhookURL https://127.0.0.1/x\nWebhookSecretFile $T/secret2\n"
bad "bad ServiceConnectTo" 2 "CertIssueAction retrieve\nServiceConnectTo elsewhere.example:443:127.0.0.1:8443\n"
bad "missing CertCAFile" 2 "PinIssueAction retrieve\nCertCAFile $T/none.pem\n"
bad "relative Spool" 1 "Spool spool\n"
bad "RetryMaxDelay below RetryDelay" 2 "RetryDelay 100\nRetryMaxDelay 10\n"
printf 'CertIssueAction webhook\nWebhookURL https://127.0.0.1/x\nWebhookSecretFile %s\n' "$T/secret" >"$T/wh.conf"
expect "-n webhook file good" 0 "$FETCH" -n -c "$T/wh.conf"
expect "-n missing named file" 1 "$FETCH" -n -c "$T/nonexistent.conf"
expect "unknown option" 2 "$FETCH" -Z
expect "--once with -f" 2 "$FETCH" --once -f -c "$T/good.conf"
expect "stray argument" 2 "$FETCH" -c "$T/good.conf" extra

# keep: versions 1 and 2, into OutputDir, 0600, exit 0.
expect "--once on an empty spool" 0 "$FETCH" --once -c "$T/good.conf"
j1=$(fetch_job "$T/spool" cert-issue "$(fetch_token 1)" 1)
j2=$(fetch_job "$T/spool" pin-issue "$(fetch_token 2)" 2)
expect "--once keep: v1 and v2 jobs" 0 "$FETCH" --once -c "$T/good.conf"
check "both jobs in done/" "[ -f '$T/spool/done/$j1.json' ] && [ -f '$T/spool/done/$j2.json' ]"
check "new/ and cur/ empty" "[ -z \"\$(find '$T/spool/new' '$T/spool/cur' -type f)\" ]"
check "keep wrote the v1 job unchanged" "cmp -s '$T/output/$j1.json' '$T/spool/done/$j1.json'"
check "keep wrote the v2 job unchanged" "cmp -s '$T/output/$j2.json' '$T/spool/done/$j2.json'"
check "kept job is 0600" "[ \"\$(mode '$T/output/$j2.json')\" = 600 ]"
check "state database is 0600" "[ \"\$(mode '$T/state/state.db')\" = 600 ]"
check "done/ is 0700" "[ \"\$(mode '$T/spool/done')\" = 700 ]"
has "log names job, kind, host, path, outcome" "$j1: kind=cert-issue host=scia.secomtrust.net path=/upki-odcert/download/view/jsp/SPEntranceCliAll.jsp outcome=done" err

# Bad jobs go to failed/ and make the exit status 1.
j3=$(fetch_job "$T/spool" cert-issue "$(fetch_token 3)" 3)
mv "$T/spool/new/$j3.json" "$T/spool/new/$j3.tmpx"; mv "$T/spool/new/$j3.tmpx" "$T/spool/new/$j3.json"
j4=$(fetch_job "$T/spool" cert-issue "$(fetch_token 4)")
sed 's/"id":"[0-9a-f]*"/"id":"00000000000000000000000000000000"/' "$T/spool/new/$j4.json" >"$T/x" &&
	cat "$T/x" >"$T/spool/new/$j4.json"
echo junk >"$T/spool/new/README"
expect "--once with bad jobs" 1 "$FETCH" --once -c "$T/good.conf"
check "unknown version -> failed/" "[ -f '$T/spool/failed/$j3.json' ]"
has "unknown version is said" "unknown job version 3" err
check "id not matching the URL -> failed/" "[ -f '$T/spool/failed/$j4.json' ]"
check "a file not named like a job stays in new/" "[ -f '$T/spool/new/README' ]"
rm -f "$T/spool/new/README"

# exec: job on stdin, clean environment, exit 0 done.
cat >"$T/hook.sh" <<HOOK
#!/bin/sh
cat >"$T/stdin.\$UPKI_JOB_ID"
env >"$T/env.\$UPKI_JOB_ID"
echo "\$UPKI_JOB_ID" >>"$T/runs"
code=\$(cat "$T/code" 2>/dev/null || echo 0)
[ "\$code" = sleep ] && echo \$\$ >"$T/sleeper" && exec sleep 30
exit "\$code"
HOOK
chmod 755 "$T/hook.sh"
fetch_conf "$T/exec.conf" CertIssueAction exec PinIssueAction exec ExecCommand "$T/hook.sh" \
	RetryDelay 2 RetryMaxDelay 3 MaxAttempts 3 ExecTimeout 2
j5=$(fetch_job "$T/spool" cert-issue "$(fetch_token 5)")
SECRET_OF_THE_DAEMON=leak expect "--once exec" 0 "$FETCH" --once -c "$T/exec.conf"
check "exec: job JSON on stdin" "cmp -s '$T/stdin.$j5' '$T/spool/done/$j5.json'"
check "exec: UPKI_JOB_ID and UPKI_KIND set" "grep -qx 'UPKI_JOB_ID=$j5' '$T/env.$j5' && grep -qx 'UPKI_KIND=cert-issue' '$T/env.$j5'"
check "exec: the daemon's environment is not passed on" "! grep -q SECRET_OF_THE_DAEMON '$T/env.$j5'"

# exit 75: retry, kept across --once runs until RetryDelay has passed.
echo 75 >"$T/code"; : >"$T/runs"
j6=$(fetch_job "$T/spool" pin-issue "$(fetch_token 6)")
t0=$(date +%s)
expect "--once exec 75: retries pending" 75 "$FETCH" --once -c "$T/exec.conf"
check "job waits in cur/" "[ -f '$T/spool/cur/$j6.json' ]"
set -- $(fetch_row "$T/state/state.db" "$j6")
check "attempt 1 recorded, next try after RetryDelay" "[ '$1' = 0 ] && [ '$2' = 1 ] && [ \$(($3 - t0)) -ge 2 ] && [ \$(($3 - t0)) -le 3 ]" "row $*"
expect "--once before the retry is due" 75 "$FETCH" --once -c "$T/exec.conf"
check "not run again before it is due" "[ \$(grep -c . '$T/runs') = 1 ]"
sleep 3
t1=$(date +%s)
expect "--once when due, 75 again" 75 "$FETCH" --once -c "$T/exec.conf"
set -- $(fetch_row "$T/state/state.db" "$j6")
check "attempt 2: the delay doubled (capped by RetryMaxDelay 3)" "[ '$2' = 2 ] && [ \$(($3 - t1)) -ge 3 ] && [ \$(($3 - t1)) -le 4 ]" "row $*"
sleep 4
expect "--once third attempt: dead letter" 1 "$FETCH" --once -c "$T/exec.conf"
check "after MaxAttempts the job is in failed/" "[ -f '$T/spool/failed/$j6.json' ] && [ \$(grep -c . '$T/runs') = 3 ]"

# exit 1: failed at once; a timeout: retry, killed in time.
echo 1 >"$T/code"
j7=$(fetch_job "$T/spool" cert-issue "$(fetch_token 7)")
expect "--once exec exit 1: failed" 1 "$FETCH" --once -c "$T/exec.conf"
check "exit 1 -> failed/ after one attempt" "[ -f '$T/spool/failed/$j7.json' ]"
echo sleep >"$T/code"
j8=$(fetch_job "$T/spool" cert-issue "$(fetch_token 8)")
t0=$(date +%s)
expect "--once exec timeout: retry" 75 "$FETCH" --once -c "$T/exec.conf"
check "the command was killed after ExecTimeout" "[ \$((\$(date +%s) - t0)) -le 6 ]"
has "timeout is said" "timed out after 2s" err
check "no process of the command left" "[ -s '$T/sleeper' ] && ! kill -0 \$(cat '$T/sleeper') 2>/dev/null"
rm -f "$T/spool/cur/$j8.json"

# A job whose outcome was recorded before a crash is only moved on.
echo 0 >"$T/code"; : >"$T/runs"
mv "$T/spool/done/$j5.json" "$T/spool/cur/$j5.json"
expect "--once on a job already recorded done" 0 "$FETCH" --once -c "$T/exec.conf"
check "moved to done/ without running the command" "[ -f '$T/spool/done/$j5.json' ] && [ ! -s '$T/runs' ]"
cp "$T/spool/done/$j5.json" "$T/spool/new/$j5.json"
expect "--once on a done job queued again" 0 "$FETCH" --once -c "$T/exec.conf"
check "the done job is not run twice" "[ ! -s '$T/runs' ]"

# tmp/: files older than a day go, fresh ones stay.
echo x >"$T/spool/tmp/old.1.2"; touch -d '2 days ago' "$T/spool/tmp/old.1.2"
echo x >"$T/spool/tmp/fresh.1.2"
expect "--once cleans tmp/" 0 "$FETCH" --once -c "$T/good.conf"
check "stale tmp/ file removed, fresh one kept" "[ ! -e '$T/spool/tmp/old.1.2' ] && [ -e '$T/spool/tmp/fresh.1.2' ]"

# End to end: upki-scan --spool writes, upki-fetch consumes (keep).
fetch_conf "$T/e2e.conf" Spool "$T/spool2" OutputDir "$T/out2" Ledger "$T/ledger.sqlite"
"$SCAN" -q --ca-file=samples/ca/root.pem --spool="$T/spool2" samples/cert-issue.eml samples/pin-issue.eml >/dev/null 2>"$T/scan.err"
expect "--once after upki-scan --spool" 0 "$FETCH" --once -c "$T/e2e.conf"
cp "$T/err" "$T/e2e.log"
check "both notices consumed into done/" "[ \$(ls '$T/spool2/done' | wc -l) = 2 ] && [ -z \"\$(find '$T/spool2/new' '$T/spool2/cur' -type f)\" ]"
check "the job says version 2 and the recipient" "grep -q '\"version\":2' '$T/out2/'*.json && grep -q '\"recipient\":\"' '$T/out2/'*.json"
tap_no_token "no cert-issue token in upki-fetch's log" samples/cert-issue.eml "$T/e2e.log" "$T/scan.err"
# Ledger: each job's outcome, after the state's commit; a job found
# decided in cur/ (a crash before the ledger) is recorded when finished.
fetches() { python3 -c 'import sqlite3,sys
for r in sqlite3.connect(sys.argv[1]).execute("select what, action, serial is null from fetches order by job_id"): print(*r)' "$T/ledger.sqlite"; }
check "Ledger: both jobs recorded as kept by keep, no serial" "[ \"\$(fetches | sort -u)\" = 'kept keep 1' ] && [ \$(fetches | wc -l) = 2 ]" "$(fetches 2>&1)"
check "Ledger: created 0600" "[ \$(mode '$T/ledger.sqlite') = 600 ]"
lj=$(ls "$T/spool2/done" | head -1)
python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("delete from fetches where job_id=?", (sys.argv[2],)); c.commit()' "$T/ledger.sqlite" "${lj%.json}"
mv "$T/spool2/done/$lj" "$T/spool2/cur/$lj"
expect "--once finds a decided job in cur/" 0 "$FETCH" --once -c "$T/e2e.conf"
check "... recorded in the ledger again, moved to done/, not run again" \
	"[ \$(fetches | wc -l) = 2 ] && [ -f '$T/spool2/done/$lj' ] && grep -q 'recorded before' '$T/err'" "$(fetches 2>&1; cat "$T/err")"
tap_no_token "no cert-issue token in the ledger" samples/cert-issue.eml "$T/ledger.sqlite" "$T/ledger.sqlite-wal"
tap_no_token "no pin-issue token in upki-fetch's log" samples/pin-issue.eml "$T/e2e.log" "$T/scan.err"
# Every key of the table is documented and in the example, and the example passes -n.
for k in $(sed -n 's/^\t{ "\([A-Za-z]*\)", T_.*/\1/p' fetch/conf.c); do
	grep -q "^\.BI $k " man/upki-fetch.conf.5 || not_ok "$k not in upki-fetch.conf(5)"
	grep -q "^#* *$k " etc/upki-fetch.conf.example || not_ok "$k not in etc/upki-fetch.conf.example"
	keys=$((${keys:-0} + 1))
done
[ "${keys:-0}" -ge 25 ] && ok "all $keys keys in the man page and the example" || not_ok "only ${keys:-0} keys found in fetch/conf.c"
sed -e "s#/var/spool/upki-notice#$T/ex-spool#" -e "s#/var/lib/upki-fetch#$T/ex#" etc/upki-fetch.conf.example >"$T/example.conf"
expect "-n accepts the example config" 0 "$FETCH" -n -c "$T/example.conf"
echo "1..$n"
