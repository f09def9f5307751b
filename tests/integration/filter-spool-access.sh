#!/bin/sh
# The filter and a spool it may not write (README "procmail", upki-scan(1)):
# a user's `upki-scan --filter` reads the system config, whose Spool is
# the milter's (0700, another user's).  Run as nobody:
# - a spool that is not ours (another user's, or not there and not ours
#   to create): the mail is marked exactly as without a spool, exit 0,
#   one line on stderr, nothing written to the spool;
# - a hand-off that failed on a spool of our own (it refuses us, or its
#   disk is full: a 64k tmpfs): OnSpoolError tempfail gives the message
#   unchanged and exit 75; accept (in the user's file, over the system
#   file) marks it, exit 0;
# - the real procmail, README's recipe: with the milter's spool the mail
#   arrives marked in .upki/; with a full spool the `:0 e` recipe after
#   the filter defers it (procmail exits 75, nothing delivered), and once
#   the disk has room the retry delivers it and writes the job.
# Root only (to become nobody, to mount the tmpfs); skips saying why.
set -u
. tests/lib/tap.sh
. tests/lib/resign.sh
case $BUILD in /*) SCAN="$BUILD/upki-scan" ;; *) SCAN="$PWD/$BUILD/upki-scan" ;; esac
CAFILE="$PWD/samples/ca/root.pem"
CA="--ca-file=$CAFILE"
T=$(mktemp -d)
trap 'umount "$T/small" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT

[ "$(id -u)" = 0 ] || skip_all "not root: cannot run the filter as another user"
command -v setpriv >/dev/null 2>&1 || skip_all "no setpriv"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
as_nobody test -x "$SCAN" && as_nobody test -r "$CAFILE" ||
	skip_all "nobody cannot run $SCAN or read the test CA"
chmod 755 "$T"
[ -n "${KEEP:-}" ] && echo "# kept: $T"
resign samples/cert-issue.eml "$(date +%s)" "$T/genuine.eml" || skip_all "cannot re-sign samples/cert-issue.eml"
GENUINE=$T/genuine.eml
chmod 644 "$GENUINE"

check() { name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name"; sed 's/^/# /' "$T/err" 2>/dev/null; fi; }
err_says() { grep -q -- "$1" "$T/err"; }
jobs_in() { find "$1" -type f 2>/dev/null | wc -l | tr -d ' '; }
no_token_in_err() { ! tap_has_token "$(tap_token "$GENUINE")" "$T/err"; }
# sysconf NAME SPOOL: $T/NAME.conf, a system file naming SPOOL
sysconf() { printf 'AuthservID mx.example.ac.jp\nSpool %s\n' "$2" >"$T/$1.conf"; chmod 644 "$T/$1.conf"; }
# filter SYSCONF [ARGS]: the filter as nobody; $T/out, $T/err, $rc
filter() {
	fs=$1; shift
	as_nobody env HOME="$T" XDG_CONFIG_HOME="$T/xdg" UPKI_SYSTEM_CONFIG="$fs" \
		"$SCAN" --filter $CA "$@" <"$GENUINE" >"$T/out" 2>"$T/err"
	rc=$?
}

# The reference: the same message marked without any spool.
printf 'AuthservID mx.example.ac.jp\n' >"$T/nospool.conf"
chmod 644 "$T/nospool.conf"
filter "$T/nospool.conf"
cp "$T/out" "$T/ref"
check "reference: marked genuine" grep -q '^X-UPKI-Notice: genuine; kind=cert-issue' "$T/ref"

# 1. The milter's spool: 0700, root's (upki-milter's on a real site).
mkdir -p "$T/milter-spool"
for d in tmp new cur failed; do mkdir -p "$T/milter-spool/$d"; done
chmod -R 700 "$T/milter-spool"
sysconf milter "$T/milter-spool"
filter "$T/milter.conf"
check "milter's spool: exit 0 (got $rc)" test "$rc" = 0
check "milter's spool: marked exactly as without a spool" cmp -s "$T/ref" "$T/out"
check "milter's spool: one line on stderr, saying no hand-off" \
	sh -c "[ \$(wc -l <'$T/err') = 1 ] && grep -q 'no hand-off: the spool is not ours' '$T/err'"
check "milter's spool: no token on stderr" no_token_in_err
check "milter's spool: nothing written there" test "$(jobs_in "$T/milter-spool")" = 0

# 2. A spool that is not there, in a folder not ours to create it in.
mkdir -p "$T/root-only"
sysconf missing "$T/root-only/spool"
filter "$T/missing.conf"
check "spool not ours to create: exit 0 (got $rc)" test "$rc" = 0
check "spool not ours to create: marked as without a spool" cmp -s "$T/ref" "$T/out"
check "spool not ours to create: said" err_says "not ours"

# 3. A spool of our own that refuses us: the job would be lost.
mkdir -p "$T/own-spool"
chown nobody "$T/own-spool"
chmod 500 "$T/own-spool"
sysconf own "$T/own-spool"
filter "$T/own.conf"
check "own spool refusing: exit 75 (got $rc)" test "$rc" = 75
check "own spool refusing: message unchanged" cmp -s "$GENUINE" "$T/out"
check "own spool refusing: says tempfail" err_says "OnSpoolError tempfail"

# 4. A full disk under a spool of our own (root: a 64k tmpfs).
mkdir -p "$T/small"
if mount -t tmpfs -o size=64k,mode=0755 tmpfs "$T/small" 2>/dev/null; then
	mkdir -p "$T/small/spool/tmp" "$T/small/spool/new" "$T/small/spool/cur" "$T/small/spool/failed"
	chown -R nobody "$T/small/spool"
	chmod -R 700 "$T/small/spool"
	dd if=/dev/zero of="$T/small/fill" bs=4k 2>/dev/null
	sysconf full "$T/small/spool"
	filter "$T/full.conf"
	check "full disk: exit 75 (got $rc)" test "$rc" = 75
	check "full disk: message unchanged" cmp -s "$GENUINE" "$T/out"
	check "full disk: says why" err_says "No space left on device"
	check "full disk: no token on stderr" no_token_in_err
	# OnSpoolError accept in the user's file, over the system file's Spool
	mkdir -p "$T/xdg/upki-notice"
	printf 'OnSpoolError accept\n' >"$T/xdg/upki-notice/upki.conf"
	chmod -R a+rX "$T/xdg"
	filter "$T/full.conf"
	check "full disk, accept: exit 0 (got $rc)" test "$rc" = 0
	check "full disk, accept: marked as without a spool" cmp -s "$T/ref" "$T/out"
	check "full disk, accept: says the job is lost" err_says "job is lost"
	rm -rf "$T/xdg"
	FULL=1
else
	ok "full disk # SKIP cannot mount a tmpfs here"
	FULL=
fi

# 5. The real procmail as nobody, README's recipe.
if command -v procmail >/dev/null 2>&1; then
	# rcfile NAME SYSCONF [noe]: $T/NAME.rc and the Maildir it delivers
	# to; noe: without the recipe that defers a failed hand-off
	rcfile() {
		mkdir -p "$T/$1/Maildir"
		chown -R nobody "$T/$1"
		printf 'SHELL=/bin/sh\nCOMSAT=no\nMAILDIR=%s/%s/Maildir/\nDEFAULT=$MAILDIR\nLOGFILE=%s/%s/log\n\n' \
			"$T" "$1" "$T" "$1" >"$T/$1.rc"
		# procmail clears the environment: the system config goes in the rcfile
		printf 'UPKI_SYSTEM_CONFIG=%s\n\n' "$2" >>"$T/$1.rc"
		printf ':0 fw\n| %s --filter %s\n\n' "$SCAN" "$CA" >>"$T/$1.rc"
		[ "${3:-}" = noe ] ||
			printf '# the hand-off failed: defer, the MTA retries\n:0 e\n{ EXITCODE=75\n  HOST }\n\n' >>"$T/$1.rc"
		printf ':0\n* ^X-UPKI-Notice: genuine\n.upki/\n' >>"$T/$1.rc"
		chmod 644 "$T/$1.rc"
	}
	# procmail_as NAME: $prc, and what arrived in $T/NAME
	procmail_as() {
		as_nobody procmail -m "$T/$1.rc" <"$GENUINE" 2>>"$T/procmail.err"
		prc=$?
	}
	# delivered NAME .upki|Maildir: the message in that folder's new/
	delivered() {
		case $2 in
		Maildir) find "$T/$1/Maildir/new" -type f | head -1 ;;
		*) find "$T/$1/Maildir" -type f -path "*/$2/new/*" | head -1 ;;
		esac
	}

	rcfile pm "$T/milter.conf"
	procmail_as pm
	got=$(delivered pm .upki)
	check "procmail, milter's spool: procmail exit 0 (got $prc)" test "$prc" = 0
	check "procmail, milter's spool: delivered to .upki/" test -n "$got"
	check "procmail, milter's spool: marked genuine" grep -q '^X-UPKI-Notice: genuine; kind=cert-issue' "${got:-/nonexistent}"
	check "procmail, milter's spool: the log says why there was no hand-off" grep -q 'not ours' "$T/pm/log"
	check "procmail, milter's spool: nothing written there" test "$(jobs_in "$T/milter-spool")" = 0

	if [ -n "$FULL" ]; then
		rcfile pmfull "$T/full.conf"
		procmail_as pmfull
		check "procmail, full spool: deferred, procmail exit 75 (got $prc)" test "$prc" = 75
		check "procmail, full spool: nothing delivered" test "$(jobs_in "$T/pmfull/Maildir")" = 0
		check "procmail, full spool: the log shows the filter's 75" grep -q 'Program failure (75)' "$T/pmfull/log"
		rm -f "$T/small/fill"
		procmail_as pmfull
		got=$(delivered pmfull .upki)
		check "procmail, retried with room: exit 0 (got $prc)" test "$prc" = 0
		check "procmail, retried with room: delivered marked to .upki/" grep -q '^X-UPKI-Notice: genuine' "${got:-/nonexistent}"
		check "procmail, retried with room: the job is in the spool" test "$(jobs_in "$T/small/spool/new")" = 1
		# without the `:0 e` recipe procmail keeps the original: delivered
		# unmarked to the inbox, the job lost (README says to add it)
		rm -f "$T/small/spool/new/"*
		dd if=/dev/zero of="$T/small/fill" bs=4k 2>/dev/null
		rcfile pmnoe "$T/full.conf" noe
		procmail_as pmnoe
		got=$(delivered pmnoe Maildir)
		check "procmail without ':0 e', full spool: delivered to the inbox" test -n "$got"
		check "procmail without ':0 e', full spool: the original, unmarked" \
			sh -c "! grep -qi '^x-upki-notice' '${got:-/nonexistent}' && grep -q 'Program failure (75)' '$T/pmnoe/log'"
	fi
else
	ok "procmail # SKIP procmail is not installed"
fi

echo "1..$n"
