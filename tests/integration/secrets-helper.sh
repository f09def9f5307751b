#!/bin/sh
# Self-test of the no-token-in-logs helpers of tests/lib/tap.sh
# (tap_token, tap_has_token, tap_no_token), which milter-cli.sh,
# milter-miltertest.sh, milter-postfix.sh, milter-sendmail.sh, filter.sh
# and scan-cli.sh rely on: they must find the token as a log line would
# print it (decoded) and must not fire on its short hash.  TAP output.
set -u
. tests/lib/tap.sh
tap_tmpdir
msg=samples/cert-issue.eml
tok=$(tap_token "$msg")
dec=$(printf '%s' "$tok" | sed 's#%2F#/#g; s#%2B#+#g')

# The token as the library reports it (JSON "url"), not the raw QP bytes.
if [ -x "$SCAN" ]; then
	url=$("$SCAN" -q --ca-file=samples/ca/root.pem "$msg" | grep -o '"url":"[^"]*"' | head -1)
	case $url in *"p1=$tok\""*) ok "tap_token equals the token upki-scan reports" ;;
	*) not_ok "tap_token '$tok' is not the token of $url" ;; esac
else
	ok "tap_token vs upki-scan # SKIP $SCAN not built"
fi
[ "${#tok}" -ge 64 ] && ok "tap_token finds the whole token across soft line breaks (${#tok} chars)" \
	|| not_ok "tap_token found only '$tok'"
case $tok in 3D*) not_ok "tap_token kept the quoted-printable =3D" ;; *) ok "tap_token decodes =3D" ;; esac

# Log lines that leak, in each form, and one that only has the hash.
line() { printf 'upki-milter: info: Q1: kind=cert-issue verdict=genuine url=%s\n' "$1" >"$T/log"; }
for form in "https://scia.secomtrust.net/x.jsp?p1=$tok" "p1=$dec" "token $(printf '%s' "$tok" | cut -c1-20)..."; do
	line "$form"
	tap_has_token "$tok" "$T/log" && ok "a log line with the token is caught: $(cut -c40-80 "$T/log")" \
		|| not_ok "a log line with the token passed: $(cat "$T/log")"
	tap_no_token "tap_no_token on a leaking line" "$msg" "$T/log" | grep -q '^not ok' \
		&& ok "tap_no_token fails on it" || not_ok "tap_no_token passed a leaking line"
done
line "https://scia.secomtrust.net/upki-odcert/download/view/jsp/SPEntranceCliAll.jsp?p1=#900f544b"
tap_has_token "$tok" "$T/log" && not_ok "a hash-only log line is taken for a leak" || ok "a hash-only log line passes"
tap_no_token "tap_no_token on a hash-only line" "$msg" "$T/log" | grep -q '^ok' \
	&& ok "tap_no_token passes on it" || not_ok "tap_no_token failed a hash-only line"
mkdir "$T/dir" && line "p1=$tok" && mv "$T/log" "$T/dir/milter.log"
tap_has_token "$tok" "$T/dir" && ok "a directory of logs is searched" || not_ok "a directory of logs is not searched"

# What the old checks grepped for: the raw quoted-printable piece "3D...",
# which a decoded log line never holds.
raw=$(sed -n 's/.*p1=\([A-Za-z0-9%_-]*\).*/\1/p' "$msg" | head -1)
line "p1=$tok"
grep -q -F "$raw" "$T/log" && not_ok "the raw QP piece is in a decoded log line" \
	|| ok "the raw QP piece ('$(printf '%s' "$raw" | cut -c1-8)...') misses a leaking line: the old check could not fail"
printf 'no token here\n' >"$T/empty.eml"
tap_no_token "x" "$T/empty.eml" "$T/log" | grep -q '^not ok' && ok "a message without a token fails tap_no_token" \
	|| not_ok "a message without a token passes tap_no_token"
echo "1..$n"
