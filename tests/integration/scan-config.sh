#!/bin/sh
# One config for all programs (upki-scan(1) FILES, upki-fetch.conf(5)):
# upki-scan reads the system file by default and the user's own file
# over it; --config FILE (repeatable) reads those files instead; -n says
# which files were read; milter-only keys are accepted; a system file
# that cannot be read is said once and the filter still marks mail; a
# broken one names its file and line; a batch scan ignores the default
# files' Spool; upki-fetch takes Spool from the system file unless its
# own file sets it, and works the spool the filter wrote through it.
# The system file is UPKI_SYSTEM_CONFIG here (the test's own, never the
# machine's /etc/upki-milter.conf).  TAP output.
set -u
. tests/lib/tap.sh
. tests/lib/resign.sh
CA="--ca-file=samples/ca/root.pem"
FETCH="$BUILD/upki-fetch"
tap_tmpdir
NOW=$(date +%s)
resign samples/cert-issue.eml "$NOW" "$T/genuine.eml" || skip_all "cannot re-sign samples/cert-issue.eml"
GENUINE=$T/genuine.eml

check() { name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; sed 's/^/# /' "$T/err" 2>/dev/null; fi; }
err_says() { grep -q -- "$1" "$T/err"; }
out_says() { grep -q -- "$1" "$T/out"; }
ar_id() { grep -q "^Authentication-Results: $1; smime=" "$T/out"; }
jobs_in() { find "$1" -type f 2>/dev/null | wc -l | tr -d ' '; }

# the environment of a user: no user file unless a test writes one
mkdir -p "$T/home" "$T/xdg"
HOME=$T/home
XDG_CONFIG_HOME=$T/xdg
export HOME XDG_CONFIG_HOME
SYS=$T/sys.conf
USERCONF=$T/xdg/upki-notice/upki.conf

# The system file, with the milter's own keys (ignored by upki-scan).
cat >"$SYS" <<EOF
# the milter's
Socket      local:$T/milter.sock
UserID      upki-milter
PidFile     $T/milter.pid
OnSuspicious reject
AuthservID  sys.example.ac.jp
SubjectTag  [SYS]
Spool       $T/sysspool
EOF

# 1. No file at all: defaults, nothing said.
"$SCAN" --filter $CA <"$GENUINE" >"$T/out" 2>"$T/err"
check "no system file: exit 0" test $? = 0
check "no system file: nothing on stderr" test ! -s "$T/err"
check "no system file: the host name is the authserv-id" ar_id "$(hostname)"
"$SCAN" -n $CA >"$T/out" 2>"$T/err"
check "-n without files: exit 0 and says so" sh -c "[ $? = 0 ] && grep -q 'no config file read' '$T/out'"

# 2. The system file is read by default.
export UPKI_SYSTEM_CONFIG="$SYS"
"$SCAN" --filter $CA <"$GENUINE" >"$T/out" 2>"$T/err"
check "system file: exit 0" test $? = 0
check "system file: its AuthservID" ar_id sys.example.ac.jp
check "system file: milter-only keys accepted silently" test ! -s "$T/err"
check "system file: the filter hands off to its Spool" test "$(jobs_in "$T/sysspool/new")" = 1
"$SCAN" -n $CA >"$T/out" 2>"$T/err"
check "-n: exit 0" test $? = 0
check "-n: names the system file" out_says "read $SYS"
check "-n: configuration OK" out_says "configuration OK"

# 3. A batch scan does not take the default files' Spool: an archive scan
#    hands off only when asked.
rm -rf "$T/sysspool"
"$SCAN" -q $CA "$GENUINE" >"$T/out" 2>"$T/err"
check "batch: genuine" out_says '"verdict":"genuine"'
check "batch: no job from the system file's Spool" test ! -e "$T/sysspool"
"$SCAN" -q $CA --spool="$T/asked" "$GENUINE" >"$T/out" 2>"$T/err"
check "batch: --spool still hands off" test "$(jobs_in "$T/asked/new")" = 1
printf 'Spool %s\n' "$T/named" >"$T/named.conf"
"$SCAN" -q $CA --config="$T/named.conf" "$GENUINE" >"$T/out" 2>"$T/err"
check "batch: a --config file's Spool still hands off" test "$(jobs_in "$T/named/new")" = 1

# 4. The user's file over the system one: its keys win, the others stay.
mkdir -p "$T/xdg/upki-notice"
printf 'AuthservID user.example.ac.jp\n' >"$USERCONF"
"$SCAN" --filter $CA <samples/phish-unsigned.eml >"$T/out" 2>"$T/err"
check "user file: its AuthservID wins" ar_id user.example.ac.jp
check "user file: the system SubjectTag stays" grep -q '^Subject: \[SYS\]' "$T/out"
"$SCAN" -n $CA >"$T/out" 2>"$T/err"
check "-n: both files, system first" sh -c "grep -n '^upki-scan: read ' '$T/out' | tr '\n' ' ' |
	grep -q '^1:upki-scan: read $SYS 2:upki-scan: read $USERCONF '"
# without XDG_CONFIG_HOME: ~/.config
mkdir -p "$T/home/.config/upki-notice"
printf 'AuthservID home.example.ac.jp\n' >"$T/home/.config/upki-notice/upki.conf"
env -u XDG_CONFIG_HOME "$SCAN" --filter $CA <"$GENUINE" >"$T/out" 2>"$T/err"
check "no XDG_CONFIG_HOME: ~/.config/upki-notice/upki.conf" ar_id home.example.ac.jp

# 5. --config FILE: that file instead of both; repeated, the later wins.
printf 'AuthservID a.example.ac.jp\nSubjectTag [A]\n' >"$T/a.conf"
printf 'AuthservID b.example.ac.jp\n' >"$T/b.conf"
"$SCAN" --filter $CA --config="$T/a.conf" <samples/phish-unsigned.eml >"$T/out" 2>"$T/err"
check "--config: its AuthservID" ar_id a.example.ac.jp
check "--config: the system file's keys are not read" grep -q '^Subject: \[A\]' "$T/out"
"$SCAN" --filter $CA --config="$T/a.conf" --config "$T/b.conf" <samples/phish-unsigned.eml >"$T/out" 2>"$T/err"
check "--config twice: the later file's key wins" ar_id b.example.ac.jp
check "--config twice: the earlier file's other keys stay" grep -q '^Subject: \[A\]' "$T/out"
"$SCAN" -n $CA --config="$T/a.conf" --config="$T/b.conf" >"$T/out" 2>"$T/err"
check "-n --config twice: the two files, in order, nothing else" \
	test "$(grep '^upki-scan: read ' "$T/out" | tr '\n' ' ')" = "upki-scan: read $T/a.conf upki-scan: read $T/b.conf "
"$SCAN" -n $CA --config="$T/nonexistent.conf" >"$T/out" 2>"$T/err"
check "-n, a named file missing: exit 4" test $? = 4
check "-n, a named file missing: named" err_says "nonexistent.conf"

# 6. A broken system file: the error names its file and line; the filter
#    still passes mail on (exit 0) with forged verdicts removed.
cp "$SYS" "$T/sys.good"
printf 'NoSuchKey 1\n' >>"$SYS"
"$SCAN" -n $CA >"$T/out" 2>"$T/err"
check "-n, broken system file: exit 4" test $? = 4
check "-n, broken system file: FILE:LINE" err_says "$SYS:9: unknown key 'NoSuchKey'"
{ printf 'X-UPKI-Notice: genuine; kind=cert-issue\r\n'; cat samples/phish-unsigned.eml; } >"$T/forged.eml"
"$SCAN" --filter $CA <"$T/forged.eml" >"$T/out" 2>"$T/err"
check "broken system file: filter exit 0" test $? = 0
check "broken system file: forged verdict removed" sh -c "! grep -qi '^x-upki-notice' '$T/out'"
check "broken system file: passed on unchanged, said" err_says "passed on unchanged"
printf 'OnSuspicious drop\n' >"$USERCONF"
cp "$T/sys.good" "$SYS"
"$SCAN" -n $CA >"$T/out" 2>"$T/err"
check "-n, broken user file: FILE:LINE" err_says "$USERCONF:1: bad value for OnSuspicious"
printf 'AuthservID user.example.ac.jp\n' >"$USERCONF"

# 7. A system file the user cannot read: said once, the filter marks
#    mail with the user's file and the defaults (exit 0).
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 && as_nobody test -r samples/ca/root.pem &&
   as_nobody test -x "$SCAN"; then
	chmod 755 "$T" "$T/xdg" "$T/xdg/upki-notice"
	chmod 644 "$USERCONF" "$GENUINE"
	chmod 600 "$SYS"
	as_nobody "$SCAN" --filter $CA <"$GENUINE" >"$T/out" 2>"$T/err"
	check "unreadable system file: exit 0" test $? = 0
	check "unreadable system file: one warning naming it" \
		sh -c "[ \$(wc -l <'$T/err') = 1 ] && grep -q 'warning: .*$SYS.*going on without the system config' '$T/err'"
	check "unreadable system file: marked genuine" grep -q '^X-UPKI-Notice: genuine' "$T/out"
	check "unreadable system file: the user's AuthservID" ar_id user.example.ac.jp
	as_nobody "$SCAN" -n $CA >"$T/out" 2>"$T/err"
	check "-n, unreadable system file: exit 0, only the user file read" \
		sh -c "[ $? = 0 ] && ! grep -q 'read $SYS' '$T/out' && grep -q 'read $USERCONF' '$T/out'"
	chmod 644 "$SYS"
else
	ok "unreadable system file # SKIP not root, or cannot become nobody here"
fi

# 8. upki-fetch: Spool and Ledger from the system file unless its own file sets them.
OUT=$T/fetch-out
printf 'StateFile %s/state.db\nOutputDir %s\n' "$T" "$OUT" >"$T/fetch.conf"
"$FETCH" -n -c "$T/fetch.conf" >"$T/out" 2>"$T/err"
check "fetch -n: exit 0" test $? = 0
check "fetch -n: names the system file and the key it gave" out_says "read $SYS (shared keys: Spool)"
check "fetch -n: names its own file" out_says "read $T/fetch.conf"
check "fetch -n: Spool from the system file" out_says "Spool $T/sysspool ($SYS)"
printf 'Spool %s/own-spool\n' "$T" >>"$T/fetch.conf"
"$FETCH" -n -c "$T/fetch.conf" >"$T/out" 2>"$T/err"
check "fetch -n: its own Spool wins" out_says "Spool $T/own-spool ($T/fetch.conf)"
sed -i '/^Spool/d' "$T/fetch.conf"
env UPKI_SYSTEM_CONFIG="$T/nonexistent.conf" "$FETCH" -n -c "$T/fetch.conf" >"$T/out" 2>"$T/err"
check "fetch -n, no system file: the built-in default, nothing said" \
	sh -c "grep -q 'Spool /var/spool/upki-notice (default)' '$T/out' && [ ! -s '$T/err' ]"
printf 'Spool %s/sysspool\nLedger %s/office.db\n' "$T" "$T" >"$T/ledger-sys.conf"
env UPKI_SYSTEM_CONFIG="$T/ledger-sys.conf" "$FETCH" -n -c "$T/fetch.conf" >"$T/out" 2>"$T/err"
check "fetch -n: Ledger from the system file too" out_says "read $T/ledger-sys.conf (shared keys: Spool Ledger)"
printf 'Ledger office.db\n' >"$T/rel.conf"
env UPKI_SYSTEM_CONFIG="$T/rel.conf" "$FETCH" -n -c "$T/fetch.conf" >"$T/out" 2>"$T/err"
check "fetch -n, relative Ledger in the system file: exit 1 naming it" \
	sh -c "[ $? = 1 ] && grep -q '$T/rel.conf: bad value for Ledger' '$T/err'"
printf 'Spool relative/spool\n' >"$T/rel.conf"
env UPKI_SYSTEM_CONFIG="$T/rel.conf" "$FETCH" -n -c "$T/fetch.conf" >"$T/out" 2>"$T/err"
check "fetch -n, relative Spool in the system file: exit 1 naming it" \
	sh -c "[ $? = 1 ] && grep -q '$T/rel.conf: bad value for Spool' '$T/err'"
# end to end: the filter writes through the system file, the fetcher
# (keep) finds the job there without being told the spool
rm -rf "$T/sysspool"
"$SCAN" --filter $CA <"$GENUINE" >"$T/out" 2>"$T/err"
"$FETCH" --once -c "$T/fetch.conf" >"$T/fout" 2>"$T/err"
check "fetch --once: exit 0" test $? = 0
check "fetch --once: the filter's job is done" test "$(jobs_in "$T/sysspool/done")" = 1
check "fetch --once: keep wrote the job to OutputDir" test "$(find "$OUT" -name '*.json' | wc -l)" -ge 1

echo "1..$n"
