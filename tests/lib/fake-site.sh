# fake-site.sh - the imitation of the retrieval site for end-to-end tests
# of upki-fetch (sourced after tap.sh; tests/fetch/fake-site.py is the
# server).  site_init DIR makes the site's CA and its certificate for
# scia.secomtrust.net (DIR/ca.pem: ServiceCAFile) and a client CA
# (DIR/cert-ca.pem: CertCAFile); site_person X makes person X's PIN table
# (DIR/pin/pinX.tsv) and certificate ZIP (DIR/certzip/certX.zip, client.txt
# and a PKCS#12 opened by the PIN), with PIN_X, SERIAL_X, EMAIL_X set;
# site_start starts the server on 127.0.0.1 (SITE_PID, SITE_PORT; it stops
# by itself after SITE_TIMEOUT seconds, the caller kills it at exit).
# Secrets are made here, at test time, never written twice.

site_quiet() {
	"$@" >>"$SITE/openssl.log" 2>&1 || { echo "Bail out! failed: $*"; tail -5 "$SITE/openssl.log"; exit 1; }
}

# site_ca NAME CN: a self-signed CA in $SITE/work/NAME.{key,pem}
site_ca() {
	site_quiet openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$SITE/work/$1.key" -out "$SITE/work/$1.pem" -subj "/CN=$2" -days 3 \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}

# site_leaf NAME CA SERIAL SUBJ EXT: $SITE/work/NAME.pem signed by CA
site_leaf() {
	printf '%s\n' "$5" >"$SITE/work/$1.ext"
	site_quiet openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$SITE/work/$1.key" -out "$SITE/work/$1.csr" -subj "$4"
	site_quiet openssl x509 -req -in "$SITE/work/$1.csr" -CA "$SITE/work/$2.pem" \
		-CAkey "$SITE/work/$2.key" -set_serial "$3" -days 3 -extfile "$SITE/work/$1.ext" \
		-out "$SITE/work/$1.pem"
}

site_init() {
	SITE=$1
	mkdir -p "$SITE/pin" "$SITE/certzip" "$SITE/work"
	site_ca siteca "upki-notice e2e site CA"
	site_ca certca "upki-notice e2e client CA"
	site_leaf server siteca 1 "/CN=scia.secomtrust.net" "subjectAltName=DNS:scia.secomtrust.net"
	cp "$SITE/work/siteca.pem" "$SITE/ca.pem"
	cp "$SITE/work/certca.pem" "$SITE/cert-ca.pem"
	cp "$SITE/work/server.pem" "$SITE/server.pem"
	cp "$SITE/work/server.key" "$SITE/server.key"
}

site_person() {
	sp_x=$1
	sp_pin=$(openssl rand -hex 8)
	sp_serial=$(od -An -N6 -tu8 /dev/urandom | tr -d ' ')
	sp_email="person$(echo "$sp_x" | tr 'A-Z' 'a-z')@example.ac.jp"
	sp_dn="CN=Person $sp_x,OU=Test,O=Test University,L=Academe,C=JP"
	tab=$(printf '\t')
	printf '氏名\tメールアドレス\tアクセスPIN\tDN\r\nPerson %s\t%s\t%s\t%s\r\n' \
		"$sp_x" "$sp_email" "$sp_pin" "$sp_dn" >"$SITE/pin/pin$sp_x.tsv"
	site_leaf "c$sp_x" certca "$sp_serial" "/C=JP/L=Academe/O=Test University/OU=Test/CN=Person $sp_x" \
		"subjectAltName=email:$sp_email
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth,emailProtection"
	site_quiet openssl pkcs12 -export -inkey "$SITE/work/c$sp_x.key" -in "$SITE/work/c$sp_x.pem" \
		-certfile "$SITE/work/certca.pem" -name "Person $sp_x" -passout "pass:$sp_pin" \
		-out "$SITE/work/$sp_serial.p12"
	printf 'シリアル番号\t氏名\tメールアドレス\tDN\r\n%s\tPerson %s\t%s\t%s\r\n' \
		"$sp_serial" "$sp_x" "$sp_email" "$sp_dn" >"$SITE/work/client.txt"
	python3 - "$SITE/certzip/cert$sp_x.zip" "$SITE/work/client.txt" "$SITE/work/$sp_serial.p12" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for f in sys.argv[2:]:
        z.write(f, os.path.basename(f))
PY
	eval "PIN_$sp_x=\$sp_pin SERIAL_$sp_x=\$sp_serial EMAIL_$sp_x=\$sp_email"
}

site_start() {
	python3 tests/fetch/fake-site.py --dir "$SITE" --port-file "$SITE/port" \
		--timeout "${SITE_TIMEOUT:-300}" 2>"$SITE/site.log" &
	SITE_PID=$!
	ss_i=0
	while [ ! -s "$SITE/port" ] && [ $ss_i -lt 100 ]; do sleep 0.1; ss_i=$((ss_i + 1)); done
	[ -s "$SITE/port" ] || return 1
	SITE_PORT=$(cat "$SITE/port")
}
