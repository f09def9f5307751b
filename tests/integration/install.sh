#!/bin/sh
# `make install` into a staging directory puts every file where it belongs.
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
make --no-print-directory install PREFIX=/usr DESTDIR="$T" BUILD="${BUILD:-build}" >"$T.log" 2>&1
rc=$?
n=$((n + 1))
[ "$rc" = 0 ] && echo "ok $n make install" || { echo "not ok $n make install (exit $rc)"; sed 's/^/# /' "$T.log"; }
rm -f "$T.log"
for f in usr/bin/upki-scan usr/share/man/man1/upki-scan.1 usr/share/man/man5/upki-milter.conf.5 \
	usr/share/doc/upki-notice/upki-milter.conf.example usr/share/doc/upki-notice/README.md \
	usr/bin/upki-milter usr/share/man/man8/upki-milter.8 usr/lib/systemd/system/upki-milter.service; do
	n=$((n + 1))
	[ -f "$T/$f" ] && echo "ok $n installed $f" || echo "not ok $n missing $f"
done
n=$((n + 1))
if "$T/usr/bin/upki-scan" --version >/dev/null 2>&1; then echo "ok $n installed binary runs"; else
	echo "not ok $n installed binary does not run"; fi
echo "1..$n"
