#!/bin/sh
# upki-milter under valgrind: `-t` over every sample, and the daemon
# serving the miltertest verdict script (every verdict, early accept,
# forged headers) and then stopped with SIGTERM.  A memory error or a
# definite leak fails the test (--errors-for-leak-kinds=definite);
# tests/valgrind.supp holds the one-time initialisation of GLib, GMime
# and OpenSSL, if any ever shows.  TAP output.
set -u
. tests/lib/tap.sh
BUILD=${BUILD:-build}
TOP=$PWD
MILTER="$TOP/$BUILD/upki-milter"

command -v valgrind >/dev/null 2>&1 || skip_all "valgrind not installed"
[ -x "$MILTER" ] || skip_all "$MILTER not built"
case "$BUILD" in *san*) skip_all "sanitizer build: valgrind does not run ASan binaries";; esac

T=$(mktemp -d)
VPID=
trap '[ -n "$VPID" ] && kill "$VPID" 2>/dev/null; rm -rf "$T"' EXIT
export G_SLICE=always-malloc G_DEBUG=gc-friendly
VG="valgrind -q --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite"
VG="$VG --error-exitcode=99"
VG="$VG --suppressions=$TOP/tests/valgrind.supp --num-callers=30"
cat >"$T/upki-milter.conf" <<CONF
TrustAnchorFile $TOP/samples/ca/root.pem
StaleDays 0
AuthservID mx.test
Spool $T/spool
CONF

# -t over every sample, two at a time.
ls samples/*.eml | xargs -P 2 -I{} sh -c \
	'f={}; b=$(basename "$f" .eml); '"$VG"' --log-file='"$T"'/vg-$b.log '"$MILTER"' \
	 -c '"$T"'/upki-milter.conf -t "$f" >'"$T"'/out-$b 2>&1; echo $? >'"$T"'/rc-$b'
for f in samples/*.eml; do
	b=$(basename "$f" .eml)
	rc=$(cat "$T/rc-$b" 2>/dev/null)
	if [ "$rc" = 0 ] && ! grep -q "definitely lost\|Invalid\|uninitialised" "$T/vg-$b.log"; then ok "-t $b: no errors, no definite leaks"; else
		not_ok "-t $b: exit ${rc:-?}"; sed 's/^/# /' "$T/vg-$b.log" | head -40; fi
done

# The daemon under valgrind, driven by miltertest.
if ! command -v miltertest >/dev/null 2>&1; then
	n=$((n + 1)); echo "ok $n daemon under valgrind # SKIP miltertest not installed"
	echo "1..$n"; exit 0
fi
printf 'Content-Type: text/plain\n\nhello\n' >"$T/body"
openssl smime -sign -in "$T/body" -signer samples/ca/signer.pem -inkey samples/ca/signer.key \
	-certfile samples/ca/smime-ca.pem -from ca-support@ml.secom-sts.co.jp -to u@example.ac.jp \
	-subject maintenance >"$T/sender-signed.eml" 2>/dev/null
$VG --log-file="$T/vg-daemon.log" "$MILTER" -f -c "$T/upki-milter.conf" -p "unix:$T/sock" \
	>"$T/daemon.log" 2>&1 &
VPID=$!
timeout 300 miltertest -s tests/milter/t-verdicts.lua -D NOSTART=1 -D MILTER="$MILTER" \
	-D CONF="$T/upki-milter.conf" -D SOCK="unix:$T/sock" -D TOP="$TOP" -D TMP="$T" >"$T/mt.out" 2>&1
mrc=$?
fails=$(grep -c '^not ok' "$T/mt.out")
if [ "$mrc" = 0 ] && [ "$fails" = 0 ]; then ok "miltertest verdict script against the daemon under valgrind"
else not_ok "miltertest under valgrind: exit $mrc, $fails failed"; grep -E '^not ok|^#' "$T/mt.out" | sed 's/^/# /'; fi
kill -TERM "$VPID"
wait "$VPID"
drc=$?
VPID=
if [ "$drc" = 0 ] && ! grep -q "definitely lost\|Invalid\|uninitialised" "$T/vg-daemon.log"; then ok "daemon: no errors, no definite leaks, exit 0 after SIGTERM"
else not_ok "daemon under valgrind: exit $drc"; sed 's/^/# /' "$T/vg-daemon.log" | head -60; fi
echo "1..$n"
