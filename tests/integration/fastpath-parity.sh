#!/bin/sh
# Issue 15: the verifier's caches and the fast paths (certificates
# decoded once, chain answers and signer descriptions remembered,
# plainly written ISO-2022-JP from a table) change no byte of the
# output.  upki-scan runs each set twice, as shipped and with
# UPKI_SCAN_NO_CACHE=1 (every signature decoded whole, every chain built
# again, every text through iconv), and the JSON lines must be the same
# bytes: every message of samples/ (at signing time and now), the real
# notices of ../shared/upki-samples, the attacks of tests/tools/upki-attack
# on a test-CA notice and a real one, structural mutations of every
# sample (tests/tools/upki-mutate), the generated ledger archive
# (tests/tools/make-ledger-archive.sh) with the ledgers' rows, and the
# fuzz corpus (build/fuzz/corpus) when `make fuzz` has made one.  The
# JSON shows only what the texts led to: tests/unit/test-charset-jis
# compares every text of the same messages too.
#   PARITY_MUTATIONS (default 600) mutations, PARITY_PEOPLE (48) people.
set -u
. tests/lib/tap.sh
ATTACK="$BUILD/tools/upki-attack"
MUTATE="$BUILD/tools/upki-mutate"
REAL=../shared/upki-samples
for x in "$SCAN" "$ATTACK" "$MUTATE"; do [ -x "$x" ] || skip_all "$x not built"; done
tap_tmpdir
TOKEN=QXR0YWNrZXJUb2tlbkF0dGFja2VyVG9rZW5BdHRhY2tlclRva2VuQXR0YWNrZXI
URL="https://scia.secomtrust.net/upki-odcert/download/view/jsp/SPEntranceCliAll.jsp?p1=$TOKEN"
printf 'MaxMessageSize 64M\nStaleDays 0\n' >"$T/scan.conf"

# same NAME ARGS...: one upki-scan run each way over ARGS, compared.
same() {
	name=$1; shift
	"$SCAN" -q --config="$T/scan.conf" "$@" >"$T/fast.json" 2>"$T/fast.err"
	fr=$?
	UPKI_SCAN_NO_CACHE=1 "$SCAN" -q --config="$T/scan.conf" "$@" >"$T/slow.json" 2>"$T/slow.err"
	sr=$?
	lines=$(wc -l <"$T/fast.json")
	if [ "$fr" != "$sr" ]; then
		not_ok "$name: exit $fr with the fast paths, $sr without"
	elif [ "$lines" -eq 0 ]; then
		not_ok "$name: no output" "$(head -2 "$T/fast.err")"
	elif cmp -s "$T/fast.json" "$T/slow.json" && cmp -s "$T/fast.err" "$T/slow.err"; then
		ok "$name: $lines JSON lines, the same bytes without the caches and fast paths"
	else
		not_ok "$name: output differs without the caches and fast paths" \
			"$(diff "$T/fast.json" "$T/slow.json" | head -4 | cut -c1-300)"
	fi
}

# to_mbox FILE...: an mboxrd of FILEs on stdout.
to_mbox() {
	for f in "$@"; do
		echo "From MAILER-DAEMON Thu Jan  1 00:00:00 2026"
		tr -d '\r' <"$f" | sed 's/^\(>*From \)/>\1/'
		echo
	done
}

TESTCA=--ca-file=samples/ca/root.pem
same "samples, signing time" $TESTCA --verify-time=signing samples/*.eml
same "samples, now" $TESTCA samples/*.eml
to_mbox samples/*.eml samples/*.eml >"$T/samples.mbox"
same "samples twice in one mbox (caches warm)" $TESTCA --verify-time=signing "$T/samples.mbox"

if [ -d "$REAL" ] && ls "$REAL"/*.eml >/dev/null 2>&1; then
	same "real notices" "$REAL"/*.eml
	to_mbox "$REAL"/*.eml "$REAL"/*.eml "$REAL"/*.eml >"$T/real.mbox"
	same "real notices three times in one mbox" "$T/real.mbox"
	"$ATTACK" --base "$(ls "$REAL"/cert-issue*.eml | head -1)" --out "$T/ra" --kind cert-issue \
		--url "$URL" --ca-dir samples/ca 2>"$T/attack.err" || not_ok "upki-attack (real) failed"
	[ -d "$T/ra" ] && same "attacks on a real notice" --verify-time=signing "$T/ra"/*.eml
else
	echo "# no $REAL: real notices skipped"
fi

"$ATTACK" --base samples/cert-issue.eml --out "$T/ta" --kind cert-issue --url "$URL" \
	--ca-dir samples/ca --resign 2>"$T/attack.err" || not_ok "upki-attack (test CA) failed"
[ -d "$T/ta" ] && same "attacks on a test-CA notice" $TESTCA "$T/ta"/*.eml

"$MUTATE" --seed 15 --count "${PARITY_MUTATIONS:-600}" --out "$T/mut" --ca-dir samples/ca samples/*.eml ||
	not_ok "upki-mutate failed"
if [ -d "$T/mut" ]; then
	same "structural mutations" $TESTCA --verify-time=signing "$T/mut"/*.eml
	to_mbox "$T/mut"/*.eml >"$T/mut.mbox"
	same "structural mutations in one mbox (quick path)" $TESTCA --verify-time=signing --notices-only "$T/mut.mbox"
fi

A=$T/archive
if BUILD=$BUILD bash tests/tools/make-ledger-archive.sh "$A" "${PARITY_PEOPLE:-48}" 14 >"$T/gen.log" 2>&1; then
	same "ledger archive" $TESTCA --verify-time=signing "$A/archive.mbox"
	# The ledgers' rows (content_hash included) the same both ways.
	"$SCAN" -q $TESTCA --verify-time=signing --ledger="$T/fast.sqlite" "$A/archive.mbox" >/dev/null 2>&1
	UPKI_SCAN_NO_CACHE=1 "$SCAN" -q $TESTCA --verify-time=signing --ledger="$T/slow.sqlite" \
		"$A/archive.mbox" >/dev/null 2>&1
	dump() {
		python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (t,) in db.execute("select name from sqlite_master where type = \"table\" order by name"):
    for row in db.execute("select * from %s order by 1, 2" % t):
        print(t, row)' "$1"
	}
	dump "$T/fast.sqlite" >"$T/fast.rows" 2>&1
	dump "$T/slow.sqlite" >"$T/slow.rows" 2>&1
	rows=$(grep -c '^notices ' "$T/fast.rows")
	if [ "$rows" -gt 0 ] && cmp -s "$T/fast.rows" "$T/slow.rows"; then
		ok "ledger archive: the same $rows ledger rows (content_hash included) both ways"
	else
		not_ok "ledger archive: the ledgers differ ($rows rows)" "$(diff "$T/fast.rows" "$T/slow.rows" | head -3)"
	fi
else
	not_ok "ledger archive generated" "$(tail -2 "$T/gen.log")"
fi

# The texts themselves (the JSON shows only what they led to).
JIS="$BUILD/tests/test-charset-jis"
if [ -x "$JIS" ]; then
	if UPKI_PARITY_DIRS="$T/ta:$T/ra:$T/mut:$A/copies" "$JIS" -p /charset-jis/messages --verbose \
		>"$T/jis.log" 2>&1 && grep -q '^ok' "$T/jis.log"; then
		ok "every text of samples, real notices, attacks, mutations: $(grep -o '[0-9]* texts the same' "$T/jis.log")"
	else
		not_ok "texts differ with the ISO-2022-JP table off" "$(grep -v '^# /' "$T/jis.log" | grep -i 'error\|fail' | head -2)"
	fi
fi

if [ -d build/fuzz/corpus ] && [ -n "$(ls build/fuzz/corpus)" ]; then
	# The corpus is raw inputs, not all of them mail: only the JSON counts.
	same "fuzz corpus" $TESTCA --verify-time=signing build/fuzz/corpus/*
else
	echo "# no build/fuzz/corpus: fuzz corpus skipped (make fuzz makes one)"
fi
echo "1..$n"
