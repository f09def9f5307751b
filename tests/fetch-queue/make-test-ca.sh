#!/bin/sh
# make-test-ca.sh DIR NAME: a throwaway CA (DIR/NAME-ca.pem) and a server
# certificate for 127.0.0.1 and localhost signed by it (DIR/NAME.pem,
# DIR/NAME.key), made with openssl at test time.  Nothing is kept.
set -e
d=$1; n=$2
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=upki-fetch test CA $n" \
	-keyout "$d/$n-ca.key" -out "$d/$n-ca.pem" -addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$d/$n.key" -out "$d/$n.csr" >/dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$d/$n.ext"
openssl x509 -req -in "$d/$n.csr" -CA "$d/$n-ca.pem" -CAkey "$d/$n-ca.key" -CAcreateserial \
	-days 2 -extfile "$d/$n.ext" -out "$d/$n.pem" >/dev/null 2>&1
