#!/bin/bash
# make-samples.sh - builds the project's own sample messages and test CA.
#
# Usage: samples/make-samples.sh [OUTDIR]      (default: samples)
#
# Makes a throw-away test CA tree in OUTDIR/ca/ (TEST ONLY: the private keys
# are committed on purpose and protect nothing), then synthetic UPKI
# notices, phishing variants and ordinary mail in OUTDIR/*.eml (CRLF), and
# OUTDIR/expected.tsv.  Dates and signingTime are fixed and the tokens are
# derived from fixed seeds, so a re-run changes only keys and signature
# bytes.  KEEP_CA=1 reuses an existing OUTDIR/ca/ (then only the ECDSA
# signature bytes change).
#
# Needs: openssl (3.x CLI), iconv, base64, mawk/awk, sed, and
# $BUILD/tools/upki-testsign (make build/tools/upki-testsign), which signs
# with a chosen signingTime.
set -eu

OUT=${1:-samples}
BUILD=${BUILD:-build}
TESTSIGN=${UPKI_TESTSIGN:-$BUILD/tools/upki-testsign}
[ -x "$TESTSIGN" ] || { echo "make-samples: $TESTSIGN missing (make $BUILD/tools/upki-testsign)" >&2; exit 1; }
TESTSIGN=$(cd "$(dirname "$TESTSIGN")" && pwd)/$(basename "$TESTSIGN")
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
CA=$OUT/ca
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export LC_ALL=C

SENDER=ca-support@ml.secom-sts.co.jp
HOST=scia.secomtrust.net
JSP=/upki-odcert/download/view/jsp

. "$(dirname "$0")/lib-samples.sh"
. "$(dirname "$0")/texts.sh"

if [ "${KEEP_CA:-0}" = 1 ] && [ -f "$CA/root.pem" ]; then
	echo "make-samples: keeping the CA in $CA"
else
	make_ca
fi
: >"$OUT/expected.tsv"
. "$(dirname "$0")/notices.sh"
. "$(dirname "$0")/phish.sh"
. "$(dirname "$0")/ordinary.sh"
echo "make-samples: $(wc -l <"$OUT/expected.tsv") samples in $OUT"
