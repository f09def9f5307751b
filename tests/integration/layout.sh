#!/bin/sh
# layout.sh - the source layout, checked on the sources and the objects.
#
# 1. scan/: calls go one way.  The call graph in the comment of
#    scan/scan.h (file -> files it calls, top first) must be what the
#    objects do (nm: a symbol used by one object and defined by another
#    is a call), and every call must go to a file listed below its caller:
#    no call cycle, no call back up to the driver.
# 2. A front end (scan/, milter/, fetch/) includes only include/upki/ and
#    its own folder, never parser/ or its private headers.
# 3. Every header of include/upki/ is used by a front end or a test tool
#    (tests/tools, tests/fuzz, tests/bench), directly or through another
#    public header; one only parser/ and the unit tests use belongs in
#    parser/*-private.h.
# The checker of 1 is tried on a graph with a call upwards first, so that
# it is known to be able to fail.
set -u
. tests/lib/tap.sh
tap_tmpdir

# Headers only parser/ and the unit tests use, not made private yet
# (issue 10, parser part): skipped with their reason, not failed.
PARSER_ONLY=""

# The graph of scan/scan.h's comment: "caller.c callee.c ..." per line, top first.
declared_graph() {
	awk '/^ \* .*[a-z-]+\.c .*->/ {
		f = ""
		for (i = 2; i <= NF; i++) if ($i ~ /^[a-z-]+\.c$/) { f = $i; break }
		sub(/.*-> */, ""); gsub(/\(nothing\)/, ""); gsub(/,/, " ")
		line = f
		for (i = 1; i <= NF; i++) line = line " " $i ".c"
		print line
	}' "$1"
}

# The calls between the objects in DIR of the sources in SRC (objects
# of removed sources are left out): "caller.c callee.c" lines, and
# "file.c -" for every object.
actual_graph() {
	for c in "$2"/*.c; do
		f=$(basename "$c")
		o="$1/${f%.c}.o"
		[ -f "$o" ] || continue
		echo "O $f"
		nm --defined-only -g "$o" | awk -v f="$f" 'NF == 3 { print "D", $3, f }'
		nm -u "$o" | awk -v f="$f" '{ print "U", $NF, f }'
	done | awk '
		$1 == "O" { print $2, "-"; next }
		$1 == "D" { def[$2] = $3; next }
		{ use[n++] = $2 " " $3 }
		END {
			for (i = 0; i < n; i++) {
				split(use[i], a, " ")
				if ((a[1] in def) && def[a[1]] != a[2]) print a[2], def[a[1]]
			}
		}' | sort -u
}

# Problems of ACTUAL against DECLARED, one per line; nothing when the
# objects do what the graph says and every call goes down.
check_graph() {
	awk 'FNR == NR {
		pos[$1] = FNR
		for (i = 2; i <= NF; i++) d[$1 " " $i] = 1
		next
	}
	$2 == "-" {
		obj[$1] = 1
		if (!($1 in pos)) print $1 ": not in the graph"
		next
	}
	{
		seen[$1 " " $2] = 1
		if (!(($1 " " $2) in d)) print $1 " calls " $2 ", which the graph does not say"
	}
	END {
		for (f in pos) if (!(f in obj)) print f ": in the graph, but no object"
		for (k in d) {
			split(k, a, " ")
			if (!(k in seen)) print a[1] " -> " a[2] ": in the graph, but not called"
			if (!(a[2] in pos)) print a[1] " -> " a[2] ": " a[2] " not in the graph"
			else if (pos[a[2]] <= pos[a[1]]) print a[1] " calls " a[2] ", which is not below it"
		}
	}' "$1" "$2" | sort
}

# ---- 0: the checker fails on a call upwards ----
printf '%s\n' 'top.c low.c' 'low.c' >"$T/bad-decl"
printf '%s\n' 'top.c -' 'low.c -' 'top.c low.c' 'low.c top.c' >"$T/bad-actual"
printf '%s\n' 'top.c low.c' 'low.c top.c' >"$T/up-decl"
if check_graph "$T/bad-decl" "$T/bad-actual" | grep -q 'low.c calls top.c' &&
	check_graph "$T/up-decl" "$T/bad-actual" | grep -q 'which is not below it'; then
	ok "the checker flags a call upwards, declared or not"
else
	not_ok "the checker lets a call upwards through"
fi

# ---- 1: scan/ ----
declared_graph scan/scan.h >"$T/decl"
if [ ! -s "$T/decl" ]; then
	not_ok "scan/scan.h has a call graph"
elif ! ls "$BUILD"/scan/*.o >/dev/null 2>&1 || ! command -v nm >/dev/null; then
	ok "scan/ call graph # SKIP no objects in $BUILD/scan or no nm"
else
	ok "scan/scan.h has a call graph ($(wc -l <"$T/decl") files)"
	actual_graph "$BUILD/scan" scan >"$T/actual"
	check_graph "$T/decl" "$T/actual" >"$T/problems"
	if [ -s "$T/problems" ]; then
		not_ok "scan/ calls go down the graph of scan/scan.h"
		sed 's/^/# /' "$T/problems"
	else
		ok "scan/ calls go down the graph of scan/scan.h"
	fi
fi

# ---- 2: front ends include include/ and their own folder only ----
for dir in scan milter fetch; do
	[ -d "$dir" ] || continue
	: >"$T/inc"
	for f in "$dir"/*.c "$dir"/*.h; do
		[ -f "$f" ] || continue
		sed -n 's/^[ \t]*#[ \t]*include[ \t]*"\([^"]*\)".*/\1/p' "$f" | while read -r h; do
			case $h in
			upki/*) [ -f "include/$h" ] || echo "$f: \"$h\" is not in include/" ;;
			*/*) echo "$f: \"$h\" is outside include/ and $dir/" ;;
			*) [ -f "$dir/$h" ] || echo "$f: \"$h\" is not in $dir/" ;;
			esac
		done >>"$T/inc"
		grep -n '^[ \t]*#[ \t]*include[ \t]*<\(parser/\|[^>]*-private\.h\)' "$f" |
			sed "s|^|$f: |" >>"$T/inc"
	done
	if [ -s "$T/inc" ]; then
		not_ok "$dir/ includes include/upki/ and $dir/ only"
		sed 's/^/# /' "$T/inc"
	else
		ok "$dir/ includes include/upki/ and $dir/ only"
	fi
done

# ---- 3: every public header has a user outside parser/ ----
users=$(ls scan/*.[ch] milter/*.[ch] fetch/*.[ch] tests/tools/*.[ch] tests/fuzz/*.c tests/bench/*.c 2>/dev/null)
# shellcheck disable=SC2086
sed -n 's/^[ \t]*#[ \t]*include[ \t]*"upki\/\([^"]*\)".*/\1/p' $users | sort -u >"$T/used"
# through the public headers they include
while :; do
	for h in $(cat "$T/used"); do
		[ -f "include/upki/$h" ] && sed -n 's/^[ \t]*#[ \t]*include[ \t]*"upki\/\([^"]*\)".*/\1/p' "include/upki/$h"
	done | cat - "$T/used" | sort -u >"$T/used2"
	cmp -s "$T/used" "$T/used2" && break
	mv "$T/used2" "$T/used"
done
for path in include/upki/*.h; do
	h=$(basename "$path")
	if grep -qx "$h" "$T/used"; then
		ok "include/upki/$h has a user outside parser/"
	else
		case " $PARSER_ONLY " in
		*" $h "*) ok "include/upki/$h # SKIP used by parser/ and unit tests only: to become parser/*-private.h" ;;
		*) not_ok "include/upki/$h has a user outside parser/" \
			"no front end or test tool includes it: move it to parser/${h%.h}-private.h" ;;
		esac
	fi
done

echo "1..$n"
