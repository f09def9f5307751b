# ordinary.sh - everyday mail in the charsets Japanese mail uses (sourced by
# make-samples.sh).  None of it is a notice.

D_ORD='Thu, 05 Nov 2026 17:30:00 +0900'
SUZUKI="$(ew_b ISO-2022-JP '鈴木 花子') <suzuki.hanako@example.ac.jp>"

meeting_text() {
	cat <<'EOF'
研究室の皆さま

来週の研究室ミーティングは、11月12日（木）13時から
情報学研究科棟の会議室で行います。
発表予定の方は、前日までに資料を共有フォルダに置いてください。

よろしくお願いします。
鈴木
EOF
}

# plain NAME CHARSET CTE SUBJECT-CHARSET: one text/plain message.
plain() {
	{
		headers "$D_ORD" "$SUZUKI" "$TO_HDR" "$(ew_b "$4" '研究室ミーティングの' 'ご案内')" "$1.20261105@example.ac.jp"
		meeting_text | text_entity "$2" "$3"
	} | emit "$1.eml" - not-notice -
}
plain plain-iso2022jp ISO-2022-JP 7bit ISO-2022-JP
plain plain-utf8 UTF-8 base64 UTF-8
plain plain-sjis Shift_JIS base64 Shift_JIS
plain plain-eucjp EUC-JP 8bit EUC-JP

# With an attachment (a small fake PDF) and an ordinary link.
{
	headers "$D_ORD" "$SUZUKI" "$TO_HDR" "$(ew_b UTF-8 '出張報告書の' '提出について')" "attach.20261105@example.ac.jp"
	printf 'Content-Type: multipart/mixed; boundary="att-20261105"\n\n--att-20261105\n'
	text_entity UTF-8 quoted-printable <<'EOF'
山田さん

出張報告書を添付します。旅費の精算手続きは次のページにあります。
https://www.example.ac.jp/kaikei/ryohi.html

鈴木
EOF
	printf '\n--att-20261105\n'
	printf 'Content-Type: application/pdf; name="=?UTF-8?B?%s?="\n' "$(printf '出張報告書.pdf' | base64 -w0)"
	printf "Content-Disposition: attachment; filename*=UTF-8''%s\n" \
		"$(printf '出張報告書.pdf' | od -An -tx1 | tr -d ' \n' | sed 's/../%&/g' | tr a-f A-F)"
	printf 'Content-Transfer-Encoding: base64\n\n'
	printf '%%PDF-1.4\n%% upki-notice sample attachment, not a real document\n%%%%EOF\n' | base64 -w 76
	printf '\n--att-20261105--\n'
} | emit plain-attachment.eml - not-notice -

# S/MIME signed everyday mail from a colleague whose certificate chains to
# the same test root: a valid signature alone makes nothing a notice.
meeting_text | text_entity ISO-2022-JP 7bit | signed_notice plain-signed signer-other "$(epoch "$D_ORD")"
{
	headers "$D_ORD" "$SUZUKI" "$TO_HDR" "$(ew_b ISO-2022-JP '研究室ミーティングの' 'ご案内')" "signed.20261105@example.ac.jp"
	multipart_signed "----=_Part_10_signed" "$WORK/plain-signed.ent" "$WORK/plain-signed.p7s"
} | emit plain-signed.eml - not-notice -
