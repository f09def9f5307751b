#!/bin/sh
# scripts/install-deps.sh build|check - installs the Debian 12 packages
# that a set needs, but only the ones missing: a machine that has them
# all is left alone, and so is a machine where we are not root (we print
# the apt-get line and stop).
#
#   build  what `make` and `make demo` need: the compiler and the -dev
#          packages (and the trust store the library checks against);
#   check  build, and what `make check` runs: real mail software
#          (Postfix, procmail, miltertest, swaks, m4 for Sendmail's
#          config), valgrind for the daemons, systemd for systemd-analyze
#          (the unit is verified, not started), python3 for the test
#          servers, chromium (with a Japanese font) to render the HTML we
#          write, xmllint to check it is well-formed, openssl to sign;
#          dpkg-dev, debhelper, fakeroot and lintian for `make deb` and
#          tests/integration/deb.sh (the Debian package).
#
# Postfix comes with `check` only, and never over another MTA: on a
# machine with exim4, sendmail, OpenSMTPD or any other installed
# mail-transport-agent, installing postfix would remove it.  Then we say
# so and stop (exit 1) unless UPKI_ALLOW_POSTFIX=1 (a test machine whose
# MTA may go).  Postfix is installed unconfigured and the tests start
# their own throwaway instances; the system MTA is never started.
set -eu

BUILD_PKGS="gcc make pkg-config ca-certificates
libgmime-3.0-dev libglib2.0-dev libssl-dev libjson-glib-dev
libcurl4-openssl-dev libxml2-dev libmilter-dev libsystemd-dev zlib1g-dev
libzip-dev libsqlite3-dev"
CHECK_PKGS="openssl libxml2-utils postfix procmail miltertest swaks m4 valgrind gzip systemd
python3 chromium fonts-ipafont-gothic dpkg-dev debhelper fakeroot lintian"

case "${1:-}" in
build) PKGS=$BUILD_PKGS ;;
check) PKGS="$BUILD_PKGS $CHECK_PKGS" ;;
*) echo "usage: $0 build|check" >&2; exit 2 ;;
esac

installed() { dpkg-query -W -f '${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

missing=""
for p in $PKGS; do
	installed "$p" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

# The installed packages that provide mail-transport-agent, but postfix.
other_mta() {
	dpkg-query -W -f '${Package} ${Status} ${Provides}\n' 2>/dev/null |
		awk '/ok installed/ && /mail-transport-agent/ && $1 != "postfix" { print $1 }'
}
case " $missing " in
*" postfix "*)
	mta=$(other_mta | tr '\n' ' ')
	if [ -n "$mta" ] && [ "${UPKI_ALLOW_POSTFIX:-0}" != 1 ]; then
		echo "upki-notice: 'make check' needs postfix, and installing it would remove this" >&2
		echo "  machine's mail server: ${mta% }.  Nothing was installed.  On a test machine" >&2
		echo "  whose MTA may go, run again with UPKI_ALLOW_POSTFIX=1; 'make demo' needs no postfix." >&2
		exit 1
	fi
	;;
esac

if [ "$(id -u)" != 0 ]; then
	echo "upki-notice: missing Debian packages; as root run:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi

echo "upki-notice: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Postfix must not configure or start a system MTA: tests run their own.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/dev/null
