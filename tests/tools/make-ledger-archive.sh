#!/bin/bash
# make-ledger-archive.sh - a generated archive for the ledger's tests:
# several hundred notices of every kind over two years, signed with the
# test CA (samples/ca) at chosen signing times, with duplicates and
# look-alikes, and the manifest of what was generated.
#
# Usage: make-ledger-archive.sh OUTDIR [PEOPLE] [SEED] [AS_OF_EPOCH]
#
# Each person gets one fate, a lifecycle placed in time relative to
# AS_OF (default 2026-12-31T00:00:00Z), so that its states as of AS_OF
# are known by construction (docs/ledger.md has the rules):
#   R retrieved:  cert-issue, pin-issue, cert-retrieved (A)
#   U unused:     cert-issue, pin-issue, nothing (more than 40 days ago)
#   N renewed:    R, then a year later cert-issue, pin-issue, cert-renewed (A -> B)
#   V revoked:    R, then cert-revoked (A) a month later
#   S stalled:    cert-issue and pin-issue 20 days before AS_OF
#   D due soon:   cert-issue 27 days before AS_OF
# About one message in eight is written twice into the mbox, the first
# twenty are copied again as OUTDIR/copies/*.eml (a second source), and
# one person in ten also gets an unsigned look-alike (another host).
#
# OUTDIR/archive.mbox, OUTDIR/copies/, and OUTDIR/manifest.tsv with one
# line per distinct notice: verdict kind epoch recipient job-id serial
# old-serial fate person ("-" for none).  Needs what
# samples/make-samples.sh needs.
set -eu

OUT=$1
PEOPLE=${2:-96}
SEED=${3:-14}
AS_OF=${4:-$(date -u -d 2026-12-31T00:00:00Z +%s)}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
TESTSIGN=$(cd "$BUILD/tools" && pwd)/upki-testsign
CA=$TOP/samples/ca
mkdir -p "$OUT/copies"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export LC_ALL=C

SENDER=ca-support@ml.secom-sts.co.jp
HOST=scia.secomtrust.net
JSP=/upki-odcert/download/view/jsp

. "$TOP/samples/lib-samples.sh"
. "$TOP/samples/texts.sh"

FROM_HDR="$(from_name 'CAサポートセンター') <$SENDER>"
SUBJ_ISSUE=$(ew_b ISO-2022-JP '[UPKI] クライアント証明書' '発行受付通知 / [UPKI] client' ' certificate issue acceptance notice')
SUBJ_PIN=$(ew_b ISO-2022-JP '[UPKI] アクセスPIN発行通知')
SUBJ_RETR=$(ew_b ISO-2022-JP '[UPKI] クライアント証明書' '取得通知')
SUBJ_RENEW=$(ew_b ISO-2022-JP '[UPKI] クライアント証明書' '更新通知')
SUBJ_REVOKE=$(ew_b ISO-2022-JP '[UPKI] クライアント証明書' '失効完了通知 / [UPKI] client' ' certificate revocation' ' completion notification')

MBOX=$OUT/archive.mbox
MANIFEST=$OUT/manifest.tsv
: >"$MBOX"
: >"$MANIFEST"
count=0
RANDOM=$SEED

job_id() { printf '%s' "$1" | sha256sum | cut -c1-32; }
rfc_date() { date -u -d "@$1" '+%a, %d %b %Y %H:%M:%S +0000'; }

# add FILE: into the mbox (mboxrd quoting), sometimes twice; the first
# twenty also as copies/.
add() {
	count=$((count + 1))
	for copy in 1 2; do
		[ "$copy" = 2 ] && [ $((RANDOM % 8)) != 0 ] && break
		printf 'From %s %s\n' "$SENDER" "$(date -u -d "@$2" '+%a %b %e %H:%M:%S %Y')" >>"$MBOX"
		sed 's/^\(>*From \)/>\1/' "$1" >>"$MBOX"
		printf '\n' >>"$MBOX"
	done
	[ "$count" -le 20 ] && cp "$1" "$OUT/copies/$(printf %04d "$count").eml"
	return 0
}

# body KIND URL SERIAL OLD: the text of a notice, with this URL and serials.
body() {
	case $1 in
	cert-issue) text_cert_issue "$2" ;;
	pin-issue) text_pin_issue "$2" ;;
	cert-retrieved) text_cert_retrieved | sed "s/3141592653589793238/$3/" ;;
	cert-renewed) text_cert_renewed | sed "s/2718281828459045235/$3/; s/3141592653589793238/$4/" ;;
	cert-revoked) text_cert_revoked | sed "s/2718281828459045235/$3/g" ;;
	esac
}

# notice KIND EPOCH PERSON FATE [SERIAL [OLD]]: one signed notice.
notice() {
	local kind=$1 t=$2 p=$3 fate=$4 serial=${5:--} old=${6:--} url="" subj="" job=- name
	name="$kind.$p.$t"
	case $kind in
	cert-issue) url=$(url_issue "$(tok "$name")"); subj=$SUBJ_ISSUE ;;
	pin-issue) url="https://$HOST$JSP/SPEntranceCliPin.jsp?p1=$(tok "$name")"; subj=$SUBJ_PIN ;;
	cert-retrieved) subj=$SUBJ_RETR ;;
	cert-renewed) subj=$SUBJ_RENEW ;;
	cert-revoked) subj=$SUBJ_REVOKE ;;
	esac
	body "$kind" "$url" "$serial" "$old" | sed "s/yamada-taro/$p/" |
		text_entity ISO-2022-JP quoted-printable >"$WORK/e"
	sign "$WORK/e" signer "$t" "$WORK/s"
	{
		headers "$(rfc_date "$t")" "$FROM_HDR" "$p <$p@example.ac.jp>" "$subj" "$name@notice.upki-notice.test"
		multipart_signed "----=_Part_$count" "$WORK/e" "$WORK/s"
	} >"$WORK/m"
	add "$WORK/m" "$t"
	[ -n "$url" ] && job=$(job_id "$url")
	printf 'genuine\t%s\t%s\t%s@example.ac.jp\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$t" "$p" "$job" "$serial" \
		"$old" "$fate" "$p" >>"$MANIFEST"
}

# lookalike EPOCH PERSON: an unsigned cert-issue leading elsewhere.
lookalike() {
	local t=$1 p=$2
	{
		headers "$(rfc_date "$t")" "$FROM_HDR" "$p <$p@example.ac.jp>" "$SUBJ_ISSUE" "phish.$p.$t@mail.example"
		text_cert_issue "https://$HOST.evil.example$JSP/SPEntranceCliAll.jsp?p1=$(tok "phish.$p")" |
			text_entity ISO-2022-JP quoted-printable
	} >"$WORK/m"
	add "$WORK/m" "$t"
	printf 'suspicious\tcert-issue\t%s\t%s@example.ac.jp\t-\t-\t-\t-\t%s\n' "$t" "$p" "$p" >>"$MANIFEST"
}

# cycle EPOCH PERSON FATE SERIAL [OLD]: issue, PIN an hour on, the
# certificate a day on (renewed when OLD is given).
cycle() {
	notice cert-issue "$1" "$2" "$3"
	notice pin-issue $(($1 + 3600)) "$2" "$3"
	if [ -n "${5:-}" ]; then
		notice cert-renewed $(($1 + 86400)) "$2" "$3" "$4" "$5"
	else
		notice cert-retrieved $(($1 + 86400)) "$2" "$3" "$4"
	fi
}

START=$(date -u -d 2025-01-01T00:00:00Z +%s)
DAY=86400
# W: a random time in [START, AS_OF - $1 days], on a 10-second grid
# (a variable, not $(...): a subshell would draw other numbers).
when() { W=$((START + (RANDOM * 32768 + RANDOM) % ((AS_OF - $1 * DAY - START) / 10) * 10)); }

for i in $(seq 1 "$PEOPLE"); do
	p=$(printf 'p%04d' "$i")
	a=$((1000000000 + i * 10 + 1)); b=$((a + 1))
	case $((i % 12)) in
	0 | 1 | 2 | 3) when 60; cycle "$W" "$p" R "$a" ;;
	4 | 5) when 40; t=$W; notice cert-issue "$t" "$p" U; notice pin-issue $((t + 3600)) "$p" U ;;
	6 | 7) when 400; t=$W; cycle "$t" "$p" N "$a"; cycle $((t + 365 * DAY)) "$p" N "$b" "$a" ;;
	8 | 9) when 90; t=$W; cycle "$t" "$p" V "$a"; notice cert-revoked $((t + 30 * DAY)) "$p" V "$a" ;;
	10) t=$((AS_OF - 20 * DAY)); notice cert-issue "$t" "$p" S; notice pin-issue $((t + 3600)) "$p" S ;;
	11) notice cert-issue $((AS_OF - 27 * DAY)) "$p" D ;;
	esac
	if [ $((i % 10)) = 0 ]; then when 10; lookalike "$W" "$p"; fi
done
echo "make-ledger-archive: $(wc -l <"$MANIFEST") notices, $(grep -c '^From ' "$MBOX") messages in $MBOX" >&2
