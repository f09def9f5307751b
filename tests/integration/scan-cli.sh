#!/bin/sh
# upki-scan as a command: exit codes, formats, and bad input that must get
# a clear error and a defined status, never a crash.  TAP output.
set -u
. tests/lib/tap.sh
CA="--ca-file=samples/ca/root.pem"
tap_tmpdir


# expect_rc NAME WANT CMD...: runs CMD, stdout to $T/out, stderr to $T/err.
expect_rc() {
	name=$1; want=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" = "$want" ]; then ok "$name (exit $rc)"; else
		not_ok "$name: exit $rc, wanted $want"; sed 's/^/# /' "$T/err"; fi
}

# expect_err NAME PATTERN: stderr of the last command names the problem.
expect_err() {
	if grep -q -- "$2" "$T/err"; then ok "$1"; else
		not_ok "$1: stderr lacks '$2'"; sed 's/^/# /' "$T/err"; fi
}

genuine=samples/cert-issue.eml
phish=samples/phish-host-suffix.eml
plain=samples/plain-utf8.eml

expect_rc "check genuine" 0 "$SCAN" --check $CA "$genuine"
[ -s "$T/out" ] && not_ok "check prints nothing" || ok "check prints nothing"
expect_rc "check not-notice" 1 "$SCAN" --check $CA "$plain"
expect_rc "check suspicious" 2 "$SCAN" --check $CA "$phish"
expect_rc "check from stdin" 0 sh -c "'$SCAN' --check $CA < '$genuine'"
expect_rc "check dash is stdin" 2 sh -c "'$SCAN' --check $CA - < '$phish'"

expect_rc "json genuine" 0 "$SCAN" $CA "$genuine"
for key in '"source":' '"index":0' '"offset":0' '"message_id":' '"kind":"cert-issue"' \
	'"verdict":"genuine"' '"reasons":\[\]' '"url":"https://scia.secomtrust.net/' \
	'"deadline":"20' '"signature":{"status":"pass"' '"signer":' '"signing_time":"20'; do
	grep -q "$key" "$T/out" && ok "json has $key" || not_ok "json lacks $key"
done
[ "$(wc -l <"$T/out")" = 1 ] && ok "json is one line" || not_ok "json is not one line"

expect_rc "text summary" 0 "$SCAN" --format=text $CA "$genuine"
grep -q "genuine cert-issue" "$T/out" && ok "text names verdict and kind" || not_ok "text lacks verdict"
grep -q "scia.secomtrust.net/upki-odcert/download/view/jsp/SPEntranceCliAll.jsp" "$T/out" \
	&& ok "text shows host and path" || not_ok "text lacks host and path"
grep -q "p1=" "$T/out" && ok "text shows that there is a token" || not_ok "text lacks p1="
tap_no_token "text hides the token" "$genuine" "$T/out"

expect_rc "text suspicious" 0 "$SCAN" --format=text $CA "$phish"
grep -q "suspicious" "$T/out" && grep -q "url-host" "$T/out" && ok "text lists reasons" \
	|| not_ok "text lacks reasons"

# Bad input: clear message on stderr, exit 3, and a JSON error line.
: >"$T/empty"
expect_rc "empty file" 3 "$SCAN" $CA "$T/empty"
expect_err "empty file named" "$T/empty"
grep -q '"error":' "$T/out" && ok "empty file gives a JSON error line" || not_ok "no JSON error line"
head -c 4096 /dev/urandom >"$T/junk"
expect_rc "binary junk" 3 "$SCAN" $CA "$T/junk"
expect_err "binary junk is not a message" "not a mail message"
expect_rc "missing file" 3 "$SCAN" $CA "$T/nonexistent"
expect_err "missing file reason" "No such file"
# A directory is walked (tests/integration/scan-batch.sh); an empty one holds no message.
mkdir "$T/emptydir"
expect_rc "empty directory" 0 "$SCAN" $CA "$T/emptydir"
expect_err "empty directory: summary says 0 messages" "0 messages"
expect_rc "check on junk" 3 "$SCAN" --check $CA "$T/junk"
cp "$genuine" "$T/locked" && chmod 000 "$T/locked"
if [ "$(id -u)" != 0 ]; then
	expect_rc "unreadable file" 3 "$SCAN" $CA "$T/locked"
elif command -v setpriv >/dev/null 2>&1 && setpriv --reuid=nobody --regid=nogroup --clear-groups \
	test -x "$SCAN" 2>/dev/null && setpriv --reuid=nobody --regid=nogroup --clear-groups test -r samples/ca/root.pem; then
	# root reads every file: the test runs as nobody
	chmod 755 "$T"
	expect_rc "unreadable file (as nobody)" 3 setpriv --reuid=nobody --regid=nogroup --clear-groups "$SCAN" $CA "$T/locked"
	expect_err "unreadable file: the reason is named" "Permission denied"
else
	ok "unreadable file # SKIP root reads every file and cannot become nobody here"
fi
printf 'MaxMessageSize 1k\n' >"$T/small.conf"
expect_rc "over the size limit" 3 "$SCAN" --config="$T/small.conf" $CA "$genuine"
expect_err "size limit named" "over the limit"
expect_rc "one bad input does not stop the others" 3 "$SCAN" $CA "$T/junk" "$genuine"
grep -q '"verdict":"genuine"' "$T/out" && ok "later file still scanned" || not_ok "later file lost"

# Usage and configuration errors: exit 4.
expect_rc "unknown option" 4 "$SCAN" --frobnicate
expect_rc "unknown format" 4 "$SCAN" --format=xml "$genuine"
printf 'Socket x\nBogusKey 1\n' >"$T/bad.conf"
expect_rc "bad config" 4 "$SCAN" --config="$T/bad.conf" "$genuine"
expect_err "bad config names file and line" "bad.conf:2: unknown key 'BogusKey'"
expect_rc "bad verify-time" 4 "$SCAN" --verify-time=yesterday "$genuine"
expect_rc "bad ca file" 4 "$SCAN" --ca-file="$T/empty" "$genuine"
expect_rc "version" 0 "$SCAN" --version

# Verify time: the expired-now sample is genuine at signing time only.
expired=samples/cert-issue-signer-expired-now.eml
expect_rc "expired signer at signing time" 0 "$SCAN" --check $CA "$expired"
expect_rc "expired signer now" 2 "$SCAN" --check --verify-time=now $CA "$expired"
printf 'VerifyTime now\n' >"$T/now.conf"
expect_rc "VerifyTime from config" 2 "$SCAN" --check --config="$T/now.conf" $CA "$expired"

echo "1..$n"
