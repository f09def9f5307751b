# fetch.sh - helpers of the upki-fetch tests (sourced after tap.sh).
# FETCH is the shipped upki-fetch when it is built (it needs the retrieve
# action, fetch/retrieve*.c), else the same program linked with the
# stand-in retrieve of tests/fetch-queue/retrieve-fake.c: the exec, webhook and
# keep actions and the queue are the same code in both.  FAKE is always
# the stand-in build (tests of the state kept around retrieve).
FAKE="$BUILD/tests/fetch-queue/upki-fetch-fake"
if [ -x "$BUILD/upki-fetch" ]; then FETCH="$BUILD/upki-fetch"; else FETCH="$FAKE"; fi

# fetch_conf FILE KEY VALUE...: writes a config from key/value pairs,
# Spool, StateFile and OutputDir under $T unless given.
fetch_conf() {
	fc_file=$1; shift
	{
		echo "Spool $T/spool"
		echo "StateFile $T/state/state.db"
		echo "OutputDir $T/output"
		while [ $# -ge 2 ]; do echo "$1 $2"; shift 2; done
	} >"$fc_file"
}

# fetch_job SPOOL KIND TOKEN [VERSION]: writes a job as libupki would
# (id = first 32 hex of SHA-256 of the URL) into SPOOL/new; prints the id.
fetch_job() {
	python3 - "$@" <<'PY'
import hashlib, json, os, sys
spool, kind, token = sys.argv[1:4]
version = int(sys.argv[4]) if len(sys.argv) > 4 else 2
page = "SPEntranceCliPin.jsp" if kind == "pin-issue" else "SPEntranceCliAll.jsp"
url = "https://scia.secomtrust.net/upki-odcert/download/view/jsp/%s?p1=%s" % (page, token)
jid = hashlib.sha256(url.encode()).hexdigest()[:32]
job = {"version": version, "id": jid, "kind": kind, "url": url, "deadline": None,
       "message_id": None, "from": "ca-support@ml.secom-sts.co.jp", "subject": None,
       "signer": None, "signer_email": None, "signing_time": None,
       "queued_at": "2026-11-02T01:16:00Z", "source": "test"}
if version >= 2:
    job["recipient"] = "office@example.ac.jp"
for d in ("tmp", "new", "cur", "failed"):
    os.makedirs(os.path.join(spool, d), mode=0o700, exist_ok=True)
tmp = os.path.join(spool, "tmp", jid + ".w")
with open(tmp, "w") as f:
    f.write(json.dumps(job, separators=(",", ":")) + "\n")
os.chmod(tmp, 0o600)
os.link(tmp, os.path.join(spool, "new", jid + ".json"))
os.unlink(tmp)
print(jid)
PY
}

# fetch_row DB ID: "status attempts next_try" of a job in the state database.
fetch_row() {
	python3 -c 'import sqlite3,sys
r=sqlite3.connect(sys.argv[1]).execute("select status,attempts,next_try from jobs where id=?",(sys.argv[2],)).fetchone()
print(" ".join(map(str,r)) if r else "none")' "$1" "$2"
}

# fetch_token N: a distinct 64-character token for test job N.
fetch_token() {
	printf 'VGVzdFRva2Vu%052d' "$1"
}
