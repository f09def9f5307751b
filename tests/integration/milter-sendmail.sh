#!/bin/sh
# upki-milter behind a real Sendmail 8.17, without installing Sendmail:
# sendmail-bin, sendmail-cf and libwrap0 are unpacked from their Debian
# packages into the temp dir (dpkg-deb -x; installing them would remove
# Postfix), the daemon runs in a private mount + UTS namespace (its own
# /etc/hosts, nsswitch.conf and host name, so it never asks DNS), listens
# on 127.0.0.1 only, and a file-writing mailer delivers each message to
# the temp dir.  Genuine, look-alike and ordinary mail go through
# INPUT_MAIL_FILTER; the delivered headers and a genuine notice's
# signature are checked.  Recipe: ../shared/reference/test-harness-facts.md.
# The .deb files are taken from $UPKI_DEB_CACHE (default build/debs) or
# fetched there with `apt-get download`; without them the test is
# skipped with the reason.  TAP output.
set -u
. tests/lib/tap.sh
BUILD=${BUILD:-build}
TOP=$PWD
MILTER="$TOP/$BUILD/upki-milter"
SCAN="$TOP/$BUILD/upki-scan"
CACHE=${UPKI_DEB_CACHE:-$TOP/build/debs}
. "$TOP/tests/milter/postfix-lib.sh"
check() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2" "${3:-}"; fi; }

[ "$(id -u)" = 0 ] || skip_all "not root (Sendmail and unshare need root)"
for tool in unshare dpkg-deb m4 swaks ss openssl; do
	command -v "$tool" >/dev/null 2>&1 || skip_all "$tool not installed"
done
[ -x "$MILTER" ] || skip_all "$MILTER not built"

have_debs() {
	ls "$CACHE"/sendmail-bin_*.deb "$CACHE"/sendmail-cf_*.deb "$CACHE"/libwrap0_*.deb >/dev/null 2>&1
}
if ! have_debs; then
	mkdir -p "$CACHE"
	(cd "$CACHE" && timeout 120 apt-get download sendmail-bin sendmail-cf libwrap0) >/dev/null 2>&1
	have_debs || skip_all "no sendmail-bin/sendmail-cf/libwrap0 .deb in $CACHE and apt-get download failed"
fi

T=$(mktemp -d)
chmod 755 "$T"
MPID=
SMPID=
cleanup() {
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	# unshare and sh exec into sendmail -bD: one process, in the foreground
	[ -n "$SMPID" ] && kill "$SMPID" 2>/dev/null && wait "$SMPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

R=$T/root
mkdir -p "$R"
for d in "$CACHE"/sendmail-bin_*.deb "$CACHE"/sendmail-cf_*.deb "$CACHE"/libwrap0_*.deb; do
	dpkg-deb -x "$d" "$R" || skip_all "dpkg-deb -x $d failed"
done
SM=$R/usr/libexec/sendmail/sendmail
# LD_LIBRARY_PATH is ignored for setgid binaries
chmod g-s "$SM"
[ -x "$SM" ] || skip_all "no sendmail binary in sendmail-bin"

PORT=$(pf_free_port 3)
MPORT=$(pf_free_port 5)
[ "$MPORT" = "$PORT" ] && MPORT=$((PORT + 1))

# The milter on loopback TCP (outside the namespace: the network is shared).
cat >"$T/upki-milter.conf" <<EOF
Socket inet:$MPORT@127.0.0.1
TrustAnchorFile $TOP/samples/ca/root.pem
StaleDays 0
AuthservID mx.test
EOF
"$MILTER" -f -c "$T/upki-milter.conf" >"$T/milter.log" 2>&1 &
MPID=$!
i=0
until ss -Hltn "sport = :$MPORT" | grep -q .; do
	[ $i -ge 50 ] && skip_all "upki-milter did not listen on $MPORT"
	sleep 0.1; i=$((i + 1))
done

# Sendmail's world: config, queue, delivery script, hosts, nsswitch.
mkdir -p "$T/queue" "$T/out" "$T/etc"
chmod 700 "$T/queue"
chmod 1777 "$T/out"
cat >"$T/deliver.sh" <<EOF
#!/bin/sh
# filemail mailer: one file per message and recipient
cat >"$T/out/msg.\$\$.\$(date +%s%N)"
EOF
chmod 755 "$T/deliver.sh"
echo "127.0.0.1 harness.localdomain harness localhost" >"$T/etc/hosts"
printf 'hosts: files\npasswd: files\ngroup: files\n' >"$T/etc/nsswitch.conf"
printf 'hosts files\n' >"$T/etc/service.switch"
: >"$T/aliases"
: >"$T/statistics"
TAB=$(printf '\t')
cat >"$T/test.mc" <<EOF
divert(-1)
divert(0)dnl
OSTYPE(\`linux')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confSERVICE_SWITCH_FILE', \`$T/etc/service.switch')dnl
define(\`confHOSTS_FILE', \`$T/etc/hosts')dnl
define(\`confPID_FILE', \`$T/sendmail.pid')dnl
define(\`QUEUE_DIR', \`$T/queue')dnl
define(\`ALIAS_FILE', \`$T/aliases')dnl
define(\`STATUS_FILE', \`$T/statistics')dnl
define(\`confBIND_OPTS', \`-DNSRCH -DEFNAMES')dnl
define(\`confTO_IDENT', \`0')dnl
define(\`confDEF_USER_ID', \`0:0')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`accept_unqualified_senders')dnl
FEATURE(\`promiscuous_relay')dnl
DAEMON_OPTIONS(\`Port=$PORT, Addr=127.0.0.1, Name=MTA')dnl
INPUT_MAIL_FILTER(\`upki-milter', \`S=inet:$MPORT@127.0.0.1, F=, T=C:2s;S:10s;R:10s;E:10s')dnl
MAILER(\`local')dnl
MAILER(\`smtp')dnl
MAILER_DEFINITIONS
Mfilemail,${TAB}P=$T/deliver.sh, F=lsDFMS, S=EnvFromL, R=EnvToL, A=deliver.sh \$u
LOCAL_RULE_0
R\$* < @ \$* > \$*${TAB}\$#filemail \$@ localhost \$: \$1
EOF
m4 -D_CF_DIR_="$R/usr/share/sendmail/cf/" "$R/usr/share/sendmail/cf/m4/cf.m4" "$T/test.mc" \
	>"$T/sendmail.cf" 2>"$T/m4.err" || skip_all "m4 could not build sendmail.cf: $(head -1 "$T/m4.err")"

# Inside the namespace: private /etc/hosts and nsswitch.conf, a host name,
# then the daemon (it forks; its pid file says where it went).
cat >"$T/start.sh" <<EOF
mount --bind "$T/etc/hosts" /etc/hosts || exit 1
mount --bind "$T/etc/nsswitch.conf" /etc/nsswitch.conf || exit 1
hostname harness.localdomain || exit 1
LD_LIBRARY_PATH="$R/usr/lib/x86_64-linux-gnu" exec "$SM" -C "$T/sendmail.cf" -bD -q30s -O LogLevel=20
EOF
unshare -m -u --propagation private sh "$T/start.sh" >"$T/sendmail.out" 2>&1 &
SMPID=$!
i=0
until ss -Hltn "sport = :$PORT" | grep -q .; do
	if [ $i -ge 100 ] || ! kill -0 "$SMPID" 2>/dev/null; then
		skip_all "sendmail did not start: $(head -3 "$T/sendmail.out" | tr '\n' ' ')"
	fi
	sleep 0.1; i=$((i + 1))
done
ok "sendmail 8.17 from sendmail-bin listening on 127.0.0.1:$PORT"

send() {
	{ printf 'X-Test-Id: %s\r\n' "$1"; cat "samples/$1.eml"; } | perl -0777 -pe 's/\r?\n\z//' >"$T/$1.eml"
	swaks --server "127.0.0.1:$PORT" --from sender@example.org --to user@example.ac.jp \
		--data "$T/$1.eml" --silent 2 >/dev/null 2>&1
}
find_out() { grep -l -m1 "^X-Test-Id: $1\$" "$T/out/"* 2>/dev/null | head -1; }
wait_out() {
	i=0
	while [ -z "$(find_out "$1")" ]; do
		[ $i -ge 100 ] && return 1
		sleep 0.1; i=$((i + 1))
	done
}
unfold() { awk '/^$/ { exit } /^[ \t]/ { sub(/^[ \t]+/, " "); printf "%s", $0; next }
		{ if (NR > 1) print ""; printf "%s", $0 } END { print "" }' "$1" | tr -d '\r'; }

for id in cert-issue phish-host-suffix plain-utf8 pin-issue-all; do
	send "$id"
	check $? "$id accepted by sendmail"
	wait_out "$id"
	check $? "$id delivered"
done
got=$(find_out cert-issue)
unfold "$got" | grep -q '^X-UPKI-Notice: genuine; kind=cert-issue$'
check $? "genuine notice marked by the milter through sendmail"
unfold "$got" | grep -q '^Authentication-Results: mx.test; smime=pass'
check $? "genuine notice: Authentication-Results smime=pass"
tr -d '\r' <"samples/cert-issue.eml" | sed '1,/^$/d' >"$T/want.body"
tr -d '\r' <"$got" | sed '1,/^$/d' >"$T/have.body"
cmp -s "$T/want.body" "$T/have.body"
check $? "genuine notice: body delivered byte for byte"
"$SCAN" --check --ca-file=samples/ca/root.pem "$got"
check $? "genuine notice: still verifies (upki-scan --check)"
openssl smime -verify -CAfile samples/ca/root.pem -in "$got" -out /dev/null 2>/dev/null
check $? "genuine notice: still verifies (openssl smime -verify)"
got=$(find_out phish-host-suffix)
unfold "$got" | grep -q '^X-UPKI-Notice: suspicious; kind=cert-issue; reasons=unsigned,url-host$'
check $? "look-alike marked suspicious"
want=$("$MILTER" -c "$T/upki-milter.conf" -t "$T/phish-host-suffix.eml" 2>/dev/null | sed -n 's/^change Subject\[1\]: //p')
[ -n "$want" ] && [ "$(unfold "$got" | sed -n 's/^Subject: //p')" = "$want" ]
check $? "look-alike: Subject tagged as -t says"
got=$(find_out plain-utf8)
! unfold "$got" | grep -q '^X-UPKI-Notice'
check $? "ordinary mail untouched"
unfold "$(find_out pin-issue-all)" | grep -q '^X-UPKI-Notice: genuine; kind=pin-issue$'
check $? "pin-issue notice marked genuine"
grep -q 'kind=cert-issue verdict=genuine' "$T/milter.log" && ! grep -q 'NOQUEUE: kind=' "$T/milter.log"
check $? "milter log lines carry sendmail's queue id"
for id in cert-issue pin-issue pin-issue-all; do
	! tap_has_token "$(tap_token "samples/$id.eml")" "$T/milter.log"
	check $? "no retrieval token of $id in the milter's log"
done

echo "1..$n"
