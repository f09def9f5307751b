# texts.sh - bodies of the synthetic notices (sourced by make-samples.sh).
#
# Written for this project in the manner of the service's notices (bilingual
# where the service is, full-width spaces, 【section】 heads, the labels the
# profile knows); not copied from any real message.  UTF-8, LF.

banner_ja() {
	cat <<'EOF'
*************************************************************
このメールは UPKI電子証明書発行サービスの発行支援システムから 
自動で送信しています。このメールへの返信はできません。
*************************************************************
EOF
}

banner_en() {
	cat <<'EOF'
*************************************************************
This message is sent automatically by the issuance support
system of the UPKI Digital Certificate Issuance Service.
*************************************************************
EOF
}

# url_issue TOKEN [HOSTPART [PATH]]: a cert-issue retrieval URL.
url_issue() { printf '%s%s/SPEntranceCliAll.jsp?p1=%s' "${2:-https://$HOST}" "${3:-$JSP}" "$1"; }

# text_cert_issue URL_JA [URL_EN]: the bilingual certificate issue notice.
text_cert_issue() {
	local ja=$1 en=${2:-$1}
	echo "English follows Japanese."
	banner_ja
	cat <<EOF

山田　太郎様

UPKI電子証明書発行サービスをご利用いただき、ありがとうございます。
発行支援システムより、証明書発行のご案内をお送りします。

所属機関の登録担当者が申請したクライアント証明書の準備ができました。
本日から１ヶ月以内に、下記のURLからクライアント証明書を取得してください。

■個別にダウンロードする場合
1) アクセスPINを受け取ってください
　利用管理者からアクセスPINが届くまで、しばらくお待ちください。
　証明書のダウンロード時にアクセスPINの入力が必要です。

2) クライアント証明書をダウンロードしてください
　下のURLを開き、1)のアクセスPINを入力すると、ダウンロードが始まります。
証明書取得URL：$ja 

ブラウザへの証明書の登録方法は、次のマニュアルをご覧ください。
https://meatwiki.nii.ac.jp/confluence/x/Qm7tAQ

●このURLは一度だけ使えます。ダウンロードが済むと無効になります。
　他の人に知られないよう、取り扱いにご注意ください。
　もう一度必要になった場合は、所属機関の登録担当者にご相談ください。

■利用管理者が一括でダウンロードする場合
　手順が異なります。利用管理者用の操作手順書をご覧ください。

お心当たりのない場合やご不明な点は、所属機関の証明書担当窓口まで
お問い合わせください。


EOF
	banner_en
	cat <<EOF

Dear Taro Yamada,

Thank you for using the UPKI Digital Certificate Issuance Service.

The client certificate that your registration officer applied for is
ready.  Please download it within one month from today.

[Individual download]
1) Wait for the access PIN from your usage manager; the download asks
   for it.
2) Open the URL below and enter the access PIN.
certificate acquisition URL: $en 

How to install the certificate in your web browser:
https://meatwiki.nii.ac.jp/confluence/x/Rn8uAQ

-The URL works only once; it stops working after the download.
 Keep it to yourself.

[Batch download (usage managers)]
See the operation manual for usage managers.

If this message is unexpected or unclear to you, please contact the
certificate office of your institution.
EOF
}

# text_pin_issue URL: the access PIN notice (URL alone on its line).
text_pin_issue() {
	banner_ja
	cat <<EOF

山田　太郎様

UPKI電子証明書発行サービスをご利用いただき、ありがとうございます。
発行支援システムより、アクセスPIN発行のご案内をお送りします。

所属機関の登録担当者経由で申請された証明書のアクセスPINをお知らせします。
本日から１ヶ月以内に、次のURLを開いてアクセスPINを取得してください。
$1 

●このURLは一度だけ使えます。アクセスPINの取得が済むと無効になります。
　他の人に知られないよう、取り扱いにご注意ください。


お心当たりのない場合やご不明な点は、所属機関の証明書担当窓口まで
お問い合わせください。
EOF
}

# cert_dn: the DN block of the retrieved/renewed/revoked notices.
cert_dn() {
	cat <<'EOF'
　---------------------------------------------
　CN=yamada-taro
　OU=Graduate School of Informatics
　O=Example University
　L=Academe
　C=JP
　---------------------------------------------
EOF
}

text_cert_retrieved() {
	banner_ja
	cat <<'EOF'

山田　太郎様

UPKI電子証明書発行サービスをご利用いただき、ありがとうございます。
発行支援システムより、証明書取得のご報告をお送りします。

所属機関の利用者がクライアント証明書のダウンロードを終えましたので、
次のとおりお知らせします。

【対象証明書DN】
EOF
	cert_dn
	cat <<'EOF'

【対象証明書シリアル番号】
　3141592653589793238

●一括ダウンロードでは、最初の一件のDNだけを記載しています。

お心当たりのない場合やご不明な点は、所属機関の証明書担当窓口まで
お問い合わせください。
EOF
}

text_cert_renewed() {
	banner_ja
	cat <<'EOF'

山田　太郎様

UPKI電子証明書発行サービスをご利用いただき、ありがとうございます。
発行支援システムより、証明書更新のご報告をお送りします。

次のクライアント証明書の更新が完了しました。

【対象証明書DN】
EOF
	cert_dn
	cat <<'EOF'

【新証明書シリアル番号】
　2718281828459045235

【旧証明書のシリアル番号】
　3141592653589793238

お心当たりのない場合やご不明な点は、所属機関の証明書担当窓口まで
お問い合わせください。
EOF
}

text_cert_revoked() {
	echo "English follows Japanese."
	banner_ja
	cat <<'EOF'

山田　太郎様

UPKI電子証明書発行サービスをご利用いただき、ありがとうございます。
発行支援システムより、証明書失効のご報告をお送りします。

次のクライアント証明書を失効しました。

【失効証明書DN】
EOF
	cert_dn
	cat <<'EOF'

【失効証明書シリアル番号】
　2718281828459045235

【失効理由】
　鍵の危殆化のおそれ


お心当たりのない場合やご不明な点は、所属機関の証明書担当窓口まで
お問い合わせください。


EOF
	banner_en
	cat <<'EOF'

Dear Taro Yamada,

Thank you for using the UPKI Digital Certificate Issuance Service.

The following client certificate has been revoked.

【revoked certificate DN】
EOF
	cert_dn
	cat <<'EOF'

【revoked certificate serial number】
　2718281828459045235

【reason for revocation】
　possible key compromise


If this message is unexpected or unclear to you, please contact the
certificate office of your institution.
EOF
}

# html_cert_issue HREF SHOWN: the HTML alternative of the issue notice.
html_cert_issue() {
	cat <<EOF
<!DOCTYPE html>
<html lang="ja"><head><meta charset="UTF-8"><title>UPKI</title></head>
<body>
<p>山田　太郎様</p>
<p>UPKI電子証明書発行サービスをご利用いただき、ありがとうございます。</p>
<p>所属機関の登録担当者が申請したクライアント証明書の準備ができました。<br>
本日から１ヶ月以内に、下記のURLからクライアント証明書を取得してください。</p>
<p>証明書取得URL：<a href="$1">$2</a></p>
<p>ブラウザへの登録方法は<a href="https://meatwiki.nii.ac.jp/confluence/x/Qm7tAQ">インストールマニュアル</a>をご覧ください。</p>
<p>●このURLは一度だけ使えます。他の人に知られないよう、ご注意ください。</p>
</body></html>
EOF
}
