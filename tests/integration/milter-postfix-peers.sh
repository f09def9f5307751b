#!/bin/sh
# PeerList behind a real Postfix: PeerList 127.0.0.1 exempts what Postfix
# reports as 127.0.0.1 - smtpd clients on 127.0.0.1 and mail submitted
# with Postfix's sendmail(1) through non_smtpd_milters - while a phish
# from 127.0.0.2 is marked; a forged X-UPKI-Notice submitted with
# sendmail is still removed; the StatsFile counts the exempted messages
# and the marked one.  TAP output.
set -u
. tests/lib/tap.sh
BUILD=${BUILD:-build}
TOP=$PWD
MILTER="$TOP/$BUILD/upki-milter"
. "$TOP/tests/milter/postfix-lib.sh"
check() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2" "${3:-}"; fi; }

why=$(pf_missing)
[ -z "$why" ] || skip_all "$why"
[ -x "$MILTER" ] || skip_all "$MILTER not built"

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

M=$T/milter
mkdir -p "$M" "$T/prom"
chown postfix:postfix "$T/prom"
cp samples/ca/root.pem "$M/root.pem"
cat >"$M/upki-milter.conf" <<EOF
Socket unix:$M/sock
SocketMode 0660
UserID postfix
TrustAnchorFile $M/root.pem
StaleDays 0
AuthservID mx.test
LogLevel debug
PeerList 127.0.0.1
StatsFile $T/prom/upki-milter.prom
EOF
"$MILTER" -n -c "$M/upki-milter.conf" >"$M/n.out" 2>&1
check $? "-n: the StatsFile's directory is writable by UserID postfix" "$(cat "$M/n.out")"
"$MILTER" -f -c "$M/upki-milter.conf" >>"$M/log" 2>&1 &
MPID=$!
i=0; while [ ! -S "$M/sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$M/sock" ] || { cat "$M/log"; skip_all "upki-milter did not start"; }

PORT=$(pf_free_port 3)
pf_setup "$T/pf" "$PORT" "unix:$M/sock"
pf_start || { tail -20 "$T/pf/postfix.log" 2>/dev/null; skip_all "postfix did not start"; }
ok "postfix started on 127.0.0.1:$PORT"

tagged() { { printf 'X-Test-Id: %s\r\n' "$1"; cat "$2"; } | perl -0777 -pe 's/\r?\n\z//'; }
unfold() { perl -0777 -pe 's/\r?\n[ \t]+/ /g' "$1"; }
hdr() { f=$(pf_find "$1"); [ -n "$f" ] && unfold "$f" | grep -c "^$2"; }

tagged from-127.0.0.2 samples/phish-http.eml >"$T/a.eml"
pf_send "$T/a.eml" --local-interface 127.0.0.2
tagged from-127.0.0.1 samples/phish-http.eml >"$T/b.eml"
pf_send "$T/b.eml"
{ printf 'X-Test-Id: via-sendmail\r\n'; cat samples/phish-http.eml; } |
	sendmail -C "$T/pf/etc" -f sender@example.org user@example.ac.jp
{ printf 'X-Test-Id: forged-via-sendmail\r\nX-UPKI-Notice: genuine; kind=cert-issue\r\n'; cat samples/plain-utf8.eml; } |
	sendmail -C "$T/pf/etc" -f sender@example.org user@example.ac.jp
pf_wait 4 30
check $? "four messages delivered" "$(pf_count) delivered"

[ "$(hdr from-127.0.0.2 'X-UPKI-Notice: suspicious')" = 1 ]
check $? "a phish from 127.0.0.2 (not listed) is marked"
[ "$(hdr from-127.0.0.1 'X-UPKI-Notice')" = 0 ]
check $? "a phish from smtpd client 127.0.0.1 (listed) passes unexamined"
[ "$(hdr via-sendmail 'X-UPKI-Notice')" = 0 ]
check $? "sendmail(1) submission is 127.0.0.1 to the milter: unexamined"
grep -q 'peer 127.0.0.1 is in PeerList: passed at end of header' "$M/log"
check $? "the exemption is logged at LogLevel debug with the address Postfix reported"
[ "$(hdr forged-via-sendmail 'X-UPKI-Notice')" = 0 ]
check $? "a forged X-UPKI-Notice submitted with sendmail is removed"
grep -q 'peer 127.0.0.1 is in PeerList: not examined; removed 1 forged header' "$M/log"
check $? "and the removal logged"

kill -USR1 "$MPID"
i=0; while ! grep -q '^upki_milter_peer_exempted_total 3$' "$T/prom/upki-milter.prom" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1)); done
grep -q '^upki_milter_peer_exempted_total 3$' "$T/prom/upki-milter.prom"
check $? "StatsFile (written as postfix): 3 exempted" "$(grep exempted "$T/prom/upki-milter.prom")"
grep -q '^upki_milter_actions_total{action="mark"} 1$' "$T/prom/upki-milter.prom"
check $? "StatsFile: 1 marked"
[ "$(stat -c %U "$T/prom/upki-milter.prom")" = postfix ]
check $? "the file belongs to the run-as user"
echo "1..$n"
