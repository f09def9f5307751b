#!/bin/sh
# The certificate office of README.md end to end, with the real retrieve
# flow against the imitation of the site (tests/fetch/fake-site.py, on
# 127.0.0.1, reached through ServiceConnectTo): PIN and certificate
# notices signed now by the test CA, their URLs carrying tokens chosen
# here, go
#   1. through procmail and `upki-scan --filter --spool` into the spool,
#      the certificate notice first: `upki-fetch --once` is refused by the
#      site (retry, backoff), the PIN notice comes, the PIN job runs, the
#      certificate job waits for its time and then installs;
#   2. the same while `upki-fetch -f` runs: it picks up jobs written after
#      it started;
#   3. through upki-milter in a throwaway Postfix (Spool key; root only),
#      upki-fetch running as the milter's user; the job names the envelope
#      recipient.
# Each time: the PKCS#12 (0600) opens with the PIN the PIN notice led to,
# its receipt names its serial, the jobs are in done/, the certificate
# ZIP is kept (0600) and the PIN ZIP is gone, and no log holds a token or
# a PIN.  TAP output.
set -u
. tests/lib/tap.sh
. tests/lib/fake-site.sh
TOP=$PWD
case $BUILD in /*) B=$BUILD ;; *) B=$TOP/$BUILD ;; esac
FETCH="$B/upki-fetch"
SCAN="$B/upki-scan"
MILTER="$B/upki-milter"
[ -x "$FETCH" ] || skip_all "$FETCH not built"
[ -x "$B/tools/upki-testsign" ] || skip_all "upki-testsign not built"
for c in python3 openssl procmail bash perl; do
	command -v $c >/dev/null 2>&1 || skip_all "$c not installed"
done
T=$(mktemp -d)
chmod 755 "$T"
SITE_PID= FPID= MPID=
cleanup() {
	[ -n "$FPID" ] && kill "$FPID" 2>/dev/null
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null
	[ -n "$SITE_PID" ] && kill "$SITE_PID" 2>/dev/null
	command -v pf_stop >/dev/null 2>&1 && pf_stop
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
check() { if eval "$2"; then ok "$1"; else not_ok "$1" "${3:-$2}"; fi; }
wait_for() { wf_i=0; while ! eval "$2"; do [ $wf_i -ge $(($1 * 10)) ] && return 1; sleep 0.1; wf_i=$((wf_i + 1)); done; }

site_init "$T/site"
for x in A B C; do site_person $x; done
chmod -R a+rX "$T/site"
site_start || { cat "$T/site/site.log"; echo "Bail out! fake site did not start"; exit 1; }
TO='=?ISO-2022-JP?B?GyRCOzNFRBsoQiAbJEJCQE86GyhC?= <yamada.taro@example.ac.jp>'

# notice KIND X: a signed notice for person X (pinX-... or certX-...: the
# fake site's scenario) with a token made now; prints its file.
notice() {
	nt_tok="$(echo "$1" | sed 's/-issue//')$2-$(openssl rand -hex 24)"
	bash tests/fetch/make-notice.sh "$1" "$nt_tok" "$TO" "$T/$1-$2.eml" || return 1
	echo "$T/$1-$2.eml"
}

# conf FILE SPOOL DIR: the configuration of README.md's certificate office
# (its /etc/upki-fetch.conf block, so the two cannot drift apart) with the
# test's paths, plus what points it at the imitation (ServiceConnectTo,
# ServiceCAFile) and short retry times.
readme_conf() {
	sed -n '/^# \/etc\/upki-fetch.conf$/,/^```$/p' README.md | sed '1d;$d; s/ *#.*//'
}
conf() {
	{
		readme_conf | sed -e "s#/var/spool/upki-notice#$2#" -e "s#/var/lib/upki-fetch#$3#" \
			-e "s#/etc/upki-fetch/nii-client-ca.pem#$T/site/cert-ca.pem#"
		cat <<CONF
ServiceCAFile    $T/site/ca.pem
ServiceConnectTo scia.secomtrust.net:443:127.0.0.1:$SITE_PORT
RetryDelay       4
RetryMaxDelay    4
RescanInterval   300
CONF
	} >"$1"
	chmod 644 "$1"
}
check "README.md's configuration found: retrieve for both kinds, Spool, StateFile, OutputDir, CertCAFile" \
	"[ \$(readme_conf | grep -c -E '^(Spool|StateFile|OutputDir|CertCAFile) +/|^(CertIssueAction|PinIssueAction) +retrieve\$') = 6 ]" "$(readme_conf)"

# procmail_rc NAME SPOOL: README's recipe with its filter for the spool
# (taken from README.md), in $T/NAME.
readme_filter() {
	grep -o '`| upki-scan --filter --spool=/var/spool/upki-notice`' README.md | head -1 | tr -d '`'
}
procmail_rc() {
	mkdir -p "$T/$1/mail"
	# procmail clears the environment: the test's system config (tap.sh) goes in the rcfile
	printf 'UPKI_SYSTEM_CONFIG=%s\n' "$UPKI_SYSTEM_CONFIG"
	printf 'SHELL=/bin/sh\nCOMSAT=no\nMAILDIR=%s\nDEFAULT=%s/Maildir/\nLOGFILE=%s/procmail.log\n\n' \
		"$T/$1/mail" "$T/$1/mail" "$T/$1"
	printf ':0 fw\n%s --ca-file=%s\n\n' "$(readme_filter | sed -e "s#upki-scan#$SCAN#" -e "s#/var/spool/upki-notice#$2#")" \
		"$TOP/samples/ca/root.pem"
	printf ':0\n* ^X-UPKI-Notice: genuine\n.upki/\n'
} >"$T/$1.rc"
check "README.md's procmail filter for the spool found" "[ -n \"\$(readme_filter)\" ]"
deliver() { HOME="$T" procmail -m "$T/$1.rc" <"$2"; }

# job_of FILE: the spool job id of a notice's URL.
job_of() { "$SCAN" --ca-file="$TOP/samples/ca/root.pem" "$1" 2>/dev/null |
	python3 -c 'import hashlib,json,sys; print(hashlib.sha256(json.load(sys.stdin)["url"].encode()).hexdigest()[:32])'; }

# installed X DIR PIN_ZIP_JOB CERT_JOB: the checks of an install for person X.
installed() {
	in_x=$1 in_d=$2 in_p=$3 in_c=$4
	eval "in_serial=\$SERIAL_$in_x in_pin=\$PIN_$in_x"
	in_f="$in_d/out/$in_serial.p12"
	check "$in_x: the PKCS#12 is in OutputDir, 0600" "[ \"\$(stat -c %a '$in_f' 2>/dev/null)\" = 600 ]"
	check "$in_x: it opens with the PIN of the PIN notice" \
		"openssl pkcs12 -in '$in_f' -passin 'pass:$in_pin' -nokeys 2>/dev/null | openssl x509 -noout -serial 2>/dev/null | sed 's/=0*/=/' | grep -qi \"=\$(printf '%X' $in_serial)\\\$\""
	in_r="$in_d/out/$in_c.$in_serial.json"
	check "$in_x: its receipt names the job, the serial and the file, 0600" \
		"python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert (r[\"job_id\"], r[\"serial\"], r[\"p12\"]) == tuple(sys.argv[2:])' '$in_r' '$in_c' '$in_serial' '$in_serial.p12' && [ \"\$(stat -c %a '$in_r')\" = 600 ]"
	check "$in_x: the certificate ZIP is kept (0600), the PIN ZIP is gone" \
		"[ \"\$(stat -c %a '$in_d/out/zip/$in_c.zip')\" = 600 ] && [ ! -e '$in_d/out/zip/$in_p.pin.zip' ]"
}

# no_secrets X CERT-NOTICE PIN-NOTICE FILE...: neither notice's token nor
# the PIN of person X in the FILEs.
no_secrets() {
	ns_x=$1 ns_c=$(tap_token "$2") ns_p=$(tap_token "$3"); shift 3
	eval "ns_pin=\$PIN_$ns_x"
	if [ ${#ns_c} -lt 32 ] || [ ${#ns_p} -lt 32 ]; then not_ok "$ns_x: no token found in the notices"
	elif tap_has_token "$ns_c" "$@" || tap_has_token "$ns_p" "$@"; then not_ok "$ns_x: no token in the logs" "$*"
	else ok "$ns_x: no token in the logs"; fi
	if grep -r -q -F -- "$ns_pin" "$@"; then not_ok "$ns_x: no PIN in the logs" "$*"
	else ok "$ns_x: no PIN in the logs"; fi
}

# ---- 1. procmail -> spool -> upki-fetch --once, the certificate first ----
D=$T/one
conf "$T/one.conf" "$D/spool" "$D"
procmail_rc one "$D/spool"
once() { "$FETCH" --once -c "$T/one.conf" >>"$D/fetch.log" 2>&1; echo $?; }
cA=$(notice cert-issue A) && pA=$(notice pin-issue A) || { echo "Bail out! cannot make notices"; exit 1; }
cid=$(job_of "$cA"); pid=$(job_of "$pA")
deliver one "$cA"
check "procmail: the certificate notice is filed as genuine and spooled" \
	"[ \$(ls '$T/one/mail/.upki/new' | wc -l) = 1 ] && [ -f '$D/spool/new/$cid.json' ]"
check "certificate before its PIN: the site refuses, a retry (75)" "[ \$(once) = 75 ] && [ -f '$D/spool/cur/$cid.json' ] && grep -q 'outcome=retry.*PIN notice not fetched' '$D/fetch.log'"
deliver one "$pA"
check "the PIN notice is spooled" "[ -f '$D/spool/new/$pid.json' ]"
check "the PIN job runs; the certificate job waits for its time (75)" \
	"[ \$(once) = 75 ] && [ -f '$D/spool/done/$pid.json' ] && [ -f '$D/spool/cur/$cid.json' ] && [ \$(grep -c '$cid.*kind=cert-issue' '$D/fetch.log') = 1 ]"
# until the retry time the state database holds for it (no fixed sleep)
due=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select next_try from jobs where id=?",(sys.argv[2],)).fetchone()[0])' "$D/state.db" "$cid")
wait_for 10 "[ \$(date +%s) -ge $due ]"
check "after the backoff the certificate job succeeds (0), second attempt" \
	"[ \$(once) = 0 ] && [ -f '$D/spool/done/$cid.json' ] && grep -q '$cid.*outcome=done attempts=2' '$D/fetch.log'"
installed A "$D" "$pid" "$cid"
no_secrets A "$cA" "$pA" "$D/fetch.log" "$T/one/procmail.log"

# ---- 2. the daemon picks up jobs written while it runs -------------------
D=$T/two
conf "$T/two.conf" "$D/spool" "$D"
procmail_rc two "$D/spool"
cB=$(notice cert-issue B) && pB=$(notice pin-issue B) || { echo "Bail out! cannot make notices"; exit 1; }
cid=$(job_of "$cB"); pid=$(job_of "$pB")
"$FETCH" -f -c "$T/two.conf" >"$D/fetch.log" 2>&1 &
FPID=$!
check "upki-fetch -f started" "wait_for 10 \"grep -q started '$D/fetch.log'\""
deliver two "$cB"
deliver two "$pB"
check "-f: both jobs written while it runs are done" \
	"wait_for 30 \"[ -f '$D/spool/done/$cid.json' ] && [ -f '$D/spool/done/$pid.json' ]\""
kill -TERM "$FPID"; wait "$FPID"; rc=$?; FPID=
check "-f: SIGTERM, exit 0" "[ $rc = 0 ]"
installed B "$D" "$pid" "$cid"
no_secrets B "$cB" "$pB" "$D/fetch.log" "$T/two/procmail.log"

# ---- 3. upki-milter in Postfix -> spool -> upki-fetch as the milter's user ----
. "$TOP/tests/milter/postfix-lib.sh"
why=$(pf_missing)
[ -z "$why" ] && [ ! -x "$MILTER" ] && why="$MILTER not built"
[ -z "$why" ] && ! command -v setpriv >/dev/null 2>&1 && why="setpriv missing"
if [ -n "$why" ]; then
	n=$((n + 1)); echo "ok $n milter end to end # SKIP $why"; echo "1..$n"; exit 0
fi
D=$T/three
M=$T/milter
mkdir -p "$M" "$D/handoff" "$D/out"
chown postfix:postfix "$D" "$D/handoff" "$D/out"
cat >"$M/upki-milter.conf" <<MCONF
Socket unix:$M/sock
SocketMode 0660
UserID postfix
PidFile $M/pid
TrustAnchorFile $TOP/samples/ca/root.pem
AuthservID mx.test
Spool $D/handoff
MCONF
"$MILTER" -f -c "$M/upki-milter.conf" >"$M/log" 2>&1 &
MPID=$!
wait_for 5 "[ -S '$M/sock' ] && [ \"\$(cat '$M/pid' 2>/dev/null)\" = $MPID ]" ||
	{ n=$((n + 1)); echo "ok $n milter end to end # SKIP upki-milter did not start"; echo "1..$n"; exit 0; }
PORT=$(pf_free_port 3)
pf_setup "$T/pf" "$PORT" "unix:$M/sock"
pf_start || { n=$((n + 1)); echo "ok $n milter end to end # SKIP postfix did not start"; echo "1..$n"; exit 0; }
cC=$(notice cert-issue C) && pC=$(notice pin-issue C) || { echo "Bail out! cannot make notices"; exit 1; }
cid=$(job_of "$cC"); pid=$(job_of "$pC")
noeol() { perl -0777 -pe 's/\r?\n\z//'; }
for f in "$cC" "$pC"; do
	noeol <"$f" >"$f.smtp"
	swaks --server "127.0.0.1:$PORT" --from ca-support@ml.secom-sts.co.jp --to office@example.ac.jp \
		--data "$f.smtp" --silent 2 >/dev/null 2>&1
done
check "Postfix delivered both notices" "pf_wait 2 30"
check "the milter spooled both, naming the envelope recipient" \
	"grep -q '\"recipient\":\"office@example.ac.jp\"' '$D/handoff/new/$cid.json' && grep -q '\"recipient\":\"office@example.ac.jp\"' '$D/handoff/new/$pid.json'"
conf "$T/three.conf" "$D/handoff" "$D"
setpriv --reuid=postfix --regid=postfix --clear-groups "$FETCH" --once -c "$T/three.conf" >"$D/fetch.log" 2>&1
rc=$?
check "upki-fetch --once as the milter's user: both jobs done (0)" \
	"[ $rc = 0 ] && [ -f '$D/handoff/done/$cid.json' ] && [ -f '$D/handoff/done/$pid.json' ]" "exit $rc: $(tail -3 "$D/fetch.log")"
check "the PKCS#12 belongs to that user" "[ \"\$(stat -c %U '$D/out/$SERIAL_C.p12' 2>/dev/null)\" = postfix ]"
installed C "$D" "$pid" "$cid"
no_secrets C "$cC" "$pC" "$D/fetch.log" "$M/log" "$T/pf/postfix.log"
echo "1..$n"
