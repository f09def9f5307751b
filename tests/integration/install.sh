#!/bin/sh
# `make install` into a staging directory puts every file where it
# belongs; `make uninstall` takes exactly those away again.
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
	usr/bin/upki-milter usr/share/man/man8/upki-milter.8 usr/lib/systemd/system/upki-milter.service \
	usr/share/doc/upki-notice/wrap.md usr/share/upki-notice/templates/genuine-cert-issue.html \
	usr/share/upki-notice/templates/suspicious.txt usr/share/upki-notice/templates/reasons-ja.txt; do
	n=$((n + 1))
	[ -f "$T/$f" ] && echo "ok $n installed $f" || echo "not ok $n missing $f"
done
# Annotate wrap's TemplateDir defaults to where the templates went
n=$((n + 1))
ntpl=$(ls templates | wc -l)
[ "$(ls "$T/usr/share/upki-notice/templates" 2>/dev/null | wc -l)" = "$ntpl" ] &&
	grep -a -q '/usr/share/upki-notice/templates' "$T/usr/bin/upki-scan" &&
	echo "ok $n all $ntpl templates installed, and TemplateDir's default names their directory" ||
	echo "not ok $n templates not installed where TemplateDir's default points"
# upki-fetch, its man pages, example config and unit; the user and
# directories the units need; the Postfix header_checks table
for f in usr/bin/upki-fetch usr/share/man/man8/upki-fetch.8 usr/share/man/man5/upki-fetch.conf.5 \
	usr/share/doc/upki-notice/upki-fetch.conf.example usr/lib/systemd/system/upki-fetch.service \
	usr/lib/sysusers.d/upki-notice.conf usr/lib/tmpfiles.d/upki-notice.conf \
	usr/share/doc/upki-notice/upki-header_checks; do
	n=$((n + 1))
	[ -f "$T/$f" ] && echo "ok $n installed $f" || echo "not ok $n missing $f"
done
n=$((n + 1))
if "$T/usr/bin/upki-scan" --version >/dev/null 2>&1; then echo "ok $n installed binary runs"; else
	echo "not ok $n installed binary does not run"; fi
# make uninstall removes every file make install put there, and nothing
# else (a file of another package in the same directories stays).
mkdir -p "$T/usr/bin" "$T/usr/share/man/man1" "$T/usr/share/doc"
: >"$T/usr/bin/other-program"
: >"$T/usr/share/man/man1/other.1"
(cd "$T" && find . -type f | sort) >"$T.before"
make --no-print-directory uninstall PREFIX=/usr DESTDIR="$T" BUILD="${BUILD:-build}" >"$T.log" 2>&1
rc=$?
(cd "$T" && find . -type f | sort) >"$T.after"
n=$((n + 1))
if [ "$rc" = 0 ] && [ "$(cat "$T.after")" = "$(printf './usr/bin/other-program\n./usr/share/man/man1/other.1')" ]; then
	echo "ok $n make uninstall removes all $(($(wc -l <"$T.before") - 2)) installed files, and only those"
else
	echo "not ok $n make uninstall (exit $rc) left:"; sed 's/^/# /' "$T.after" "$T.log"
fi
n=$((n + 1))
[ ! -e "$T/usr/share/doc/upki-notice" ] && [ ! -e "$T/usr/share/upki-notice" ] && [ -d "$T/usr/share/doc" ] &&
	echo "ok $n make uninstall removes the project's own directories, not shared ones" ||
	echo "not ok $n make uninstall: directories left or removed wrongly"
rm -f "$T.before" "$T.after" "$T.log"
make --no-print-directory install PREFIX=/usr DESTDIR="$T" BUILD="${BUILD:-build}" >/dev/null 2>&1
# The unit as systemd reads it, with the programs and man pages it names
# installed for real (in a temporary prefix), and how exposed it leaves
# the system (systemd-analyze security: 0 best, 10 worst).
if command -v systemd-analyze >/dev/null 2>&1; then
	P="$T/prefix"
	make --no-print-directory install PREFIX="$P/usr" SYSTEMDUNITDIR="$P/usr/lib/systemd/system" \
		BUILD="${BUILD:-build}" >"$T/install2.log" 2>&1
	unit="$P/usr/lib/systemd/system/upki-milter.service"
	n=$((n + 1))
	if MANPATH="$P/usr/share/man" systemd-analyze verify "$unit" >"$T/verify.log" 2>&1; then
		echo "ok $n systemd-analyze verify accepts the unit"
	else
		echo "not ok $n systemd-analyze verify"; sed 's/^/# /' "$T/verify.log" "$T/install2.log"
	fi
	n=$((n + 1))
	level=$(systemd-analyze security --offline=yes "$unit" 2>/dev/null |
		sed -n 's/.*exposure level for upki-milter.service: \([0-9.]*\).*/\1/p')
	if awk "BEGIN { exit !(\"${level:-10}\" + 0 <= 3) }"; then
		echo "ok $n unit exposure level ${level} (at most 3)"
	else
		echo "not ok $n unit exposure level ${level:-unknown}, wanted at most 3"
	fi
	n=$((n + 1))
	grep -q '^User=upki-milter' "$unit" && ! grep -q ' -u ' "$unit" &&
		echo "ok $n the unit never runs the daemon as root" || echo "not ok $n the unit runs as root"
	funit="$P/usr/lib/systemd/system/upki-fetch.service"
	if [ -f "$funit" ]; then
		n=$((n + 1))
		if MANPATH="$P/usr/share/man" systemd-analyze verify "$funit" >"$T/verify2.log" 2>&1; then
			echo "ok $n systemd-analyze verify accepts upki-fetch.service"
		else
			echo "not ok $n systemd-analyze verify upki-fetch.service"; sed 's/^/# /' "$T/verify2.log"
		fi
		n=$((n + 1))
		level=$(systemd-analyze security --offline=yes "$funit" 2>/dev/null |
			sed -n 's/.*exposure level for upki-fetch.service: \([0-9.]*\).*/\1/p')
		if awk "BEGIN { exit !(\"${level:-10}\" + 0 <= 3) }"; then
			echo "ok $n upki-fetch.service exposure level ${level} (at most 3)"
		else
			echo "not ok $n upki-fetch.service exposure level ${level:-unknown}, wanted at most 3"
		fi
		n=$((n + 1))
		grep -q '^User=upki-milter' "$funit" && echo "ok $n upki-fetch.service never runs as root" ||
			echo "not ok $n upki-fetch.service runs as root"
	fi
else
	n=$((n + 1))
	echo "ok $n systemd unit # SKIP no systemd-analyze"
fi
echo "1..$n"
