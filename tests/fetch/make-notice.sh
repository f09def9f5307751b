#!/bin/bash
# make-notice.sh KIND TOKEN TO OUT - a genuine UPKI notice signed now by the
# test CA (samples/ca), made with the helpers samples/make-samples.sh uses:
# KIND pin-issue or cert-issue, its retrieval URL on scia.secomtrust.net
# carrying TOKEN (the caller picks it, so the fake site serves it), the
# To field TO, CRLF.  For the end-to-end test of upki-fetch
# (tests/integration/fetch-e2e.sh); run from the project root with
# $BUILD/tools/upki-testsign built.
set -eu
KIND=$1 TOKEN=$2 TO=$3 OUT=$4
BUILD=${BUILD:-build}
TESTSIGN=$PWD/$BUILD/tools/upki-testsign
case $BUILD in /*) TESTSIGN=$BUILD/tools/upki-testsign ;; esac
CA=$PWD/samples/ca
SENDER=ca-support@ml.secom-sts.co.jp
HOST=scia.secomtrust.net
JSP=/upki-odcert/download/view/jsp
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
. samples/lib-samples.sh
. samples/texts.sh

now=$(date +%s)
case $KIND in
pin-issue)
	subj=$(ew_b ISO-2022-JP '[UPKI] アクセスPIN発行通知')
	text_pin_issue "https://$HOST$JSP/SPEntranceCliPin.jsp?p1=$TOKEN" >"$WORK/n.txt" ;;
cert-issue)
	subj=$(ew_b ISO-2022-JP '[UPKI] クライアント証明書' '発行受付通知 / [UPKI] client' ' certificate issue acceptance notice')
	text_cert_issue "$(url_issue "$TOKEN")" >"$WORK/n.txt" ;;
*) echo "make-notice: unknown kind $KIND" >&2; exit 2 ;;
esac
text_entity ISO-2022-JP quoted-printable <"$WORK/n.txt" >"$WORK/n.ent"
sign "$WORK/n.ent" signer "$now" "$WORK/n.p7s"
{
	headers "$(date -R -d "@$now")" "$(from_name 'CAサポートセンター') <$SENDER>" "$TO" "$subj" \
		"$now.$$.$KIND@notice.upki-notice.test"
	multipart_signed "----=_Part_e2e_$now" "$WORK/n.ent" "$WORK/n.p7s"
} | crlf >"$OUT"
