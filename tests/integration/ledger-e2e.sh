#!/bin/sh
# One certificate ledger (docs/ledger.md) written by all three programs:
# a throwaway Postfix hands a PIN notice, a certificate notice (both
# signed now by the test CA, their URLs carrying tokens chosen here) and
# an unsigned look-alike to upki-milter (Ledger and Spool keys, running
# as postfix); upki-fetch (its own Ledger key, as the milter's user)
# retrieves both jobs from the imitation of the site
# (tests/fetch/fake-site.py on 127.0.0.1) and records them; then
# `upki-scan --ledger` over the delivered Maildir writes into the same
# file.  Checked: the milter's rows (source milter:QUEUEID, the look-alike
# apart with its reasons), the fetch's rows (the serial installed), that
# the scan's copy of each message is the milter's notice (one row, the
# place now the mailbox file) and a re-scan adds nothing, the JSON report
# (the certificate job retrieved with its serial, and so the PIN job
# whose PIN opened it, one suspicious), the file 0600, a reload naming another
# file (the milter writes there), and no token or PIN in the files or
# their -wal.  Root only (Postfix).  TAP output.
set -u
. tests/lib/tap.sh
. tests/lib/fake-site.sh
TOP=$PWD
case $BUILD in /*) B=$BUILD ;; *) B=$TOP/$BUILD ;; esac
FETCH="$B/upki-fetch"
SCAN="$B/upki-scan"
MILTER="$B/upki-milter"
for p in "$FETCH" "$SCAN" "$MILTER" "$B/tools/upki-testsign"; do
	[ -x "$p" ] || skip_all "$p not built"
done
for c in python3 openssl bash perl swaks setpriv; do
	command -v $c >/dev/null 2>&1 || skip_all "$c not installed"
done
. "$TOP/tests/milter/postfix-lib.sh"
why=$(pf_missing)
[ -n "$why" ] && skip_all "$why"
T=$(mktemp -d)
chmod 755 "$T"
SITE_PID= MPID=
cleanup() {
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null
	[ -n "$SITE_PID" ] && kill "$SITE_PID" 2>/dev/null
	pf_stop
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
check() { if eval "$2"; then ok "$1"; else not_ok "$1" "${3:-$2}"; fi; }
wait_for() { wf_i=0; while ! eval "$2"; do [ $wf_i -ge $(($1 * 10)) ] && return 1; sleep 0.1; wf_i=$((wf_i + 1)); done; }
# sql_in FILE QUERY, sql QUERY: the rows of a ledger (sql: $L), one per
# line, columns '|'-separated
sql_in() { python3 -c 'import sqlite3,sys
for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print("|".join("" if v is None else str(v) for v in r))' "$1" "$2"; }
sql() { sql_in "$L" "$1"; }

site_init "$T/site"
site_person X
chmod -R a+rX "$T/site"
site_start || { cat "$T/site/site.log"; echo "Bail out! fake site did not start"; exit 1; }
TO='Person X <personx@example.ac.jp>'
notice() {
	nt_tok="$(echo "$1" | sed 's/-issue//')X-$(openssl rand -hex 24)"
	bash tests/fetch/make-notice.sh "$1" "$nt_tok" "$TO" "$T/$1.eml" || return 1
	echo "$T/$1.eml"
}
cN=$(notice cert-issue) && pN=$(notice pin-issue) || { echo "Bail out! cannot make notices"; exit 1; }
job_of() { "$SCAN" --ca-file="$TOP/samples/ca/root.pem" "$1" 2>/dev/null |
	python3 -c 'import hashlib,json,sys; print(hashlib.sha256(json.load(sys.stdin)["url"].encode()).hexdigest()[:32])'; }
cid=$(job_of "$cN"); pid=$(job_of "$pN")
# the look-alike: a certificate notice's Subject and From, no signature,
# a URL on another host (a token of its own)
sTOK=susp-$(openssl rand -hex 24)
{
	printf 'From: ca-support@ml.secom-sts.co.jp\r\nTo: %s\r\nMessage-ID: <lookalike.%s@example.net>\r\n' "$TO" "$$"
	printf 'Date: %s\r\n' "$(date -R)"
	grep -m1 -A2 '^Subject:' "$cN" | sed -n '1p;/^[ \t]/p' | tr -d '\r' | sed 's/$/\r/'
	printf 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
	printf '以下のURLから証明書を取得してください。\r\nhttps://scia.secomtrust.net.evil.example/upki-odcert/lra/SSLoginCliAll.jsp?p1=%s\r\n' "$sTOK"
} >"$T/lookalike.eml"
check "the look-alike is suspicious to upki-scan" \
	"'$SCAN' --ca-file='$TOP/samples/ca/root.pem' '$T/lookalike.eml' | grep -q '\"verdict\":\"suspicious\"'"

# ---- the milter in Postfix: Spool and Ledger ----
M=$T/milter D=$T/fetch LD=$T/ledger
L=$LD/ledger.sqlite
mkdir -p "$M" "$D/spool" "$D/out" "$LD"
chown postfix:postfix "$D" "$D/spool" "$D/out" "$LD"
cat >"$M/upki-milter.conf" <<MCONF
Socket unix:$M/sock
SocketMode 0660
UserID postfix
PidFile $M/pid
TrustAnchorFile $TOP/samples/ca/root.pem
AuthservID mx.test
Spool $D/spool
Ledger $L
MCONF
check "-n accepts the Ledger in a directory the milter's user can write" "'$MILTER' -n -c '$M/upki-milter.conf' 2>'$T/n.err'" "$(cat "$T/n.err")"
chown root:root "$LD"; chmod 755 "$LD"
check "-n refuses it in a directory the milter's user cannot write, naming the line" \
	"! '$MILTER' -n -c '$M/upki-milter.conf' 2>'$T/n.err' && grep -q 'upki-milter.conf:8: Ledger: postfix needs write and search permission on $LD' '$T/n.err'" "$(cat "$T/n.err")"
chown postfix:postfix "$LD"; chmod 700 "$LD"
"$MILTER" -f -c "$M/upki-milter.conf" >"$M/log" 2>&1 &
MPID=$!
wait_for 5 "[ -S '$M/sock' ] && [ \"\$(cat '$M/pid' 2>/dev/null)\" = $MPID ]" || { echo "Bail out! upki-milter did not start"; cat "$M/log"; exit 1; }
PORT=$(pf_free_port 3)
pf_setup "$T/pf" "$PORT" "unix:$M/sock"
pf_start || { echo "Bail out! postfix did not start"; exit 1; }
noeol() { perl -0777 -pe 's/\r?\n\z//'; }
for f in "$pN" "$cN" "$T/lookalike.eml"; do
	noeol <"$f" >"$f.smtp"
	swaks --server "127.0.0.1:$PORT" --from ca-support@ml.secom-sts.co.jp --to office@example.ac.jp \
		--data "$f.smtp" --silent 2 >/dev/null 2>&1
done
check "Postfix delivered the three messages" "pf_wait 3 30"
check "the ledger is the milter's user's, 0600" "[ \"\$(stat -c '%U %a' '$L' 2>/dev/null)\" = 'postfix 600' ]"
check "the milter recorded both notices, each as milter:QUEUEID at offset 0" \
	"[ \"\$(sql \"select count(*) from notices where source glob 'milter:[0-9A-Za-z]*' and source != 'milter:NOQUEUE' and offset = 0 and job_id in ('$cid','$pid')\")\" = 2 ]" "$(sql 'select kind, source, job_id from notices')"
check "... and the look-alike apart, with its reasons" \
	"sql \"select reasons, url_host from suspicious where source glob 'milter:*'\" | grep -q 'unsigned.*|scia.secomtrust.net.evil.example\$'" "$(sql 'select * from suspicious')"
check "the milter logged no ledger failure" "! grep -q 'ledger not written' '$M/log'" "$(grep ledger "$M/log")"

# ---- upki-fetch retrieves both jobs and records them ----
{
	sed -n '/^# \/etc\/upki-fetch.conf$/,/^```$/p' README.md | sed '1d;$d; s/ *#.*//' |
		sed -e "s#/var/spool/upki-notice#$D/spool#" -e "s#/var/lib/upki-fetch#$D#" \
			-e "s#/etc/upki-fetch/nii-client-ca.pem#$T/site/cert-ca.pem#"
	printf 'ServiceCAFile %s\nServiceConnectTo scia.secomtrust.net:443:127.0.0.1:%s\nLedger %s\n' \
		"$T/site/ca.pem" "$SITE_PORT" "$L"
} >"$T/fetch.conf"
chmod 644 "$T/fetch.conf"
setpriv --reuid=postfix --regid=postfix --clear-groups "$FETCH" --once -c "$T/fetch.conf" >"$D/fetch.log" 2>&1
rc=$?
check "upki-fetch --once: both jobs done (0)" \
	"[ $rc = 0 ] && [ -f '$D/spool/done/$cid.json' ] && [ -f '$D/spool/done/$pid.json' ]" "exit $rc: $(tail -3 "$D/fetch.log")"
check "upki-fetch recorded the PIN and the certificate with its serial" \
	"[ \"\$(sql \"select job_id, what, serial, action from fetches order by what\")\" = \"$cid|certificate|$SERIAL_X|retrieve
$pid|pin||retrieve\" ]" "$(sql 'select * from fetches')"
setpriv --reuid=postfix --regid=postfix --clear-groups "$FETCH" --once -c "$T/fetch.conf" >>"$D/fetch.log" 2>&1
check "a second pass records nothing more" "[ \"\$(sql 'select count(*) from fetches')\" = 2 ]"

# ---- upki-scan over the delivered Maildir, into the same file ----
before=$(sql "select count(*) from notices"):$(sql "select count(*) from suspicious")
"$SCAN" -q --ca-file="$TOP/samples/ca/root.pem" --ledger="$L" "$T/pf/mail/inbox" >"$T/scan.out" 2>"$T/scan.err"
check "upki-scan --ledger over the mailbox: the milter's notices, not new ones" \
	"[ '$before' = 2:1 ] && [ \"\$(sql 'select count(*) from notices'):\$(sql 'select count(*) from suspicious')\" = 2:1 ]" \
	"before $before, after $(sql 'select count(*) from notices'):$(sql 'select count(*) from suspicious'); $(cat "$T/scan.err")"
check "... each row now names its place in the mailbox (the same Message-ID and signature hash)" \
	"[ \"\$(sql \"select count(*) from notices where source like '$T/pf/mail/inbox/%'\")\" = 2 ]" "$(sql 'select source from notices')"
snap() { sql "select * from notices union all select * from suspicious order by 1, 2"; sql "select * from fetches order by 1, 2"; }
snap >"$T/snap1"
"$SCAN" -q --ca-file="$TOP/samples/ca/root.pem" --ledger="$L" -j 2 "$T/pf/mail/inbox" >/dev/null 2>>"$T/scan.err"
snap >"$T/snap2"
check "a re-scan changes nothing" "cmp -s '$T/snap1' '$T/snap2'" "$(diff "$T/snap1" "$T/snap2")"

# ---- the report ----
"$SCAN" --report=json --ledger="$L" >"$T/report.json" 2>>"$T/scan.err"
check "--report=json: the certificate job retrieved with its serial, the PIN job closed with it, one suspicious" \
	"python3 - '$T/report.json' '$cid' '$pid' '$SERIAL_X' <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); cid, pid, serial = sys.argv[2:]
jobs = {j['job_id']: j for j in r['jobs']}
assert set(jobs) == {cid, pid}, jobs
assert (jobs[cid]['kind'], jobs[cid]['state'], jobs[cid]['serial']) == ('cert-issue', 'retrieved', serial), jobs[cid]
assert (jobs[pid]['kind'], jobs[pid]['state'], jobs[pid]['serial']) == ('pin-issue', 'retrieved', serial), jobs[pid]
s = r['summary']
assert (s['notices'], s['suspicious']) == (2, 1), s
assert s['jobs']['retrieved'] == 2 and s['jobs'].get('pin-issued', 0) == 0, s
assert [x['url_host'] for x in r['suspicious']] == ['scia.secomtrust.net.evil.example'], r['suspicious']
assert 'unsigned' in r['suspicious'][0]['reasons'], r['suspicious']
PY" "$(cat "$T/report.json")"

# ---- a reload that names another file: the milter writes there ----
L2=$LD/second.sqlite
sed -i "s#^Ledger .*#Ledger $L2#" "$M/upki-milter.conf"
kill -HUP "$MPID"
check "SIGHUP: the milter reloads" "wait_for 10 \"grep -q 'configuration reloaded' '$M/log'\""
swaks --server "127.0.0.1:$PORT" --from ca-support@ml.secom-sts.co.jp --to office@example.ac.jp \
	--data "$T/lookalike.eml.smtp" --silent 2 >/dev/null 2>&1
check "Postfix delivered the look-alike again" "pf_wait 4 30"
check "... recorded in the new file, the first one unchanged" \
	"[ \"\$(sql_in '$L2' \"select count(*) from suspicious where source glob 'milter:*'\")\" = 1 ] && snap | cmp -s - '$T/snap2'" \
	"$(grep -i ledger "$M/log")"

# ---- no secret in the files ----
check "the ledger's -wal is there to be searched too" "[ -e '$L-wal' ] || [ -s '$L' ]"
for f in "$cN" "$pN" "$T/lookalike.eml"; do
	tok=$(tap_token "$f")
	check "no token of $(basename "$f") in the ledgers or their -wal (${#tok} characters)" \
		"[ \${#tok} -ge 32 ] && ! grep -a -q -F -- '$tok' '$LD'/* && ! grep -a -q -F -- '$tok' '$T/report.json'"
done
check "no PIN in the ledgers" "! grep -a -q -F -- '$PIN_X' '$LD'/*"
echo "1..$n"
