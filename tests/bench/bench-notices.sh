#!/bin/sh
# bench-notices.sh - `make bench`: a certificate office's mailbox, nearly
# all notices, each needing the whole pipeline with S/MIME verification.
# Prints CPU per notice for upki-scan with its verifier cache (the normal
# case), without it (UPKI_SCAN_NO_CACHE=1: every certificate decoded and
# every chain built again, every ISO-2022-JP text through iconv, the JSON
# line through json-glib: the caches and fast paths off), with -j 2, and
# for a Python standard-library peer doing shibcert's checks without any
# signature check (tests/bench/shibcert-peer.py), and with --ledger (a new
# ledger each run; every copy has its own Message-ID, so every notice is
# a row: issue 14's budget is 10% over --notices-only), all on the same
# file in the same run.  Then the floor of the work the design makes
# mandatory per notice (tests/bench/floor.c, built here with cc: GMime's
# parse of the whole message, SHA-256 of its bytes, one signature
# verification of the set's key type) against issue 15's targets.
# Not a test: figures and ratios (docs/performance.md).
#
#   BENCH_NOTICES=6000  notices in the mbox (default 6000)
#   BENCH_RUNS=3        runs per command; the least CPU counts
set -u
# the figures are for the built-in defaults, not the machine's /etc/upki-milter.conf
UPKI_SYSTEM_CONFIG=${UPKI_SYSTEM_CONFIG:-/nonexistent/upki-milter.conf}
export UPKI_SYSTEM_CONFIG
BUILD=${BUILD:-build}
SCAN="$BUILD/upki-scan"
N=${BENCH_NOTICES:-6000}
RUNS=${BENCH_RUNS:-3}
SHARED=${UPKI_SHARED_SAMPLES:-../shared/upki-samples}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT

if [ ! -x "$SCAN" ]; then
	echo "bench-notices: build first (make all)" >&2
	exit 1
fi

# The floor tool; without a compiler or GMime's headers, no floor lines.
FLOOR="$DIR/floor"
# shellcheck disable=SC2046
if ! cc -std=c11 -O2 -Wall -Wextra -Werror -o "$FLOOR" tests/bench/floor.c \
	$(pkg-config --cflags --libs gmime-3.0 2>/dev/null) -lcrypto 2>"$DIR/floor-cc.log"; then
	echo "# floor.c not built (cc, pkg-config gmime-3.0, libssl-dev?): no floor"
	FLOOR=
fi

# The genuine notices of samples/ (their signatures chain to samples/ca)
# and, when present, the real ones (the system store); each set in its
# own mbox so that each runs with its own trust anchors.
make_mbox() {
	out=$1; shift
	python3 - "$out" "$N" "$@" <<'PY'
import sys
out, n, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
msgs = [open(f, "rb").read().replace(b"\r\n", b"\n") for f in files]
with open(out, "wb") as f:
    for i in range(n):
        f.write(b"From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n")
        # Its own Message-ID (outside the signed part): one ledger row each.
        msg = msgs[i % len(msgs)].replace(b"Message-ID: <", b"Message-ID: <%d." % i, 1)
        for line in msg.split(b"\n"):
            if line.lstrip(b">").startswith(b"From "):
                line = b">" + line
            f.write(line + b"\n")
        f.write(b"\n")
PY
}

# cpu_of CMD...: the least user+system CPU seconds of $RUNS runs.
cpu_of() {
	best=""
	i=0
	while [ $i -lt "$RUNS" ]; do
		i=$((i + 1))
		t=$(python3 -c '
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f" % (r.ru_utime + r.ru_stime))' "$@")
		if [ -z "$best" ] || awk "BEGIN { exit !($t < $best) }"; then best=$t; fi
	done
	echo "$best"
}

per() { awk "BEGIN { printf \"%.3f\", $1 * 1000 / $2 }"; }
ratio() { awk "BEGIN { printf \"%.2f\", $1 / ($2 > 0 ? $2 : 0.001) }"; }

# us NAME: floor.c's figure (us/message) on the line starting with NAME.
us() { awk -v k="$1" 'index($0, k) == 1 { print $(NF - 1) }' "$DIR/floor.out"; }

# floor_of MBOX KEY PEER SCAN: the floor.c lines for MBOX, KEY's verification
# (RSA or ECDSA) summed in, against 4x the peer's PEER s CPU and 0.15 ms,
# and upki-scan's SCAN s CPU against it.
floor_of() {
	[ -n "$FLOOR" ] || return 0
	if ! "$FLOOR" "$1" "$RUNS" >"$DIR/floor.out" 2>"$DIR/floor.err"; then
		echo "floor: failed: $(cat "$DIR/floor.err")"
		return 0
	fi
	case $2 in
	RSA) what="one RSA-2048 verify" v=$(us "(c) RSA-2048 verify") f=$(us "floor RSA") ;;
	*) what="one ECDSA P-256 verify" v=$(us "(c) ECDSA P-256 verify") f=$(us "floor ECDSA") ;;
	esac
	fms=$(awk "BEGIN { printf \"%.3f\", $f / 1000 }")
	target=$(awk "BEGIN { printf \"%.3f\", $3 * 1000 / $N / 4 }")
	echo "floor (GMime parse + SHA-256 + $what): $fms ms/notice" \
		"(GMime $(us "(a) GMime") us, SHA-256 $(us "(b) SHA-256") us, verify $v us)"
	echo "  4x the peer needs $target ms/notice: floor/target = $(ratio "$fms" "$target")"
	echo "  the 0.15 ms/notice target: floor/target = $(ratio "$fms" 0.15)"
	echo "  upki-scan -j 1 / floor = $(ratio "$(per "$4" "$N")" "$fms")"
}

run_set() {
	label=$1 mbox=$2 key=$3; shift 3
	notices=$("$SCAN" -q --notices-only "$@" "$mbox" | grep -c '"verdict":"genuine"')
	cached=$(cpu_of "$SCAN" -q --notices-only -j 1 "$@" "$mbox")
	fresh=$(cpu_of env UPKI_SCAN_NO_CACHE=1 "$SCAN" -q --notices-only -j 1 "$@" "$mbox")
	two=$(cpu_of "$SCAN" -q --notices-only -j 2 "$@" "$mbox")
	peer=$(cpu_of python3 tests/bench/shibcert-peer.py "$mbox")
	# A fresh ledger per run (the script removes the last one first).
	printf '#!/bin/sh\nrm -f "%s"/ledger.sqlite*\nexec "$@"\n' "$DIR" >"$DIR/fresh-ledger.sh"
	ledger=$(cpu_of sh "$DIR/fresh-ledger.sh" "$SCAN" -q --notices-only -j 1 --ledger="$DIR/ledger.sqlite" "$@" "$mbox")
	echo
	echo "== $label: $N messages, $notices genuine, $(stat -c %s "$mbox") bytes =="
	printf '%-44s %8s s CPU %8s ms/notice\n' "upki-scan --notices-only -j 1" "$cached" "$(per "$cached" "$N")"
	printf '%-44s %8s s CPU %8s ms/notice\n' "  the same, UPKI_SCAN_NO_CACHE=1 (before)" "$fresh" "$(per "$fresh" "$N")"
	printf '%-44s %8s s CPU %8s ms/notice\n' "upki-scan --notices-only -j 2 (CPU of both)" "$two" "$(per "$two" "$N")"
	printf '%-44s %8s s CPU %8s ms/notice\n' "python3 shibcert-peer.py (no signature check)" "$peer" "$(per "$peer" "$N")"
	printf '%-44s %8s s CPU %8s ms/notice\n' "upki-scan --notices-only -j 1 --ledger" "$ledger" "$(per "$ledger" "$N")"
	echo "cache: $(ratio "$fresh" "$cached")x less CPU than without it"
	echo "ledger: $(awk "BEGIN { printf \"%+.1f\", ($ledger / ($cached > 0 ? $cached : 0.001) - 1) * 100 }")% CPU over --notices-only (budget +10%)"
	echo "upki-scan / python peer throughput: $(ratio "$peer" "$cached")x (target >= 4x; target 0.15 ms/notice)"
	floor_of "$mbox" "$key" "$peer" "$cached"
}

echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
make_mbox "$DIR/samples.mbox" samples/cert-issue.eml samples/cert-issue-lf.eml samples/cert-issue-html.eml \
	samples/cert-issue-opaque.eml samples/cert-revoked.eml samples/cert-renewed.eml samples/cert-retrieved.eml \
	samples/pin-issue.eml
# samples/ca is ECDSA P-256; the real notices are signed with RSA-2048.
run_set "samples/ notices (test CA)" "$DIR/samples.mbox" ECDSA --ca-file=samples/ca/root.pem --verify-time=signing
if [ -d "$SHARED" ]; then
	# shellcheck disable=SC2046
	make_mbox "$DIR/real.mbox" $(ls "$SHARED"/*.eml)
	run_set "real notices ($SHARED, system store)" "$DIR/real.mbox" RSA
else
	echo "real notices: skipped (no $SHARED)"
fi
exit 0
