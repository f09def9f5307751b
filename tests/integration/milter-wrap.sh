#!/bin/sh
# upki-milter with Annotate wrap behind a real Postfix (temp dir,
# 127.0.0.1 only, tests/milter/postfix-lib.sh): a genuine notice and a
# look-alike are delivered wrapped (smfi_replacebody), the attached
# original's body is the sent one byte for byte and its signature still
# verifies (openssl, upki-scan --check), the outer header holds the
# listed fields and what Postfix itself adds after the milter, every
# header line is under 2,048 bytes, and ordinary mail is untouched.  Then
# the milter reloads (SIGHUP) with a MaxMessageSize the wrapped form
# exceeds: the same notice is delivered as in headers mode, and the log
# says why.  TAP output.
set -u
. tests/lib/tap.sh
BUILD=${BUILD:-build}
TOP=$PWD
MILTER="$TOP/$BUILD/upki-milter"
SCAN="$TOP/$BUILD/upki-scan"
UNWRAP="$TOP/$BUILD/tools/upki-unwrap"
. "$TOP/tests/milter/postfix-lib.sh"
check() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2" "${3:-}"; fi; }

why=$(pf_missing)
[ -z "$why" ] || skip_all "$why"
[ -x "$MILTER" ] && [ -x "$SCAN" ] && [ -x "$UNWRAP" ] || skip_all "programs not built"

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
mkdir -p "$M" "$T/sent"
cp samples/ca/root.pem "$M/root.pem"
cp -r templates "$M/templates"
chmod -R a+rX "$M"
write_conf() {
	cat >"$M/upki-milter.conf" <<EOF
Socket unix:$M/sock
SocketMode 0660
UserID postfix
PidFile $M/pid
TrustAnchorFile $M/root.pem
StaleDays 0
AuthservID mx.test
Annotate wrap
TemplateDir $M/templates
WrapContact helpdesk@example.ac.jp
EOF
	[ -z "${1:-}" ] || echo "$1" >>"$M/upki-milter.conf"
}
write_conf
"$MILTER" -n -c "$M/upki-milter.conf" >/dev/null 2>&1
check $? "upki-milter -n accepts the wrap configuration"
"$MILTER" -f -c "$M/upki-milter.conf" >>"$M/log" 2>&1 &
MPID=$!
i=0
while [ ! -S "$M/sock" ] || [ "$(cat "$M/pid" 2>/dev/null)" != "$MPID" ]; do
	[ $i -ge 50 ] && { cat "$M/log"; skip_all "upki-milter did not start"; }
	sleep 0.1; i=$((i + 1))
done
PORT=$(pf_free_port 3)
pf_setup "$T/pf" "$PORT" "unix:$M/sock"
pf_start || skip_all "postfix did not start"
ok "postfix and the milter started"

# Wrapping drops X-Test-Id: messages are found by a Message-ID of their own.
noeol() { perl -0777 -pe 's/\r?\n\z//'; }
# sendas ID SAMPLE: sends SAMPLE with Message-ID <ID@wrap.test>
sendas() {
	perl -0777 -pe "s/^Message-ID: <[^>]*>/Message-ID: <$1\@wrap.test>/mi" "$2" | noeol >"$T/sent/$1.eml"
	pf_send "$T/sent/$1.eml"
}
find_id() {
	grep -l -m1 "^Message-ID: <$1@wrap.test>" "$PF/mail/inbox/new/"* 2>/dev/null | head -1
}
# bodies compared without CR: Postfix's virtual delivery writes LF line
# ends (openssl canonicalises them again when it verifies)
body() { tr -d '\r' <"$1" | sed '1,/^$/d'; }

before=$(pf_count)
sendas genuine samples/cert-issue.eml
sendas lookalike samples/phish-host-suffix.eml
sendas plain samples/plain-utf8.eml
pf_wait $((before + 3)) 30
check $? "three messages delivered"

g=$(find_id genuine)
"$UNWRAP" check "$g" 2>"$T/why"
check $? "genuine: delivered wrapped" "$(cat "$T/why")"
"$UNWRAP" original "$g" >"$T/g.orig"
body samples/cert-issue.eml >"$T/want.body"
body "$T/g.orig" >"$T/have.body"
cmp -s "$T/want.body" "$T/have.body"
check $? "genuine: the attached original's body is the sent one byte for byte"
openssl smime -verify -CAfile samples/ca/root.pem -purpose any -in "$T/g.orig" -out /dev/null 2>"$T/ossl.err"
check $? "genuine: openssl verifies the attached original" "$(head -2 "$T/ossl.err")"
"$SCAN" --check --verify-time=now --ca-file=samples/ca/root.pem "$T/g.orig"
check $? "genuine: upki-scan --check says genuine of the attached original"
grep -q '^X-UPKI-Notice: genuine; kind=cert-issue' "$g"
check $? "genuine: X-UPKI-Notice on the outer header"
# what Postfix adds itself after the milter: Return-Path, Delivered-To,
# X-Original-To (virtual delivery), its own Received (which smtpd adds
# without showing it to the milter)
extra=$(tr -d '\r' <"$g" | awk '/^$/ { exit } /^[^ \t]/ { sub(/:.*/, ""); print }' |
	grep -vxE 'From|To|Cc|Date|Message-ID|Subject|In-Reply-To|References|MIME-Version|Content-Type|X-UPKI-Notice|Authentication-Results|Return-Path|Delivered-To|X-Original-To|Received' | tr '\n' ' ')
[ -z "$extra" ]
check $? "genuine: outer header holds only the listed fields and Postfix's own" "extra: $extra"
long=$(awk 'length($0) >= 2048' "$g" | wc -l)
[ "$long" = 0 ]
check $? "genuine: no line of 2,048 bytes or more ($long)"
tr -d '\r' <"$g" | awk '/^$/ { exit } /^[^ \t]/ { sub(/:.*/, ""); print }' >"$T/outer-fields"
echo "# outer header fields as delivered: $(tr '\n' ' ' <"$T/outer-fields")"
tr -d '\r' <"$g" | sed '/^$/q' >"$T/outer"
[ "$(grep -c '^Received$' "$T/outer-fields")" = 1 ] && grep -q 'by mx.upki-milter.test' "$T/outer" &&
	! grep -q 'by mail.example.ac.jp' "$T/outer"
check $? "genuine: the sample's own Received went, Postfix's stays (indices as the milter saw them)"

l=$(find_id lookalike)
"$UNWRAP" check "$l" 2>"$T/why"
check $? "look-alike: delivered wrapped" "$(cat "$T/why")"
"$UNWRAP" text "$l" | grep -qF 'hxxps://scia[.]secomtrust[.]net[.]evil[.]example/'
check $? "look-alike: the warning shows the link defanged"
! "$UNWRAP" html "$l" | grep -qiE 'href|https?://'
check $? "look-alike: no link in clear in the HTML part"
"$UNWRAP" original "$l" >"$T/l.orig"
body samples/phish-host-suffix.eml >"$T/want.body"
body "$T/l.orig" >"$T/have.body"
cmp -s "$T/want.body" "$T/have.body"
check $? "look-alike: the attached original's body is the sent one byte for byte"

p=$(find_id plain)
body samples/plain-utf8.eml >"$T/want.body"
body "$p" >"$T/have.body"
cmp -s "$T/want.body" "$T/have.body" && ! grep -q '^X-UPKI-Notice' "$p"
check $? "ordinary mail: untouched"
grep -q 'kind=cert-issue verdict=genuine .* wrapped ' "$M/log"
check $? "the log line says the notice was wrapped"

# A wrapped form over MaxMessageSize: headers mode (reloaded with SIGHUP).
size=$(wc -c <"$T/sent/genuine.eml")
write_conf "MaxMessageSize $((size + 3000))"
kill -HUP "$MPID"
sleep 1
before=$(pf_count)
sendas fallback samples/cert-issue.eml
pf_wait $((before + 1)) 30
check $? "notice delivered after the reload"
f=$(find_id fallback)
! "$UNWRAP" check "$f" 2>/dev/null
check $? "over MaxMessageSize once wrapped: not wrapped"
grep -q '^X-UPKI-Notice: genuine; kind=cert-issue' "$f"
check $? "but marked as in headers mode"
body samples/cert-issue.eml >"$T/want.body"
body "$f" >"$T/have.body"
cmp -s "$T/want.body" "$T/have.body"
check $? "its body delivered byte for byte"
openssl smime -verify -CAfile samples/ca/root.pem -purpose any -in "$f" -out /dev/null 2>/dev/null
check $? "its signature verifies"
grep -q 'not wrapped (the wrapped message would be larger than .*): headers only' "$M/log"
check $? "the log says why it was not wrapped"
! tap_has_token "$(tap_token samples/cert-issue.eml)" "$M/log"
check $? "no retrieval token in the milter's log"
echo "1..$n"
