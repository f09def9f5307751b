#!/bin/sh
# The Debian package, on this machine: `make deb` builds it
# (dpkg-buildpackage -us -uc -b in a copy of the tree), lintian finds no
# error, `dpkg -i` installs it (user, directories, conffiles; nothing
# started, main.cf untouched, the postconf lines printed), the shipped
# configs pass `-n` as the units run it, the milter listens in Postfix's
# chroot and a throwaway Postfix whose smtpd and cleanup run chrooted
# reaches it with exactly the printed main.cf lines, header_checks strips
# a forged verdict while the milter is down; then `dpkg -r` keeps the
# conffiles and data, `dpkg --purge` leaves nothing behind but the system
# user (Debian leaves those; this test removes it if it made it).
# Root only; the package must not be installed already.  TAP output.
set -u
. tests/lib/tap.sh
BUILD=${BUILD:-build}
TOP=$PWD
. "$TOP/tests/milter/postfix-lib.sh"
check() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2" "${3:-}"; fi; }

[ "$(id -u)" = 0 ] || skip_all "not root (dpkg -i needs root)"
for tool in dpkg dpkg-buildpackage dh lintian fakeroot runuser setpriv; do
	command -v "$tool" >/dev/null 2>&1 || skip_all "$tool not installed"
done
if dpkg-query -W -f '${Status}' upki-notice 2>/dev/null | grep -q 'installed\|config-files'; then
	skip_all "upki-notice is already installed on this machine: not touching it"
fi
# purge removes these: never someone else's
for d in /var/spool/upki-notice /var/lib/upki-fetch /var/lib/upki-notice /var/spool/postfix/upki-milter \
	/etc/upki-milter.conf /etc/upki-fetch.conf /etc/postfix/upki-header_checks; do
	[ -e "$d" ] && skip_all "$d exists on this machine: not touching it"
done

T=$(mktemp -d)
chmod 755 "$T"
MPID=
INSTALLED=0
had_user=0
getent passwd upki-milter >/dev/null && had_user=1
cleanup() {
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	pf_stop
	[ "$INSTALLED" = 1 ] && dpkg --purge upki-notice >/dev/null 2>&1
	if [ "$had_user" = 0 ] && getent passwd upki-milter >/dev/null; then
		userdel upki-milter 2>/dev/null
		getent group upki-milter >/dev/null && groupdel upki-milter 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# dpkg DPKG-ARGS...: dpkg, waiting for the lock another apt may hold.
dpkg_locked() {
	i=0
	while :; do
		dpkg "$@" >"$T/dpkg.out" 2>&1 && return 0
		grep -q 'lock' "$T/dpkg.out" && [ $i -lt 120 ] || return 1
		sleep 2; i=$((i + 1))
	done
}
sum() { [ -f "$1" ] && md5sum <"$1" || echo absent; }
owner_mode() { stat -c '%U:%G %a' "$1" 2>/dev/null; }

# 1. build, with the environment of a plain shell (no make of ours around)
D="$TOP/$BUILD/deb"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory deb DEB_DIR="$D" >"$T/make.log" 2>&1
rc=$?
DEB=$(ls "$D"/upki-notice_*.deb 2>/dev/null | head -1)
check $([ "$rc" = 0 ] && [ -f "$DEB" ]; echo $?) "make deb builds $(basename "${DEB:-the .deb}")" \
	"$(tail -20 "$T/make.log")"
[ -f "$DEB" ] || { echo "1..$n"; exit 1; }

lintian --no-tag-display-limit "$DEB" >"$T/lintian.out" 2>&1
grep -q '^E: ' "$T/lintian.out"
check $((1 - $?)) "lintian: no error ($(grep -c '^W: ' "$T/lintian.out") warnings)" \
	"$(grep '^[EW]: ' "$T/lintian.out" | head -10)"
grep '^W: ' "$T/lintian.out" | sed 's/^/# /'

dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's#^\./#/#' >"$T/contents"
missing=
for f in /usr/bin/upki-scan /usr/bin/upki-milter /usr/bin/upki-fetch \
	/usr/share/man/man1/upki-scan.1.gz /usr/share/man/man8/upki-milter.8.gz \
	/usr/share/man/man8/upki-fetch.8.gz /usr/share/man/man5/upki-milter.conf.5.gz \
	/usr/share/man/man5/upki-fetch.conf.5.gz /usr/share/upki-notice/templates/suspicious.txt \
	/lib/systemd/system/upki-milter.service /lib/systemd/system/upki-fetch.service \
	/usr/lib/sysusers.d/upki-notice.conf /usr/lib/tmpfiles.d/upki-notice.conf \
	/usr/share/doc/upki-notice/README.Debian.gz; do
	grep -qx "$f" "$T/contents" || missing="$missing $f"
done
check $([ -z "$missing" ]; echo $?) "the package holds programs, man pages, templates, units, sysusers.d, tmpfiles.d" \
	"missing:$missing"
dpkg-deb -f "$DEB" Depends | grep -q 'libmilter' && ok "Depends has the shared libraries" ||
	not_ok "Depends lacks the shared libraries: $(dpkg-deb -f "$DEB" Depends)"
dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./conffiles >"$T/conffiles" 2>/dev/null
check $(printf '/etc/postfix/upki-header_checks\n/etc/upki-fetch.conf\n/etc/upki-milter.conf\n' |
	cmp -s - "$T/conffiles"; echo $?) "conffiles: the two configs and the header_checks table" \
	"$(cat "$T/conffiles")"

# 2. install
main_before=$(sum /etc/postfix/main.cf)
master_before=$(sum /etc/postfix/master.cf)
dpkg_locked -i "$DEB"
rc=$?
cp "$T/dpkg.out" "$T/install.out"
[ "$rc" = 0 ] && INSTALLED=1
check $rc "dpkg -i installs the package" "$(tail -5 "$T/install.out")"
[ "$INSTALLED" = 1 ] || { echo "1..$n"; exit 1; }

uid=$(id -u upki-milter 2>/dev/null)
shell=$(getent passwd upki-milter | cut -d: -f7)
check $([ -n "$uid" ] && [ "$uid" -lt 1000 ] && [ "$shell" = /usr/sbin/nologin ] &&
	[ "$(id -gn upki-milter)" = upki-milter ]; echo $?) \
	"system user upki-milter (uid $uid, group upki-milter, no login)"
for d in "/var/spool/upki-notice upki-milter:upki-milter 700" \
	"/var/spool/postfix/upki-milter upki-milter:upki-milter 750" \
	"/var/lib/upki-fetch upki-milter:upki-milter 700" \
	"/var/lib/upki-notice upki-milter:upki-milter 700"; do
	set -- $d
	got=$(owner_mode "$1")
	check $([ "$got" = "$2 $3" ]; echo $?) "$1 is $2 $3" "got: ${got:-missing}"
done
if id postfix >/dev/null 2>&1; then
	id -Gn postfix | tr ' ' '\n' | grep -qx upki-milter
	check $? "postinst put the postfix user in the group upki-milter"
fi
grep -a -q /usr/share/upki-notice/templates /usr/bin/upki-milter && [ -d /usr/share/upki-notice/templates ]
check $? "the compiled-in TemplateDir is where the templates are"
# (the units run both daemons as upki-milter; other tests' daemons run as others)
pgrep -u upki-milter >/dev/null
check $((1 - $?)) "nothing was started" "$(ps -o pid,user,args -u upki-milter 2>&1)"

# postinst: the lines to run, printed, never run
line1="postconf -e 'smtpd_milters = unix:/upki-milter/upki-milter.sock' 'non_smtpd_milters = \$smtpd_milters' 'milter_default_action = accept' 'milter_protocol = 6'"
line2="postconf -e 'header_checks = regexp:/etc/postfix/upki-header_checks'"
if [ -n "$(postconf -h smtpd_milters 2>/dev/null)" ] || [ -n "$(postconf -h header_checks 2>/dev/null)" ]; then
	ok "postinst printed the postconf lines # SKIP this machine's main.cf already sets milters or header_checks"
else
	sed 's/^ *//' "$T/install.out" >"$T/install.lines"
	grep -qxF "$line1" "$T/install.lines" && grep -qxF "$line2" "$T/install.lines"
	check $? "postinst printed the two postconf lines" "$(sed 's/^/# /' "$T/install.out")"
fi
check $([ "$(sum /etc/postfix/main.cf)" = "$main_before" ] && [ "$(sum /etc/postfix/master.cf)" = "$master_before" ]; echo $?) \
	"main.cf and master.cf untouched"

# 3. the shipped configs, checked as the units check them (User=upki-milter)
runuser -u upki-milter -- upki-milter -n -c /etc/upki-milter.conf >"$T/n.out" 2>&1
check $? "upki-milter -n on /etc/upki-milter.conf, as upki-milter" "$(cat "$T/n.out")"
upki-milter -n -c /etc/upki-milter.conf >"$T/n.out" 2>&1
check $? "upki-milter -n on /etc/upki-milter.conf, as root" "$(cat "$T/n.out")"
runuser -u upki-milter -- upki-fetch -n -c /etc/upki-fetch.conf >"$T/n.out" 2>&1
check $? "upki-fetch -n on /etc/upki-fetch.conf, as upki-milter" "$(cat "$T/n.out")"
# The commented Ledger line, turned on: the directory tmpfiles made is
# usable by the milter and upki-fetch (which takes the key from the milter's file).
sed 's/^# Ledger /Ledger /' /etc/upki-milter.conf >"$T/ledger.conf"
chmod 644 "$T/ledger.conf"
runuser -u upki-milter -- upki-milter -n -c "$T/ledger.conf" >"$T/n.out" 2>&1
check $? "upki-milter -n with the shipped Ledger line on, as upki-milter" "$(cat "$T/n.out")"
runuser -u upki-milter -- env UPKI_SYSTEM_CONFIG="$T/ledger.conf" upki-fetch -n -c /etc/upki-fetch.conf >"$T/n.out" 2>&1
check $([ $? = 0 ] && grep -q 'shared keys: .*Ledger' "$T/n.out"; echo $?) \
	"upki-fetch -n takes that Ledger from the milter's file" "$(cat "$T/n.out")"
if command -v systemd-analyze >/dev/null 2>&1; then
	systemd-analyze verify /lib/systemd/system/upki-milter.service /lib/systemd/system/upki-fetch.service \
		>"$T/verify.out" 2>&1
	check $? "systemd-analyze verify accepts the installed units" "$(cat "$T/verify.out")"
fi

# 4. the header_checks table as Postfix reads it
if command -v postmap >/dev/null 2>&1; then
	mkdir -p "$T/pfconf"
	: >"$T/pfconf/main.cf"
	: >"$T/pfconf/master.cf"
	postmap() { command postmap -c "$T/pfconf" "$@"; }
	r1=$(postmap -q 'X-UPKI-Notice: genuine; kind=cert-issue' regexp:/etc/postfix/upki-header_checks)
	r2=$(postmap -q 'x-upki-notice:genuine' regexp:/etc/postfix/upki-header_checks)
	r3=$(postmap -q 'X-UPKI-Notice-Other: x' regexp:/etc/postfix/upki-header_checks)
	r4=$(postmap -q 'Subject: X-UPKI-Notice: genuine' regexp:/etc/postfix/upki-header_checks)
	check $([ "$r1" = IGNORE ] && [ "$r2" = IGNORE ] && [ -z "$r3$r4" ]; echo $?) \
		"upki-header_checks: IGNORE on X-UPKI-Notice (any case), nothing else" "got '$r1' '$r2' '$r3' '$r4'"
	# the printed lines, run against a throwaway config directory
	sh -c "$(echo "$line1" | sed "s#^postconf -e#postconf -c $T/pfconf -e#")" &&
		sh -c "$(echo "$line2" | sed "s#^postconf -e#postconf -c $T/pfconf -e#")"
	check $([ "$(postconf -c "$T/pfconf" -h smtpd_milters)" = unix:/upki-milter/upki-milter.sock ] &&
		[ "$(postconf -c "$T/pfconf" -xh non_smtpd_milters)" = unix:/upki-milter/upki-milter.sock ] &&
		[ "$(postconf -c "$T/pfconf" -h header_checks)" = regexp:/etc/postfix/upki-header_checks ] &&
		[ -z "$(postconf -c "$T/pfconf" -n 2>&1 >/dev/null)" ]; echo $?) \
		"postconf parses the printed lines without a warning" "$(postconf -c "$T/pfconf" -n 2>&1)"
fi

# 5. a Postfix with smtpd and cleanup chrooted in its queue directory, as
# on Debian, and exactly the printed main.cf lines: the milter (the unit's
# command line, as upki-milter) listens in <queue>/upki-milter/
why=$(pf_missing)
if [ -n "$why" ]; then
	ok "chrooted Postfix reaches the milter # SKIP $why"
else
	PORT=$(pf_free_port 7)
	pf_setup "$T/pf" "$PORT" ""
	sed -i -e 's/^\(127.0.0.1:[0-9]* inet  *n - \)n /\1y /' -e 's/^cleanup   unix  n - n /cleanup   unix  n - y /' \
		"$T/pf/etc/master.cf"
	# the outbound exemption of the README: a submission-like service
	PORT2=$(pf_free_port 11)
	printf '127.0.0.1:%s inet n - y - - smtpd\n  -o syslog_name=postfix/submission\n  -o smtpd_milters=\n' \
		"$PORT2" >>"$T/pf/etc/master.cf"
	sh -c "$(echo "$line1" | sed "s#^postconf -e#postconf -c $T/pf/etc -e#")"
	sh -c "$(echo "$line2" | sed "s#^postconf -e#postconf -c $T/pf/etc -e#")"
	# what tmpfiles.d does for /var/spool/postfix, in this queue directory;
	# the socket where the shipped Socket puts it, relative to the chroot
	install -d -o upki-milter -g upki-milter -m 0750 "$T/pf/spool/upki-milter"
	conf_sock=$(awk 'tolower($1) == "socket" { print $2 }' /etc/upki-milter.conf | tail -1)
	case "$conf_sock" in
	local:/var/spool/postfix/* | unix:/var/spool/postfix/*) ok "the shipped Socket is inside Postfix's chroot" ;;
	*) not_ok "the shipped Socket is inside Postfix's chroot" "Socket $conf_sock" ;;
	esac
	sock="$T/pf/spool/${conf_sock#*:/var/spool/postfix/}"
	# as the unit runs it (User=upki-milter); setpriv execs, so $! is the milter
	setpriv --reuid=upki-milter --regid=upki-milter --init-groups \
		upki-milter -f -c /etc/upki-milter.conf -p "local:$sock" >"$T/milter.log" 2>&1 &
	MPID=$!
	i=0
	while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	check $([ "$(stat -c '%U:%G %a' "$sock" 2>/dev/null)" = "upki-milter:upki-milter 660" ]; echo $?) \
		"the milter's socket is upki-milter:upki-milter 0660 in the chroot's upki-milter/" \
		"$(stat -c '%U:%G %a' "$sock" 2>&1; cat "$T/milter.log")"
	grep -q ' y .*smtpd$' "$T/pf/etc/master.cf" && grep -q '^cleanup .* y .*cleanup$' "$T/pf/etc/master.cf"
	check $? "the throwaway Postfix chroots smtpd and cleanup"
	if pf_start; then
		printf 'From: a@example.org\nTo: user@example.ac.jp\nSubject: hello\n\nordinary mail\n' >"$T/ordinary.eml"
		{ printf 'X-Test-Id: up\n'; cat samples/phish-punycode.eml; } >"$T/m1.eml"
		pf_send "$T/m1.eml"
		pf_wait 1 20
		f=$(pf_find up)
		grep -q '^X-UPKI-Notice: suspicious' "$f" 2>/dev/null &&
			! grep -q 'connect to Milter service' "$T/pf/postfix.log"
		check $? "chrooted smtpd reaches the milter at unix:/upki-milter/upki-milter.sock" \
			"$(grep -i 'milter' "$T/pf/postfix.log" | tail -3)"
		# Postfix's sendmail: pickup, then the chrooted cleanup (non_smtpd_milters)
		{ printf 'X-Test-Id: local\n'; cat samples/phish-punycode.eml; } |
			sendmail -C "$T/pf/etc" -f sender@example.org user@example.ac.jp
		pf_wait 2 20
		f=$(pf_find local)
		grep -q '^X-UPKI-Notice: suspicious' "$f" 2>/dev/null
		check $? "chrooted cleanup reaches it too (non_smtpd_milters = \$smtpd_milters)"
		{ printf 'X-Test-Id: out\n'; cat samples/phish-punycode.eml; } >"$T/m3.eml"
		port1=$PF_PORT; PF_PORT=$PORT2
		pf_send "$T/m3.eml"
		PF_PORT=$port1
		pf_wait 3 20
		f=$(pf_find out)
		[ -n "$f" ] && ! grep -qi '^X-UPKI-Notice' "$f"
		check $? "a service with -o smtpd_milters= (submission) skips the milter"
		mpid=$MPID
		kill "$MPID" 2>/dev/null; wait "$MPID" 2>/dev/null; MPID=
		{ printf 'X-Test-Id: down\nX-UPKI-Notice: genuine; kind=cert-issue\n'; cat "$T/ordinary.eml"; } >"$T/m2.eml"
		pf_send "$T/m2.eml"
		pf_wait 4 20
		f=$(pf_find down)
		[ -n "$f" ] && ! grep -qi '^X-UPKI-Notice' "$f" && ! kill -0 "$mpid" 2>/dev/null &&
			grep -q 'connect to Milter service unix:/upki-milter/upki-milter.sock' "$T/pf/postfix.log"
		check $? "milter down: mail flows, and header_checks strips the forged X-UPKI-Notice"
	else
		not_ok "the chrooted Postfix starts" "$(cat "$T/pf/start.log" "$T/pf/postfix.log" 2>/dev/null | tail -5)"
	fi
	pf_stop
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null; MPID=
fi

# 6. reinstall keeps a changed conffile; remove keeps conffiles and data
echo '# changed by the admin' >>/etc/upki-milter.conf
dpkg_locked -i "$DEB"
check $([ $? = 0 ] && grep -q '^# changed by the admin' /etc/upki-milter.conf; echo $?) \
	"reinstalling works and keeps a changed conffile" "$(tail -5 "$T/dpkg.out")"
dpkg -L upki-notice >"$T/files"
dpkg_locked -r upki-notice
check $([ $? = 0 ] && [ ! -e /usr/bin/upki-milter ] && [ -f /etc/upki-milter.conf ] &&
	[ -d /var/spool/upki-notice ]; echo $?) "dpkg -r removes the programs, keeps conffiles and the spool"

# 7. purge: nothing is left
dpkg_locked --purge upki-notice
check $? "dpkg --purge" "$(tail -5 "$T/dpkg.out")"
INSTALLED=0
left=
while read -r f; do
	[ -d "$f" ] && continue   # directories: ours are named below
	[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done <"$T/files"
for f in /etc/upki-milter.conf /etc/upki-fetch.conf /etc/postfix/upki-header_checks \
	/var/spool/upki-notice /var/lib/upki-fetch /var/lib/upki-notice /var/spool/postfix/upki-milter \
	/usr/share/upki-notice /usr/share/doc/upki-notice /var/lib/systemd/deb-systemd-helper-enabled/upki-milter.service.dsh-also; do
	[ -e "$f" ] && left="$left $f"
done
check $([ -z "$left" ]; echo $?) "purge leaves no file or directory behind" "left:$left"
if id postfix >/dev/null 2>&1; then
	! id -Gn postfix | tr ' ' '\n' | grep -qx upki-milter
	check $? "purge takes the postfix user out of the group upki-milter"
fi
getent passwd upki-milter >/dev/null
check $? "purge leaves the system user upki-milter (Debian practice; this test removes it)"
check $([ "$(sum /etc/postfix/main.cf)" = "$main_before" ]; echo $?) "main.cf still untouched"
pgrep -u upki-milter >/dev/null 2>&1
check $((1 - $?)) "no process of upki-milter left running"
echo "1..$n"
