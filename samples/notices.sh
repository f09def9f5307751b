# notices.sh - the genuine notices and their harmless variants (sourced by
# make-samples.sh).  Every row here must come out "genuine".

TO_HDR="$(ew_b ISO-2022-JP '山田 太郎') <yamada.taro@example.ac.jp>"
FROM_HDR="$(from_name 'CAサポートセンター') <$SENDER>"
SUBJ_ISSUE=$(ew_b ISO-2022-JP '[UPKI] クライアント証明書' '発行受付通知 / [UPKI] client' ' certificate issue acceptance notice')
SUBJ_PIN=$(ew_b ISO-2022-JP '[UPKI] アクセスPIN発行通知')
SUBJ_RETR=$(ew_b ISO-2022-JP '[UPKI] クライアント証明書' '取得通知')
SUBJ_RENEW=$(ew_b ISO-2022-JP '[UPKI] クライアント証明書' '更新通知')
SUBJ_REVOKE=$(ew_b ISO-2022-JP '[UPKI] クライアント証明書' '失効完了通知 / [UPKI] client' ' certificate revocation' ' completion notification')

D_ISSUE='Mon, 02 Nov 2026 10:15:04 +0900'
D_PIN='Mon, 02 Nov 2026 10:20:04 +0900'
D_PINALL='Mon, 02 Nov 2026 10:25:04 +0900'
D_RETR='Mon, 02 Nov 2026 14:02:31 +0900'
D_RENEW='Mon, 02 Nov 2026 14:40:12 +0900'
D_REVOKE='Mon, 02 Nov 2026 16:05:47 +0900'
D_OLD='Tue, 01 Jun 2021 09:30:00 +0900'

T_ISSUE=$(tok cert-issue)
T_ISSUE_UTF8=$(tok cert-issue-utf8)
T_ISSUE_HTML=$(tok cert-issue-html)
T_OPAQUE=$(tok cert-issue-opaque)
T_OLD=$(tok cert-issue-2021)
U_ISSUE=$(url_issue "$T_ISSUE")

# -- cert-issue, ISO-2022-JP quoted-printable, the reference shape ---------
text_cert_issue "$U_ISSUE" | text_entity ISO-2022-JP quoted-printable |
	signed_notice cert-issue signer "$(epoch "$D_ISSUE")"
issue_msg() { # issue_msg SUBJECT: the signed cert-issue under some subject
	headers "$D_ISSUE" "$FROM_HDR" "$TO_HDR" "$1" "20261102101504.1.cert-issue@notice.upki-notice.test"
	multipart_signed "----=_Part_1_20261102101504" "$WORK/cert-issue.ent" "$WORK/cert-issue.p7s"
}
issue_msg "$SUBJ_ISSUE" | emit cert-issue.eml cert-issue genuine -

# Same bytes, LF line ends (a Unix mbox or maildir copy).
issue_msg "$SUBJ_ISSUE" | LF=1 emit cert-issue-lf.eml cert-issue genuine -

# Subject re-encoded by some relay: UTF-8 Q, and Shift_JIS B.
issue_msg "$(ew_q '[UPKI] クライアント証明書発行受付通知 / [UPKI] client certificate issue acceptance notice')" |
	emit cert-issue-subject-utf8q.eml cert-issue genuine -
issue_msg "$(ew_b Shift_JIS '[UPKI] クライアント証明書発行受付通知' ' / [UPKI] client certificate' ' issue acceptance notice')" |
	emit cert-issue-subject-sjis.eml cert-issue genuine -

# A gateway that tags the subject and appends a disclaimer: the signed
# entity travels unchanged as the first part of a multipart/mixed.
{
	headers "$D_ISSUE" "$FROM_HDR" "$TO_HDR" "[External] $SUBJ_ISSUE" \
		"20261102101504.1.cert-issue@notice.upki-notice.test"
	printf 'Content-Type: multipart/mixed; boundary="gw-7f3a9c01"\n\n--gw-7f3a9c01\n'
	multipart_signed "----=_Part_1_20261102101504" "$WORK/cert-issue.ent" "$WORK/cert-issue.p7s"
	printf '\n--gw-7f3a9c01\n'
	text_entity UTF-8 8bit <<'EOF'
--
【注意】このメールは学外から届きました。リンクや添付ファイルを開く前に、
送信者とURLをよく確かめてください。
[Notice] This message came from outside the university.
Phishing reports: https://security.example.ac.jp/report
EOF
	printf '\n--gw-7f3a9c01--\n'
} | emit cert-issue-gateway.eml cert-issue genuine unsigned-links

# -- cert-issue, UTF-8 base64 ------------------------------------------------
text_cert_issue "$(url_issue "$T_ISSUE_UTF8")" | text_entity UTF-8 base64 |
	signed_notice cert-issue-utf8 signer "$(epoch "$D_ISSUE")"
{
	headers "$D_ISSUE" "$FROM_HDR" "$TO_HDR" "$(ew_b UTF-8 '[UPKI] クライアント' '証明書発行受付通知')" \
		"20261102101504.2.cert-issue@notice.upki-notice.test"
	multipart_signed "----=_Part_2_20261102101504" "$WORK/cert-issue-utf8.ent" "$WORK/cert-issue-utf8.p7s"
} | emit cert-issue-utf8.eml cert-issue genuine -

# -- cert-issue with an HTML alternative (same URL in both) -------------------
u=$(url_issue "$T_ISSUE_HTML")
{
	printf 'Content-Type: multipart/alternative; boundary="alt-20261102"\n\n--alt-20261102\n'
	text_cert_issue "$u" | text_entity ISO-2022-JP quoted-printable
	printf '\n--alt-20261102\n'
	html_cert_issue "$u" "$u" | text_entity UTF-8 base64 html
	printf '\n--alt-20261102--\n'
} | signed_notice cert-issue-html signer "$(epoch "$D_ISSUE")"
{
	headers "$D_ISSUE" "$FROM_HDR" "$TO_HDR" "$SUBJ_ISSUE" "20261102101504.3.cert-issue@notice.upki-notice.test"
	multipart_signed "----=_Part_3_20261102101504" "$WORK/cert-issue-html.ent" "$WORK/cert-issue-html.p7s"
} | emit cert-issue-html.eml cert-issue genuine -

# -- cert-issue as opaque signed data (application/pkcs7-mime) ----------------
text_cert_issue "$(url_issue "$T_OPAQUE")" | text_entity ISO-2022-JP quoted-printable >"$WORK/opaque.ent"
sign "$WORK/opaque.ent" signer "$(epoch "$D_ISSUE")" "$WORK/opaque.p7m" --opaque
{
	headers "$D_ISSUE" "$FROM_HDR" "$TO_HDR" "$SUBJ_ISSUE" "20261102101504.4.cert-issue@notice.upki-notice.test"
	opaque_signed "$WORK/opaque.p7m"
} | emit cert-issue-opaque.eml cert-issue genuine -

# -- pin-issue: SPEntranceCliPin.jsp and SPEntranceCliAllPin.jsp -----------------
for v in Pin AllPin; do
	name=pin-issue; d=$D_PIN
	[ $v = AllPin ] && { name=pin-issue-all; d=$D_PINALL; }
	text_pin_issue "https://$HOST$JSP/SPEntranceCli$v.jsp?p1=$(tok $name)" |
		text_entity ISO-2022-JP quoted-printable | signed_notice $name signer "$(epoch "$d")"
	{
		headers "$d" "$FROM_HDR" "$TO_HDR" "$SUBJ_PIN" "$(date -d "$d" +%Y%m%d%H%M%S).1.$name@notice.upki-notice.test"
		multipart_signed "----=_Part_5_$v" "$WORK/$name.ent" "$WORK/$name.p7s"
	} | emit $name.eml pin-issue genuine -
done

# -- retrieved, renewed, revoked (no URL; DN and serials) -------------------
for k in retrieved renewed revoked; do
	case $k in
	retrieved) d=$D_RETR; s=$SUBJ_RETR ;;
	renewed) d=$D_RENEW; s=$SUBJ_RENEW ;;
	revoked) d=$D_REVOKE; s=$SUBJ_REVOKE ;;
	esac
	text_cert_$k | text_entity ISO-2022-JP quoted-printable | signed_notice cert-$k signer "$(epoch "$d")"
	{
		headers "$d" "$FROM_HDR" "$TO_HDR" "$s" "$(date -d "$d" +%Y%m%d%H%M%S).1.cert-$k@notice.upki-notice.test"
		multipart_signed "----=_Part_6_$k" "$WORK/cert-$k.ent" "$WORK/cert-$k.p7s"
	} | emit cert-$k.eml cert-$k genuine -
done

# -- archived notice whose signer has expired since (valid when signed) ------
text_cert_issue "$(url_issue "$T_OLD")" | text_entity ISO-2022-JP quoted-printable |
	signed_notice cert-issue-2021 signer-expired "$(epoch "$D_OLD")"
{
	headers "$D_OLD" "$FROM_HDR" "$TO_HDR" "$SUBJ_ISSUE" "20210601093000.1.cert-issue@notice.upki-notice.test"
	multipart_signed "----=_Part_7_20210601093000" "$WORK/cert-issue-2021.ent" "$WORK/cert-issue-2021.p7s"
} | emit cert-issue-signer-expired-now.eml cert-issue genuine signer-expired-now
