#!/bin/sh
# Two upki-milters on one unix socket: the second refuses to start while
# the first answers, and the first keeps working; a stale socket (nobody
# listening) is replaced; an orphan (its path taken over by a newer
# instance) stops without removing the live socket; an instance removes
# its own socket when it stops.  As root, also with -u nobody, where
# libmilter itself would unlink the path.  TAP output.
set -u
. tests/lib/tap.sh
BUILD=${BUILD:-build}
MILTER="$PWD/$BUILD/upki-milter"
[ -x "$MILTER" ] || skip_all "$MILTER not built"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
tap_tmpdir
chmod 755 "$T"
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; chmod -R u+w "$T"; rm -rf "$T"' EXIT

# answers PATH: a milter on PATH answers option negotiation (SMFIC_OPTNEG).
answers() {
	python3 - "$1" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
try:
    s.connect(sys.argv[1])
    s.sendall(struct.pack(">Ic3I", 13, b"O", 6, 0x1ff, 0x1fffff))
    hdr = s.recv(5)
    sys.exit(0 if len(hdr) == 5 and hdr[4:5] == b"O" else 1)
except OSError:
    sys.exit(1)
PY
}
inode() { stat -c %i "$1" 2>/dev/null; }

# start NAME SOCKDIR [ARGS]: runs a milter in the background on
# SOCKDIR/s.sock, its pid in $pid; waits until its socket answers.
start() {
	name=$1; dir=$2; shift 2
	"$MILTER" -f -c "$T/m.conf" -p "unix:$dir/s.sock" -P "$dir/$name.pid" "$@" >"$T/$name.log" 2>&1 &
	pid=$!
	PIDS="$PIDS $pid"
	i=0
	until [ "$(cat "$dir/$name.pid" 2>/dev/null)" = "$pid" ] && answers "$dir/s.sock"; do
		i=$((i + 1))
		[ $i -ge 100 ] && return 1
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 0
}
# stop PID: SIGTERM and wait.
stop() { kill -TERM "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

printf 'TrustAnchorFile %s/samples/ca/root.pem\nStaleDays 0\nAuthservID mx.test\n' "$PWD" >"$T/m.conf"

# round LABEL DIR [ARGS]: the whole story in one socket directory.
round() {
	label=$1; dir=$2; shift 2
	if start a "$dir" "$@"; then ok "$label: first instance listens"; else
		not_ok "$label: first instance did not start" "$(cat "$T/a.log")"; return; fi
	a=$pid
	ino=$(inode "$dir/s.sock")
	timeout 20 "$MILTER" -f -c "$T/m.conf" -p "unix:$dir/s.sock" -P "$dir/b.pid" "$@" >"$T/b.log" 2>&1
	rc=$?
	[ "$rc" = 1 ] && ok "$label: a second instance on the live socket exits 1" ||
		not_ok "$label: second instance exit $rc, wanted 1" "$(cat "$T/b.log")"
	grep -q "socket $dir/s.sock is in use" "$T/b.log" && ok "$label: it says the socket is in use" ||
		not_ok "$label: no 'in use' message" "$(cat "$T/b.log")"
	[ "$(inode "$dir/s.sock")" = "$ino" ] && answers "$dir/s.sock" &&
		ok "$label: the first keeps its socket and answers" ||
		not_ok "$label: the first instance's socket was taken"
	[ ! -e "$dir/b.pid" ] && ok "$label: the refused one wrote no pid file" ||
		not_ok "$label: the refused instance wrote its pid file"

	# the first one's path is taken over: it becomes an orphan
	rm -f "$dir/s.sock"
	if start c "$dir" "$@"; then ok "$label: a new instance starts once the path is free"; else
		not_ok "$label: new instance did not start" "$(cat "$T/c.log")"; return; fi
	c=$pid
	ino=$(inode "$dir/s.sock")
	stop "$a"
	[ "$(inode "$dir/s.sock")" = "$ino" ] && answers "$dir/s.sock" &&
		ok "$label: stopping the orphan leaves the live socket in place" ||
		not_ok "$label: stopping the orphan removed or broke the live socket"
	grep -q "no longer this process's socket" "$T/a.log" && ok "$label: the orphan says why it left it" ||
		not_ok "$label: the orphan did not log why" "$(tail -3 "$T/a.log")"

	# a stale socket (its milter killed) is replaced
	kill -KILL "$c"
	wait "$c" 2>/dev/null
	[ -S "$dir/s.sock" ] && ! answers "$dir/s.sock" && ok "$label: after SIGKILL a stale socket is left" ||
		not_ok "$label: no stale socket after SIGKILL"
	if start d "$dir" "$@"; then ok "$label: a stale socket is replaced at start"; else
		not_ok "$label: did not start over a stale socket" "$(cat "$T/d.log")"; return; fi
	stop "$pid"
	[ ! -e "$dir/s.sock" ] && ok "$label: an instance removes its own socket when it stops" ||
		not_ok "$label: its socket is still there"
}

mkdir -p "$T/self"
round "as $(id -un)" "$T/self"
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	mkdir -p "$T/nobody"
	chown nobody "$T/nobody"
	round "as nobody (-u)" "$T/nobody" -u nobody
fi
echo "1..$n"
