#!/bin/sh
# libcurl and libxml2 are loaded on first use (parser/lazylib.c): upki-scan
# does not link them, ordinary mail never loads them, and when one cannot
# be loaded (here: a stub with the same SONAME and none of the symbols,
# found first through LD_LIBRARY_PATH) a notice gets a clear error naming
# the library, exit 5, and the filter passes the message on unchanged.
# TAP output.
set -u
. tests/lib/tap.sh
CA="--ca-file=samples/ca/root.pem"
tap_tmpdir

command -v gcc >/dev/null 2>&1 || skip_all "no gcc to build a stub library"
command -v objdump >/dev/null 2>&1 || skip_all "no objdump"

check() { name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; sed 's/^/# /' "$T/err" 2>/dev/null; fi; }

needed=$(objdump -p "$SCAN" | awk '/NEEDED/ {print $2}')
check "upki-scan does not link libcurl" sh -c "! echo '$needed' | grep -q libcurl"
check "upki-scan does not link libxml2" sh -c "! echo '$needed' | grep -q libxml2"

# stub DIR SONAME: an empty shared object under the library's name.
stub() {
	mkdir -p "$1"
	echo 'int upki_stub(void); int upki_stub(void) { return 0; }' >"$T/stub.c"
	gcc -shared -fPIC -o "$1/$2" "$T/stub.c"
}
soname() { objdump -p "$(pkg-config --variable=libdir "$1")/$2.so" 2>/dev/null | awk '/SONAME/ {print $2}'; }
CURL=$(soname libcurl libcurl)
XML2=$(soname libxml-2.0 libxml2)
[ -n "$CURL" ] && [ -n "$XML2" ] || skip_all "cannot read the SONAMEs of libcurl and libxml2"
stub "$T/nocurl" "$CURL"
stub "$T/noxml" "$XML2"

# Ordinary mail: the libraries are never needed, so the stub is never met.
{ printf 'From a@example.org Mon Nov  2 10:00:00 2026\n'; cat samples/plain-utf8.eml; echo;
  printf 'From b@example.org Mon Nov  2 10:00:01 2026\n'; cat samples/plain-utf8.eml; } >"$T/ordinary.mbox"
LD_LIBRARY_PATH="$T/nocurl" "$SCAN" $CA --check "$T/ordinary.mbox" >/dev/null 2>"$T/err"
check "mbox of ordinary mail: no library needed (exit 1, not-notice)" test "$?" = 1

# A notice with each library missing in turn (both load before the
# full pipeline starts, so any notice needs both).
for lib in nocurl noxml; do
	so=$CURL; [ "$lib" = noxml ] && so=$XML2
	LD_LIBRARY_PATH="$T/$lib" "$SCAN" $CA samples/cert-issue.eml >"$T/out" 2>"$T/err"
	rc=$?
	check "$lib: exit 5 (internal error)" test "$rc" = 5
	check "$lib: the JSON line is an error naming $so" grep -q "\"error\":\"$so lacks " "$T/out"
	check "$lib: stderr names $so" grep -q "$so lacks" "$T/err"

	LD_LIBRARY_PATH="$T/$lib" "$SCAN" --filter $CA <samples/cert-issue.eml >"$T/out" 2>"$T/err"
	check "$lib: --filter exits 0" test "$?" = 0
	check "$lib: --filter passes the message on unchanged" cmp -s samples/cert-issue.eml "$T/out"
	check "$lib: --filter says why on stderr" grep -q "$so lacks.*passed on unchanged" "$T/err"
done

# upki-milter needs both for every notice: without one it does not start.
MILTER="$BUILD/upki-milter"
if [ -x "$MILTER" ]; then
	mneeded=$(objdump -p "$MILTER" | awk '/NEEDED/ {print $2}')
	check "upki-milter does not link libcurl or libxml2" sh -c "! echo '$mneeded' | grep -q 'libcurl\|libxml2'"
	LD_LIBRARY_PATH="$T/nocurl" "$MILTER" -n -c etc/upki-milter.conf.example -p "unix:$T/m.sock" >/dev/null 2>"$T/err"
	check "upki-milter without $CURL: exit 1" test "$?" = 1
	check "upki-milter without $CURL: says so" grep -q "$CURL lacks" "$T/err"
	"$MILTER" -n -c etc/upki-milter.conf.example -p "unix:$T/m.sock" >/dev/null 2>"$T/err"
	check "upki-milter with the real libraries: config OK" test "$?" = 0
fi

# And with the real libraries the same notice is genuine.
"$SCAN" $CA --check samples/cert-issue.eml >/dev/null 2>"$T/err"
check "real libraries: cert-issue is genuine (exit 0)" test "$?" = 0

echo "1..$n"
