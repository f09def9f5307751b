# lib-samples.sh - helpers of make-samples.sh (sourced, not run): the test
# CA, MIME encoders (quoted-printable, encoded-words) and message assembly.
# Everything is built in LF form and turned into CRLF at the very end, so
# the bytes that are signed are exactly crlf(entity).

# ---- test CA --------------------------------------------------------------

ca_config() {
	cat <<'EOF'
# Minimal `openssl ca` configuration for the upki-notice TEST CA.
# TEST ONLY: the keys next to this file are public and protect nothing.
SIGNER_EMAIL = $ENV::SIGNER_EMAIL
[ ca ]
default_ca = testca
[ testca ]
dir = .
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
default_md = sha256
policy = policy_any
preserve = yes
unique_subject = no
email_in_dn = no
copy_extensions = none
[ policy_any ]
countryName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = unused
[ v3_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_sub ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
extendedKeyUsage = emailProtection, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_signer ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:$SIGNER_EMAIL
EOF
}

# new_ca_dir DIR SERIAL: an empty `openssl ca` database.
new_ca_dir() {
	mkdir -p "$1/newcerts"
	: >"$1/index.txt"
	echo "$2" >"$1/serial"
	ca_config >"$1/openssl.cnf"
}

# EC P-256: small, and accepted by every S/MIME implementation of note.
new_key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

# issue CADIR CAKEY CACERT(or -selfsign) NAME SUBJECT EXT START END [EMAIL]
issue() {
	local cadir=$1 cakey=$2 cacert=$3 name=$4 subj=$5 ext=$6 start=$7 end=$8
	local who=(-cert "$cacert")
	[ "$cacert" = -selfsign ] && who=(-selfsign)
	new_key "$CA/$name.key"
	(
		cd "$cadir" || exit 1
		export SIGNER_EMAIL=${9:-nobody@upki-notice.invalid}
		openssl req -new -config openssl.cnf -key "$CA/$name.key" -subj "$subj" \
			-out "$name.csr"
		openssl ca -config openssl.cnf -batch -notext -keyfile "$cakey" "${who[@]}" \
			-in "$name.csr" -out "$CA/$name.pem" -extensions "$ext" \
			-startdate "$start" -enddate "$end" 2>/dev/null
	)
}

make_ca() {
	local t=$WORK/ca o="/C=JP/O=upki-notice Test"
	local ou="/OU=UPKI Digital Certificate Issuance Service (TEST)"
	rm -rf "$CA"
	mkdir -p "$CA" "$t/root" "$t/sub" "$t/foreign"
	new_ca_dir "$t/root" 01
	new_ca_dir "$t/sub" 1001
	new_ca_dir "$t/foreign" 01
	ca_config >"$CA/openssl.cnf"
	issue "$t/root" "$CA/root.key" -selfsign root "$o/CN=upki-notice Test Root CA" \
		v3_root 20200101000000Z 20991231235959Z
	issue "$t/root" "$CA/root.key" "$CA/root.pem" smime-ca \
		"$o/CN=upki-notice Test S\\/MIME CA" v3_sub 20200101000000Z 20991231235959Z
	issue "$t/sub" "$CA/smime-ca.key" "$CA/smime-ca.pem" signer \
		"$o$ou/CN=CA Support Center" v3_signer 20200101000000Z 20991231235959Z "$SENDER"
	issue "$t/sub" "$CA/smime-ca.key" "$CA/smime-ca.pem" signer-expired \
		"$o$ou/CN=CA Support Center" v3_signer 20200101000000Z 20211231235959Z "$SENDER"
	issue "$t/sub" "$CA/smime-ca.key" "$CA/smime-ca.pem" signer-other \
		"$o/OU=Research Office/CN=Hanako Suzuki" v3_signer 20200101000000Z \
		20991231235959Z suzuki.hanako@example.ac.jp
	issue "$t/foreign" "$CA/foreign-root.key" -selfsign foreign-root \
		"/C=JP/O=Not The UPKI Service/CN=Foreign Test Root CA" v3_root \
		20200101000000Z 20991231235959Z
	issue "$t/foreign" "$CA/foreign-root.key" "$CA/foreign-root.pem" foreign-signer \
		"/C=JP/O=Not The UPKI Service/CN=CA Support Center" v3_signer \
		20200101000000Z 20991231235959Z "$SENDER"
	chmod 644 "$CA"/*.key
}

# ---- encoders ------------------------------------------------------------

# Quoted-printable (RFC 2045) of LF text: '=' and all non-printable bytes
# escaped, trailing blanks escaped, lines cut at 76 with soft breaks (so a
# long URL is split over lines, as in the service's own notices).
qp() {
	mawk '
	BEGIN { for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i }
	{
		n = length($0); cur = ""
		for (i = 1; i <= n; i++) {
			c = substr($0, i, 1); o = ord[c]
			if ((o >= 33 && o <= 126 && o != 61) || ((o == 32 || o == 9) && i < n))
				t = c
			else
				t = sprintf("=%02X", o)
			if (length(cur) + length(t) > 75) { print cur "="; cur = "" }
			cur = cur t
		}
		print cur
	}'
}

# Q encoded-words of UTF-8 text, folded, never splitting a character.
ew_q() {
	printf '%s\n' "$1" | mawk '
	BEGIN { for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i }
	{
		n = length($0); cur = ""; out = ""; pre = "=?UTF-8?Q?"
		for (i = 1; i <= n; i++) {
			c = substr($0, i, 1); o = ord[c]
			if (c == " ") t = "_"
			else if (o >= 33 && o <= 126 && c != "=" && c != "?" && c != "_") t = c
			else t = sprintf("=%02X", o)
			# A lead byte (not 10xxxxxx) may start a new word.
			if ((o < 128 || o >= 192) && length(cur) + 24 > 60) {
				out = out (out == "" ? "" : "\n ") pre cur "?="; cur = ""
			}
			cur = cur t
		}
		if (cur != "") out = out (out == "" ? "" : "\n ") pre cur "?="
		print out
	}'
}

# ew_b CHARSET CHUNK...: one B encoded-word per chunk, folded.  Each chunk
# is converted on its own, so ISO-2022-JP words each end in ASCII.
ew_b() {
	local cs=$1 sep="" c
	shift
	for c in "$@"; do
		printf '%s=?%s?B?%s?=' "$sep" "$cs" "$(printf '%s' "$c" | iconv -f UTF-8 -t "$cs" | base64 -w0)"
		sep=$'\n '
	done
}

# A display name in ISO-2022-JP, as the service writes it.
from_name() { ew_b ISO-2022-JP "$1"; }

# Deterministic 64-character token ("base64-ish", '/' and '+' escaped as
# in the service's URLs): what the one-time p1 parameter looks like.
tok() {
	printf 'upki-notice sample token: %s' "$1" | openssl dgst -sha384 -binary | base64 -w0 |
		sed 's#/#%2F#g; s#+#%2B#g'
}

epoch() { date -u -d "$1" +%s; }

# ---- entities and messages -------------------------------------------------

# text_entity CHARSET CTE TYPE < UTF-8 text: a text part (headers + body).
text_entity() {
	local cs=$1 cte=$2 type=${3:-plain} body
	printf 'Content-Type: text/%s; charset=%s\nContent-Transfer-Encoding: %s\n\n' \
		"$type" "$cs" "$cte"
	body=$(iconv -f UTF-8 -t "$cs")
	case $cte in
	quoted-printable) printf '%s\n' "$body" | qp ;;
	base64) printf '%s\n' "$body" | base64 -w 76 ;;
	*) printf '%s\n' "$body" ;;
	esac
}

crlf() { sed 's/$/\r/'; }

# sign ENTITY SIGNER EPOCH OUT [--opaque]: DER CMS over crlf(ENTITY).
sign() {
	local args=(--chain "$CA/smime-ca.pem")
	case $2 in foreign-signer) args=(--chain "$CA/foreign-root.pem") ;; esac
	[ -n "${5:-}" ] && args+=("$5")
	crlf <"$1" >"$1.crlf"
	"$TESTSIGN" --cert "$CA/$2.pem" --key "$CA/$2.key" "${args[@]}" --time "$3" \
		--in "$1.crlf" --out "$4"
}

# headers DATE FROM TO SUBJECT MSGID: the top of every message.
headers() {
	printf 'Return-Path: <%s>\n' "$(printf '%s' "$2" | sed 's/.*<//; s/>.*//')"
	printf 'Received: from mx1.upki-notice.test (mx1.upki-notice.test [192.0.2.25])\n'
	printf '\tby mail.example.ac.jp (Postfix) with ESMTPS id 4Q7C2x0AbCz1\n'
	printf '\tfor <%s>; %s\n' "$(printf '%s' "$3" | sed 's/.*<//; s/>.*//')" "$1"
	printf 'Date: %s\nFrom: %s\nTo: %s\nMessage-ID: <%s>\nSubject: %s\nMIME-Version: 1.0\n' \
		"$1" "$2" "$3" "$5" "$4"
}

# multipart_signed BOUNDARY ENTITY SIG: Content-Type line and body.
multipart_signed() {
	printf 'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256;\n'
	printf '\tboundary="%s"\n\n' "$1"
	printf 'This is an S/MIME signed message.\n\n--%s\n' "$1"
	cat "$2"
	printf '\n--%s\nContent-Type: application/pkcs7-signature; name="smime.p7s"\n' "$1"
	printf 'Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="smime.p7s"\n\n'
	base64 -w 76 <"$3"
	printf '\n--%s--\n' "$1"
}

# opaque_signed SIG: application/pkcs7-mime signed-data.
opaque_signed() {
	printf 'Content-Type: application/pkcs7-mime; smime-type=signed-data; name="smime.p7m"\n'
	printf 'Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="smime.p7m"\n\n'
	base64 -w 76 <"$1"
}

# emit FILE KIND VERDICT REASONS < LF message: writes OUT/FILE in CRLF
# (LF=1 keeps LF) and its row of expected.tsv.
emit() {
	if [ "${LF:-0}" = 1 ]; then cat >"$OUT/$1"; else crlf >"$OUT/$1"; fi
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$OUT/expected.tsv"
}

# signed_notice NAME SIGNER EPOCH < ENTITY: entity and signature kept in
# WORK for later reuse (gateway copies, re-encoded subjects ...).
signed_notice() {
	cat >"$WORK/$1.ent"
	sign "$WORK/$1.ent" "$2" "$3" "$WORK/$1.p7s"
}
