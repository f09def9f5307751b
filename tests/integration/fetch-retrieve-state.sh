#!/bin/sh
# The state upki-fetch keeps around the retrieve action, driven through
# the stand-in retrieve (tests/fetch-queue/retrieve-fake.c, always the FAKE
# build: the real flow is tested with its own HTTPS server): a cert-issue
# job refused until its PIN notice was fetched is a retry, not a failure;
# a ZIP downloaded before its PIN is known is kept (0600) and the job
# waits; a pin-issue job records the PINs (state database 0600) and the
# waiting install runs in the same pass, pin-issue first; the single
# download is never made twice, also not after a crash that left the ZIP
# but no state; a PIN ZIP left by a crash is read again, and removed once
# its PINs are recorded; no PIN in the log.  TAP output.
set -u
. tests/lib/tap.sh
. tests/lib/fetch.sh
[ -x "$FAKE" ] || skip_all "$FAKE not built"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
tap_tmpdir
check() { if eval "$2"; then ok "$1"; else not_ok "$1" "${3:-$2}"; fi; }
once() { UPKI_FETCH_FAKE="$T/site" "$FAKE" --once -c "$T/c.conf" >>"$T/log" 2>&1; echo $?; }
count() { cat "$T/site/downloads" 2>/dev/null | grep -c "^$1\$"; }
PIN=Secret-PIN-4242
mkdir -p "$T/site"
printf 'taro@example.ac.jp\tCN=Taro Yamada,O=Example University\n' >"$T/site/client"
fetch_conf "$T/c.conf" CertIssueAction retrieve PinIssueAction retrieve RetryDelay 1 RetryMaxDelay 1 MaxAttempts 20

# 1. The site refuses the certificate until the PIN notice was fetched.
touch "$T/site/needs-pin"
c1=$(fetch_job "$T/spool" cert-issue "$(fetch_token 1)")
check "cert-issue before its PIN: retry (75), not failed" "[ \$(once) = 75 ] && [ -f '$T/spool/cur/$c1.json' ]"
check "no ZIP yet" "[ ! -e '$T/output/zip/$c1.zip' ] && [ \$(count cert) = 0 ]"
printf 'taro@example.ac.jp\tCN=Taro Yamada,O=Example University\t%s\n' "$PIN" >"$T/site/pins"
p1=$(fetch_job "$T/spool" pin-issue "$(fetch_token 2)")
sleep 1.1
check "the PIN notice then the certificate, in one pass" "[ \$(once) = 0 ] && [ -f '$T/spool/done/$p1.json' ] && [ -f '$T/spool/done/$c1.json' ]"
check "installed with the recorded PIN" "[ \"\$(cat '$T/output/$c1.p12')\" = '$PIN' ]"
check "one download each" "[ \$(count pin) = 1 ] && [ \$(count cert) = 1 ]"
check "the ZIP is kept, 0600" "[ \"\$(stat -c %a '$T/output/zip/$c1.zip')\" = 600 ]"
check "state database 0600" "[ \"\$(stat -c %a '$T/state/state.db')\" = 600 ]"
check "installs recorded" "python3 -c 'import sqlite3,sys; assert sqlite3.connect(sys.argv[1]).execute(\"select count(*) from installed where job_id=?\",(sys.argv[2],)).fetchone()[0]==1' '$T/state/state.db' '$c1'"

# 2. The ZIP comes before the PIN: kept, the job waits, the PIN opens it.
rm -f "$T/site/needs-pin" "$T/site/downloads"
printf 'hanako@example.ac.jp\tCN=Hanako\n' >"$T/site/client"
c2=$(fetch_job "$T/spool" cert-issue "$(fetch_token 3)")
check "ZIP downloaded, no PIN yet: retry" "[ \$(once) = 75 ] && [ -f '$T/output/zip/$c2.zip' ] && [ ! -e '$T/output/$c2.p12' ]"
check "the ZIP path is in the state" "python3 -c 'import sqlite3,sys; assert sqlite3.connect(sys.argv[1]).execute(\"select zip_path from jobs where id=?\",(sys.argv[2],)).fetchone()[0].endswith(sys.argv[2]+\".zip\")' '$T/state/state.db' '$c2'"
sleep 1.1
check "retried without its PIN: still waiting" "[ \$(once) = 75 ]"
check "the single download was not made again" "[ \$(count cert) = 1 ]"
printf 'hanako@example.ac.jp\tCN=Hanako\tPIN-of-Hanako-77\n' >"$T/site/pins"
p2=$(fetch_job "$T/spool" pin-issue "$(fetch_token 4)")
check "the PIN arrives: the waiting ZIP is installed in the same pass" "[ \$(once) = 0 ] && [ \"\$(cat '$T/output/$c2.p12')\" = PIN-of-Hanako-77 ]"
check "still one certificate download" "[ \$(count cert) = 1 ]"

# 3. A crash after the ZIP was written, before the state: no new download.
rm -f "$T/site/downloads"
c3=$(fetch_job "$T/spool" cert-issue "$(fetch_token 5)")
mkdir -p "$T/output/zip"
printf 'hanako@example.ac.jp\tCN=Hanako\n' >"$T/output/zip/$c3.zip"
check "a ZIP on disk is used, never fetched again" "[ \$(once) = 0 ] && [ \$(count cert) = 0 ] && [ -f '$T/output/$c3.p12' ]"

# 4. A crash after the PIN ZIP was written, before its PINs were recorded:
# the rerun reads the file, downloads nothing, records them, removes it.
rm -f "$T/site/downloads"
p4=$(fetch_job "$T/spool" pin-issue "$(fetch_token 6)")
printf 'kept@example.ac.jp\tCN=Kept\tPIN-from-the-kept-zip\n' >"$T/output/zip/$p4.pin.zip"
check "a PIN ZIP on disk is read again, never fetched again" "[ \$(once) = 0 ] && [ \$(count pin) = 0 ] && [ -f '$T/spool/done/$p4.json' ]"
check "its PINs are recorded" "python3 -c 'import sqlite3,sys; assert sqlite3.connect(sys.argv[1]).execute(\"select pin from pins where email=?\",(\"kept@example.ac.jp\",)).fetchone()[0]==\"PIN-from-the-kept-zip\"' '$T/state/state.db'"
check "the PIN ZIP is removed once they are" "[ ! -e '$T/output/zip/$p4.pin.zip' ] && [ ! -e '$T/output/zip/$p1.pin.zip' ]"
# 5. A crash after the commit, before the job's row: recorded, nothing fetched.
p5=$(fetch_job "$T/spool" pin-issue "$(fetch_token 7)")
python3 -c 'import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); db.execute("insert into pin_jobs values (?,1,0)",(sys.argv[2],)); db.commit()' "$T/state/state.db" "$p5"
check "PINs recorded before a crash: done without a download" "[ \$(once) = 0 ] && [ \$(count pin) = 0 ] && [ -f '$T/spool/done/$p5.json' ]"

check "no PIN in the log" "! grep -q -e '$PIN' -e 'PIN-of-Hanako' -e 'PIN-from-the' '$T/log'"
check "no token in the log" "! grep -q 'VGVzdFRva2Vu' '$T/log'"
echo "1..$n"
