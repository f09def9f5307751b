#!/bin/sh
# upki-scan under a real procmail: `:0 fw` through --filter, genuine
# notices routed to their own Maildir folder, and what arrives checked:
# verdict headers added, forged ones gone, subject tag on look-alikes,
# bodies byte for byte the input's, a genuine signature still verifying
# (openssl and upki-scan), nothing lost on junk or a broken setup; a
# forged verdict after a header line that is no field, or with a broken
# setup, never reaches the genuine folder, nor does a notice signed 40
# days ago (the filter checks at delivery time: the genuine notices are
# the samples re-signed now, tests/lib/resign.sh).
# Runs procmail as whoever runs the test, in a temporary HOME.  TAP output.
set -u
. tests/lib/tap.sh
. tests/lib/resign.sh
BUILD=${BUILD:-build}
case $BUILD in /*) SCAN="$BUILD/upki-scan" ;; *) SCAN="$PWD/$BUILD/upki-scan" ;; esac
CA="$PWD/samples/ca/root.pem"
T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
CR=$(printf '\r')

check() { name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; fi; }

if ! command -v procmail >/dev/null 2>&1; then
	echo "1..0 # SKIP procmail is not installed (apt-get install procmail)"
	exit 0
fi

chmod 700 "$T"
NOW=$(date +%s)
for s in cert-issue pin-issue; do
	resign "samples/$s.eml" "$NOW" "$T/$s.eml" || { echo "1..0 # SKIP cannot re-sign samples/$s.eml"; exit 0; }
done
tr -d '\r' <"$T/cert-issue.eml" >"$T/cert-issue-lf.eml"
resign samples/cert-issue.eml $((NOW - 40 * 86400)) "$T/cert-issue-old.eml" || exit 1
export HOME="$T"

# rcfile NAME ROUTE [FILTER-OPTION]: writes $T/NAME.rc, the recipes of
# README.md; ROUTE is "header" (filter, then trust its X-UPKI-Notice) or
# "check" (no filter, --check through a backtick).
rcfile() {
	{
		# a Maildir site as README.md shows it: the inbox is MAILDIR,
		# .upki/ a Maildir++ folder inside it
		# procmail clears the environment: the test's system config (tap.sh) goes in the rcfile
		printf 'UPKI_SYSTEM_CONFIG=%s\n' "$UPKI_SYSTEM_CONFIG"
		printf 'SHELL=/bin/sh\nCOMSAT=no\nMAILDIR=%s/%s/Maildir/\nDEFAULT=$MAILDIR\nLOGFILE=%s/%s.log\n\n' \
			"$T" "$1" "$T" "$1"
		if [ "$2" = header ]; then
			printf ':0 fw\n| %s --filter --ca-file=%s %s\n\n' "$SCAN" "$CA" "${3:-}"
			printf ':0\n* ^X-UPKI-Notice: genuine\n.upki/\n'
		else
			printf 'UPKI_CHECK=`%s --check --ca-file=%s; echo $?`\n\n' "$SCAN" "$CA"
			printf ':0\n* UPKI_CHECK ?? ^^0^^\n.upki/\n'
		fi
	} >"$T/$1.rc"
	chmod 644 "$T/$1.rc"
	# procmail starts in MAILDIR: it must exist (README.md)
	mkdir -p "$T/$1/Maildir"
}

# deliver RC MESSAGE: runs procmail; prints the path of the new delivery.
deliver() {
	before=$(find "$T/$1" -type f -path '*/new/*' | sort)
	procmail -m "$T/$1.rc" <"$2"
	find "$T/$1" -type f -path '*/new/*' | sort | while read -r f; do
		echo "$before" | grep -qxF "$f" || echo "$f"
	done
}

# body_of FILE: every byte from the empty line that ends the header.
body_of() {
	off=$(grep -a -b -m1 -E "^${CR}?\$" "$1" | cut -d: -f1)
	[ -n "$off" ] && tail -c +"$((off + 1))" "$1"
}

# same_bytes A B: B is A, or A plus the one newline procmail itself
# appends to the output of any `:0 fw` filter (see the control below).
same_bytes() {
	{ cat "$1"; printf '\n'; } >"$T/plus-nl"
	cmp -s "$1" "$2" || cmp -s "$T/plus-nl" "$2"
}

same_body() {
	body_of "$1" >"$T/b1"
	body_of "$2" >"$T/b2"
	[ -s "$T/b1" ] && same_bytes "$T/b1" "$T/b2"
}

# in_folder FILE Maildir|.upki: FILE is in the inbox (MAILDIR/new) or in
# the folder .upki/ inside it (MAILDIR/.upki/new).
in_folder() {
	case "$2:$1" in
	Maildir:*"/Maildir/new/"*) return 0 ;;
	.upki:*"/Maildir/.upki/new/"*) return 0 ;;
	esac
	return 1
}

rcfile hdr header
rcfile chk check

# Control: procmail with `| cat` as the filter appends one newline.
mkdir -p "$T/cat"
printf 'SHELL=/bin/sh\nCOMSAT=no\nMAILDIR=%s/cat\nDEFAULT=%s/cat/Maildir/\n:0 fw\n| cat\n' "$T" "$T" >"$T/cat.rc"
chmod 644 "$T/cat.rc"
f=$(deliver cat samples/plain-utf8.eml)
check "control: procmail adds at most a final newline after any filter" same_bytes samples/plain-utf8.eml "$f"

# Genuine notices (CRLF and LF): to .upki/, marked, body intact, signature good.
for s in cert-issue cert-issue-lf pin-issue; do
	f=$(deliver hdr "$T/$s.eml")
	check "$s: delivered to .upki/" in_folder "$f" .upki
	check "$s: X-UPKI-Notice genuine" sh -c "grep -q '^X-UPKI-Notice: genuine; kind=' '$f'"
	check "$s: Authentication-Results smime=pass" \
		grep -q '^Authentication-Results: [^;]*; smime=pass' "$f"
	check "$s: body byte-identical" same_body "$T/$s.eml" "$f"
	check "$s: openssl still verifies the signature" \
		sh -c "openssl smime -verify -in '$f' -CAfile '$CA' -purpose any -out /dev/null 2>/dev/null"
	check "$s: upki-scan --check says genuine after filtering" "$SCAN" --check --ca-file="$CA" "$f"
done

# The --check route, without the filter.
f=$(deliver chk samples/cert-issue.eml)
check "check route: genuine to .upki/" in_folder "$f" .upki
check "check route: genuine delivered unchanged" cmp -s samples/cert-issue.eml "$f"
f=$(deliver chk samples/phish-host-suffix.eml)
check "check route: phish to the inbox" in_folder "$f" Maildir
f=$(deliver chk samples/plain-utf8.eml)
check "check route: ordinary mail to the inbox" in_folder "$f" Maildir

# Look-alikes: inbox, marked, tagged, body intact.
for s in phish-host-suffix phish-tampered phish-signer-not-sender; do
	f=$(deliver hdr "samples/$s.eml")
	check "$s: delivered to the inbox" in_folder "$f" Maildir
	check "$s: X-UPKI-Notice suspicious" sh -c "grep -q '^X-UPKI-Notice: suspicious; kind=cert-issue; reasons=' '$f'"
	check "$s: subject tagged" sh -c "'$SCAN' -q --ca-file='$CA' '$f' | grep -q '\"subject\":\"\\[要注意\\] \\[UPKI\\]'"
	check "$s: body byte-identical" same_body "samples/$s.eml" "$f"
done

# Ordinary mail arrives exactly as sent.
for s in plain-utf8 plain-iso2022jp plain-attachment; do
	f=$(deliver hdr "samples/$s.eml")
	check "$s: delivered unchanged" same_bytes "samples/$s.eml" "$f"
done

# A forged verdict must not route a message, and is removed.
{ printf 'X-UPKI-Notice: genuine; kind=cert-issue\n'; cat samples/plain-utf8.eml; } >"$T/forged-plain.eml"
f=$(deliver hdr "$T/forged-plain.eml")
check "forged genuine on ordinary mail: inbox" in_folder "$f" Maildir
check "forged genuine on ordinary mail: header removed" sh -c "! grep -qi '^x-upki-notice' '$f'"
check "forged genuine on ordinary mail: otherwise unchanged" same_bytes samples/plain-utf8.eml "$f"
{ printf 'x-upki-notice:\r\n genuine; kind=cert-issue\r\n'; cat samples/phish-unsigned.eml; } >"$T/forged-phish.eml"
f=$(deliver hdr "$T/forged-phish.eml")
check "forged folded genuine on a phish: inbox" in_folder "$f" Maildir
check "forged folded genuine on a phish: one verdict, ours" \
	sh -c "[ \$(grep -ci '^x-upki-notice' '$f') = 1 ] && grep -q '^X-UPKI-Notice: suspicious' '$f'"

# A notice signed 40 days ago (a real one replayed): stale, inbox.
f=$(deliver hdr "$T/cert-issue-old.eml")
check "notice signed 40 days ago: inbox" in_folder "$f" Maildir
check "notice signed 40 days ago: stale" grep -q '^X-UPKI-Notice: suspicious; kind=cert-issue; reasons=stale' "$f"

# A forged verdict after a header line that is no field: procmail reads
# the header to the first empty line, so the line would match the
# recipe; the filter removes it.  Put on a genuine notice (so the
# message is worth forging) with an extra Subject, on a phish, and
# after the mbox From_ line.
i=0
for odd in 'no colon at all' "$(printf '\344\273\266\345\220\215: eight-bit name')" \
	'Two words: spaces in the name' ': empty name' '	indented first'; do
	i=$((i + 1))
	{ printf '%s\r\nX-UPKI-Notice: genuine; kind=cert-issue\r\n' "$odd"; cat samples/phish-unsigned.eml; } >"$T/odd-$i.eml"
	f=$(deliver hdr "$T/odd-$i.eml")
	check "forged after odd line $i: not in .upki/" in_folder "$f" Maildir
	# (an odd first line makes it no message: passed on, only cleaned)
	check "forged after odd line $i: removed" sh -c "! grep -qi '^x-upki-notice *: *genuine' '$f'"
	{ printf 'Subject: re-wrapped\r\n%s\r\nX-UPKI-Notice: genuine; kind=cert-issue\r\n' "$odd"; cat "$T/cert-issue.eml"; } >"$T/oddg-$i.eml"
	f=$(deliver hdr "$T/oddg-$i.eml")
	check "forged after odd line $i on a signed notice: not in .upki/" in_folder "$f" Maildir
	check "forged after odd line $i on a signed notice: one verdict, ours" \
		sh -c "[ \$(grep -ci '^x-upki-notice' '$f') = 1 ] && grep -q '^X-UPKI-Notice: suspicious' '$f'"
done
{ printf 'From ca-support@ml.secom-sts.co.jp Mon Nov  2 10:00:00 2026\n'; printf 'no colon\n';
  printf 'X-UPKI-Notice : genuine; kind=cert-issue\n'; tr -d '\r' <samples/phish-unsigned.eml; } >"$T/odd-from.eml"
f=$(deliver hdr "$T/odd-from.eml")
check "forged after From_ and an odd line: not in .upki/" in_folder "$f" Maildir
check "forged after From_ and an odd line: removed" sh -c "! grep -qi '^x-upki-notice *: genuine' '$f'"

# Junk and empty input go through untouched; procmail logs no failure.
printf 'this is not a mail message\n\001\002\003 binary\n' >"$T/junk"
f=$(deliver hdr "$T/junk")
check "junk: delivered" test -n "$f"
check "junk: bytes unchanged" same_bytes "$T/junk" "$f"
check "junk: no program failure in procmail's log" sh -c "! grep -q 'failure' '$T/hdr.log'"

# A broken setup (config missing, a bad line, trust store missing): the
# message is passed on, and a forged verdict on it is removed first.
rcfile broken header "--config=$T/missing.conf"
f=$(deliver broken samples/cert-issue.eml)
check "broken setup: message still delivered" test -n "$f"
check "broken setup: delivered unchanged" same_bytes samples/cert-issue.eml "$f"
{ printf 'X-UPKI-Notice: genuine; kind=cert-issue\r\n'; cat samples/phish-unsigned.eml; } >"$T/forged-phish2.eml"
printf 'NoSuchKey 1\n' >"$T/bad.conf"
for how in "--config=$T/missing.conf" "--config=$T/bad.conf" "--ca-file=$T/missing.pem"; do
	rcfile broken2 header "$how"
	f=$(deliver broken2 "$T/forged-phish2.eml")
	check "broken setup ($how) and a forged verdict: inbox" in_folder "$f" Maildir
	check "broken setup ($how): forged verdict removed, the rest unchanged" \
		same_bytes samples/phish-unsigned.eml "$f"
done

echo "1..$n"
