#!/bin/sh
# ledger.sh - upki-scan --ledger and --report on a generated archive
# (tests/tools/make-ledger-archive.sh: a few hundred notices of every kind
# over two years, duplicates, look-alikes, a second source).  The
# expected report is derived from the generator's manifest (each
# person's fate fixes the states, docs/ledger.md), never written down:
# every job by its id, every certificate by its serial, the counts per
# state and per month, the actions, the suspicious notices.  Then: a
# re-scan adds nothing, -j 2 gives the same ledger, the file is 0600,
# neither the ledger nor a report holds a URL or token, and a report
# from the ledger alone is the report of the scan.
set -u
. tests/lib/tap.sh
tap_tmpdir

command -v openssl >/dev/null || skip_all "openssl missing"
command -v python3 >/dev/null || skip_all "python3 missing"
[ -x "$BUILD/tools/upki-testsign" ] || skip_all "$BUILD/tools/upki-testsign missing (make all-tests)"

PEOPLE=${LEDGER_PEOPLE:-96}
AS_OF=2026-12-31T00:00:00Z
AS_OF_EPOCH=$(date -u -d "$AS_OF" +%s)
A=$T/archive
CA="--ca-file samples/ca/root.pem"

if BUILD=$BUILD bash tests/tools/make-ledger-archive.sh "$A" "$PEOPLE" 14 "$AS_OF_EPOCH" 2>"$T/gen.log"; then
	ok "archive generated ($(cat "$T/gen.log"))"
else
	not_ok "archive generated" "$(tail -3 "$T/gen.log")"
	echo "1..$n"
	exit 0
fi

# report LEDGER OUT [upki-scan arguments]: the JSON report as of AS_OF.
report() {
	rl=$1 ro=$2; shift 2
	# shellcheck disable=SC2086
	"$SCAN" -q $CA --report=json --as-of="$AS_OF" --ledger="$rl" "$@" >"$ro" 2>"$ro.err"
}

L=$T/ledger.sqlite
if report "$L" "$T/r1.json" "$A/archive.mbox" "$A/copies"; then
	ok "scan with --ledger --report=json exits 0"
else
	not_ok "scan with --ledger --report=json exits 0" "$(head -3 "$T/r1.json.err")"
fi

# Field by field against the manifest; one line per mismatch.
python3 - "$A/manifest.tsv" "$T/r1.json" "$AS_OF_EPOCH" >"$T/check.out" 2>&1 <<'EOF'
import collections, json, sys, time

manifest, report, as_of = sys.argv[1], json.load(open(sys.argv[2])), int(sys.argv[3])
rows = [l.rstrip("\n").split("\t") for l in open(manifest)]
genuine = [r for r in rows if r[0] == "genuine"]
suspicious = [r for r in rows if r[0] == "suspicious"]
bad = []

def expect(what, got, want):
    if got != want:
        bad.append("%s: got %r, want %r" % (what, got, want))

# The state of every job, from its person's fate (make-ledger-archive.sh).
job_state = {"R": "retrieved", "N": "retrieved", "V": "retrieved", "U": "expired-unused"}
want_jobs = {}
for verdict, kind, t, who, job, serial, old, fate, person in genuine:
    if job == "-":
        continue
    if fate in job_state:
        state = job_state[fate]
    elif fate == "S":
        state = "stalled" if kind == "pin-issue" else "issue-accepted"
    else:
        state = "issue-accepted"
    action = {"expired-unused": "expired-unused", "stalled": "stalled"}.get(state)
    if fate == "D":
        action = "deadline-soon"
    want_jobs[job] = (kind, who, state, action)
got_jobs = {j["job_id"]: j for j in report["jobs"]}
expect("job ids", sorted(got_jobs), sorted(want_jobs))
for job, (kind, who, state, action) in want_jobs.items():
    j = got_jobs.get(job, {})
    expect("job %s kind" % job, j.get("kind"), kind)
    expect("job %s recipient" % job, j.get("recipient"), who)
    expect("job %s state" % job, j.get("state"), state)
    expect("job %s action" % job, j.get("action"), action)

# Every certificate by its serial: retrieved, replaced by its renewal,
# renewed, or revoked (and then nobody reissued it).
want_certs = {}
for verdict, kind, t, who, job, serial, old, fate, person in genuine:
    if kind == "cert-retrieved":
        want_certs[serial] = "revoked" if fate == "V" else ("replaced" if fate == "N" else "retrieved")
    elif kind == "cert-renewed":
        want_certs[serial] = "renewed"
got_certs = {c["serial"]: c for c in report["certificates"]}
expect("certificate serials", sorted(got_certs), sorted(want_certs))
for serial, state in want_certs.items():
    c = got_certs.get(serial, {})
    expect("certificate %s state" % serial, c.get("state"), state)
    expect("certificate %s action" % serial, c.get("action"),
           "revoked-not-reissued" if state == "revoked" else None)
    if c.get("dn") and "CN=p" not in c["dn"]:
        bad.append("certificate %s: DN %r names nobody generated" % (serial, c["dn"]))

s = report["summary"]
expect("summary.notices", s["notices"], len(genuine))
expect("summary.suspicious", s["suspicious"], len(suspicious))
for state in ("issue-accepted", "pin-issued", "retrieved", "expired-unused", "stalled"):
    expect("summary.jobs.%s" % state, s["jobs"][state], sum(1 for v in want_jobs.values() if v[2] == state))
for state in ("retrieved", "renewed", "replaced", "revoked"):
    expect("summary.certificates.%s" % state, s["certificates"][state],
           sum(1 for v in want_certs.values() if v == state))

months = collections.defaultdict(collections.Counter)
for r in rows:
    months[time.strftime("%Y-%m", time.gmtime(int(r[2])))][r[1] if r[0] == "genuine" else "suspicious"] += 1
got_months = {m["month"]: m for m in s["months"]}
expect("months", sorted(got_months), sorted(months))
for m, c in months.items():
    for k in ("cert-issue", "pin-issue", "cert-retrieved", "cert-renewed", "cert-revoked", "suspicious"):
        expect("month %s %s" % (m, k), got_months.get(m, {}).get(k), c[k])

want_actions = sorted([v[3] for v in want_jobs.values() if v[3]] +
                      ["revoked-not-reissued" for v in want_certs.values() if v == "revoked"])
expect("actions", sorted(a["action"] for a in report["action"]), want_actions)
expect("timeline length", len(report["timeline"]), len(genuine))
times = [e["signed"] for e in report["timeline"]]
expect("timeline in time order", times, sorted(times))
expect("suspicious recipients' hosts", sorted(x["url_host"] for x in report["suspicious"]),
       ["scia.secomtrust.net.evil.example"] * len(suspicious))
for x in report["suspicious"]:
    if "unsigned" not in x["reasons"] or "url-host" not in x["reasons"]:
        bad.append("suspicious %s: reasons %r" % (x["message_id"], x["reasons"]))
print("\n".join(bad[:20]))
sys.exit(1 if bad else 0)
EOF
if [ $? = 0 ]; then
	ok "the report is the one the manifest implies ($(wc -l <"$A/manifest.tsv") notices, $PEOPLE people)"
else
	not_ok "the report is the one the manifest implies" "$(head -5 "$T/check.out" | tr '\n' ';')"
fi

mode=$(stat -c %a "$L")
[ "$mode" = 600 ] && ok "the ledger is 0600" || not_ok "the ledger is 0600" "mode $mode"

count_rows() {
	python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(" ".join(str(db.execute("SELECT count(*) FROM " + t).fetchone()[0]) for t in ("notices", "suspicious")))' "$1"
}
before=$(count_rows "$L")
want="$(grep -c '^genuine' "$A/manifest.tsv") $(grep -c '^suspicious' "$A/manifest.tsv")"
[ "$before" = "$want" ] && ok "one row per distinct notice, duplicates and copies folded ($before)" ||
	not_ok "one row per distinct notice" "rows $before, manifest $want"

# A re-scan of the same archive, in the other order, adds nothing.
report "$L" "$T/r2.json" "$A/copies" "$A/archive.mbox"
after=$(count_rows "$L")
if [ "$after" = "$before" ] && cmp -s "$T/r1.json" "$T/r2.json"; then
	ok "re-scanning adds nothing and changes nothing"
else
	not_ok "re-scanning adds nothing and changes nothing" "rows $before -> $after"
fi

# The ledger alone gives the same report.
report "$L" "$T/r3.json"
cmp -s "$T/r1.json" "$T/r3.json" && ok "--report --ledger without PATH reads the ledger" ||
	not_ok "--report --ledger without PATH reads the ledger"

# -j 2: the inputs in parallel, one writer; the same ledger.
report "$T/j2.sqlite" "$T/j2.json" -j 2 "$A/archive.mbox" "$A/copies"
cmp -s "$T/r1.json" "$T/j2.json" && ok "-j 2 builds the same ledger" ||
	not_ok "-j 2 builds the same ledger" "$(diff "$T/r1.json" "$T/j2.json" | head -4 | tr '\n' ';')"

# --report alone (no --ledger): a ledger of its own, removed after.
"$SCAN" -q $CA --report=json --as-of="$AS_OF" "$A/archive.mbox" "$A/copies" >"$T/r4.json" 2>/dev/null
cmp -s "$T/r1.json" "$T/r4.json" && ok "--report without --ledger gives the same report" ||
	not_ok "--report without --ledger gives the same report"

"$SCAN" -q $CA --report --as-of="$AS_OF" --ledger="$L" >"$T/r.txt" 2>&1
line=$(python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))["summary"]["jobs"]
print("  jobs:         " + " ".join("%s %d" % kv for kv in j.items()))' "$T/r1.json")
grep -qxF "$line" "$T/r.txt" && ok "--report=text says the same counts" ||
	not_ok "--report=text says the same counts" "want '$line'"

# Without a per-message line: --report prints the report only.
grep -q '"verdict"' "$T/r1.json" && not_ok "--report prints no per-message lines" ||
	ok "--report prints no per-message lines"

# No URL, no token: not in the ledger (nor its WAL), not in any report.
tap_no_token "no token in the ledger or the reports" "$A/copies/0001.eml" "$T"/*.sqlite* "$T"/*.json "$T/r.txt"
if grep -l -a 'p1=' "$T"/*.sqlite* "$T"/*.json "$T/r.txt" >/dev/null 2>&1; then
	not_ok "no p1= anywhere" "$(grep -l -a 'p1=' "$T"/*.sqlite* "$T"/*.json "$T/r.txt" | head -3)"
else
	ok "no p1= anywhere"
fi

# Usage errors.
"$SCAN" -q --report=xml --ledger="$L" >/dev/null 2>"$T/e" ; rc=$?
[ "$rc" = 4 ] && grep -q "unknown --report" "$T/e" && ok "--report=xml is a usage error" ||
	not_ok "--report=xml is a usage error" "rc $rc"
"$SCAN" -q --report --as-of=yesterday --ledger="$L" >/dev/null 2>"$T/e"; rc=$?
[ "$rc" = 4 ] && ok "--as-of=yesterday is a usage error" || not_ok "--as-of=yesterday is a usage error" "rc $rc"
echo "1..$n"
