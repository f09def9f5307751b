#!/bin/sh
# fetch-retrieve.sh - upki-fetch's retrieve action against a local
# imitation of the retrieval site (tests/fetch/fake-site.py): makes a test
# CA and a server certificate for scia.secomtrust.net, the PIN tables,
# client certificates and their PKCS#12 files (3DES and RC2-40), the
# certificate ZIPs; starts the site on 127.0.0.1 (it stops by itself after
# a while, and is killed at exit) and runs $BUILD/tests/test-retrieve with
# the site's port, folder and secrets in its environment.
. tests/lib/tap.sh

TEST="$BUILD/tests/test-retrieve"
[ -x "$TEST" ] || skip_all "$TEST not built"
command -v python3 >/dev/null 2>&1 || skip_all "python3 missing"
command -v openssl >/dev/null 2>&1 || skip_all "openssl missing"
tap_tmpdir
SITE_PID=
trap '[ -n "$SITE_PID" ] && kill "$SITE_PID" 2>/dev/null; chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
S="$T/site"
mkdir -p "$S/pin" "$S/certzip" "$S/work"
W="$S/work"

quiet() { "$@" >>"$T/openssl.log" 2>&1 || { echo "# failed: $*"; tail -5 "$T/openssl.log" | sed 's/^/# /'; exit 1; }; }

# ca NAME CN: a self-signed CA in $W/NAME.{key,pem}
ca() {
	quiet openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$W/$1.key" -out "$W/$1.pem" -subj "/CN=$2" -days 3 \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}

# leaf NAME CA DAYS SUBJ EXT: a certificate $W/NAME.pem signed by CA
leaf() {
	printf '%s\n' "$5" >"$W/$1.ext"
	quiet openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$W/$1.key" -out "$W/$1.csr" -subj "$4"
	quiet openssl x509 -req -in "$W/$1.csr" -CA "$W/$2.pem" -CAkey "$W/$2.key" \
		-set_serial "$SERIAL" -days "$3" -extfile "$W/$1.ext" -out "$W/$1.pem"
}

rand() { openssl rand -hex "$1"; }
SUFFIX=$(openssl rand -base64 36 | tr '+/' '._')
new_serial() { SERIAL=$(od -An -N6 -tu8 /dev/urandom | tr -d ' '); }

ca siteca "upki-notice test site CA"
ca otherca "upki-notice unrelated CA"
ca certca "upki-notice test client CA"
ca rogueca "upki-notice rogue client CA"
cp "$W/siteca.pem" "$S/ca.pem"
cp "$W/otherca.pem" "$S/other-ca.pem"
cp "$W/certca.pem" "$S/cert-ca.pem"
SERIAL=1
leaf server siteca 3 "/CN=scia.secomtrust.net" "subjectAltName=DNS:scia.secomtrust.net"
cp "$W/server.pem" "$S/server.pem"
cp "$W/server.key" "$S/server.key"

TAB=$(printf '\t')
PIN_HEADER="氏名${TAB}メールアドレス${TAB}アクセスPIN${TAB}DN"
CLIENT_HEADER="シリアル番号${TAB}氏名${TAB}メールアドレス${TAB}DN"
dn() { echo "CN=$1,OU=Test,O=Test University,L=Academe,C=JP"; }
subj() { echo "/C=JP/L=Academe/O=Test University/OU=Test/CN=$1"; }

# person ID NAME EMAIL: PIN_ID, EMAIL_ID, DN_ID, a line in the table of all PINs
: >"$S/pins.tsv.body"
person() {
	eval "PIN_$1=\$(rand 8)"
	eval "EMAIL_$1=\$3"
	eval "DN_$1=\"\$(dn \"\$2\")\""
	eval "printf '%s\t%s\t%s\t%s\n' \"\$2\" \"\$3\" \"\$PIN_$1\" \"\$DN_$1\"" >>"$S/pins.tsv.body"
}
person A "Alice Example" alice@example.ac.jp
person B "Taro Yamada" taro@example.ac.jp
person C "Carol Example" carol@example.ac.jp
person D1 "Dave Example" dave@example.ac.jp
person D2 "Erin Example" erin@example.ac.jp
person R "Bob Example" bob@example.ac.jp
person X "Frank Example" frank@example.ac.jp
person N "Grace Example" grace@example.ac.jp
person E "Heidi Example" heidi@example.ac.jp
{ echo "$PIN_HEADER"; cat "$S/pins.tsv.body"; } >"$S/pins.tsv"
NAME_B="山田 太郎"

# The PIN ZIPs' tables: UTF-8 with CRLF, Shift_JIS, two records.
printf '%s\r\n%s\t%s\t%s\t%s\r\n' "$PIN_HEADER" "Alice Example" "$EMAIL_A" "$PIN_A" "$DN_A" >"$S/pin/pinA.tsv"
printf '%s\n%s\t%s\t%s\t%s\n' "$PIN_HEADER" "$NAME_B" "$EMAIL_B" "$PIN_B" "$DN_B" | iconv -f UTF-8 -t CP932 >"$S/pin/pinB.tsv"
printf '%s\n%s\t%s\t%s\t%s\n' "$PIN_HEADER" "Carol Example" "$EMAIL_C" "$PIN_C" "$DN_C" >"$S/pin/pinC.tsv"
cp "$S/pin/pinC.tsv" "$S/pin/pinC2.tsv"
printf '%s\n%s\t%s\t%s\t%s\n%s\t%s\t%s\t%s\n' "$PIN_HEADER" "Dave Example" "$EMAIL_D1" "$PIN_D1" "$DN_D1" \
	"Erin Example" "$EMAIL_D2" "$PIN_D2" "$DN_D2" >"$S/pin/allpinD.tsv"

# client ID NAME CA DAYS [P12 options]: a certificate for person ID in
# $W/ID.p12 opened by PIN_ID, its serial in SERIAL_ID
client() {
	id=$1 cname=$2 cca=$3 days=$4; shift 4
	new_serial
	eval "email=\$EMAIL_$id pin=\$PIN_$id"
	leaf "$id" "$cca" "$days" "$(subj "$cname")" \
		"subjectAltName=email:$email
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth,emailProtection"
	quiet openssl pkcs12 -export -inkey "$W/$id.key" -in "$W/$id.pem" -certfile "$W/$cca.pem" \
		-name "$cname" -passout "pass:$pin" -out "$W/$id.p12" "$@"
	eval "SERIAL_$id=\$SERIAL"
}
client A "Alice Example" certca 30 -certpbe PBE-SHA1-3DES -keypbe PBE-SHA1-3DES
client R "Bob Example" certca 30 -legacy
client C "Carol Example" certca 30
client D1 "Dave Example" certca 30
client N "Grace Example" rogueca 30
client X "Frank Example" certca 30
# Frank's certificate locked with Heidi's PIN, in a ZIP that announces Heidi
quiet openssl pkcs12 -export -inkey "$W/X.key" -in "$W/X.pem" -passout "pass:$PIN_E" -out "$W/X-as-E.p12"

# Alice's certificate with Bob's key beside it, locked with Alice's PIN
quiet openssl pkcs12 -export -inkey "$W/R.key" -nocerts -certfile "$W/A.pem" -passout "pass:$PIN_A" -out "$W/K.p12"

# certzip NAME FILE...: a certificate ZIP with client.txt made of the
# lines "serial<TAB>name<TAB>email<TAB>dn" in $W/NAME.client
certzip() {
	n=$1; shift
	{ echo "$CLIENT_HEADER"; cat "$W/$n.client"; } >"$W/client.txt"
	python3 - "$S/certzip/$n.zip" "$W/client.txt" "$@" <<'EOF'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for f in sys.argv[2:]:
        z.write(f, os.path.basename(f))
EOF
}
row() { eval "printf '%s\t%s\t%s\t%s\n' \"\$SERIAL_$1\" \"\$2\" \"\$EMAIL_$1\" \"\$DN_$1\""; }
row A "Alice Example" >"$W/certA.client"; certzip certA "$W/A.p12"
row R "Bob Example" >"$W/certR.client"; certzip certR "$W/R.p12"
{ row C "Carol Example"; row D1 "Dave Example"; } >"$W/certM.client"
cp "$W/C.p12" "$W/$SERIAL_C.p12"; cp "$W/D1.p12" "$W/$SERIAL_D1.p12"
certzip certM "$W/$SERIAL_C.p12" "$W/$SERIAL_D1.p12"
row N "Grace Example" >"$W/certN.client"; certzip certN "$W/N.p12"
printf '%s\t%s\t%s\t%s\n' "$SERIAL_X" "Heidi Example" "$EMAIL_E" "$DN_E" >"$W/certX.client"
certzip certX "$W/X-as-E.p12"
printf '%s\t%s\t%s\t%s\n' "$SERIAL_A" "Alice Example" "$EMAIL_A" "$DN_A" >"$W/certE.client"
certzip certE "$W/A.p12"
row A "Alice Example" >"$W/certK.client"; certzip certK "$W/K.p12"
# Alice's file under another serial, under another DN, under her DN in
# OpenSSL's one-line form (most significant RDN first)
printf '%s\t%s\t%s\t%s\n' "$((SERIAL_A + 1))" "Alice Example" "$EMAIL_A" "$DN_A" >"$W/certS.client"
certzip certS "$W/A.p12"
printf '%s\t%s\t%s\t%s\n' "$SERIAL_A" "Alice Example" "$EMAIL_A" "$(dn "Alice Exampl")" >"$W/certD.client"
certzip certD "$W/A.p12"
printf '%s\t%s\t%s\t%s\n' "$SERIAL_A" "Alice Example" "$EMAIL_A" "$(subj "Alice Example")" >"$W/certO.client"
certzip certO "$W/A.p12"
rm -f "$S/pins.tsv.body"

python3 tests/fetch/fake-site.py --dir "$S" --port-file "$T/port" --timeout 120 2>"$T/site.log" &
SITE_PID=$!
i=0
while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$T/port" ] || { echo "Bail out! fake site did not start"; cat "$T/site.log"; exit 1; }

export FETCH_SITE_PORT="$(cat "$T/port")" FETCH_SITE_DIR="$S" FETCH_SITE_SUFFIX="$SUFFIX"
export PIN_A EMAIL_A DN_A PIN_B NAME_B PIN_C PIN_D2 SERIAL_A SERIAL_R SERIAL_C SERIAL_D1
timeout 300 "$TEST" --tap "$@"
rc=$?
[ $rc = 0 ] || { echo "# fake site log:"; tail -20 "$T/site.log" | sed 's/^/# /'; }
exit $rc
