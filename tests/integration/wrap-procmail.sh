#!/bin/sh
# Annotate wrap under a real procmail: `:0 fw | upki-scan --filter
# --annotate=wrap` delivers a genuine notice (re-signed now: the filter
# checks at delivery time) wrapped, to the folder its X-UPKI-Notice routes
# it to, with the attached original byte for byte the input and its
# signature verifying (openssl, upki-scan --check); a look-alike wrapped
# with its warning in the inbox; ordinary mail unchanged.  On a failure
# while wrapping (a result over MaxMessageSize, broken templates) the
# message arrives as in headers mode: the verdict headers, the body
# unchanged.  Runs procmail as whoever runs the test, in a temporary
# HOME.  TAP output.
set -u
. tests/lib/tap.sh
. tests/lib/resign.sh
BUILD=${BUILD:-build}
case $BUILD in /*) B=$BUILD ;; *) B="$PWD/$BUILD" ;; esac
SCAN="$B/upki-scan"
UNWRAP="$B/tools/upki-unwrap"
CA="$PWD/samples/ca/root.pem"
T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
CR=$(printf '\r')
check() { name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }

command -v procmail >/dev/null 2>&1 || skip_all "procmail is not installed (apt-get install procmail)"
[ -x "$UNWRAP" ] || skip_all "$UNWRAP not built"
chmod 700 "$T"
resign samples/cert-issue.eml "$(date +%s)" "$T/cert-issue.eml" || skip_all "cannot re-sign samples/cert-issue.eml"
export HOME="$T"

printf 'Annotate wrap\nTemplateDir %s/templates\nWrapContact helpdesk@example.ac.jp\nAuthservID mx.example.ac.jp\n' \
	"$PWD" >"$T/wrap.conf"
sed 's/^Annotate wrap$/Annotate headers/' "$T/wrap.conf" >"$T/headers.conf"
size=$(wc -c <"$T/cert-issue.eml")
{ cat "$T/wrap.conf"; echo "MaxMessageSize $((size + 2000))"; } >"$T/small.conf"
mkdir -p "$T/tpl" && cp templates/* "$T/tpl/" && rm "$T/tpl/genuine-cert-issue.html"
sed "s#^TemplateDir .*#TemplateDir $T/tpl#" "$T/wrap.conf" >"$T/broken.conf"

# rcfile NAME CONF: the README's recipes with the wrap filter.
rcfile() {
	printf 'SHELL=/bin/sh\nCOMSAT=no\nMAILDIR=%s/%s\nDEFAULT=%s/%s/Maildir/\nLOGFILE=%s/%s.log\n\n' \
		"$T" "$1" "$T" "$1" "$T" "$1" >"$T/$1.rc"
	# procmail clears the environment: the test's system config (tap.sh) goes in the rcfile
	printf 'UPKI_SYSTEM_CONFIG=%s\n' "$UPKI_SYSTEM_CONFIG" >>"$T/$1.rc"
	printf ':0 fw\n| %s --filter --annotate=wrap --config=%s --ca-file=%s\n\n' "$SCAN" "$2" "$CA" >>"$T/$1.rc"
	printf ':0\n* ^X-UPKI-Notice: genuine\n.upki/\n' >>"$T/$1.rc"
	chmod 644 "$T/$1.rc"
	mkdir -p "$T/$1"
}

deliver() {
	before=$(find "$T/$1" -type f -path '*/new/*' | sort)
	procmail -m "$T/$1.rc" <"$2"
	find "$T/$1" -type f -path '*/new/*' | sort | while read -r f; do
		echo "$before" | grep -qxF "$f" || echo "$f"
	done
}
in_folder() { case "$1" in *"/$2/new/"*) return 0 ;; esac; return 1; }
body_of() {
	off=$(grep -a -b -m1 -E "^${CR}?\$" "$1" | cut -d: -f1)
	[ -n "$off" ] && tail -c +"$((off + 1))" "$1"
}
# same_body IN OUT: OUT's body is IN's, or IN's plus procmail's newline
same_body() {
	body_of "$1" >"$T/b1"; body_of "$2" >"$T/b2"
	{ cat "$T/b1"; printf '\n'; } >"$T/b1n"
	[ -s "$T/b1" ] && { cmp -s "$T/b1" "$T/b2" || cmp -s "$T/b1n" "$T/b2"; }
}

# same_bytes A B: B is A, or A plus the newline procmail adds to the
# message it pipes through any `:0 fw` filter (procmail.sh's control with
# `| cat` shows it; the filter attaches what it was given)
same_bytes() {
	{ cat "$1"; printf '\n'; } >"$T/plus-nl"
	cmp -s "$1" "$2" || cmp -s "$T/plus-nl" "$2"
}

rcfile wrap "$T/wrap.conf"
rcfile small "$T/small.conf"
rcfile broken "$T/broken.conf"

f=$(deliver wrap "$T/cert-issue.eml")
check "genuine: delivered to .upki/" in_folder "$f" .upki
check "genuine: delivered wrapped" "$UNWRAP" check "$f"
"$UNWRAP" original "$f" >"$T/orig.eml"
check "genuine: the attached original is the input byte for byte" same_bytes "$T/cert-issue.eml" "$T/orig.eml"
check "genuine: openssl verifies the attached original" \
	sh -c "openssl smime -verify -in '$T/orig.eml' -CAfile '$CA' -purpose any -out /dev/null 2>/dev/null"
check "genuine: upki-scan --check says genuine of the attached original" \
	"$SCAN" --check --verify-time=now --ca-file="$CA" "$T/orig.eml"
check "genuine: instructions name the deadline" sh -c "'$UNWRAP' text '$f' | grep -q '期限: [0-9-]* まで'"

f=$(deliver wrap samples/phish-host-suffix.eml)
check "look-alike: delivered to the inbox" in_folder "$f" Maildir
check "look-alike: delivered wrapped" "$UNWRAP" check "$f"
check "look-alike: X-UPKI-Notice suspicious" grep -q '^X-UPKI-Notice: suspicious' "$f"
"$UNWRAP" original "$f" >"$T/orig2.eml"
check "look-alike: the attached original is the input byte for byte" same_bytes samples/phish-host-suffix.eml "$T/orig2.eml"
check "look-alike: the warning shows the link defanged" \
	sh -c "'$UNWRAP' text '$f' | grep -qF 'hxxps://scia[.]secomtrust[.]net[.]evil[.]example/'"

f=$(deliver wrap samples/plain-utf8.eml)
check "ordinary mail: delivered unchanged" same_bytes samples/plain-utf8.eml "$f"

for r in small broken; do
	f=$(deliver "$r" "$T/cert-issue.eml")
	check "$r: failure while wrapping: still delivered to .upki/" in_folder "$f" .upki
	check "$r: as in headers mode (not wrapped)" sh -c "! '$UNWRAP' check '$f' 2>/dev/null"
	check "$r: X-UPKI-Notice genuine" grep -q '^X-UPKI-Notice: genuine; kind=cert-issue' "$f"
	check "$r: body byte-identical" same_body "$T/cert-issue.eml" "$f"
	check "$r: the procmail log has the filter's reason" grep -q 'headers only' "$T/$r.log"
done
echo "1..$n"
