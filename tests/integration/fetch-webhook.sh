#!/bin/sh
# upki-fetch's webhook action against a Standard Webhooks receiver
# (tests/fetch-queue/webhook-receiver.py, python3, HTTPS on 127.0.0.1 with a
# CA made here by openssl) that checks the signature and the timestamp:
# delivery, 503 twice then success (same webhook-id each time, backoff
# across --once runs), 429 retried, 400 final, a wrong secret refused by
# the receiver, a receiver whose CA is not trusted (TLS verification is
# always on) and one that is down; no secret or token in the log.  TAP.
set -u
. tests/lib/tap.sh
. tests/lib/fetch.sh
[ -x "$FETCH" ] || skip_all "$FETCH not built"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
command -v openssl >/dev/null 2>&1 || skip_all "openssl not installed"
T=$(mktemp -d)
RPID=
trap '[ -n "$RPID" ] && kill "$RPID" 2>/dev/null; rm -rf "$T"' EXIT
check() { if eval "$2"; then ok "$1"; else not_ok "$1" "${3:-$2}"; fi; }
once() { "$FETCH" --once -c "$1" >>"$T/log" 2>&1; echo $?; }

sh tests/fetch-queue/make-test-ca.sh "$T" good || skip_all "openssl could not make a test CA"
sh tests/fetch-queue/make-test-ca.sh "$T" other
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
printf '%s\n' "$SECRET" >"$T/secret"; chmod 600 "$T/secret"
printf '%s\n' whsec_QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB >"$T/wrong"; chmod 600 "$T/wrong"
mkdir "$T/rx"
timeout 300 python3 tests/fetch-queue/webhook-receiver.py "$T/rx" "$T/good.pem" "$T/good.key" "$SECRET" &
RPID=$!
i=0; while [ ! -f "$T/rx/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -f "$T/rx/port" ] || { echo "1..0 # SKIP the receiver did not start"; exit 0; }
PORT=$(cat "$T/rx/port")
# Retry times are whole seconds: a delay of 3 leaves a slow (sanitizer,
# loaded machine) run 2 s between two runs that must not retry.
conf() { # FILE CAFILE SECRETFILE [PORT]
	fetch_conf "$1" CertIssueAction webhook PinIssueAction webhook WebhookURL "https://127.0.0.1:${4:-$PORT}/hook" \
		WebhookCAFile "$2" WebhookSecretFile "$3" WebhookTimeout 5 RetryDelay 3 RetryMaxDelay 3 MaxAttempts 4
}
conf "$T/c.conf" "$T/good-ca.pem" "$T/secret"
reqs() { cat "$T/rx/requests" 2>/dev/null | grep -c "^$1 "; }

j1=$(fetch_job "$T/spool" cert-issue "$(fetch_token 1)")
check "delivered: --once exits 0" "[ \$(once '$T/c.conf') = 0 ]"
check "receiver verified signature and timestamp" "grep -q '^$j1 verified 200' '$T/rx/requests'"
check "the body is the job JSON (without its newline)" "[ \"\$(cat '$T/rx/body.$j1')\" = \"\$(cat '$T/spool/done/$j1.json')\" ]"
check "job in done/" "[ -f '$T/spool/done/$j1.json' ]"

printf '503\n503\n' >"$T/rx/plan"
j2=$(fetch_job "$T/spool" pin-issue "$(fetch_token 2)")
check "503: retry (75)" "[ \$(once '$T/c.conf') = 75 ]"
check "503: not again before the delay" "[ \$(once '$T/c.conf') = 75 ] && [ \$(reqs $j2) = 1 ]"
sleep 4
check "503 twice: retry again" "[ \$(once '$T/c.conf') = 75 ]"
sleep 4
check "then delivered" "[ \$(once '$T/c.conf') = 0 ] && [ -f '$T/spool/done/$j2.json' ]"
check "three requests, all with the job id as webhook-id" "[ \$(reqs $j2) = 3 ]"

printf '429\n' >"$T/rx/plan"
j3=$(fetch_job "$T/spool" cert-issue "$(fetch_token 3)")
check "429: retry" "[ \$(once '$T/c.conf') = 75 ] && [ -f '$T/spool/cur/$j3.json' ]"
sleep 4
check "429 then delivered" "[ \$(once '$T/c.conf') = 0 ]"

printf '400\n' >"$T/rx/plan"
j4=$(fetch_job "$T/spool" cert-issue "$(fetch_token 4)")
check "400: failed (1)" "[ \$(once '$T/c.conf') = 1 ] && [ -f '$T/spool/failed/$j4.json' ] && [ \$(reqs $j4) = 1 ]"

conf "$T/wrong.conf" "$T/good-ca.pem" "$T/wrong"
j5=$(fetch_job "$T/spool" cert-issue "$(fetch_token 5)")
check "wrong secret: receiver says 401, job failed" "[ \$(once '$T/wrong.conf') = 1 ] && grep -q '^$j5 badsig 401' '$T/rx/requests'"

conf "$T/untrusted.conf" "$T/other-ca.pem" "$T/secret"
j6=$(fetch_job "$T/spool" cert-issue "$(fetch_token 6)")
check "receiver not trusted: retry, nothing sent" "[ \$(once '$T/untrusted.conf') = 75 ] && [ \$(reqs $j6) = 0 ]"
grep -q "$j6.*webhook 127.0.0.1:.*SSL\|$j6.*webhook 127.0.0.1: .*certificate" "$T/log" &&
	ok "the TLS failure is said" || not_ok "the TLS failure is said" "$(grep "$j6" "$T/log" | head -2)"
rm -f "$T/spool/cur/$j6.json"

DOWN=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
conf "$T/down.conf" "$T/good-ca.pem" "$T/secret" "$DOWN"
j7=$(fetch_job "$T/spool" cert-issue "$(fetch_token 7)")
check "receiver down: retry" "[ \$(once '$T/down.conf') = 75 ] && [ -f '$T/spool/cur/$j7.json' ]"

check "the secret is not in the log" "! grep -q 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' '$T/log'"
check "no token in the log" "! grep -q 'VGVzdFRva2Vu' '$T/log'"
echo "1..$n"
