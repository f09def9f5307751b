#!/bin/sh
# scripts/install-deps.sh against a fake dpkg (a machine described by a
# list of installed packages) and a fake apt-get that records what it
# was asked: `build` never brings postfix or other test tools; `check`
# does, but stops with a message (exit 1, nothing installed) when
# another mail-transport-agent is installed, unless UPKI_ALLOW_POSTFIX=1;
# a complete machine is left alone; not root: the apt-get line, exit 1.
set -u
. tests/lib/tap.sh
tap_tmpdir
mkdir -p "$T/bin"
# dpkg-query -W -f FORMAT [PKG]: from $T/installed ("name provides" lines)
cat >"$T/bin/dpkg-query" <<'SH'
#!/bin/sh
fmt=$3; pkg=${4:-}
if [ -n "$pkg" ]; then
	grep -q "^$pkg\( \|$\)" "$FAKE/installed" && printf 'install ok installed' && exit 0
	exit 1
fi
while read -r name provides; do printf '%s install ok installed %s\n' "$name" "$provides"; done <"$FAKE/installed"
SH
printf '#!/bin/sh\necho "$@" >>"$FAKE/apt-get.log"\n' >"$T/bin/apt-get"
printf '#!/bin/sh\ncat >/dev/null\n' >"$T/bin/debconf-set-selections"
printf '#!/bin/sh\necho "${FAKE_UID:-0}"\n' >"$T/bin/id"
chmod +x "$T/bin/"*
export FAKE="$T"

# run SET [VAR=VALUE...]: the script with the fakes first in PATH
run() {
	set_=$1; shift
	rm -f "$T/apt-get.log"
	env PATH="$T/bin:$PATH" "$@" sh scripts/install-deps.sh "$set_" >"$T/out" 2>"$T/err"
	rc=$?
}
asked() { [ -f "$T/apt-get.log" ] && grep -q "install .* $1\( \|$\)" "$T/apt-get.log"; }

# a bare machine with exim4 as its MTA
printf 'exim4-daemon-light mail-transport-agent\nexim4\n' >"$T/installed"
run build
[ "$rc" = 0 ] && asked libgmime-3.0-dev && ok "build: installs the -dev packages" ||
	not_ok "build: exit $rc" "$(cat "$T/err" "$T/apt-get.log" 2>/dev/null)"
! asked postfix && ! asked procmail && ! asked valgrind && ! asked chromium && ! asked swaks &&
	ok "build: no postfix, procmail, valgrind, chromium, swaks" || not_ok "build asked for test packages"
asked libsystemd-dev && ok "build: libsystemd-dev (sd_notify)" || not_ok "build: no libsystemd-dev"

run check
[ "$rc" = 1 ] && ok "check over exim4: exit 1" || not_ok "check over exim4: exit $rc"
[ ! -f "$T/apt-get.log" ] && ok "check over exim4: nothing installed" || not_ok "check over exim4 ran apt-get"
grep -q "exim4-daemon-light" "$T/err" && grep -q UPKI_ALLOW_POSTFIX=1 "$T/err" &&
	ok "check over exim4: names the MTA and the override" || not_ok "check over exim4: message" "$(cat "$T/err")"

run check UPKI_ALLOW_POSTFIX=1
[ "$rc" = 0 ] && asked postfix && asked miltertest && ok "check, UPKI_ALLOW_POSTFIX=1: installs postfix and the tools" ||
	not_ok "check with the override: exit $rc" "$(cat "$T/err")"

# no MTA: check installs postfix
printf 'coreutils\n' >"$T/installed"
run check
[ "$rc" = 0 ] && asked postfix && ok "check, no MTA: installs postfix" || not_ok "check, no MTA: exit $rc"

# postfix already there (as after a first make check): check goes on
printf 'postfix mail-transport-agent\n' >"$T/installed"
run check
[ "$rc" = 0 ] && ! asked postfix && ok "check with postfix installed: not blocked, postfix not asked again" ||
	not_ok "check with postfix installed: exit $rc" "$(cat "$T/err")"

# everything there: apt-get is not run
for p in $(sed -n '/^BUILD_PKGS="/,/"$/p; /^CHECK_PKGS="/,/"$/p' scripts/install-deps.sh | tr -d '"' | sed 's/^[A-Z_]*=//'); do
	echo "$p"; done >"$T/installed"
run check
[ "$rc" = 0 ] && [ ! -f "$T/apt-get.log" ] && ok "complete machine: left alone" || not_ok "complete machine: exit $rc"

# not root: the line to run, exit 1
printf 'coreutils\n' >"$T/installed"
run build FAKE_UID=1000
[ "$rc" = 1 ] && grep -q "apt-get install -y.*libgmime-3.0-dev" "$T/err" && [ ! -f "$T/apt-get.log" ] &&
	ok "not root: prints the apt-get line, exit 1" || not_ok "not root: exit $rc" "$(cat "$T/err")"

run nonsense
[ "$rc" = 2 ] && ok "unknown set: usage, exit 2" || not_ok "unknown set: exit $rc"
echo "1..$n"
