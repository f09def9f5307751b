#!/bin/sh
# upki-scan over archives: mbox (mboxo/mboxrd, LF/CRLF, gzip), Maildir,
# nested directories, -j, --notices-only, csv, summary and progress, and
# the cheap path against the full one.  Inputs are built from samples/ in
# a temporary directory.  TAP output.
set -u
. tests/lib/tap.sh
CA="--ca-file=samples/ca/root.pem"
tap_tmpdir

check() { if eval "$2"; then ok "$1"; else not_ok "$1"; sed 's/^/# /' "$T/err" 2>/dev/null | head -5; fi; }

# mboxrd: the envelope line, the message with ">*From " lines quoted, a blank line.
to_mbox() {
	for f in "$@"; do
		printf 'From sender@example.jp Mon Nov  2 10:15:04 2026\n'
		tr -d '\r' <"$f" | sed 's/^\(>*From \)/>\1/'
		printf '\n'
	done
}
# json_field FIELD: the values of FIELD in $T/out, one a line.
json_field() { sed -n "s/.*\"$1\":\\(\"[^\"]*\"\\|[0-9]*\\|null\\).*/\\1/p" "$T/out"; }

genuine=samples/cert-issue.eml
plain=samples/plain-utf8.eml
phish=samples/phish-host-suffix.eml

# --- plain mbox: counts, indexes, offsets ---
to_mbox "$genuine" "$plain" "$phish" "$plain" >"$T/a.mbox"
"$SCAN" $CA "$T/a.mbox" >"$T/out" 2>"$T/err"; rc=$?
check "mbox scan exits 0" '[ $rc = 0 ]'
check "mbox: one line per message" '[ "$(wc -l <"$T/out")" = "$(grep -c "^From " "$T/a.mbox")" ]'
check "mbox: indexes 0..3" '[ "$(json_field index | tr "\n" " ")" = "0 1 2 3 " ]'
check "mbox: verdicts in order" '[ "$(json_field verdict | tr "\n" " ")" = "\"genuine\" \"not-notice\" \"suspicious\" \"not-notice\" " ]'
bad=0
for off in $(json_field offset); do
	tail -c +$((off + 1)) "$T/a.mbox" | head -c 5 | grep -q '^From ' || bad=1
done
check "mbox: every offset points at a From line" '[ $bad = 0 ]'
check "mbox: source is the file" 'grep -q "\"source\":\"$T/a.mbox\"" "$T/out"'
check "summary on stderr" 'grep -q "4 messages, genuine 1 (cert-issue 1), suspicious 1 (cert-issue 1), not-notice 2, errors 0" "$T/err"'
check "summary has bytes and MB/s" 'grep -q "bytes in 1 inputs, .* s, .* MB/s" "$T/err"'
check "no progress when stderr is not a TTY" '! grep -q "ETA" "$T/err" && ! tr "\r" "\n" <"$T/err" | grep -q "MB/s  ETA"'
"$SCAN" -q $CA "$T/a.mbox" >/dev/null 2>"$T/err"
check "--quiet: nothing on stderr" '[ ! -s "$T/err" ]'

# --- mboxrd: a genuine notice whose signed text has a "From " line ---
cat >"$T/content" <<'EOF'
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

山田 太郎 様

From the UPKI certificate service: your certificate is ready.
>From this line on, quoting is part of the text.
本日から１ヶ月以内に、次のURLを開いて証明書を取得してください。

証明書取得URL：https://scia.secomtrust.net/upki-odcert/download/view/jsp/SPEntranceCliAll.jsp?p1=ElBLj13MU7cj7O4%2FXHI1JllYMxOSeA1zlXI
EOF
if openssl smime -sign -in "$T/content" -signer samples/ca/signer.pem -inkey samples/ca/signer.key \
	-certfile samples/ca/smime-ca.pem -md sha256 >"$T/signed.body" 2>"$T/err"; then
	{
		printf 'From: CA Support <ca-support@ml.secom-sts.co.jp>\n'
		printf 'To: yamada.taro@example.ac.jp\nDate: Mon, 02 Nov 2026 10:15:04 +0900\n'
		printf 'Message-ID: <from-line@notice.upki-notice.test>\n'
		printf 'Subject: =?UTF-8?B?W1VQS0ldIOOCr+ODqeOCpOOCouODs+ODiOiovOaYjuabuOeZuuihjOWPl+S7mOmAmuefpQ==?=\n'
		cat "$T/signed.body"
	} >"$T/from-line.eml"
	"$SCAN" --check $CA "$T/from-line.eml"; rc=$?
	check "signed notice with a From line is genuine on its own" '[ $rc = 0 ]'
	to_mbox "$plain" "$T/from-line.eml" "$plain" >"$T/rd.mbox"
	check "the From line is quoted in the mbox" 'grep -q "^>From the UPKI" "$T/rd.mbox" && grep -q "^>>From this line" "$T/rd.mbox"'
	"$SCAN" $CA "$T/rd.mbox" >"$T/out" 2>"$T/err"
	check "mboxrd: three messages, not four" '[ "$(wc -l <"$T/out")" = 3 ]'
	check "mboxrd: unquoted notice still verifies" 'sed -n 2p "$T/out" | grep -q "\"verdict\":\"genuine\""'
else
	for i in 1 2 3 4; do ok "mboxrd signed notice # SKIP openssl smime -sign failed"; done
fi

# --- CRLF mbox ---
to_mbox "$genuine" "$plain" | sed 's/$/\r/' >"$T/crlf.mbox"
"$SCAN" $CA "$T/crlf.mbox" >"$T/out" 2>"$T/err"
check "CRLF mbox: two messages" '[ "$(wc -l <"$T/out")" = 2 ]'
check "CRLF mbox: notice is genuine" 'head -1 "$T/out" | grep -q "\"verdict\":\"genuine\""'

# --- gzip'd mbox, by magic and by name ---
gzip -c "$T/a.mbox" >"$T/a.mbox.gz"
cp "$T/a.mbox.gz" "$T/noext"
"$SCAN" -q $CA "$T/a.mbox" | sed 's/"source":"[^"]*"//' >"$T/plain.out"
"$SCAN" -q $CA "$T/a.mbox.gz" | sed 's/"source":"[^"]*"//' >"$T/gz.out"
"$SCAN" -q $CA "$T/noext" | sed 's/"source":"[^"]*"//' >"$T/noext.out"
check "gzip'd mbox gives what the mbox gives" 'cmp -s "$T/plain.out" "$T/gz.out"'
check "gzip magic without .gz name" 'cmp -s "$T/plain.out" "$T/noext.out"'

# --- Maildir with cur/ and new/, tmp/ ignored, dot-files skipped ---
md="$T/Maildir"
mkdir -p "$md/cur" "$md/new" "$md/tmp"
cp "$genuine" "$md/cur/1700000001.1.host:2,S"
cp "$plain" "$md/cur/1700000000.1.host:2,S"
cp "$phish" "$md/new/1700000002.1.host"
cp "$genuine" "$md/tmp/1700000003.1.host"
cp "$genuine" "$md/cur/.hidden"
printf 'junk\n' >"$md/dovecot-uidlist"
"$SCAN" $CA "$md" >"$T/out" 2>"$T/err"; rc=$?
check "Maildir exits 0 (uidlist and tmp/ not read)" '[ $rc = 0 ]'
check "Maildir: three messages" '[ "$(wc -l <"$T/out")" = 3 ]'
check "Maildir: cur/ sorted, then new/" '[ "$(json_field source | tr "\n" " ")" = "\"$md/cur/1700000000.1.host:2,S\" \"$md/cur/1700000001.1.host:2,S\" \"$md/new/1700000002.1.host\" " ]'

# --- nested directories, a symlink loop, an over-limit message mid-mbox ---
mkdir -p "$T/tree/a/b" "$T/tree/c"
cp "$T/a.mbox" "$T/tree/a/b/archive"
cp "$plain" "$T/tree/c/one.eml"
cp "$genuine" "$T/tree/0.eml"
cp -r "$md" "$T/tree/c/Maildir"
ln -s .. "$T/tree/a/loop"
"$SCAN" $CA "$T/tree" >"$T/out" 2>"$T/err"; rc=$?
check "tree: exits 0 and ends (link loop)" '[ $rc = 0 ]'
check "tree: 1 + 4 + 3 + 1 messages" '[ "$(wc -l <"$T/out")" = 9 ]'
check "tree: depth first, sorted" '[ "$(json_field source | uniq | tr "\n" " " | sed "s|$T/tree/||g")" = "\"0.eml\" \"a/b/archive\" \"c/Maildir/cur/1700000000.1.host:2,S\" \"c/Maildir/cur/1700000001.1.host:2,S\" \"c/Maildir/new/1700000002.1.host\" \"c/one.eml\" " ]'

big=$T/big.eml
{ tr -d '\r' <"$plain"; head -c 300000 /dev/zero | tr '\0' 'x' | fold -w 70; } >"$big"
to_mbox "$plain" "$big" "$genuine" >"$T/limit.mbox"
printf 'MaxMessageSize 100k\n' >"$T/limit.conf"
"$SCAN" --config="$T/limit.conf" $CA "$T/limit.mbox" >"$T/out" 2>"$T/err"; rc=$?
check "over-limit message: exit 3" '[ $rc = 3 ]'
check "over-limit message: error line with source, index, offset" 'sed -n 2p "$T/out" | grep -q "{\"source\":\"$T/limit.mbox\",\"index\":1,\"offset\":[0-9]*,\"error\":\".*over the limit"'
check "over-limit message: the next one is still genuine" 'sed -n 3p "$T/out" | grep -q "\"index\":2.*\"verdict\":\"genuine\""'
check "over-limit message: stderr names index and offset" 'grep -q "limit.mbox: message 1 at offset [0-9]*: message of" "$T/err"'

# --- --notices-only, csv, text ---
"$SCAN" --notices-only $CA "$T/a.mbox" >"$T/out" 2>/dev/null
check "--notices-only drops not-notice lines" '[ "$(wc -l <"$T/out")" = 2 ] && ! grep -q not-notice "$T/out"'
"$SCAN" --format=csv $CA "$T/a.mbox" "$T/a.mbox.gz" >"$T/out" 2>/dev/null
check "csv: header row once" '[ "$(grep -c "^source,index,offset," "$T/out")" = 1 ] && head -1 "$T/out" | grep -q "^source,index,offset,"'
check "csv: one row per message" '[ "$(wc -l <"$T/out")" = 9 ]'
check "csv: index and offset columns" 'sed -n 3p "$T/out" | grep -q "^$T/a.mbox,1,[0-9][0-9]*,"'
"$SCAN" --format=text --notices-only $CA "$T/a.mbox" >"$T/out" 2>/dev/null
check "text format over an mbox" 'grep -q "genuine cert-issue" "$T/out" && grep -q "suspicious" "$T/out"'

# --- -j: same output as -j 1 ---
"$SCAN" -q -j 1 $CA "$T/tree" "$T/a.mbox.gz" "$md" "$T/rd.mbox" >"$T/j1" 2>/dev/null
"$SCAN" -q -j 2 $CA "$T/tree" "$T/a.mbox.gz" "$md" "$T/rd.mbox" >"$T/j2" 2>/dev/null
"$SCAN" -q -j 4 --format=csv $CA "$T/tree" "$md" >"$T/j4c" 2>/dev/null
"$SCAN" -q -j 1 --format=csv $CA "$T/tree" "$md" >"$T/j1c" 2>/dev/null
check "-j 2 output is -j 1 output" '[ -s "$T/j1" ] && cmp -s "$T/j1" "$T/j2"'
"$SCAN" -q -j2 $CA "$T/tree" "$T/a.mbox.gz" "$md" "$T/rd.mbox" >"$T/j2a" 2>/dev/null
check "-j2 (attached, as make takes it) is -j 2" '[ -s "$T/j2a" ] && cmp -s "$T/j2" "$T/j2a"'
check "-j 4 csv output is -j 1 csv output" '[ -s "$T/j1c" ] && cmp -s "$T/j1c" "$T/j4c"'

# --- -j splits one large mbox into parts: same output as -j 1 ---
# Parts start at the first "From " line at or after a cut; the cuts fall
# where they fall, so the second mbox is made of messages whose bodies
# are full of lines a careless cut would take for boundaries (">From "
# quoted, "From " inside a line, "From" without the space).
if [ -x "$BUILD/tools/upki-mkmbox" ]; then
	"$BUILD/tools/upki-mkmbox" --size 9 --notices samples --ratio 0.01 "$T/split.mbox" >/dev/null
	to_mbox "$genuine" "$phish" >>"$T/split.mbox"
	{
		printf 'Subject: tricky\n\n'
		i=0
		while [ $i -lt 400 ]; do
			printf 'said From here\nFrom the start of a body line\n>From quoted once\nFrom\n  From indented\n'
			i=$((i + 1))
		done
	} >"$T/tricky.eml"
	i=0
	while [ $i -lt 20 ]; do to_mbox "$T/tricky.eml" "$plain"; i=$((i + 1)); done >"$T/tricky-20.mbox"
	to_mbox "$genuine" >>"$T/tricky-20.mbox"
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13; do cat "$T/tricky-20.mbox"; done >"$T/tricky-big.mbox"
	size=$(wc -c <"$T/tricky-big.mbox")
	check "tricky mbox is over 8 MiB (${size} bytes)" '[ "$size" -gt 8388608 ]'
	for f in split tricky-big; do
		msgs=$(grep -c '^From ' "$T/$f.mbox")
		for opt in "" "--format=csv" "--notices-only" "--format=text --notices-only"; do
			for j in 1 2 3; do
				"$SCAN" -j $j $opt $CA "$T/$f.mbox" >"$T/s$j" 2>"$T/e$j"
				grep 'messages,' "$T/e$j" >"$T/c$j"
			done
			check "$f.mbox $opt: -j 2 and -j 3 print what -j 1 prints" '[ -s "$T/s1" ] && cmp -s "$T/s1" "$T/s2" && cmp -s "$T/s1" "$T/s3"'
			check "$f.mbox $opt: same summary counts with -j 1, 2, 3" 'grep -q "^upki-scan: $msgs messages," "$T/c1" && cmp -s "$T/c1" "$T/c2" && cmp -s "$T/c1" "$T/c3"'
		done
		"$SCAN" -j 3 $CA "$T/$f.mbox" >"$T/out" 2>/dev/null
		check "$f.mbox -j 3: indexes 0..$((msgs - 1)) in order" '[ "$(json_field index | awk "\$1 != NR - 1 { bad = 1 } END { print NR, bad + 0 }")" = "$msgs 0" ]'
	done
	check "tricky mbox: genuine notices found in every part" '[ "$(grep -c "\"verdict\":\"genuine\"" "$T/out")" = 13 ]'
	# Parts after the first number their lines from 0 and are renumbered
	# when written: stderr lines and spool jobs (whose source names the
	# index) too.  The tricky messages are over this MaxMessageSize.
	printf 'MaxMessageSize 20000\n' >"$T/small.conf"
	for j in 1 3; do
		"$SCAN" -j $j --config="$T/small.conf" $CA "$T/tricky-big.mbox" >"$T/o$j" 2>"$T/e$j"
		grep -v '^upki-scan: [0-9]* \(messages\|bytes\)' "$T/e$j" >"$T/ee$j"
		for f in split tricky-big; do
			"$SCAN" -q -j $j --notices-only --spool="$T/spool$j" $CA "$T/$f.mbox" >/dev/null 2>&1
		done
		cat "$T/spool$j"/new/*.json | sed 's/.*"id":"\([0-9a-f]*\)".*"source":"\([^"]*\)".*/\1 \2/' | sort >"$T/jobs$j"
	done
	check "oversized messages: -j 3 prints the error lines of -j 1" '[ -s "$T/o1" ] && cmp -s "$T/o1" "$T/o3"'
	check "oversized messages: -j 3 says on stderr what -j 1 says, in order" \
		'[ "$(grep -c "over the limit" "$T/ee1")" = 260 ] && cmp -s "$T/ee1" "$T/ee3"'
	check "spool jobs of a split mbox name the same message as with -j 1" \
		'[ "$(wc -l <"$T/jobs1")" -ge 2 ] && grep -q "#[0-9]" "$T/jobs1" && cmp -s "$T/jobs1" "$T/jobs3"'
	"$SCAN" -q -j 1 $CA "$T/split.mbox" "$T/a.mbox" "$T/tricky-big.mbox" "$T/a.mbox.gz" >"$T/s1" 2>/dev/null
	"$SCAN" -q -j 3 $CA "$T/split.mbox" "$T/a.mbox" "$T/tricky-big.mbox" "$T/a.mbox.gz" >"$T/s3" 2>/dev/null
	check "large and small inputs together: -j 3 prints what -j 1 prints" '[ -s "$T/s1" ] && cmp -s "$T/s1" "$T/s3"'
	gzip -c "$T/tricky-big.mbox" >"$T/tricky-big.mbox.gz"
	"$SCAN" -q -j 2 $CA "$T/tricky-big.mbox.gz" | sed 's/"source":"[^"]*"//' >"$T/s2"
	"$SCAN" -q -j 1 $CA "$T/tricky-big.mbox" | sed 's/"source":"[^"]*"//' >"$T/s1"
	check "a gzip'd large mbox is read whole with -j 2" 'cmp -s "$T/s1" "$T/s2"'
else
	ok "-j on one large mbox # SKIP upki-mkmbox missing"
fi

# --- errors inside a batch do not stop it ---
head -c 2048 /dev/urandom >"$T/tree/junk.bin"
"$SCAN" $CA "$T/tree" "$T/missing" >"$T/out" 2>"$T/err"; rc=$?
check "junk and a missing path: exit 3, the rest scanned" '[ $rc = 3 ] && [ "$(grep -c "\"verdict\":" "$T/out")" = 9 ]'
check "missing path has an error line" 'grep -q "{\"source\":\"$T/missing\",\"index\":0,\"offset\":0,\"error\":\"No such file" "$T/out"'

# --- the cheap path agrees with the full pipeline on every sample ---
to_mbox samples/*.eml >"$T/samples.mbox"
"$SCAN" -q $CA "$T/samples.mbox" | sed 's/"signature":{[^}]*}//' >"$T/quick"
UPKI_SCAN_FULL=1 "$SCAN" -q $CA "$T/samples.mbox" | sed 's/"signature":{[^}]*}//' >"$T/full"
check "cheap path = full path on samples/*.eml (but for signatures of non-notices)" 'cmp -s "$T/quick" "$T/full"'
bad=""
for f in samples/*.eml; do
	to_mbox "$f" >"$T/one.mbox"
	a=$("$SCAN" -q $CA "$T/one.mbox" | sed 's/.*"kind":\([^,]*\),"verdict":\("[^"]*"\),"reasons":\(\[[^]]*\]\).*/\1 \2 \3/')
	b=$("$SCAN" -q $CA "$f" | sed 's/.*"kind":\([^,]*\),"verdict":\("[^"]*"\),"reasons":\(\[[^]]*\]\).*/\1 \2 \3/')
	[ "$a" = "$b" ] || bad="$bad $f"
done
check "same kind, verdict and reasons for each sample in an mbox as on its own${bad:+:$bad}" '[ -z "$bad" ]'
"$SCAN" -q --notices-only $CA "$T/samples.mbox" | sed 's/"signature":{[^}]*}//' >"$T/quick"
grep -v '"verdict":"not-notice"' "$T/full" >"$T/full-notices"
check "cheap path with --notices-only = full path's notices" 'cmp -s "$T/quick" "$T/full-notices"'

# --- progress on a terminal (script(1) gives one; it is drawn after 250 ms) ---
if command -v script >/dev/null 2>&1 && [ -x "$BUILD/tools/upki-mkmbox" ]; then
	# The full pipeline on every message makes the scan last long enough;
	# on a fast machine the same file is named more times, until it does.
	"$BUILD/tools/upki-mkmbox" --size 64 "$T/big.mbox" >/dev/null
	inputs="'$T/big.mbox'"
	for round in 1 2 3 4; do
		UPKI_SCAN_FULL=1 script -qec "'$SCAN' $CA $inputs >/dev/null" /dev/null >"$T/tty" 2>&1
		secs=$(sed -n 's/.* inputs, \([0-9.]*\) s,.*/\1/p' "$T/tty")
		awk "BEGIN { exit !(${secs:-0} < 0.6) }" || break
		inputs="$inputs $inputs"
	done
	if awk "BEGIN { exit !(${secs:-0} < 0.4) }"; then
		# 16 times 64 MiB through the whole pipeline in under 0.4 s: not here.
		ok "progress line on a TTY # SKIP the scan took ${secs}s, under the first redraw"
		ok "progress line cleared # SKIP the scan took ${secs}s"
	else
		check "progress line on a TTY (bytes, messages, rate, ETA)" 'tr "\r" "\n" <"$T/tty" | grep -q "MB  [0-9]* messages  .* MB/s  ETA "'
		check "progress line cleared before the summary" 'grep -q "$(printf "\r\033\\[K")upki-scan: [0-9]* messages" "$T/tty"'
	fi
else
	ok "progress on a TTY # SKIP script(1) or upki-mkmbox missing"
	ok "progress cleared # SKIP script(1) or upki-mkmbox missing"
fi

echo "1..$n"
