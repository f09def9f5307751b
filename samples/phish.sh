# phish.sh - look-alikes, tampering, and replies (sourced by
# make-samples.sh after notices.sh, whose variables it reuses).
#
# Expected reasons follow the verdict rules of DESIGN.md and
# parser/notice.c: an unsigned message reports "unsigned" and the URL
# policy failures, never url-outside-signed-part (that one needs a valid
# signature somewhere in the message); a failing signature reports only
# its own reason; url-host is set whenever the host is not exactly
# scia.secomtrust.net, url-idn in addition when the host is non-ASCII,
# full-width, confusable or punycode.

D_PHISH='Tue, 03 Nov 2026 08:47:19 +0900'
E_PHISH=$(epoch "$D_PHISH")
EVIL_FROM="$(from_name 'CAサポートセンター') <ca-support@secom-sts-support.example>"

# unsigned NAME REASONS URL [CHARSET CTE]: an unsigned cert-issue look-alike
# from the (spoofed) real sender.
unsigned() {
	local n=$1 r=$2 u=$3 cs=${4:-ISO-2022-JP} cte=${5:-quoted-printable}
	{
		headers "$D_PHISH" "$FROM_HDR" "$TO_HDR" "$SUBJ_ISSUE" "20261103084719.$n@mail.secom-sts-support.example"
		text_cert_issue "$u" | text_entity "$cs" "$cte"
	} | emit "$n.eml" cert-issue suspicious "$r"
}

# signed_by NAME SIGNER REASONS TEXT-URL [URL-EN]: a cert-issue signed by SIGNER.
signed_by() {
	local n=$1
	text_cert_issue "$4" "${5:-$4}" | text_entity ISO-2022-JP quoted-printable |
		signed_notice "$n" "$2" "$E_PHISH"
	{
		headers "$D_PHISH" "$FROM_HDR" "$TO_HDR" "$SUBJ_ISSUE" "20261103084719.$n@notice.upki-notice.test"
		multipart_signed "----=_Part_9_$n" "$WORK/$n.ent" "$WORK/$n.p7s"
	} | emit "$n.eml" cert-issue suspicious "$3"
}

T=$(tok phish)
unsigned phish-unsigned unsigned "$(url_issue "$T")"

# Who signed it.
signed_by phish-foreign-ca foreign-signer untrusted-signer "$(url_issue "$(tok foreign)")"
signed_by phish-signer-not-sender signer-other signer-not-sender "$(url_issue "$(tok other)")"
signed_by phish-signer-expired signer-expired signer-expired "$(url_issue "$(tok expired)")"
signed_by phish-conflicting-urls signer conflicting-urls \
	"$(url_issue "$(tok conflict-ja)")" "$(url_issue "$(tok conflict-en)")"

# Tampered: signed with one token, then one character of it changed.
T=$(tok tampered)
c=${T:9:1}; r=A; [ "$c" = A ] && r=B
text_cert_issue "$(url_issue "$T")" | text_entity ISO-2022-JP quoted-printable |
	signed_notice phish-tampered signer "$E_PHISH"
text_cert_issue "$(url_issue "${T:0:9}$r${T:10}")" | text_entity ISO-2022-JP quoted-printable \
	>"$WORK/phish-tampered.bad"
{
	headers "$D_PHISH" "$FROM_HDR" "$TO_HDR" "$SUBJ_ISSUE" "20261103084719.tampered@notice.upki-notice.test"
	multipart_signed "----=_Part_9_tampered" "$WORK/phish-tampered.bad" "$WORK/phish-tampered.p7s"
} | emit phish-tampered.eml cert-issue suspicious bad-signature

# The From address itself is not the service's.
{
	headers "$D_PHISH" "$EVIL_FROM" "$TO_HDR" "$SUBJ_ISSUE" "20261103084719.sender@mail.secom-sts-support.example"
	text_cert_issue "$(url_issue "$(tok sender)")" | text_entity ISO-2022-JP quoted-printable
} | emit phish-sender-mismatch.eml cert-issue suspicious unsigned,sender-mismatch

# Look-alike URLs (the IDN ones in UTF-8, as a phisher would write them).
P="$JSP/SPEntranceCliAll.jsp?p1=$(tok lookalike)"
unsigned phish-host-suffix unsigned,url-host "https://$HOST.evil.example$P"
unsigned phish-userinfo unsigned,url-host,url-userinfo "https://$HOST@evil.example$P"
unsigned phish-fullwidth-dots unsigned,url-host,url-idn "https://scia．secomtrust．net$P" UTF-8 quoted-printable
unsigned phish-cyrillic unsigned,url-host,url-idn "https://sсia.secomtrust.net$P" UTF-8 quoted-printable
unsigned phish-punycode unsigned,url-host,url-idn "https://xn--sia-4ed.secomtrust.net$P"
unsigned phish-http unsigned,url-scheme "http://$HOST$P"
unsigned phish-wrong-path unsigned,url-path "https://$HOST/upki-odcert/login/SPEntranceCliAll.jsp?p1=$(tok lookalike)"

# HTML whose link text shows the real URL while the href goes elsewhere.
# The shown text is the link's, not a second URL of the message.
T=$(tok html)
{
	headers "$D_PHISH" "$FROM_HDR" "$TO_HDR" "$SUBJ_ISSUE" "20261103084719.html@mail.secom-sts-support.example"
	html_cert_issue "https://scia-secomtrust.example$JSP/SPEntranceCliAll.jsp?p1=$T" "$(url_issue "$T")" |
		text_entity UTF-8 base64 html
} | emit phish-html-link-mismatch.eml cert-issue suspicious unsigned,url-host,html-link-mismatch

# A genuine signed notice plus an unsigned part adding another retrieval URL.
{
	headers "$D_ISSUE" "$FROM_HDR" "$TO_HDR" "$SUBJ_ISSUE" "20261102101504.1.cert-issue@notice.upki-notice.test"
	printf 'Content-Type: multipart/mixed; boundary="mix-outside"\n\n--mix-outside\n'
	multipart_signed "----=_Part_1_20261102101504" "$WORK/cert-issue.ent" "$WORK/cert-issue.p7s"
	printf '\n--mix-outside\n'
	text_entity UTF-8 8bit <<EOF
【訂正】上記URLに不具合がありました。次の証明書取得URLをご利用ください。
$(url_issue "$(tok outside)")
EOF
	printf '\n--mix-outside--\n'
} | emit phish-url-outside-signed.eml cert-issue suspicious url-outside-signed-part,conflicting-urls

# A signed cert-issue that lost its URL.
text_cert_issue X | sed '/取得URL：/d; /acquisition URL: /d' | text_entity ISO-2022-JP quoted-printable |
	signed_notice odd-missing-url signer "$E_PHISH"
{
	headers "$D_PHISH" "$FROM_HDR" "$TO_HDR" "$SUBJ_ISSUE" "20261103084719.nourl@notice.upki-notice.test"
	multipart_signed "----=_Part_9_nourl" "$WORK/odd-missing-url.ent" "$WORK/odd-missing-url.p7s"
} | emit odd-missing-url.eml cert-issue suspicious missing-url,kind-mismatch

# Replies and forwards are never notices; only a look-alike link in one is news.
COLLEAGUE="$(ew_b UTF-8 '田中 一郎') <tanaka.ichiro@example.ac.jp>"
D_REPLY='Wed, 04 Nov 2026 09:12:45 +0900'
{
	headers "$D_REPLY" "$COLLEAGUE" "$TO_HDR" "$(ew_b UTF-8 'Re: [UPKI] クライアント' '証明書発行受付通知')" \
		"reply.20261104091245@example.ac.jp"
	printf 'In-Reply-To: <20261102101504.1.cert-issue@notice.upki-notice.test>\n'
	text_entity UTF-8 base64 <<EOF
山田さん

届いているなら、研究室のPCで取得しておいてください。
アクセスPINは私から別途渡します。

田中

> 証明書取得URL：$U_ISSUE 
> ブラウザへの証明書の登録方法は、次のマニュアルをご覧ください。
EOF
} | emit reply-cert-issue.eml - not-notice -

fwd() { # fwd NAME SUBJECT URL VERDICT REASONS
	{
		headers "$D_REPLY" "$COLLEAGUE" "$TO_HDR" "$2" "fwd.$1@example.ac.jp"
		text_entity UTF-8 base64 <<EOF
転送します。ご確認ください。

---------- Forwarded message ---------
From: CAサポートセンター <$SENDER>
Date: $D_PIN

本日から１ヶ月以内に、次のURLを開いてアクセスPINを取得してください。
$3 
EOF
	} | emit "$1.eml" - "$4" "$5"
}
fwd fwd-pin-issue "$(ew_b UTF-8 'Fwd: [UPKI] アクセスPIN' '発行通知')" \
	"https://$HOST$JSP/SPEntranceCliPin.jsp?p1=$(tok pin-issue)" not-notice -
fwd fwd-lookalike "$(ew_b UTF-8 'Fwd: [UPKI] アクセスPIN' '発行通知')" \
	"https://$HOST.evil.example$JSP/SPEntranceCliPin.jsp?p1=$(tok fwd-evil)" suspicious url-host
