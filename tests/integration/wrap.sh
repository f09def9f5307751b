#!/bin/sh
# Annotate wrap through `upki-scan --filter --annotate=wrap`, for every
# sample and the real notices of ../shared/upki-samples: the output reads
# back with GMime as docs/wrap.md says (tests/tools/upki-unwrap), the
# attached original is the input byte for byte and a genuine one's
# signature still verifies there with openssl (the real ones at their
# signing time), the outer header holds only the fields listed, the HTML
# part is well-formed (xmllint) and small, a genuine cert-issue's
# instructions hold its URL and deadline as upki-scan reports them, and a
# suspicious wrap holds no link in clear.  Then what falls back to
# headers mode (a result over MaxMessageSize, broken templates with
# --filter) and what refuses broken templates (upki-scan --config,
# upki-milter -n, with file and line).  TAP output.
set -u
. tests/lib/tap.sh
BUILD=${BUILD:-build}
SCAN="$BUILD/upki-scan"
MILTER="$BUILD/upki-milter"
UNWRAP="$BUILD/tools/upki-unwrap"
CA=samples/ca/root.pem
REAL=../shared/upki-samples
tap_tmpdir
check() { name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }

[ -x "$UNWRAP" ] || skip_all "$UNWRAP not built"
command -v xmllint >/dev/null 2>&1 || skip_all "xmllint not installed (apt-get install libxml2-utils)"

conf() { # conf FILE [EXTRA LINE...]
	f=$1; shift
	{ printf 'Annotate wrap\nTemplateDir %s/templates\nWrapContact helpdesk@example.ac.jp\n' "$PWD"
	  printf 'StaleDays 0\nAuthservID mx.example.ac.jp\n'
	  for l in "$@"; do printf '%s\n' "$l"; done; } >"$f"
}
conf "$T/wrap.conf"

# The fields of the outer header that are not in the list.
extra_fields() {
	tr -d '\r' <"$1" | awk '/^$/ { exit } /^[^ \t]/ { sub(/:.*/, ""); print }' |
		grep -vxE 'From|To|Cc|Date|Message-ID|Subject|In-Reply-To|References|MIME-Version|Content-Type|X-UPKI-Notice|Authentication-Results'
}

# epoch of the signing time upki-scan reports for FILE
signing_epoch() {
	t=$("$SCAN" -q --ca-file="$2" "$1" | sed -n 's/.*"signing_time":"\([^"]*\)".*/\1/p')
	[ -n "$t" ] && date -u -d "$t" +%s
}

# osslv FILE CAFILE EPOCH: openssl verifies FILE's signature at EPOCH
osslv() {
	openssl smime -verify -in "$1" -CAfile "$2" -purpose any -attime "$3" -out /dev/null 2>/dev/null
}

# wrap_one FILE CAFILE: one message through the filter; the checks of
# the header comment.
wrap_one() {
	f=$1; cafile=$2; id=$(basename "$f" .eml); out="$T/$id.out"
	"$SCAN" --filter --config="$T/wrap.conf" --ca-file="$cafile" --verify-time=signing <"$f" >"$out" 2>"$T/$id.err"
	verdict=$(sed -n 's/^X-UPKI-Notice: \([a-z]*\);.*/\1/p' "$out" | tr -d '\r' | head -1)
	if [ -z "$verdict" ]; then
		# not a notice: unchanged, not wrapped
		check "$id: ordinary mail comes out unchanged" cmp -s "$f" "$out"
		return
	fi
	wrapped=$((wrapped + 1))
	if ! "$UNWRAP" check "$out" 2>"$T/$id.why"; then
		not_ok "$id: wrapped structure" "$(cat "$T/$id.why" "$T/$id.err")"
		return
	fi
	"$UNWRAP" original "$out" >"$T/$id.orig"
	check "$id ($verdict): the attached original is the input byte for byte" cmp -s "$f" "$T/$id.orig"
	extra=$(extra_fields "$out")
	check "$id: outer header holds only the listed fields${extra:+ (not: $extra)}" [ -z "$extra" ]
	"$UNWRAP" html "$out" >"$T/$id.html"
	"$UNWRAP" text "$out" >"$T/$id.txt"
	check "$id: HTML part is well-formed XML" xmllint --noout "$T/$id.html"
	size=$(wc -c <"$T/$id.html")
	check "$id: HTML part is at most 8 KiB ($size bytes)" [ "$size" -le 8192 ]
	check "$id: HTML is self-contained (no src=, no stylesheet, no script)" \
		sh -c "! grep -qiE 'src=|<link|<script|@import|url\\(' '$T/$id.html'"
	if [ "$verdict" = genuine ]; then
		# at the signing time; a message whose top level openssl cannot
		# verify (a gateway wrapped it) is not counted
		at=$(signing_epoch "$f" "$cafile")
		if osslv "$f" "$cafile" "$at"; then
			verified=$((verified + 1))
			check "$id: openssl verifies the attached original at its signing time" \
				osslv "$T/$id.orig" "$cafile" "$at"
		fi
		facts=$("$SCAN" -q --ca-file="$cafile" "$f" | "$BUILD/tools/upki-facts")
		url=$(echo "$facts" | cut -f5); deadline=$(echo "$facts" | cut -f8)
		if [ "$url" != - ]; then
			check "$id: text part holds the URL and the deadline $deadline" \
				sh -c "grep -qF -- '$url' '$T/$id.txt' && grep -qF -- '$deadline' '$T/$id.txt'"
			check "$id: HTML links the URL" grep -qF -- "href=\"$url\"" "$T/$id.html"
		fi
	else
		check "$id: suspicious wrap has no link in clear (text, HTML)" \
			sh -c "! grep -qiE 'https?://|href' '$T/$id.txt' '$T/$id.html'"
		check "$id: suspicious wrap warns in both languages" \
			sh -c "grep -q '本物の UPKI' '$T/$id.txt' && grep -q 'not a genuine notice' '$T/$id.html'"
		check "$id: the Subject is tagged" sh -c "tr -d '\\r' <'$out' | grep -q '^Subject: =?UTF-8?'"
	fi
}

wrapped=0 verified=0
for f in samples/*.eml; do
	wrap_one "$f" "$CA"
done
check "every sample notice was wrapped ($wrapped)" [ "$wrapped" -ge 25 ]
check "genuine signatures checked on the attached copy ($verified)" [ "$verified" -ge 10 ]
if [ -d "$REAL" ]; then
	wrapped=0 verified=0
	for f in "$REAL"/*.eml; do
		wrap_one "$f" /etc/ssl/certs/ca-certificates.crt
	done
	check "the six real notices were wrapped" [ "$wrapped" = 6 ]
	check "and their six signatures verified on the attached copy" [ "$verified" = 6 ]
else
	ok "real notices # SKIP $REAL not present"
fi

# headers mode, for comparison
printf 'StaleDays 0\nAuthservID mx.example.ac.jp\n' >"$T/headers.conf"
headers_mode() { "$SCAN" --filter --config="$T/headers.conf" --ca-file="$CA" --verify-time=signing <"$1"; }

# A wrapped result over MaxMessageSize: headers mode, said on stderr.
size=$(wc -c <samples/cert-issue.eml)
conf "$T/small.conf" "MaxMessageSize $((size + 2000))"
"$SCAN" --filter --config="$T/small.conf" --ca-file="$CA" --verify-time=signing <samples/cert-issue.eml \
	>"$T/small.out" 2>"$T/small.err"
headers_mode samples/cert-issue.eml >"$T/headers.out"
check "wrapped result over MaxMessageSize: the headers-mode message" cmp -s "$T/headers.out" "$T/small.out"
check "and stderr says why" grep -q "cannot wrap.*larger than" "$T/small.err"
check "the headers-mode message has a verdict" grep -q '^X-UPKI-Notice: genuine' "$T/headers.out"

# Annotate headers in the file, --annotate=wrap on the command line.
"$SCAN" --filter --config="$T/wrap.conf" --annotate=headers --ca-file="$CA" --verify-time=signing \
	<samples/cert-issue.eml >"$T/flag.out"
check "--annotate=headers overrides Annotate wrap" cmp -s "$T/headers.out" "$T/flag.out"
"$SCAN" --filter --annotate=other --config="$T/wrap.conf" --ca-file="$CA" --verify-time=signing \
	<samples/cert-issue.eml >"$T/other-flag.out" 2>"$T/other-flag.err"
check "--filter --annotate=other: a bad command line, forged verdicts still removed, exit 0" \
	sh -c "grep -q 'bad value for Annotate' '$T/other-flag.err' && ! grep -q '^X-UPKI-Notice' '$T/other-flag.out'"
"$SCAN" --annotate=wrap --config="$T/wrap.conf" --ca-file="$CA" samples/cert-issue.eml >/dev/null 2>&1
check "--annotate without --filter is a usage error (exit 4)" [ $? = 4 ]
# WrapVerdicts: genuine-other only leaves a cert-issue in headers mode
conf "$T/other.conf" "WrapVerdicts genuine-other"
"$SCAN" --filter --config="$T/other.conf" --ca-file="$CA" --verify-time=signing <samples/cert-issue.eml >"$T/other.out"
check "WrapVerdicts genuine-other: a cert-issue gets headers only" cmp -s "$T/headers.out" "$T/other.out"
"$SCAN" --filter --config="$T/other.conf" --ca-file="$CA" --verify-time=signing <samples/cert-revoked.eml >"$T/other2.out"
check "WrapVerdicts genuine-other: a cert-revoked is wrapped" "$UNWRAP" check "$T/other2.out"

# Broken templates.
cp -r templates "$T/tpl"
printf 'ok\nsee {url}\n{nonsense}\n' >"$T/tpl/genuine-cert-issue.txt"
conf "$T/bad.conf"
sed -i "s#^TemplateDir .*#TemplateDir $T/tpl#" "$T/bad.conf"
"$SCAN" --config="$T/bad.conf" --ca-file="$CA" samples/cert-issue.eml >/dev/null 2>"$T/bad.err"
rc=$?
check "upki-scan --config refuses a template with an unknown placeholder (exit 4)" [ "$rc" = 4 ]
check "naming file and line" grep -qF "$T/tpl/genuine-cert-issue.txt:3: unknown placeholder {nonsense}" "$T/bad.err"
"$SCAN" --filter --config="$T/bad.conf" --ca-file="$CA" --verify-time=signing <samples/cert-issue.eml >"$T/bad.out" 2>/dev/null
check "with --filter: the headers-mode message" cmp -s "$T/headers.out" "$T/bad.out"
if [ -x "$MILTER" ]; then
	printf 'TrustAnchorFile %s/%s\n' "$PWD" "$CA" >>"$T/bad.conf"
	"$MILTER" -n -c "$T/bad.conf" >/dev/null 2>"$T/milter.err"
	rc=$?
	check "upki-milter -n refuses it (exit 1)" [ "$rc" = 1 ]
	check "naming the config line and the template's file and line" \
		grep -qE "bad.conf:1: Annotate wrap: .*genuine-cert-issue.txt:3: unknown placeholder" "$T/milter.err"
	rm "$T/tpl/suspicious.html"
	sed -i "s#^TemplateDir .*#TemplateDir $T/tpl#" "$T/bad.conf"
	cp -r templates/genuine-cert-issue.txt "$T/tpl/"
	"$MILTER" -n -c "$T/bad.conf" >/dev/null 2>"$T/milter2.err"
	rc=$?
	check "upki-milter -n refuses a missing template" sh -c "[ $rc = 1 ] && grep -q 'suspicious.html' '$T/milter2.err'"
	conf "$T/nocontact.conf" "TrustAnchorFile $PWD/$CA"
	sed -i '/^WrapContact/d' "$T/nocontact.conf"
	check "upki-milter -n refuses wrapping suspicious notices without WrapContact" \
		sh -c "! '$MILTER' -n -c '$T/nocontact.conf' >/dev/null 2>&1"
	conf "$T/good.conf" "TrustAnchorFile $PWD/$CA"
	check "upki-milter -n accepts the shipped templates" sh -c "'$MILTER' -n -c '$T/good.conf' -p 'unix:$T/m.sock' >/dev/null 2>&1"
	"$MILTER" -c "$T/good.conf" -t samples/cert-issue.eml >"$T/t.out" 2>/dev/null
	check "upki-milter -t: a body replacement and the new Content-Type" \
		sh -c "grep -q '^replace body' '$T/t.out' && grep -q '^insert Content-Type: multipart/mixed' '$T/t.out'"
else
	ok "upki-milter checks # SKIP $MILTER not built"
fi
echo "1..$n"
