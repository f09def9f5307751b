#!/bin/sh
# The HTML instructions of Annotate wrap as a browser shows them: headless
# Chromium renders the HTML part of a wrapped genuine cert-issue and of a
# wrapped look-alike to PNG (the screenshot must not be blank: more than
# 1% of its pixels differ from the background, tests/tools/upki-pngstat)
# and dumps its DOM, whose text must hold the deadline (genuine: as
# upki-scan reports it) and the defanged link (look-alike), and no <a>
# towards the look-alike host.  An empty page is rendered too, as the
# control that the blank check can fail.  Chromium runs as root with
# --no-sandbox, bounded by timeout, offline (file:// only).  TAP output.
set -u
. tests/lib/tap.sh
BUILD=${BUILD:-build}
SCAN="$BUILD/upki-scan"
UNWRAP="$BUILD/tools/upki-unwrap"
PNGSTAT="$BUILD/tools/upki-pngstat"
CA=samples/ca/root.pem
tap_tmpdir
check() { name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip_all "chromium is not installed (apt-get install chromium)"
[ -x "$UNWRAP" ] && [ -x "$PNGSTAT" ] || skip_all "test tools not built"

# chromium wants a writable HOME and no session bus
export HOME="$T/home"
mkdir -p "$HOME"
chrome() {
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--no-first-run --disable-extensions --user-data-dir="$T/profile" "$@" 2>>"$T/chromium.log"
}

printf 'Annotate wrap\nTemplateDir %s/templates\nWrapContact helpdesk@example.ac.jp\nStaleDays 0\nAuthservID mx.example.ac.jp\n' \
	"$PWD" >"$T/wrap.conf"

if command -v fc-list >/dev/null 2>&1; then
	check "a Japanese font is installed (else Japanese renders as boxes)" sh -c "fc-list :lang=ja | grep -q ."
fi

# render NAME: screenshot and DOM of $T/NAME.html
render() {
	chrome --window-size=900,1400 --screenshot="$T/$1.png" "file://$T/$1.html" >/dev/null
	chrome --dump-dom "file://$T/$1.html" >"$T/$1.dom"
}

# inked NAME: pixels of the screenshot that are not background
inked() {
	"$PNGSTAT" "$T/$1.png" 2>/dev/null | awk '{ print $3 }'
}

printf '<!DOCTYPE html><html><body></body></html>\n' >"$T/blank.html"
render blank
check "control: an empty page's screenshot counts as blank" [ "$(inked blank)" = 0 ]

for id in cert-issue phish-host-suffix; do
	"$SCAN" --filter --config="$T/wrap.conf" --ca-file="$CA" --verify-time=signing \
		<"samples/$id.eml" >"$T/$id.out" 2>/dev/null
	"$UNWRAP" html "$T/$id.out" >"$T/$id.html" || { not_ok "$id: HTML part"; continue; }
	render "$id"
	px=$(inked "$id")
	check "$id: Chromium's screenshot is not blank (${px:-no} inked pixels of 1260000)" \
		[ "${px:-0}" -gt 12600 ]
done

deadline=$("$SCAN" -q --ca-file="$CA" samples/cert-issue.eml | "$BUILD/tools/upki-facts" | cut -f8)
check "genuine: the rendered text holds the deadline $deadline" grep -qF "$deadline" "$T/cert-issue.dom"
check "genuine: the rendered page links the retrieval URL" grep -q 'href="https://scia.secomtrust.net/' "$T/cert-issue.dom"
check "look-alike: the rendered text holds the defanged link" \
	grep -qF 'hxxps://scia[.]secomtrust[.]net[.]evil[.]example/' "$T/phish-host-suffix.dom"
check "look-alike: no link in the rendered page" sh -c "! grep -qi '<a ' '$T/phish-host-suffix.dom'"
check "look-alike: the host is nowhere in clear" sh -c "! grep -q 'secomtrust.net.evil' '$T/phish-host-suffix.dom'"
echo "1..$n"
