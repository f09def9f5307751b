#!/bin/sh
# Differential harness over seeded structural mutations of every sample
# (tests/tools/upki-mutate: delimiter spellings, CR/LF mixes, duplicated
# headers, nesting, extra signed and unsigned parts, relabels).  Checks:
#   (a) a genuine verdict carries the facts (kind url dn serial deadline)
#       of its base, or for a base that is not genuine, those of some
#       genuine sample; the attacker's URL is never reported signed
#       (at signing time and at now);
#   (b) upki-milter -t gives the verdict of upki-scan --verify-time=now
#       (on every DIFF_MILTER-th share of the mutations);
#   (c) upki-scan on an mbox of all mutations (the batch quick path) gives
#       each message the verdict it gets alone.
# One TAP line per property and operator, failing lines list examples.
# DIFF_SEED (default 1) and DIFF_COUNT (3000) make a run reproducible:
#   DIFF_SEED=7 DIFF_COUNT=5000 sh tests/integration/differential.sh
set -u
. tests/lib/tap.sh
MUTATE="$BUILD/tools/upki-mutate"
FACTS="$BUILD/tools/upki-facts"
MILTER="$BUILD/upki-milter"
for x in "$SCAN" "$MUTATE" "$FACTS"; do [ -x "$x" ] || skip_all "$x not built"; done
tap_tmpdir
SEED=${DIFF_SEED:-1}
COUNT=${DIFF_COUNT:-3000}
MILTER_N=${DIFF_MILTER:-250}
TOKEN=QXR0YWNrZXJUb2tlbkF0dGFja2VyVG9rZW5BdHRhY2tlclRva2VuQXR0YWNrZXI
CA=--ca-file=samples/ca/root.pem
D="$T/m"
printf 'TrustAnchorFile samples/ca/root.pem\nStaleDays 0\nMaxMessageSize 64M\n' >"$T/milter.conf"
printf 'MaxMessageSize 64M\n' >"$T/scan.conf"
echo "# seed $SEED, $COUNT mutations"

"$SCAN" -q $CA samples/*.eml | "$FACTS" >"$T/base.tsv"
"$MUTATE" --seed "$SEED" --count "$COUNT" --out "$D" --ca-dir samples/ca samples/*.eml ||
	{ not_ok "upki-mutate failed"; echo "1..$n"; exit 0; }
scan() { "$SCAN" -q --config="$T/scan.conf" $CA "$@" 2>/dev/null | "$FACTS" --token "$TOKEN"; }
scan "$D"/*.eml >"$T/signing.tsv"
scan --verify-time=now "$D"/*.eml >"$T/now.tsv"

# The mbox: one "From " line per mutation, mboxrd quoting.
for f in "$D"/*.eml; do
	echo "From mutate@upki-notice.test Tue Dec  1 00:00:00 2026"
	sed 's/^\(>*From \)/>\1/' "$f"
	echo
done >"$T/all.mbox"
scan "$T/all.mbox" >"$T/mbox.tsv"

# The milter on every k-th mutation.
k=$(( COUNT / MILTER_N )); [ "$k" -ge 1 ] || k=1
: >"$T/milter.tsv"
if [ -x "$MILTER" ]; then
	i=0
	for f in "$D"/*.eml; do
		if [ $((i % k)) = 0 ]; then
			v=$("$MILTER" -c "$T/milter.conf" -t "$f" 2>/dev/null </dev/null |
				awk '/^insert X-UPKI-Notice:/ { v = $3; sub(/;.*/, "", v); print v; exit }')
			printf '%s\t%s\n' "$(basename "$f")" "${v:-not-notice}" >>"$T/milter.tsv"
		fi
		i=$((i + 1))
	done
fi

# One awk over everything: violations as "property<TAB>ops<TAB>file<TAB>what".
awk -F'\t' -v OFS='\t' -v D="$D/" '
function facts(i) { return $4 "|" $5 "|" $6 "|" $7 "|" $8 }
FILENAME ~ /base.tsv$/ { bv[$1] = $3; bf[$1] = facts(); if ($3 == "genuine") gset[facts()] = 1; next }
FILENAME ~ /manifest.tsv$/ { base[$1] = $2; ops[$1] = $3; order[++nm] = $1; next }
FILENAME ~ /milter.tsv$/ { mil[$1] = $2; next }
{
	src = $1; sub(D, "", src)
	if (FILENAME ~ /mbox.tsv$/) { mbox[order[$2 + 1]] = $3; next }
	t = FILENAME ~ /now.tsv$/ ? "now" : "signing"
	verdict[t, src] = $3
	if ($10 != 0) print "a", ops[src], src, t ": attacker URL reported signed (" $3 ")"
	if ($3 != "genuine") next
	b = base[src]
	if (bv[b] == "genuine" && facts() != bf[b])
		print "a", ops[src], src, t ": genuine with other facts than " b " [" facts() "]"
	else if (bv[b] != "genuine" && !(facts() in gset))
		print "a", ops[src], src, t ": genuine with facts of no genuine sample (base " b ") [" facts() "]"
}
END {
	for (i = 1; i <= nm; i++) {
		f = order[i]
		if (f in mil && mil[f] != verdict["now", f])
			print "b", ops[f], f, "milter " mil[f] ", upki-scan --verify-time=now " verdict["now", f]
		if (mbox[f] != verdict["signing", f])
			print "c", ops[f], f, "mbox " (f in mbox ? mbox[f] : "missing") ", alone " verdict["signing", f]
	}
}' "$T/base.tsv" "$D/manifest.tsv" "$T/milter.tsv" "$T/signing.tsv" "$T/now.tsv" "$T/mbox.tsv" >"$T/violations.tsv"

[ "$(wc -l <"$T/signing.tsv")" = "$COUNT" ] && ok "every mutation has a verdict" ||
	not_ok "$(wc -l <"$T/signing.tsv") verdicts for $COUNT mutations"
[ -s "$T/milter.tsv" ] || [ ! -x "$MILTER" ] && ok "the milter ran on $(wc -l <"$T/milter.tsv") mutations" ||
	not_ok "the milter gave no verdicts"
for p in a b c; do
	case $p in a) what="genuine means the base's facts" ;; b) what="milter = upki-scan --verify-time=now" ;;
	c) what="mbox = each message alone" ;; esac
	for op in delim crlf dup-header insert-text wrap signed-part nest relabel; do
		hits=$(awk -F'\t' -v p="$p" -v op="$op" '$1 == p && ("+" $2 "+") ~ ("\\+" op "\\+")' "$T/violations.tsv")
		c=$(printf '%s' "$hits" | grep -c .)
		total=$(awk -F'\t' -v op="$op" '("+" $3 "+") ~ ("\\+" op "\\+")' "$D/manifest.tsv" | wc -l)
		if [ "$c" = 0 ]; then ok "($p) $what: $op ($total mutations)"; else
			not_ok "($p) $what: $op: $c violations in $total mutations"
			printf '%s\n' "$hits" | head -3 | sed 's/^/#   /'
		fi
	done
done
echo "# summary (property, first operator, violations):"
cut -f1,2 "$T/violations.tsv" | sed 's/+.*//' | sort | uniq -c | sort -rn | sed 's/^/#   /'
echo "1..$n"
