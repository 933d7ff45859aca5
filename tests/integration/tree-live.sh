#!/bin/sh
# `proctrail tree`: the whole host under pid 1, and lineage of a known chain.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq

# a chain: sh -> sh -> sleep
sh -c 'sh -c "sleep 30; true" & wait' &
TOP=$!
PIDS="$PIDS $TOP"
sleep 0.3
MID=$(pgrep -P $TOP | head -1)
LEAF=$(pgrep -P "$MID" | head -1)
[ -n "$LEAF" ] || fail "could not set up the process chain"

proc_ids >"$T/before"
"$PROCTRAIL" tree 1 --json >"$T/tree.json" || fail "tree 1 --json failed"
proc_ids >"$T/after"
jq -e . "$T/tree.json" >/dev/null || fail "tree --json is not valid JSON"
# every process that descends from 1 in /proc is in the tree
jq -r '.. | objects | select(has("pid")) | "\(.pid) \(.start)"' "$T/tree.json" | sort >"$T/tree.pids"
comm -12 "$T/before" "$T/after" >"$T/all.pids"
# kernel threads hang under kthreadd (pid 2), not under init
# kernel threads hang under kthreadd (pid 2), not under init
awk '{print $1}' "$T/all.pids" | while read -r p; do
	pp=$(sed 's/.*) //' /proc/$p/stat 2>/dev/null | cut -d' ' -f2)
	[ "$p" = 2 ] || [ "$pp" = 2 ] || [ "$p" = $$ ] || grep "^$p " "$T/all.pids"
done | sort >"$T/expect"
missing=$(comm -23 "$T/expect" "$T/tree.pids" | wc -l)
[ "$missing" = 0 ] || fail "user processes missing from tree 1: $(comm -23 "$T/expect" "$T/tree.pids" | tr '\n' ' ')"

# the chain appears nested
path=$(jq -c --argjson leaf "$LEAF" 'paths(objects and .pid == $leaf)' "$T/tree.json")
[ -n "$path" ] || fail "leaf $LEAF not in tree"
"$PROCTRAIL" tree "$TOP" --ascii >"$T/tree.txt" || fail "tree PID failed"
head -1 "$T/tree.txt" | grep -q "^$TOP sh" || fail "tree root line wrong: $(head -1 "$T/tree.txt")"
grep -q "\`-$MID sh" "$T/tree.txt" || fail "middle not under top"
grep -q "\`-$LEAF sleep" "$T/tree.txt" || fail "leaf not under middle"

# show gives the lineage
"$PROCTRAIL" show "$LEAF" >"$T/show.txt" || fail "show failed"
grep -q "lineage: *$LEAF <- $MID (sh) <- $TOP (sh)" "$T/show.txt" || fail "lineage wrong: $(grep lineage "$T/show.txt")"

"$PROCTRAIL" tree 999999999 >/dev/null 2>&1 && fail "tree of a missing pid succeeded"
"$PROCTRAIL" tree abc >/dev/null 2>&1
[ $? = 2 ] || fail "tree abc does not exit 2"
ok "tree and show"
