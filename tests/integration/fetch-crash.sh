#!/bin/sh
# Crash safety: upki-fetch is killed with SIGKILL at random moments while
# it works a spool that writers keep adding to, and restarted, over and
# over.  The exec action's command writes a receipt keyed by the job id
# (written once: a second run finds it) and logs every run; pin-issue
# jobs use retrieve through the stand-in of tests/fetch-queue/
# retrieve-fake.c (the FAKE build: exec and the queue are the same code
# as in the shipped program), which refuses a second download of a URL
# as the site does and waits a little once the PIN ZIP is written, so
# kills land between the single download and the commit of its PINs.
# At the end: every job written is in done/ exactly once and nowhere
# else, has its receipt or its PINs recorded (and no PIN ZIP left), the
# state database is intact and says done for each, and a command ran
# more than once for a job only where a kill could have caught it (extra
# runs <= kills).  TAP.
set -u
. tests/lib/tap.sh
. tests/lib/fetch.sh
[ -x "$FAKE" ] || skip_all "$FAKE not built"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
T=$(mktemp -d)
FPID=
trap '[ -n "$FPID" ] && kill -9 "$FPID" 2>/dev/null; rm -rf "$T"' EXIT
ROUNDS=${FETCH_CRASH_ROUNDS:-20}
mkdir -p "$T/site"
printf 'taro@example.ac.jp\tCN=Taro Yamada,O=Example University\tCrash-PIN-5150\n' >"$T/site/pins"
echo 150 >"$T/site/pin-pause"
export UPKI_FETCH_FAKE="$T/site"
mkdir -p "$T/receipts"
cat >"$T/hook.sh" <<HOOK
#!/bin/sh
# idempotent by job id: the receipt is written once, atomically
echo "\$UPKI_JOB_ID" >>"$T/runs"
sleep 0.02
[ -e "$T/receipts/\$UPKI_JOB_ID" ] && exit 0
cat >"$T/receipts/.\$UPKI_JOB_ID.\$\$" && mv "$T/receipts/.\$UPKI_JOB_ID.\$\$" "$T/receipts/\$UPKI_JOB_ID"
HOOK
chmod 755 "$T/hook.sh"
fetch_conf "$T/c.conf" CertIssueAction exec PinIssueAction retrieve ExecCommand "$T/hook.sh" \
	RetryDelay 1 RetryMaxDelay 1 MaxAttempts 1000
: >"$T/ids"
add_jobs() { # FIRST COUNT
	k=$1
	while [ "$k" -lt $(($1 + $2)) ]; do
		kind=cert-issue; [ $((k % 4)) = 0 ] && kind=pin-issue
		fetch_job "$T/spool" $kind "$(fetch_token $k)" >>"$T/ids"
		k=$((k + 1))
	done
}
sqlite3_one() { python3 -c 'import sqlite3,sys
r=sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()
print(r[0] if r else "")' "$T/state/state.db" "$1"; }
add_jobs 0 30
next=30; kills=0
r=0
while [ $r -lt "$ROUNDS" ]; do
	"$FAKE" -f -c "$T/c.conf" >>"$T/log" 2>&1 &
	FPID=$!
	add_jobs $next 3; next=$((next + 3))
	sleep "$(awk -v s="$r$$" 'BEGIN { srand(s); printf "%.3f", rand() * 0.5 }')"
	kill -9 "$FPID" 2>/dev/null && kills=$((kills + 1))
	wait "$FPID" 2>/dev/null
	FPID=
	r=$((r + 1))
done
# the last run finishes everything (bounded: a stuck queue fails the test)
i=0
while :; do
	timeout 60 "$FAKE" --once -c "$T/c.conf" >>"$T/log" 2>&1; rc=$?
	[ $rc = 0 ] || [ $i -ge 10 ] && break
	i=$((i + 1)); sleep 1
done
if [ $rc = 0 ]; then ok "after $kills kills the last --once run exits 0"; else not_ok "last --once exit $rc"; tail -5 "$T/log" | sed 's/^/# /'; fi

total=$(sort -u "$T/ids" | wc -l)
[ "$total" = "$next" ] && ok "$total distinct jobs written" || not_ok "$total distinct jobs, wanted $next"
missing=0; dup=0
for id in $(cat "$T/ids"); do
	c=$(find "$T/spool" -name "$id.json" | wc -l)
	[ -f "$T/spool/done/$id.json" ] || missing=$((missing + 1))
	[ "$c" -gt 1 ] && dup=$((dup + 1))
done
[ $missing = 0 ] && ok "no job lost: every one is in done/" || not_ok "$missing jobs not in done/"
[ $dup = 0 ] && ok "no job in two places" || not_ok "$dup jobs in more than one directory"
left=$(find "$T/spool/new" "$T/spool/cur" "$T/spool/failed" -type f | wc -l)
[ "$left" = 0 ] && ok "new/, cur/ and failed/ empty" || not_ok "$left files left in new/, cur/ or failed/"
noreceipt=0
for id in $(cat "$T/ids"); do
	if grep -q '"kind":"pin-issue"' "$T/spool/done/$id.json" 2>/dev/null; then
		[ -n "$(sqlite3_one "select 1 from pin_jobs where job_id='$id'")" ] || noreceipt=$((noreceipt + 1))
	else
		cmp -s "$T/receipts/$id" "$T/spool/done/$id.json" || noreceipt=$((noreceipt + 1))
	fi
done
[ $noreceipt = 0 ] && ok "every job has its receipt or its PINs recorded" || not_ok "$noreceipt jobs without a good receipt or PINs"
pinzips=$(find "$T/output" -name '*.pin.zip' | wc -l)
[ "$pinzips" = 0 ] && ok "no PIN ZIP left once its PINs are recorded" || not_ok "$pinzips PIN ZIPs left"
pins=$(grep -c '"kind":"pin-issue"' "$T/spool/done/"*.json | grep -c ':1$')
downloads=$(grep -c '^pin$' "$T/site/downloads")
[ "$downloads" = "$pins" ] && ok "one PIN download per pin-issue job ($pins), none repeated after a kill" ||
	not_ok "$downloads PIN downloads for $pins pin-issue jobs"
! grep -q 'Crash-PIN' "$T/log" && ok "no PIN in the log" || not_ok "a PIN in the log"
extra=$(( $(wc -l <"$T/runs") - $(sort -u "$T/runs" | wc -l) ))
[ "$extra" -le "$kills" ] && ok "commands run twice only where a kill hit ($extra extra runs, $kills kills)" ||
	not_ok "$extra extra runs for $kills kills"
python3 - "$T/state/state.db" "$T/ids" <<'PY' && ok "state database intact, every job recorded done" || not_ok "state database"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
ids = set(open(sys.argv[2]).read().split())
rows = dict(db.execute("select id, status from jobs"))
bad = [i for i in ids if rows.get(i) != 1]
assert not bad, bad[:3]
PY
left=$(find "$T/spool/tmp" "$T/output" -name '*.tmp' | wc -l)
[ "$left" -le 1 ] && ok "at most one half-written file left by a kill ($left)" || not_ok "$left .tmp files left"
echo "1..$n"
