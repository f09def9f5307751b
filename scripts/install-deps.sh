#!/bin/sh
# Installs the Debian 12 packages that the build and the tests need, but only
# the ones missing: a machine that has them all is left alone, and so is a
# machine where we are not root (we print the apt-get line and stop).
set -eu

# Build: compiler and the -dev packages.  Tests: openssl and the trust
# store, real mail software (Postfix, procmail, miltertest, swaks, m4 for
# Sendmail's config), valgrind for the daemons, systemd for
# systemd-analyze (the unit is verified, not started), python3 for the
# test servers, chromium (with a Japanese font) to render the HTML we write,
# xmllint to check it is well-formed.  upki-fetch adds
# libzip and SQLite.
PKGS="gcc make pkg-config ca-certificates openssl
libgmime-3.0-dev libglib2.0-dev libssl-dev libjson-glib-dev
libcurl4-openssl-dev libxml2-dev libmilter-dev zlib1g-dev
libzip-dev libsqlite3-dev libxml2-utils
postfix procmail miltertest swaks m4 valgrind gzip systemd python3 chromium fonts-ipafont-gothic"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

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
