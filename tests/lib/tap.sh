# tap.sh - TAP output for the shell tests (sourced; the caller's cwd is
# the project root).  n counts the tests; the script prints "1..$n" last.
n=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
# not_ok NAME [DIAGNOSTIC]
not_ok() { n=$((n + 1)); echo "not ok $n $1"; [ $# -gt 1 ] && echo "# $2"; return 0; }
# The whole script has nothing to test here (a tool is missing).
skip_all() { echo "1..0 # SKIP $1"; exit 0; }

BUILD=${BUILD:-build}
SCAN="$BUILD/upki-scan"
# upki-scan and upki-fetch read the system config (/etc/upki-milter.conf)
# by default: the machine's file is not the tests'.  A test that wants
# one points UPKI_SYSTEM_CONFIG at its own (tests/integration/scan-config.sh).
UPKI_SYSTEM_CONFIG=/nonexistent/upki-milter.conf
export UPKI_SYSTEM_CONFIG

# Makes $T, a temporary directory removed at exit even if a test made
# parts of it read-only.  A script that needs more cleanup sets its own
# EXIT trap after this (and removes $T there).
tap_tmpdir() {
	T=$(mktemp -d)
	trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
}

# The retrieval token of the first p1= in a message FILE as the library
# reads it: quoted-printable undone (soft line breaks joined, =3D turned
# into =), %XX kept, as in a reported URL.  A check that greps the raw
# message instead finds "3D..." pieces that no log line ever prints.
tap_token() {
	tr -d '\r' <"$1" | sed -e ':a' -e '/=$/{N;s/=\n//;ba' -e '}' | sed 's/=3D/=/g' |
		grep -o 'p1=[A-Za-z0-9%+/_-]*' | head -1 | cut -c4-
}

# tap_has_token TOKEN PATH...: true when a file (or a file under a
# directory) holds TOKEN, its percent-decoded form, or the first 16
# characters of either (a cut-off log line leaks too).
tap_has_token() {
	tht_tok=$1; shift
	tht_dec=$(printf '%s' "$tht_tok" | sed 's#%2[Ff]#/#g; s#%2[Bb]#+#g; s#%3[Dd]#=#g')
	for tht_form in "$tht_tok" "$tht_dec" "$(printf '%s' "$tht_tok" | cut -c1-16)" \
		"$(printf '%s' "$tht_dec" | cut -c1-16)"; do
		grep -r -q -F -- "$tht_form" "$@" 2>/dev/null && return 0
	done
	return 1
}

# tap_no_token NAME MESSAGE PATH...: one TAP line, ok when no PATH holds
# the token of MESSAGE (see tap_token); a MESSAGE without a token fails,
# so a broken extraction cannot pass by finding nothing.
tap_no_token() {
	tnt_name=$1; tnt_tok=$(tap_token "$2"); shift 2
	if [ "${#tnt_tok}" -lt 32 ]; then
		not_ok "$tnt_name: no retrieval token found to look for"
	elif tap_has_token "$tnt_tok" "$@"; then
		not_ok "$tnt_name: the retrieval token is in $*"
	else
		ok "$tnt_name"
	fi
}
