#!/bin/sh
# Where upki-milter's log lines go: with -f, syslog and stderr, but not
# stderr when it is the journal (JOURNAL_STREAM names it: each line would
# be there twice); -t on stderr only, never syslog (test runs stay out
# of the mail log); the daemon's own lines (start, stop) carry no
# NOQUEUE; a daemon started with a relative -c reloads it.  The syslog side runs as root only: in a mount namespace of
# its own, /dev/log is a socket this test reads.  TAP output.
set -u
. tests/lib/tap.sh
BUILD=${BUILD:-build}
MILTER="$PWD/$BUILD/upki-milter"
[ -x "$MILTER" ] || skip_all "$MILTER not built"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
tap_tmpdir
LPID=""
trap '[ -n "$LPID" ] && kill "$LPID" 2>/dev/null; rm -rf "$T"' EXIT
printf 'Socket unix:%s/s.sock\nTrustAnchorFile %s/samples/ca/root.pem\nStaleDays 0\nAuthservID mx.test\n' \
	"$T" "$PWD" >"$T/m.conf"

# daemon ERRFILE CMD...: starts CMD... upki-milter -f (stderr to ERRFILE),
# waits for its socket and stops it through its pid file.
daemon() {
	err=$1; shift
	rm -f "$T/pid"
	"$@" "$MILTER" -f -c "$T/m.conf" -P "$T/pid" 2>"$err" &
	bg=$!
	i=0
	while [ ! -s "$T/pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	sleep 0.2
	kill -TERM "$(cat "$T/pid")"
	wait "$bg"
}

: >"$T/err1"
daemon "$T/err1" env JOURNAL_STREAM=1:1
grep -q 'listening on' "$T/err1" && ok "-f: log lines on stderr" || not_ok "-f: nothing on stderr" "$(cat "$T/err1")"
grep -q '^upki-milter: info: upki-milter [0-9.]* listening on unix:' "$T/err1" &&
	grep -q '^upki-milter: info: stopped$' "$T/err1" &&
	ok "-f: start and stop lines without a queue id" || not_ok "-f: start/stop lines" "$(cat "$T/err1")"
! grep -q NOQUEUE "$T/err1" && ok "-f: no NOQUEUE on the daemon's lines" || not_ok "-f: NOQUEUE in $(cat "$T/err1")"
: >"$T/err2"
daemon "$T/err2" env JOURNAL_STREAM="$(stat -c '%d:%i' "$T/err2")"
[ ! -s "$T/err2" ] && ok "-f with stderr the journal (JOURNAL_STREAM): nothing on stderr" ||
	not_ok "-f, JOURNAL_STREAM: lines on stderr" "$(cat "$T/err2")"

"$MILTER" -c "$T/m.conf" -t samples/cert-issue.eml >/dev/null 2>"$T/err3"
grep -q '^upki-milter: info: TEST: kind=cert-issue verdict=genuine' "$T/err3" &&
	ok "-t: its log line on stderr" || not_ok "-t: no log line on stderr" "$(cat "$T/err3")"

# syslog: /dev/log of a private mount namespace is our socket
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null 2>&1; then
	ok "syslog # SKIP needs root and unshare"
	echo "1..$n"
	exit 0
fi
python3 - "$T/log.sock" "$T/syslog" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
open(sys.argv[2] + ".ready", "w").close()
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536).replace(b"\n", b" ") + b"\n")
PY
LPID=$!
i=0
while [ ! -e "$T/syslog.ready" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
# in_ns CMD...: CMD with /dev a fresh tmpfs holding null, urandom and log
in_ns() {
	unshare -m sh -c 'mount -t tmpfs -o mode=755 tmpfs /dev && mknod -m 666 /dev/null c 1 3 &&
		mknod -m 444 /dev/urandom c 1 9 && touch /dev/log && mount --bind "$0" /dev/log && exec "$@"' \
		"$T/log.sock" "$@"
}
if ! in_ns true 2>"$T/ns.err"; then
	ok "syslog # SKIP no private mount namespace here: $(head -1 "$T/ns.err")"
	echo "1..$n"
	exit 0
fi
in_ns "$MILTER" -c "$T/m.conf" -t samples/cert-issue.eml >/dev/null 2>&1
in_ns "$MILTER" -c "$T/m.conf" -t samples/phish-punycode.eml >/dev/null 2>&1
sleep 0.3
[ ! -s "$T/syslog" ] && ok "-t: nothing to syslog" || not_ok "-t wrote to syslog" "$(cat "$T/syslog")"
: >"$T/err4"
daemon "$T/err4" in_ns env JOURNAL_STREAM="$(stat -c '%d:%i' "$T/err4")"
sleep 0.3
# <22>: facility mail (2) * 8 + info (6)
grep -q '^<22>.*upki-milter\[[0-9]*\]: upki-milter [0-9.]* listening on unix:' "$T/syslog" &&
	ok "-f: the start line reaches syslog as mail.info, no queue id" ||
	not_ok "-f: no start line in syslog" "$(cat "$T/syslog")"
grep -q '^<22>.*upki-milter\[[0-9]*\]: stopped$' "$T/syslog" && ok "-f: the stop line reaches syslog" ||
	not_ok "-f: no stop line in syslog"
[ ! -s "$T/err4" ] && ok "-f, stderr the journal: syslog only" || not_ok "-f, journal: stderr too" "$(cat "$T/err4")"
# A daemon works in "/": a relative -c still reloads on SIGHUP.
rm -f "$T/pid"
(cd "$T" && in_ns "$MILTER" -c m.conf -P "$T/pid")
i=0
while [ ! -s "$T/pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
dpid=$(cat "$T/pid" 2>/dev/null)
if [ -n "$dpid" ]; then
	kill -HUP "$dpid"
	i=0
	while ! grep -q 'configuration reloaded' "$T/syslog" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	grep -q 'configuration reloaded' "$T/syslog" && ok "daemon, relative -c: SIGHUP reloads it" ||
		not_ok "daemon, relative -c: no reload" "$(grep -i reload "$T/syslog")"
	kill -TERM "$dpid"
	i=0
	while kill -0 "$dpid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
else
	not_ok "daemon, relative -c: did not start" "$(tail -3 "$T/syslog")"
fi
echo "1..$n"
