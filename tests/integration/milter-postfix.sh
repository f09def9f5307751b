#!/bin/sh
# upki-milter behind a real Postfix started by this test (temp dir,
# 127.0.0.1 only, its own port, Maildir delivery): every sample through
# smtpd with swaks and one through Postfix's sendmail (pickup,
# non_smtpd_milters); the delivered headers are what `upki-milter -t`
# says; a genuine notice's body arrives byte for byte and its signature
# still verifies (upki-scan --check, openssl smime -verify); the milter
# runs as the postfix user on a unix socket.  Then the milter is killed
# with SIGKILL while Postfix delivers: with milter_default_action = accept
# no message is lost; restarted, it marks mail again.  TAP output.
set -u
. tests/lib/tap.sh
BUILD=${BUILD:-build}
TOP=$PWD
MILTER="$TOP/$BUILD/upki-milter"
SCAN="$TOP/$BUILD/upki-scan"
. "$TOP/tests/milter/postfix-lib.sh"
check() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2" "${3:-}"; fi; }

why=$(pf_missing)
[ -z "$why" ] || skip_all "$why"
[ -x "$MILTER" ] || skip_all "$MILTER not built"
[ -x "$SCAN" ] || skip_all "$SCAN not built"

T=$(mktemp -d)
chmod 755 "$T"
MPID=
cleanup() {
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null
	pf_stop
	[ -n "$MPID" ] && wait "$MPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The milter: as postfix (smtpd connects as that user), socket 0660.
M=$T/milter
mkdir -p "$M" "$T/handoff" "$T/sent"
chown postfix:postfix "$T/handoff"
cp samples/ca/root.pem "$M/root.pem"
cat >"$M/upki-milter.conf" <<EOF
Socket unix:$M/sock
SocketMode 0660
UserID postfix
PidFile $M/pid
TrustAnchorFile $M/root.pem
StaleDays 0
AuthservID mx.test
Spool $T/handoff
EOF

start_milter() {
	"$MILTER" -f -c "$M/upki-milter.conf" >>"$M/log" 2>&1 &
	MPID=$!
	i=0
	# After a SIGKILL the old socket and pid files are still there: wait
	# for this process's pid (written once its socket listens).
	while [ ! -S "$M/sock" ] || [ "$(cat "$M/pid" 2>/dev/null)" != "$MPID" ]; do
		[ $i -ge 50 ] && return 1
		sleep 0.1; i=$((i + 1))
	done
}

start_milter || { cat "$M/log"; skip_all "upki-milter did not start"; }
check $? "milter started as postfix on a unix socket"
[ "$(stat -c '%U %a' "$M/sock")" = "postfix 660" ]
check $? "socket owned by postfix, mode 0660" "$(stat -c '%U %a' "$M/sock")"
[ "$(ps -o user= -p "$MPID" | tr -d ' ')" = postfix ]
check $? "milter runs as postfix" "$(ps -o user= -p "$MPID")"

PORT=$(pf_free_port 1)
pf_setup "$T/pf" "$PORT" "unix:$M/sock"
pf_start || { cat "$T/pf/postfix.log" 2>/dev/null | tail -20; skip_all "postfix did not start"; }
ok "postfix started on 127.0.0.1:$PORT"

# Every sample once, tagged with X-Test-Id so its delivery can be found,
# plus forged verdict headers on an ordinary message and on a genuine one.
# swaks ends the data with its own line end: the file's last one goes.
noeol() { perl -0777 -pe 's/\r?\n\z//'; }
for f in samples/*.eml; do
	id=$(basename "$f" .eml)
	{ printf 'X-Test-Id: %s\r\n' "$id"; cat "$f"; } | noeol >"$T/sent/$id.eml"
done
{ printf 'X-Test-Id: forged-plain\r\nX-UPKI-Notice: genuine; kind=cert-issue\r\n'
  printf 'Authentication-Results: mx.test; smime=pass\r\n'; cat samples/plain-utf8.eml; } |
	noeol >"$T/sent/forged-plain.eml"
{ printf 'X-Test-Id: forged-genuine\r\nX-UPKI-Notice: suspicious; kind=cert-issue\r\n'
  cat samples/cert-issue.eml; } | noeol >"$T/sent/forged-genuine.eml"
total=$(ls "$T/sent" | wc -l)

# four senders in parallel
ls "$T/sent"/*.eml | awk -v d="$T" '{ print > (d "/batch." (NR % 4)) }'
pids=
for b in "$T"/batch.*; do
	( while read -r f; do pf_send "$f" || echo "$f" >>"$T/send-failed"; done <"$b" ) &
	pids="$pids $!"
done
wait $pids
[ ! -s "$T/send-failed" ]
check $? "swaks sent all $total samples" "$(cat "$T/send-failed" 2>/dev/null)"
pf_wait "$total" 60
check $? "all $total samples delivered" "delivered $(pf_count)"

# The delivered headers are what -t predicts (verdict header, Subject tag).
unfold() { awk '/^$/ { exit } /^[ \t]/ { sub(/^[ \t]+/, " "); printf "%s", $0; next }
		{ if (NR > 1) print ""; printf "%s", $0 } END { print "" }' "$1" | tr -d '\r'; }
mismatch=
for f in "$T/sent"/*.eml; do
	id=$(basename "$f" .eml)
	got=$(pf_find "$id")
	[ -n "$got" ] || { mismatch="$mismatch $id(missing)"; continue; }
	want=$("$MILTER" -c "$M/upki-milter.conf" -t "$f" 2>/dev/null | sed -n 's/^insert X-UPKI-Notice: //p')
	have=$(unfold "$got" | sed -n 's/^X-UPKI-Notice: //p')
	[ "$want" = "$have" ] || mismatch="$mismatch $id(want '$want' have '$have')"
	tag=$("$MILTER" -c "$M/upki-milter.conf" -t "$f" 2>/dev/null | sed -n 's/^change Subject\[1\]: //p')
	if [ -n "$tag" ] && [ "$(unfold "$got" | sed -n 's/^Subject: //p')" != "$tag" ]; then
		mismatch="$mismatch $id(subject)"
	fi
done
[ -z "$mismatch" ]
check $? "delivered X-UPKI-Notice and Subject equal what -t prints, for every sample" "$mismatch"

hdr() { unfold "$(pf_find "$1")" | grep -c "^$2"; }
[ "$(hdr cert-issue 'X-UPKI-Notice: genuine; kind=cert-issue$')" = 1 ]
check $? "genuine cert-issue marked genuine, once"
[ "$(hdr cert-issue 'Authentication-Results: mx.test; smime=pass')" = 1 ]
check $? "genuine cert-issue: Authentication-Results smime=pass"
[ "$(hdr phish-host-suffix 'X-UPKI-Notice: suspicious; kind=cert-issue; reasons=unsigned,url-host$')" = 1 ]
check $? "look-alike host marked suspicious with its reasons"
[ "$(hdr plain-utf8 'X-UPKI-Notice')" = 0 ] && [ "$(hdr plain-utf8 'Authentication-Results')" = 0 ]
check $? "ordinary mail untouched"
[ "$(hdr forged-plain 'X-UPKI-Notice')" = 0 ] && [ "$(hdr forged-plain 'Authentication-Results: mx.test')" = 0 ]
check $? "forged verdict and Authentication-Results removed from ordinary mail"
[ "$(hdr forged-genuine 'X-UPKI-Notice')" = 1 ] && [ "$(hdr forged-genuine 'X-UPKI-Notice: genuine')" = 1 ]
check $? "forged verdict on a genuine notice replaced by the real one"

# Forged verdicts after header lines that are no plain field.  Postfix
# may take a line with an 8-bit name for a header (and hand it to the
# milter) or end its header there (adding the empty line); a line
# without a colon ends it.  Either way no forged verdict may be
# delivered in the header a MUA reads (to the first empty line).
mkdir -p "$T/odd"
odd8=$(printf '\344\273\266\345\220\215: eight-bit name')
{ printf 'From: a@example.org\r\nTo: b@example.ac.jp\r\nSubject: test\r\nX-Test-Id: odd-8bit\r\n'
  printf '%s\r\nX-UPKI-Notice: genuine; kind=cert-issue\r\n\r\nbody\r\n' "$odd8"; } >"$T/odd/8bit.eml"
{ printf 'X-Test-Id: odd-8bit-phish\r\n%s\r\nX-UPKI-Notice: genuine; kind=cert-issue\r\n' "$odd8"
  cat samples/phish-unsigned.eml; } | noeol >"$T/odd/8bit-phish.eml"
{ printf 'From: a@example.org\r\nSubject: test\r\nX-Test-Id: odd-nocolon\r\nno colon here\r\n'
  printf 'X-UPKI-Notice: genuine; kind=cert-issue\r\n\r\nbody\r\n'; } >"$T/odd/nocolon.eml"
before=$(pf_count)
for f in "$T/odd"/*.eml; do pf_send "$f"; done
pf_wait $((before + 3)) 30
check $? "messages with odd header lines delivered"
[ "$(hdr odd-8bit 'X-UPKI-Notice')" = 0 ]
check $? "forged verdict after an 8-bit header name: removed"
[ "$(hdr odd-8bit-phish 'X-UPKI-Notice: genuine')" = 0 ]
check $? "forged verdict after an 8-bit header name on a phish: not delivered"
[ "$(hdr odd-nocolon 'X-UPKI-Notice')" = 0 ]
check $? "forged verdict after a line without a colon: not in the delivered header"

# Genuine notices: body byte for byte, signature still good.
body() { tr -d '\r' <"$1" | sed '1,/^$/d'; }
for id in cert-issue cert-issue-html cert-issue-opaque pin-issue cert-revoked; do
	got=$(pf_find "$id")
	body "samples/$id.eml" >"$T/want.body"
	body "$got" >"$T/have.body"
	cmp -s "$T/want.body" "$T/have.body"
	check $? "$id: body delivered byte for byte"
	"$SCAN" --check --ca-file=samples/ca/root.pem "$got"
	check $? "$id: upki-scan --check says genuine on the delivered file"
	openssl smime -verify -CAfile samples/ca/root.pem -in "$got" -out /dev/null 2>"$T/ossl.err"
	check $? "$id: openssl smime -verify succeeds on the delivered file" "$(head -2 "$T/ossl.err")"
done

# Hand-off: one job per genuine cert-issue/pin-issue notice (by URL).
jobs=$(ls "$T/handoff/new" 2>/dev/null | wc -l)
[ "$jobs" -ge 3 ]
check $? "genuine cert-issue and pin-issue notices handed to the spool ($jobs jobs)"
for id in cert-issue pin-issue cert-issue-html; do
	! tap_has_token "$(tap_token "samples/$id.eml")" "$M/log"
	check $? "no retrieval token of $id in the milter's log"
done
qid=$(sed -n 's/^upki-milter: info: \([0-9A-F]*\): kind=cert-issue verdict=genuine.*/\1/p' "$M/log" | head -1)
[ -n "$qid" ] && grep -q "$qid: .*uid=\|$qid: from=" "$T/pf/postfix.log"
check $? "milter log lines carry Postfix's queue id ($qid)"

# Postfix's own sendmail: pickup and non_smtpd_milters.
before=$(pf_count)
{ printf 'X-Test-Id: via-sendmail\r\n'; cat samples/pin-issue.eml; } |
	sendmail -C "$T/pf/etc" -f sender@example.org user@example.ac.jp
pf_wait $((before + 1)) 30
check $? "message submitted with sendmail delivered"
[ "$(hdr via-sendmail 'X-UPKI-Notice: genuine; kind=pin-issue$')" = 1 ]
check $? "sendmail submission marked through non_smtpd_milters"

# SIGKILL while Postfix delivers: nothing is lost.
before=$(pf_count)
mkdir -p "$T/burst"
i=0
while [ $i -lt 40 ]; do
	src=samples/plain-utf8.eml; [ $((i % 2)) = 0 ] && src=samples/cert-issue.eml
	{ printf 'X-Test-Id: burst-%d\r\n' "$i"; cat "$src"; } >"$T/burst/$i.eml"
	i=$((i + 1))
done
rm -f "$T/send-failed"
pids=
for k in 0 1 2 3; do
	( i=$k; while [ $i -lt 40 ]; do
		pf_send "$T/burst/$i.eml" || echo "$i" >>"$T/send-failed"; i=$((i + 4)); done ) &
	pids="$pids $!"
done
pf_wait $((before + 8)) 30
kill -KILL "$MPID"; wait "$MPID" 2>/dev/null; MPID=
wait $pids
burst=$(ls "$T/burst" | wc -l)
[ ! -s "$T/send-failed" ]
check $? "every message of the burst accepted by Postfix while the milter died" \
	"refused: $(cat "$T/send-failed" 2>/dev/null)"
pf_wait $((before + burst)) 60
check $? "all $burst messages of the burst delivered (no loss)" "delivered $(( $(pf_count) - before ))"
unmarked=0
for i in $(seq 0 2 38); do
	[ "$(hdr "burst-$i" 'X-UPKI-Notice')" = 0 ] && unmarked=$((unmarked + 1))
done
[ "$unmarked" -gt 0 ]
check $? "notices sent after the kill passed unmarked ($unmarked of 20): milter_default_action = accept"
grep -q "warning: connect to Milter service unix:$M/sock" "$T/pf/postfix.log"
check $? "postfix logged the milter as unreachable"

# Restarted, it marks mail again (the stale socket file is replaced).
start_milter
check $? "milter restarted after SIGKILL"
before=$(pf_count)
{ printf 'X-Test-Id: after-restart\r\n'; cat samples/cert-issue.eml; } >"$T/after.eml"
pf_send "$T/after.eml"
pf_wait $((before + 1)) 30
[ "$(hdr after-restart 'X-UPKI-Notice: genuine; kind=cert-issue$')" = 1 ]
check $? "after the restart notices are marked again"

# SIGTERM: the daemon stops cleanly and removes its socket.
kill -TERM "$MPID"
i=0
while kill -0 "$MPID" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
! kill -0 "$MPID" 2>/dev/null
check $? "SIGTERM stops the milter"
# libmilter alone notices the stop at its next poll timeout (3-5 s); the
# daemon wakes it, so an idle milter with Postfix still up stops at once.
[ "$i" -le 10 ]
check $? "SIGTERM with Postfix still up: stopped within a second ($((i * 100)) ms)"
wait "$MPID" 2>/dev/null
check $? "exit status 0 after SIGTERM"
MPID=
echo "1..$n"
