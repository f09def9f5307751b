#!/bin/sh
# upki-scan --filter without procmail, and --spool through the command
# line: annotated output with the body byte for byte unchanged; junk,
# oversized input passed on with exit 0 and one line on stderr, a failed
# hand-off with exit 75 (OnSpoolError); stdout that cannot be written gives a non-zero exit; many
# writers at once leave one job per notice; a setup that fails (trust
# store, config, command line) still removes forged verdicts; a forged
# verdict after a header line that is no field is removed.  The filter
# checks at delivery time (now, StaleDays): genuine notices are the
# samples re-signed now (tests/lib/resign.sh).  TAP output.
set -u
. tests/lib/tap.sh
. tests/lib/resign.sh
CA="--ca-file=samples/ca/root.pem"
tap_tmpdir
CR=$(printf '\r')
NOW=$(date +%s)
for s in cert-issue pin-issue; do
	resign "samples/$s.eml" "$NOW" "$T/$s-now.eml" || skip_all "cannot re-sign samples/$s.eml"
done
GENUINE=$T/cert-issue-now.eml

check() { name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; sed 's/^/# /' "$T/err" 2>/dev/null; fi; }

# filter NAME INPUT [OPTIONS...]: runs the filter; out in $T/out, stderr in $T/err.
filter() {
	name=$1; in=$2; shift 2
	"$SCAN" --filter $CA "$@" <"$in" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" = 0 ]; then ok "$name: exit 0"; else not_ok "$name: exit $rc"; sed 's/^/# /' "$T/err"; fi
}

body_of() {
	off=$(grep -a -b -m1 -E "^${CR}?\$" "$1" | cut -d: -f1)
	[ -n "$off" ] && tail -c +"$((off + 1))" "$1"
}

same_body() {
	body_of "$1" >"$T/b1"
	body_of "$2" >"$T/b2"
	[ -s "$T/b1" ] && cmp -s "$T/b1" "$T/b2"
}

err_says() { grep -q -- "$1" "$T/err"; }
no_token_in_err() { ! tap_has_token "$(tap_token samples/cert-issue.eml)" "$T/err"; }
jobs_in() { find "$1" -type f | wc -l | tr -d ' '; }

for s in cert-issue cert-issue-lf cert-issue-opaque phish-host-suffix plain-utf8; do
	filter "$s" "samples/$s.eml"
	check "$s: body byte-identical" same_body "samples/$s.eml" "$T/out"
done
filter "genuine" "$GENUINE"
check "genuine: X-UPKI-Notice" grep -q '^X-UPKI-Notice: genuine; kind=cert-issue' "$T/out"
check "genuine: still genuine after filtering" "$SCAN" --check $CA "$T/out"
check "genuine: openssl verifies the output" \
	sh -c "openssl smime -verify -in '$T/out' -CAfile samples/ca/root.pem -purpose any -out /dev/null 2>/dev/null"
check "genuine: nothing on stderr" test ! -s "$T/err"
filter "ordinary" samples/plain-sjis.eml
check "ordinary: output identical to input" cmp -s samples/plain-sjis.eml "$T/out"

# AuthservID from the config; our own A-R replaced, a foreign one kept.
printf 'AuthservID mx.example.ac.jp\n' >"$T/id.conf"
{ printf 'Authentication-Results: MX.example.ac.jp; smime=pass\r\n';
  printf 'Authentication-Results: relay.example.net; dkim=pass\r\n';
  cat samples/phish-unsigned.eml; } >"$T/ar.eml"
filter "authserv-id" "$T/ar.eml" --config="$T/id.conf"
check "authserv-id: ours replaced" sh -c "[ \$(grep -ci '^authentication-results: mx.example.ac.jp' '$T/out') = 1 ] && grep -q '^Authentication-Results: mx.example.ac.jp; smime=none' '$T/out'"
check "authserv-id: foreign kept" grep -q '^Authentication-Results: relay.example.net; dkim=pass' "$T/out"

# Junk and empty input: passed on unchanged, with a line on stderr.
head -c 3000 /dev/urandom >"$T/junk"
filter "junk" "$T/junk"
check "junk: output identical" cmp -s "$T/junk" "$T/out"
check "junk: stderr says what happened" err_says "passed on unchanged"
: >"$T/empty"
filter "empty" "$T/empty"
check "empty: output empty" test ! -s "$T/out"

# Over MaxMessageSize: streamed through unchanged (forged verdicts still go).
printf 'MaxMessageSize 1k\n' >"$T/small.conf"
filter "oversized" samples/cert-issue.eml --config="$T/small.conf"
check "oversized: output identical" cmp -s samples/cert-issue.eml "$T/out"
check "oversized: stderr names the limit" err_says "MaxMessageSize"
{ printf 'X-UPKI-Notice: genuine; kind=cert-issue\r\n'; cat samples/phish-unsigned.eml; } >"$T/forged-big.eml"
filter "oversized with a forged verdict" "$T/forged-big.eml" --config="$T/small.conf"
check "oversized: forged verdict removed, the rest identical" cmp -s samples/phish-unsigned.eml "$T/out"
dd if=/dev/zero bs=1024 count=6000 2>/dev/null | tr '\0' 'x' | fold -w 76 >"$T/bigbody"
{ cat samples/plain-utf8.eml; cat "$T/bigbody"; } >"$T/big.eml"
filter "6 MB message, default limit" "$T/big.eml"
check "6 MB message: output identical" cmp -s "$T/big.eml" "$T/out"

# Output that cannot be written: non-zero, so procmail keeps the original.
if [ -w /dev/full ]; then
	"$SCAN" --filter $CA <samples/cert-issue.eml >/dev/full 2>"$T/err"
	rc=$?
	check "stdout write error: exit 5 (got $rc)" test "$rc" = 5
	check "stdout write error: said on stderr" err_says "write error"
else
	ok "stdout write error # SKIP no /dev/full"
fi

# --spool: one job per notice, 0600 in 0700, and a notice seen twice is one job.
SP="$T/spool"
filter "spool genuine" "$GENUINE" --spool="$SP"
check "spool: one job in new/" test "$(jobs_in "$SP/new")" = 1
check "spool: job is 0600" test "$(stat -c %a "$SP"/new/*)" = 600
check "spool: directories are 0700" test "$(stat -c %a "$SP" "$SP/tmp" "$SP/new" "$SP/cur" "$SP/failed" | sort -u)" = 700
check "spool: job holds the URL" grep -q '"url":"https://scia.secomtrust.net/' "$SP"/new/*
filter "spool again" "$GENUINE" --spool="$SP"
check "spool: same notice twice, one job" test "$(jobs_in "$SP/new")" = 1
filter "spool suspicious" samples/phish-signer-not-sender.eml --spool="$SP"
filter "spool retrieved" samples/cert-retrieved.eml --spool="$SP"
check "spool: no job for suspicious or non-URL notices" test "$(jobs_in "$SP/new")" = 1
check "spool: tmp/ empty" test "$(jobs_in "$SP/tmp")" = 0

# Many processes at once, same and different notices.
SP2="$T/spool2"
for i in 1 2 3 4 5 6; do
	for s in cert-issue pin-issue pin-issue-all cert-issue-lf; do
		"$SCAN" -q --check $CA --spool="$SP2" "samples/$s.eml" 2>>"$T/err" &
	done
done
wait
urls=$(for s in cert-issue pin-issue pin-issue-all cert-issue-lf; do
	"$SCAN" -q $CA "samples/$s.eml" | sed 's/.*"url":"\([^"]*\)".*/\1/'; done | sort -u | wc -l | tr -d ' ')
check "concurrent: one job per distinct URL ($urls)" test "$(jobs_in "$SP2/new")" = "$urls"
check "concurrent: no tmp/ leftovers" test "$(jobs_in "$SP2/tmp")" = 0
check "concurrent: no errors" test ! -s "$T/err"

# A hand-off that fails (the job would be lost): OnSpoolError tempfail,
# the default, gives the message unchanged and exit 75 (procmail's `:0 fw`
# keeps the original; README: a recipe after it defers the delivery);
# OnSpoolError accept marks the mail, exit 0, and says the job is lost.
# --check and JSON mode say so with exit 5.  (A spool that is not ours
# to write: tests/integration/filter-spool-access.sh.)
: >"$T/file"
BAD="$T/file/spool"
"$SCAN" --filter $CA --spool="$BAD" <"$GENUINE" >"$T/out" 2>"$T/err"
rc=$?
check "unwritable spool: exit 75 (got $rc)" test "$rc" = 75
check "unwritable spool: output identical" cmp -s "$GENUINE" "$T/out"
check "unwritable spool: stderr names the spool" err_says "$BAD"
check "unwritable spool: stderr says tempfail" err_says "OnSpoolError tempfail"
check "unwritable spool: no token on stderr" no_token_in_err
printf 'OnSpoolError accept\n' >"$T/accept.conf"
filter "unwritable spool, OnSpoolError accept" "$GENUINE" --spool="$BAD" --config="$T/accept.conf"
check "unwritable spool, accept: marked genuine" grep -q '^X-UPKI-Notice: genuine; kind=cert-issue' "$T/out"
check "unwritable spool, accept: body byte-identical" same_body "$GENUINE" "$T/out"
check "unwritable spool, accept: stderr says the job is lost" err_says "job is lost"
filter "unwritable spool, ordinary mail" samples/plain-utf8.eml --spool="$BAD"
check "unwritable spool, ordinary mail: nothing on stderr" test ! -s "$T/err"
"$SCAN" --check $CA --spool="$BAD" samples/cert-issue.eml 2>"$T/err"
rc=$?
check "unwritable spool: --check exits 5 (got $rc)" test "$rc" = 5
check "unwritable spool: --check says why" err_says "spool"
"$SCAN" $CA --spool="$BAD" samples/cert-issue.eml >"$T/out" 2>"$T/err"
rc=$?
check "unwritable spool: json exits 5 (got $rc)" test "$rc" = 5
check "unwritable spool: json line still printed" grep -q '"verdict":"genuine"' "$T/out"
"$SCAN" --check $CA --spool="$BAD" samples/plain-utf8.eml 2>"$T/err"
rc=$?
check "unwritable spool: ordinary mail unaffected (exit $rc)" test "$rc" = 1
if [ "$(id -u)" != 0 ]; then
	mkdir -p "$T/ro" && chmod 500 "$T/ro"
	"$SCAN" --check $CA --spool="$T/ro/spool" samples/cert-issue.eml 2>"$T/err"
	rc=$?
	check "read-only spool: --check exits 5 (got $rc)" test "$rc" = 5
fi

# A broken setup (trust store, config, command line) still passes the
# mail on, exit 0, and still removes forged verdicts: that needs neither.
{ printf 'X-UPKI-Notice: genuine; kind=cert-issue\r\n';
  printf 'Authentication-Results: mx.example.ac.jp; smime=pass\r\n';
  printf 'Authentication-Results: relay.example.net; dkim=pass\r\n';
  printf 'This header line has no colon\r\n';
  printf 'x-upki-notice : genuine\r\n';
  cat samples/phish-unsigned.eml; } >"$T/forged.eml"
# what must come out: the input without the three forged fields
grep -v -i -a '^x-upki-notice\|^authentication-results: mx.example' "$T/forged.eml" >"$T/forged-clean.eml"
printf 'AuthservID mx.example.ac.jp\nNoSuchKey 1\n' >"$T/bad.conf"
printf 'AuthservID mx.example.ac.jp\n' >"$T/id.conf"
setup_fails() {
	sf=$1; shift
	"$SCAN" --filter "$@" <"$T/forged.eml" >"$T/out" 2>"$T/err"
	rc=$?
	check "$sf: exit 0 (got $rc)" test "$rc" = 0
	check "$sf: forged verdicts removed, the rest identical" cmp -s "$T/forged-clean.eml" "$T/out"
	check "$sf: stderr says why" err_says "passed on unchanged"
}
setup_fails "missing trust store" --ca-file="$T/nonexistent.pem" --config="$T/id.conf"
setup_fails "bad config line" --config="$T/bad.conf"
check "bad config: stderr names the line" err_says "bad.conf:2: unknown key"
setup_fails "bad config line, good trust store" --config="$T/bad.conf" $CA
printf 'AuthservID mx.example.ac.jp\nTrustAnchorFile %s\n' "$T/nonexistent.pem" >"$T/bad-ta.conf"
setup_fails "config naming a missing TrustAnchorFile" --config="$T/bad-ta.conf"
setup_fails "bad --verify-time" --config="$T/id.conf" --verify-time=yesterday
setup_fails "unknown option" --config="$T/id.conf" --no-such-option
# a missing config file: its AuthservID is unknown, the host name stands in
"$SCAN" --filter --config="$T/nonexistent.conf" <"$T/forged.eml" >"$T/out" 2>"$T/err"
rc=$?
check "missing config file: exit 0 (got $rc)" test "$rc" = 0
check "missing config file: no X-UPKI-Notice left" sh -c "! grep -qi '^x-upki-notice' '$T/out'"
check "missing config file: foreign A-R kept" grep -q '^Authentication-Results: relay.example.net' "$T/out"
check "missing config file: stderr names the file" err_says "nonexistent.conf"

# A forged verdict after a header line that is no field (procmail and
# MUAs read the header to the first empty line): removed, and the
# filter's own verdict is the only one.
for odd in 'no colon at all' "$(printf '\344\273\266\345\220\215: eight-bit name')" 'Two words: spaces in the name' ': empty name'; do
	{ printf 'Subject: hello\r\n%s\r\nX-UPKI-Notice: genuine; kind=cert-issue\r\n' "$odd";
	  cat "$GENUINE"; } >"$T/odd.eml"
	filter "forged after an odd line" "$T/odd.eml" $CA
	check "forged after '$odd': one X-UPKI-Notice, ours, at the top" \
		sh -c "[ \$(grep -ci '^x-upki-notice' '$T/out') = 1 ] && head -4 '$T/out' | grep -q '^X-UPKI-Notice: suspicious'"
	check "forged after '$odd': the odd line kept" grep -q -F "$odd" "$T/out"
	check "forged after '$odd': body byte-identical" same_body "$T/odd.eml" "$T/out"
done

echo "1..$n"
