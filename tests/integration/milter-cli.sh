#!/bin/sh
# upki-milter's command line without an MTA: -V, -n (good and bad
# configurations, with the file and line of the error), -t on samples
# (what the MTA would be asked to do), usage errors.  TAP output.
set -u
. tests/lib/tap.sh
BUILD=${BUILD:-build}
MILTER="$BUILD/upki-milter"
[ -x "$MILTER" ] || { echo "1..0 # SKIP $MILTER not built"; exit 0; }
tap_tmpdir

# expect NAME WANT-RC CMD...: stdout in $T/out, stderr in $T/err.
expect() {
	name=$1; want=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" = "$want" ]; then ok "$name (exit $rc)"; else
		not_ok "$name: exit $rc, wanted $want"; sed 's/^/# /' "$T/err" "$T/out" | head -10; fi
}
has() { if grep -q -- "$2" "$T/$3"; then ok "$1"; else not_ok "$1: no '$2' in $3"; sed 's/^/# /' "$T/$3" | head -5; fi; }
lacks() { if grep -q -- "$2" "$T/$3"; then not_ok "$1: '$2' in $3"; else ok "$1"; fi; }

good=$T/good.conf
cat >"$good" <<EOF
# a good file
Socket unix:$T/milter.sock
TrustAnchorFile samples/ca/root.pem
StaleDays 0
AuthservID mx.test
OnSuspicious quarantine
EOF

expect "-V" 0 "$MILTER" -V
has "-V names the version" "^upki-milter [0-9]" out
expect "-n good file" 0 "$MILTER" -n -c "$good"
has "-n says OK" "configuration OK" out

printf 'StaleDays 0\n\nOnSuspicious burn\n' >"$T/bad1.conf"
expect "-n bad value" 1 "$MILTER" -n -c "$T/bad1.conf"
has "-n names file and line of a bad value" "bad1.conf:3: bad value for OnSuspicious" err
printf 'NoSuchKey 1\n' >"$T/bad2.conf"
expect "-n unknown key" 1 "$MILTER" -n -c "$T/bad2.conf"
has "-n names file and line of an unknown key" "bad2.conf:1: unknown key" err
printf '# x\nSyslogFacility nowhere\n' >"$T/bad3.conf"
expect "-n unknown syslog facility" 1 "$MILTER" -n -c "$T/bad3.conf"
has "-n: facility error names its line" "bad3.conf:2: SyslogFacility" err
printf 'Socket tcp:25\n' >"$T/bad4.conf"
expect "-n bad socket spec" 1 "$MILTER" -n -c "$T/bad4.conf"
has "-n: socket error names its line" "bad4.conf:1: Socket" err
printf 'UserID no-such-user-upki\n' >"$T/bad5.conf"
expect "-n unknown user" 1 "$MILTER" -n -c "$T/bad5.conf"
has "-n: user error names its line" "bad5.conf:1: UserID" err
printf 'TrustAnchorFile /nonexistent/roots.pem\n' >"$T/bad6.conf"
expect "-n trust anchors that do not load" 1 "$MILTER" -n -c "$T/bad6.conf"
has "-n: trust error names its line" "bad6.conf:1: trust anchors" err
printf 'TrustAnchorFile samples/ca/root.pem\n# x\nTrustAnchorDir /nonexistent/certs\n' >"$T/bad6d.conf"
expect "-n trust anchor directory missing" 1 "$MILTER" -n -c "$T/bad6d.conf"
has "-n: a TrustAnchorDir error names the TrustAnchorDir line" "bad6d.conf:3: trust anchors: .*/nonexistent/certs" err
printf 'TrustAnchorFile /nonexistent/roots.pem\nTrustAnchorDir /etc/ssl/certs\n' >"$T/bad6f.conf"
expect "-n trust anchor file missing, directory good" 1 "$MILTER" -n -c "$T/bad6f.conf"
has "-n: a TrustAnchorFile error names the TrustAnchorFile line" "bad6f.conf:1: trust anchors: .*/nonexistent/roots.pem" err
printf 'AuthservID bad;id\n' >"$T/bad7.conf"
expect "-n invalid authserv-id" 1 "$MILTER" -n -c "$T/bad7.conf"
expect "-n missing named file" 1 "$MILTER" -n -c "$T/nonexistent.conf"
expect "-n with a bad -p" 1 "$MILTER" -n -c "$good" -p "nonsense"
has "-p error says it came from the command line" "command line\|Socket" err
# -n checks what the daemon will use at run time, as the user it runs as
# (UserID; else whoever runs -n): as root, a directory only root may
# write is checked for nobody.
runas=""
[ "$(id -u)" = 0 ] && runas="UserID nobody"
rt() { { grep -v '^Socket' "$good"; printf '%s\n' "$runas" "$@"; } >"$T/rt.conf"; }
mkdir -p "$T/sockdir" "$T/spool"
chmod 755 "$T"
[ -n "$runas" ] && chown nobody "$T/sockdir" "$T/spool"
rt "Socket unix:$T/sockdir/m.sock" "Spool $T/spool"
expect "-n: socket directory and Spool usable" 0 "$MILTER" -n -c "$T/rt.conf"
rt "Socket unix:$T/nodir/m.sock"
expect "-n: socket directory missing" 1 "$MILTER" -n -c "$T/rt.conf"
has "-n: a missing socket directory names the Socket line" "rt.conf:[0-9]*: Socket: the socket's directory $T/nodir" err
rt "Socket unix:$T/sockdir/m.sock" "Spool $T/nospool"
expect "-n: Spool missing" 1 "$MILTER" -n -c "$T/rt.conf"
has "-n: a missing Spool names the Spool line" "rt.conf:[0-9]*: Spool: $T/nospool: No such file" err
: >"$T/spoolfile"
rt "Socket unix:$T/sockdir/m.sock" "Spool $T/spoolfile"
expect "-n: Spool is a file" 1 "$MILTER" -n -c "$T/rt.conf"
has "-n: Spool not a directory" "Spool: $T/spoolfile is not a directory" err
mkdir -p "$T/rospool"
chmod 555 "$T/rospool"
rt "Socket unix:$T/sockdir/m.sock" "Spool $T/rospool"
expect "-n: Spool not writable by the run-as user" 1 "$MILTER" -n -c "$T/rt.conf"
has "-n: says who needs what" "Spool: .* needs write and search permission on $T/rospool" err
mkdir -p "$T/spool/new"
chmod 500 "$T/spool/new"
[ -n "$runas" ] && chown nobody "$T/spool/new"
rt "Socket unix:$T/sockdir/m.sock" "Spool $T/spool"
expect "-n: Spool's new/ not writable" 1 "$MILTER" -n -c "$T/rt.conf"
has "-n: names new/" "needs write and search permission on $T/spool/new" err
chmod 700 "$T/spool/new"
chmod 777 "$T/spool"
expect "-n: Spool writable by everyone" 1 "$MILTER" -n -c "$T/rt.conf"
has "-n: says anyone could plant a job" "writable by everyone" err
chmod 770 "$T/spool"
expect "-n: Spool writable by its group" 1 "$MILTER" -n -c "$T/rt.conf"
has "-n: says the group could plant a job" "writable by its group" err
chmod 700 "$T/spool"
# The socket is made by whoever starts the daemon (as root: root can):
# checked for a user other than root with setpriv.
mkdir -p "$T/rosock"
chmod 555 "$T/rosock"
{ grep -v '^Socket' "$good"; echo "Socket unix:$T/rosock/m.sock"; } >"$T/rosock.conf"
chmod 644 "$T/rosock.conf"
asuser=""
[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 &&
	asuser="setpriv --reuid=nobody --regid=nogroup --clear-groups"
if [ "$(id -u)" != 0 ] || [ -n "$asuser" ]; then
	expect "-n: socket directory not writable by who starts it" 1 $asuser "$MILTER" -n -c "$T/rosock.conf"
	has "-n: socket directory error names the Socket line" "rosock.conf:[0-9]*: Socket: .*needs write and search permission on $T/rosock" err
else
	ok "-n: socket directory not writable # SKIP root without setpriv"
fi
rt "Socket inet:12345@127.0.0.1" "Spool $T/spool"
expect "-n: an inet socket has no directory to check" 0 "$MILTER" -n -c "$T/rt.conf"

expect "unknown option" 2 "$MILTER" -Z
expect "stray argument" 2 "$MILTER" extra

expect "-t genuine" 0 "$MILTER" -c "$good" -t samples/cert-issue.eml
has "-t genuine: X-UPKI-Notice" "^insert X-UPKI-Notice: genuine; kind=cert-issue$" out
has "-t genuine: Authentication-Results" "^insert Authentication-Results: mx.test; smime=pass" out
has "-t genuine: accept" "^accept$" out
has "-t genuine: log line on stderr" "TEST: kind=cert-issue verdict=genuine" err
tap_no_token "-t: the token is not in the log line" samples/cert-issue.eml "$T/err"
has "-t: the token's hash is" "p1=#[0-9a-f]" err

expect "-t suspicious (quarantine)" 0 "$MILTER" -c "$good" -t samples/phish-punycode.eml
has "-t suspicious: Subject tagged" "^change Subject\[1\]: " out
has "-t suspicious: quarantine with reasons" "^quarantine .*unsigned, url-host, url-idn" out

expect "-t ordinary" 0 "$MILTER" -c "$good" -t samples/plain-sjis.eml
has "-t ordinary: body read, accepted at the end of the message" "^accept$" out
lacks "-t ordinary: no verdict header" "X-UPKI-Notice" out
{ cat "$good"; printf 'LogLevel debug\n'; } >"$T/debug.conf"
expect "-t ordinary, LogLevel debug" 0 "$MILTER" -c "$T/debug.conf" -t samples/plain-sjis.eml
has "-t ordinary: debug line says why (prefilter, no marker)" "TEST: passed at end of message without analysis: why=no-marker" err
{ cat "$good"; printf 'EarlyAccept headers\nLogLevel debug\n'; } >"$T/eoh.conf"
expect "-t ordinary, EarlyAccept headers" 0 "$MILTER" -c "$T/eoh.conf" -t samples/plain-sjis.eml
has "-t ordinary, EarlyAccept headers: accepted at the end of the header" "^accept (end of header" out
has "-t ordinary, EarlyAccept headers: debug line says why" "why=headers-only, body not read" err

# A look-alike link behind a neutral Subject and an ordinary From: the
# default reads the body and marks it, as upki-scan does.
printf 'From: a@example.org\nSubject: hello\nMessage-ID: <n@x>\n\nlog in: https://scia.secomtrust.net.evil.example/login?p1=AAAABBBBCCCCDDDD\n' >"$T/neutral.eml"
expect "-t neutral look-alike" 0 "$MILTER" -c "$good" -t "$T/neutral.eml"
has "-t neutral look-alike: marked suspicious" "^insert X-UPKI-Notice: suspicious" out
lacks "-t neutral look-alike: no token in the log" "AAAABBBBCCCCDDDD" err
expect "-t neutral look-alike, EarlyAccept headers" 0 "$MILTER" -c "$T/eoh.conf" -t "$T/neutral.eml"
has "-t neutral look-alike, EarlyAccept headers: passed unread (what it gives up)" "^accept (end of header" out

{ printf 'X-UPKI-Notice: genuine; kind=cert-issue\n'; cat samples/plain-utf8.eml; } >"$T/forged.eml"
expect "-t forged verdict" 0 "$MILTER" -c "$good" -t "$T/forged.eml"
has "-t forged: deleted" "^delete X-UPKI-Notice\[1\]$" out

printf 'Spool %s/spool\n' "$T" | cat "$good" - >"$T/spool.conf"
expect "-t with Spool" 0 "$MILTER" -c "$T/spool.conf" -t samples/pin-issue.eml
has "-t names the spool job" "^spool [0-9a-f]\{32\}$" out
[ ! -e "$T/spool/new" ] || [ -z "$(ls "$T/spool/new")" ] && ok "-t writes no spool job" || not_ok "-t wrote a spool job"

printf 'MaxMessageSize 1k\nOnOversized tempfail\n' | cat "$good" - >"$T/small.conf"
expect "-t oversized" 0 "$MILTER" -c "$T/small.conf" -t samples/cert-issue.eml
has "-t oversized: tempfail" "^tempfail 451 4.7.0$" out

# OnSuspicious reject: the reply tells the sender nothing about the checks
{ cat "$good"; printf 'OnSuspicious reject\n'; } >"$T/reject.conf"
expect "-t reject" 0 "$MILTER" -c "$T/reject.conf" -t samples/phish-punycode.eml
has "-t reject: RejectText's default" "^reject 550 5.7.1 Rejected: this message imitates a UPKI certificate notice$" out
lacks "-t reject: no failed check in the reply" "^reject .*url-host" out
has "-t reject: the checks are in the log" "reasons=.*url-host.*action=reject" err
{ cat "$T/reject.conf"; printf 'RejectText Not accepted here, ask the helpdesk\n'; } >"$T/reject2.conf"
expect "-t reject, RejectText set" 0 "$MILTER" -c "$T/reject2.conf" -t samples/phish-punycode.eml
has "-t reject: RejectText's own text" "^reject 550 5.7.1 Not accepted here, ask the helpdesk$" out
printf '# x\nRejectText 100%% sure\n' >"$T/bad8.conf"
expect "-n RejectText with %" 1 "$MILTER" -n -c "$T/bad8.conf"
has "-n: a bad RejectText names its line" "bad8.conf:2: RejectText" err
printf 'RejectText 拒否\n' >"$T/bad9.conf"
expect "-n RejectText not ASCII" 1 "$MILTER" -n -c "$T/bad9.conf"

# the daemon's own lines carry no queue id; -t's log lines say TEST
lacks "-t: no NOQUEUE line" "NOQUEUE" err

expect "-t missing file" 1 "$MILTER" -c "$good" -t "$T/nonexistent.eml"
echo "1..$n"
