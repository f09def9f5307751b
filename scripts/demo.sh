#!/bin/sh
# `make demo`: classify every bundled sample and print one summary each.
# The samples are signed by the project's test CA (samples/ca/), so that
# CA is the trust anchor here; checks run at the signing time, as for any
# archived mail.
set -eu
BUILD=${BUILD:-build}
for f in samples/*.eml; do
	"$BUILD/upki-scan" --format=text --ca-file samples/ca/root.pem "$f" || true
done
