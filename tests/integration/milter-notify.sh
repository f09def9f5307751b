#!/bin/sh
# upki-milter under Type=notify, without systemd: NOTIFY_SOCKET is a
# datagram socket this test reads.  READY=1 comes once the milter socket
# answers (the MTA ordered after it finds it), RELOADING=1 then READY=1
# around SIGHUP (a bad file too: the old configuration keeps serving),
# STOPPING=1 at SIGTERM.  TAP output.
set -u
. tests/lib/tap.sh
BUILD=${BUILD:-build}
MILTER="$PWD/$BUILD/upki-milter"
[ -x "$MILTER" ] || skip_all "$MILTER not built"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
tap_tmpdir
LPID=""
MPID=""
trap '[ -n "$MPID" ] && kill "$MPID" 2>/dev/null; [ -n "$LPID" ] && kill "$LPID" 2>/dev/null; rm -rf "$T"' EXIT
conf() { printf 'Socket unix:%s/s.sock\nTrustAnchorFile %s/samples/ca/root.pem\nStaleDays 0\nAuthservID mx.test\n%s\n' \
	"$T" "$PWD" "${1:-}" >"$T/m.conf"; }
conf

# Each notification on a line of $T/notify ("|" for its newlines); at
# READY=1 the listener itself tries the milter socket, so what it
# records is whether the socket answered at that moment.
python3 - "$T/notify.sock" "$T/notify" "$T/s.sock" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2] + ".ready", "w").close()
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        msg = s.recv(4096).decode(errors="replace")
        if "READY=1" in msg:
            c = socket.socket(socket.AF_UNIX)
            try:
                c.connect(sys.argv[3])
                msg += "|socket=answers"
            except OSError as e:
                msg += "|socket=%s" % e.strerror
            c.close()
        f.write(msg.replace("\n", "|") + "\n")
PY
LPID=$!
i=0
while [ ! -e "$T/notify.ready" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

# wait_for PATTERN COUNT: until PATTERN is on COUNT lines of $T/notify
wait_for() {
	i=0
	while [ "$(grep -c -- "$1" "$T/notify" 2>/dev/null)" -lt "$2" ] && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1)); done
	[ "$(grep -c -- "$1" "$T/notify" 2>/dev/null)" -ge "$2" ]
}

NOTIFY_SOCKET="$T/notify.sock" "$MILTER" -f -c "$T/m.conf" 2>"$T/err" &
MPID=$!
wait_for 'READY=1' 1 && ok "READY=1 sent" || not_ok "no READY=1" "$(cat "$T/err")"
head -1 "$T/notify" | grep -q '^READY=1|.*MAINPID='"$MPID"'|socket=answers$' &&
	ok "READY=1 is the first notification, names the main pid, and the socket answers then" ||
	not_ok "READY=1 line: $(head -1 "$T/notify")"

kill -HUP "$MPID"
wait_for 'READY=1' 2 && ok "SIGHUP: READY=1 again after the reload" || not_ok "SIGHUP: no second READY=1"
sed -n 2,3p "$T/notify" | tr '\n' ' ' | grep -q '^RELOADING=1|.* READY=1|STATUS=configuration reloaded' &&
	ok "SIGHUP: RELOADING=1, then READY=1" || not_ok "SIGHUP: $(sed -n 2,3p "$T/notify" | tr '\n' ' ')"
conf "OnSuspicious burn"
kill -HUP "$MPID"
wait_for 'READY=1' 3 && sed -n 5p "$T/notify" | grep -q 'READY=1|STATUS=reload failed' &&
	ok "SIGHUP with a bad file: READY=1, reload failed, old configuration serving" ||
	not_ok "bad reload: $(sed -n 4,5p "$T/notify" | tr '\n' ' ')"
kill -0 "$MPID" 2>/dev/null && ok "still running after the bad reload" || not_ok "died on a bad reload"

kill -TERM "$MPID"
wait "$MPID"
rc=$?
MPID=""
[ "$rc" = 0 ] && ok "SIGTERM: exit 0" || not_ok "SIGTERM: exit $rc"
tail -1 "$T/notify" | grep -q '^STOPPING=1' && ok "SIGTERM: STOPPING=1 last" ||
	not_ok "SIGTERM: last notification $(tail -1 "$T/notify")"

# without NOTIFY_SOCKET nothing is sent and nothing fails
conf
"$MILTER" -f -c "$T/m.conf" 2>"$T/err2" &
MPID=$!
i=0
while ! grep -q 'listening on' "$T/err2" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM "$MPID"
wait "$MPID"
rc=$?
MPID=""
[ "$rc" = 0 ] && grep -q 'listening on' "$T/err2" && ok "without NOTIFY_SOCKET: runs and stops as before" ||
	not_ok "without NOTIFY_SOCKET: exit $rc" "$(cat "$T/err2")"
echo "1..$n"
