#!/bin/sh
# Installs the Debian 12 packages that the build and the tests need, but only
# the ones missing: a machine that has them all is left alone, and so is a
# machine where we are not root (we print the apt-get line and stop).
set -eu

PKGS="gcc make pkg-config ca-certificates openssl
libgmime-3.0-dev libglib2.0-dev libssl-dev libjson-glib-dev
libcurl4-openssl-dev libxml2-dev"

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
apt-get -o DPkg::Lock::Timeout=600 update -qq
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing
