#!/bin/sh
# ledger-html.sh - upki-scan --report=html rendered by headless Chromium:
# the screenshot is not blank, the DOM holds the counts of the JSON
# report of the same ledger (which ledger.sh checks against the
# generator's manifest), the chart has one bar segment per month and
# kind, and the page needs nothing from outside.
set -u
. tests/lib/tap.sh
tap_tmpdir
check() { name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }

PNGSTAT="$BUILD/tools/upki-pngstat"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip_all "chromium is not installed (apt-get install chromium)"
command -v python3 >/dev/null || skip_all "python3 missing"
command -v openssl >/dev/null || skip_all "openssl missing"
[ -x "$PNGSTAT" ] && [ -x "$BUILD/tools/upki-testsign" ] || skip_all "test tools not built"

export HOME="$T/home"
mkdir -p "$HOME"
chrome() {
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--no-first-run --disable-extensions --user-data-dir="$T/profile" "$@" 2>>"$T/chromium.log"
}

AS_OF=2026-12-31T00:00:00Z
BUILD=$BUILD bash tests/tools/make-ledger-archive.sh "$T/a" "${LEDGER_PEOPLE:-24}" 7 \
	"$(date -u -d "$AS_OF" +%s)" 2>/dev/null || { not_ok "archive generated"; echo "1..$n"; exit 0; }
"$SCAN" -q --ca-file samples/ca/root.pem --ledger="$T/l.sqlite" --report=json --as-of="$AS_OF" \
	"$T/a/archive.mbox" >"$T/r.json" 2>/dev/null
"$SCAN" -q --report=html --as-of="$AS_OF" --ledger="$T/l.sqlite" >"$T/r.html" 2>/dev/null
check "--report=html writes a page" grep -q '</html>' "$T/r.html"

chrome --window-size=1000,1400 --screenshot="$T/r.png" "file://$T/r.html" >/dev/null
chrome --dump-dom "file://$T/r.html" >"$T/r.dom"
px=$("$PNGSTAT" "$T/r.png" 2>/dev/null | awk '{ print $3 }')
check "Chromium's screenshot is not blank (${px:-no} inked pixels of 1400000)" [ "${px:-0}" -gt 14000 ]

# Every count of the JSON summary, by its data-key, in the rendered DOM.
python3 - "$T/r.json" "$T/r.dom" >"$T/dom.out" 2>&1 <<'EOF'
import json, re, sys
s = json.load(open(sys.argv[1]))["summary"]
dom = open(sys.argv[2], encoding="utf-8").read()
got = dict(re.findall(r'data-key="([a-z.-]+)">(\d+)<', dom))
want = {"summary.notices": s["notices"], "summary.suspicious": s["suspicious"]}
for group in ("jobs", "certificates"):
    for k, v in s[group].items():
        want["%s.%s" % (group, k)] = v
bad = ["%s: got %s, want %s" % (k, got.get(k), v) for k, v in want.items() if got.get(k) != str(v)]
# one chart segment per (month, kind) with a count
cells = sum(1 for m in s["months"] for k, v in m.items() if k != "month" and v)
rects = len(re.findall(r"<rect [^>]*><title>", dom))
if rects != cells:
    bad.append("chart: %d segments, %d month-kind counts" % (rects, cells))
rows = len(re.findall(r"<tr", dom.split('id="timeline"')[1].split("</table>")[0])) - 1
if rows != s["notices"]:
    bad.append("timeline table: %d rows, %d notices" % (rows, s["notices"]))
if bad:
    print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
check "the DOM holds the JSON report's counts, chart segments and rows" [ $? = 0 ]
[ -s "$T/dom.out" ] && echo "# $(head -3 "$T/dom.out" | tr '\n' ';')"

check "Japanese and English headings" sh -c "grep -q '証明書の状況' '$T/r.dom' && grep -q 'Certificate lifecycle' '$T/r.dom'"
check "the chart is inline SVG" grep -q '<svg id="chart"' "$T/r.html"
check "self-contained: no external script, style, image or font" \
	sh -c "! grep -Eiq '<(link|img|iframe)|src=|@import|url\\(' '$T/r.html'"
check "print styles" grep -q '@media print' "$T/r.html"
check "no token or p1= in the page" sh -c "! grep -q 'p1=' '$T/r.html'"
echo "1..$n"
