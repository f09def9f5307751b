#!/bin/sh
# upki-fetch's StatsFile: --once writes the run's counts; -f writes at
# start, on SIGUSR1, every UPKI_STATS_INTERVAL seconds and at exit, a
# whole file (mode 0644 under upki-fetch's umask 077) whatever a reader
# sees; every counter compared with the jobs the script made (done,
# failed, retried, invalid; per action and result); -n checks the
# directory.  TAP output.
set -u
. tests/lib/tap.sh
. tests/lib/fetch.sh
[ -x "$FETCH" ] || skip_all "$FETCH not built"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
T=$(mktemp -d)
FPID=
trap '[ -n "$FPID" ] && kill -9 "$FPID" 2>/dev/null; rm -rf "$T"' EXIT
check() { if eval "$2"; then ok "$1"; else not_ok "$1" "${3:-$2}"; fi; }
wait_for() { w=0; while ! eval "$2"; do [ $w -ge $(($1 * 10)) ] && return 1; sleep 0.1; w=$((w + 1)); done; }
PROM="$T/prom/upki-fetch.prom"
value() { awk -v k="$1" '$1 == k { print $2 }' "$PROM"; }
expect() {
	got=$(value "$1")
	if [ "$got" = "$2" ]; then ok "$1 = $2"; else not_ok "$1 = $2" "got '${got}'"; fi
}
well_formed() {
	awk '
	/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* / { next }
	/^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge)$/ {
		type[$3] = $4; if ($4 == "counter" && $3 !~ /_total$/) bad = 1; next }
	/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? [0-9]+$/ {
		name = $1; sub(/\{.*/, "", name); if (!(name in type)) bad = 1; n++; next }
	{ bad = 1 }
	END { exit (bad || n < 10) }' "$1"
}

# The exec hook exits with the status in $T/rc.<job id> (0 when none).
cat >"$T/hook.sh" <<HOOK
#!/bin/sh
[ -f "$T/rc.\$UPKI_JOB_ID" ] && exit "\$(cat "$T/rc.\$UPKI_JOB_ID")"
exit 0
HOOK
chmod 755 "$T/hook.sh"
mkdir -p "$T/prom"
fetch_conf "$T/c.conf" CertIssueAction exec PinIssueAction keep ExecCommand "$T/hook.sh" \
	MaxAttempts 2 RetryDelay 1 RescanInterval 300 StatsFile "$PROM"
# cert N RC: a cert-issue job whose hook exits RC.
cert() { id=$(fetch_job "$T/spool" cert-issue "$(fetch_token "$1")"); echo "$2" >"$T/rc.$id"; echo "$id"; }

check "-n: a good StatsFile" "'$FETCH' -n -c '$T/c.conf' >/dev/null 2>&1"
fetch_conf "$T/bad.conf" StatsFile "$T/none/x.prom"
check "-n: StatsFile in a missing directory refused" \
	"! '$FETCH' -n -c '$T/bad.conf' 2>'$T/err' && grep -q 'StatsFile $T/none/x.prom' '$T/err'"
fetch_conf "$T/bad2.conf" StatsFile x.prom
check "-n: a relative StatsFile refused with its line" \
	"! '$FETCH' -n -c '$T/bad2.conf' 2>'$T/err' && grep -q 'bad2.conf:4: StatsFile' '$T/err'"

# --once: what the script made, counted.
done_c=1; failed_c=1; retried_c=1; pins=2; invalid=1
cert 1 0 >/dev/null; cert 2 1 >/dev/null; RETRY=$(cert 3 75)
fetch_job "$T/spool" pin-issue "$(fetch_token 4)" >/dev/null
fetch_job "$T/spool" pin-issue "$(fetch_token 5)" >/dev/null
printf '{"version": 2, "id": "x"' >"$T/spool/new/0123456789abcdef0123456789abcdef.json"
"$FETCH" --once -c "$T/c.conf" >"$T/once.log" 2>&1
check "--once: exit 1 (a job failed)" "[ $? = 1 ]"
check "--once wrote the file" "[ -s '$PROM' ] && well_formed '$PROM'"
check "mode 0644 despite the umask 077" "[ \"\$(stat -c %a '$PROM')\" = 644 ]"
expect 'upki_fetch_jobs_total{kind="cert-issue",outcome="done"}' $done_c
expect 'upki_fetch_jobs_total{kind="cert-issue",outcome="failed"}' $failed_c
expect 'upki_fetch_jobs_total{kind="cert-issue",outcome="retried"}' $retried_c
expect 'upki_fetch_jobs_total{kind="pin-issue",outcome="done"}' $pins
expect 'upki_fetch_jobs_total{kind="invalid",outcome="failed"}' $invalid
expect 'upki_fetch_actions_total{action="exec",result="ok"}' $done_c
expect 'upki_fetch_actions_total{action="exec",result="fail"}' $failed_c
expect 'upki_fetch_actions_total{action="exec",result="retry"}' $retried_c
expect 'upki_fetch_actions_total{action="keep",result="ok"}' $pins
expect 'upki_fetch_actions_total{action="webhook",result="ok"}' 0
expect 'upki_fetch_passes_total{result="ok"}' 1
expect 'upki_fetch_jobs_waiting' $retried_c
now=$(date +%s); lp=$(value upki_fetch_last_pass_time_seconds)
check "last pass time is now" "[ \"${lp:-0}\" -ge $((now - 30)) ] && [ \"${lp:-0}\" -le $now ]"
check "no job id, URL or token in the file" \
	"! grep -E 'VGVzdFRva2Vu|https?:|$RETRY' '$PROM'"

# -f: start, SIGUSR1, the retry's second attempt (MaxAttempts 2: failed), exit.
UPKI_STATS_INTERVAL=3600 "$FETCH" -f -c "$T/c.conf" >"$T/log" 2>&1 &
FPID=$!
check "-f: the file is rewritten at start (new process: 0 pin-issue jobs)" \
	"wait_for 5 \"[ \\\"\\\$(value 'upki_fetch_jobs_total{kind=\\\\\\\"pin-issue\\\\\\\",outcome=\\\\\\\"done\\\\\\\"}')\\\" = 0 ]\""
check "the retried job fails at its second attempt" "wait_for 8 \"[ -f '$T/spool/failed/$RETRY.json' ]\""
fetch_job "$T/spool" pin-issue "$(fetch_token 6)" >/dev/null
check "a new pin-issue job is kept" "wait_for 5 \"[ \\\$(ls '$T/spool/done' | wc -l) = 4 ]\""
kill -USR1 "$FPID"
check "SIGUSR1: written (the interval is an hour)" \
	"wait_for 5 \"[ \\\"\\\$(value 'upki_fetch_jobs_total{kind=\\\\\\\"pin-issue\\\\\\\",outcome=\\\\\\\"done\\\\\\\"}')\\\" = 1 ]\""
expect 'upki_fetch_jobs_total{kind="cert-issue",outcome="failed"}' 1
expect 'upki_fetch_actions_total{action="exec",result="retry"}' 1
expect 'upki_fetch_jobs_waiting' 0
fetch_job "$T/spool" pin-issue "$(fetch_token 7)" >/dev/null
wait_for 5 "[ \$(ls '$T/spool/done' | wc -l) = 5 ]"
kill -HUP "$FPID"
wait_for 5 "grep -q 'configuration reloaded' '$T/log'"
kill -TERM "$FPID"; wait "$FPID"; rc=$?; FPID=
check "SIGTERM: exit 0" "[ $rc = 0 ]"
expect 'upki_fetch_jobs_total{kind="pin-issue",outcome="done"}' 2
expect 'upki_fetch_config_reloads_total{result="ok"}' 1

# The periodic write, and a reader during many writes.
UPKI_STATS_INTERVAL=1 "$FETCH" -f -c "$T/c.conf" >>"$T/log" 2>&1 &
FPID=$!
wait_for 5 "[ \"\$(value 'upki_fetch_jobs_total{kind=\"pin-issue\",outcome=\"done\"}')\" = 0 ]"
fetch_job "$T/spool" pin-issue "$(fetch_token 8)" >/dev/null
check "written within 3 s of the job without a signal (UPKI_STATS_INTERVAL 1)" \
	"wait_for 4 \"[ \\\"\\\$(value 'upki_fetch_jobs_total{kind=\\\\\\\"pin-issue\\\\\\\",outcome=\\\\\\\"done\\\\\\\"}')\\\" = 1 ]\""
( i=0; while [ $i -lt 200 ]; do kill -USR1 "$FPID" 2>/dev/null; i=$((i + 1)); done ) &
spammer=$!
bad=0; i=0
while [ $i -lt 200 ]; do
	cp "$PROM" "$T/copy" 2>/dev/null && { well_formed "$T/copy" || bad=$((bad + 1)); }
	i=$((i + 1))
done
wait $spammer
check "a reader never saw a partial file" "[ $bad = 0 ]"
check "no temp file left" "[ \"\$(ls -A '$T/prom')\" = upki-fetch.prom ]"
kill -TERM "$FPID"; wait "$FPID"; FPID=
grep -v '^StatsFile' "$T/c.conf" >"$T/c2.conf"
"$FETCH" -f -c "$T/c2.conf" >>"$T/log" 2>&1 &
FPID=$!
wait_for 5 "[ \$(grep -c 'started:' '$T/log') = 3 ]" || not_ok "third daemon started"
kill -USR1 "$FPID"; sleep 0.5
check "no StatsFile: SIGUSR1 leaves the daemon running" "kill -0 $FPID"
kill -TERM "$FPID"; wait "$FPID"; rc=$?; FPID=
check "and it stops with 0" "[ $rc = 0 ]"
tap_no_token "no token in the daemon's log" samples/cert-issue.eml "$T/log"
echo "1..$n"
