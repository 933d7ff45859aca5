#!/bin/sh
# Lineage that survives reparenting, on the netlink tier.
# 1. A subreaper (helper-subreaper) whose grandchild is reparented to it after
#    the middle process exits: the grandchild's exec event shows the new ppid
#    and keeps the original parent in ppid_orig and parent_key.
# 2. A process whose parent and grandparent exited before it exec'd: its exec
#    event's "ancestors" (--ancestors=N) names them, nearest first, with key,
#    pid, comm and exe; -o proc.pname / proc.aname[N] / proc.apid[N] answer from
#    the retained records; against the daemon, `proctrail lineage PID` lists
#    them, marked exited.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/daemon-lib.sh"
need_cmd jq
need_tier netlink
SR=$top_builddir/tests/integration/helper-subreaper
[ -x "$SR" ] || skip "no $SR (make check builds it)"

BAD=0
bad() {
	echo "FAIL: $*"
	BAD=$((BAD + 1))
}
# pid_of OUT WHAT: a pid from helper-subreaper's lines (sub, leaf, "anc 1")
pid_of() { awk -v w="$2" '($1 == "anc" ? $1 " " $2 : $1) == w { print $NF }' "$1"; }

EV=$T/ev.json
start_watch "$EV" "$T/ev.err" --tier=netlink --json --events=fork,exec,exit,comm --ancestors=4
# 1: sub -> mid -> leaf; mid exits, leaf is reparented to sub, then execs
"$SR" 1 /bin/true pt-reparented >"$T/sr1" || fail "helper-subreaper 1 exited $?"
S1=$(pid_of "$T/sr1" sub) M1=$(pid_of "$T/sr1" "anc 1") L1=$(pid_of "$T/sr1" leaf)
# 2: sub -> a1 -> a2 -> leaf; a2 and a1 exit (and are reaped) before leaf execs
"$SR" 2 /bin/true pt-orphan >"$T/sr2" || fail "helper-subreaper 2 exited $?"
S2=$(pid_of "$T/sr2" sub) A1=$(pid_of "$T/sr2" "anc 1") A2=$(pid_of "$T/sr2" "anc 2")
L2=$(pid_of "$T/sr2" leaf)
sleep 0.5
stop_watch
[ "$WATCH_RC" = 0 ] || fail "watch exited $WATCH_RC: $(tail -3 "$T/ev.err")"
jq -e . "$EV" >/dev/null || fail "output is not valid JSON lines"
echo "subreaper $S1, middle $M1, leaf $L1; subreaper $S2, ancestors $A1 $A2, leaf $L2"

key_of() { jq -r "select(.pid == $1 and .event == \"fork\") | .key" "$EV" | head -1; }
leaf_exec() { jq -c "select(.event == \"exec\" and .pid == $1 and .argv[1] == \"$2\")" "$EV" | tail -1; }

r=$(leaf_exec "$L1" pt-reparented)
[ -n "$r" ] || fail "no exec event of the reparented leaf $L1"
MK=$(key_of "$M1")
[ -n "$MK" ] || fail "no fork event of the middle process $M1"
printf "%s\n" "$r" | jq -e ".ppid == $S1" >/dev/null || bad "reparented: ppid $(printf "%s\n" "$r" | jq .ppid), want the subreaper $S1"
# events carry the fork-time parent as parent_key (BOOT:START:PID); proc.ppid_orig is -o's
porig() { printf "%s\n" "$1" | jq '.parent_key // "" | split(":") | .[2] // "null" | tonumber'; }
[ "$(porig "$r")" = "$M1" ] ||
	bad "reparented: parent_key's pid $(porig "$r"), want the middle process $M1"
printf "%s\n" "$r" | jq -e ".parent_key == \"$MK\"" >/dev/null ||
	bad "reparented: parent_key $(printf "%s\n" "$r" | jq .parent_key), want the middle's $MK"
# the middle's own events: it was the leaf's parent at fork time
json_has "$EV" ".event == \"exit\" and .pid == $M1" || bad "no exit event of the middle process $M1"
[ $BAD = 0 ] && ok "reparented to the subreaper: ppid $S1, parent_key kept (the middle process $M1)"

b0=$BAD
r=$(leaf_exec "$L2" pt-orphan)
[ -n "$r" ] || fail "no exec event of the orphaned leaf $L2"
got=$(printf "%s\n" "$r" | jq -c '[.ancestors // [] | .[] | [.pid, .comm]]')
want="[[$A2,\"pt-anc-2\"],[$A1,\"pt-anc-1\"],[$S2,\"helper-subreape\"],[$$,\"$(cut -c1-15 /proc/$$/comm)\"]]"
[ "$got" = "$want" ] || bad "ancestors (pid, comm): got $got, want $want"
printf "%s\n" "$r" | jq -e '(.ancestors | length) == 4 and all(.ancestors[]; (.key | type) == "string" and
	(.exe | type) == "string")' >/dev/null || bad "ancestors without key or exe: $(printf "%s\n" "$r" | jq -c .ancestors)"
for p in $A2 $A1 $S2; do
	k=$(key_of "$p")
	printf "%s\n" "$r" | jq -e --arg k "$k" "any(.ancestors[]; .pid == $p and .key == \$k)" >/dev/null ||
		bad "ancestor $p: key is not its fork event's ($k)"
done
printf "%s\n" "$r" | jq -e ".ppid == $S2" >/dev/null && [ "$(porig "$r")" = "$A2" ] ||
	bad "orphan: ppid $(printf "%s\n" "$r" | jq .ppid) parent_key's pid $(porig "$r"), want $S2 and $A2"
# fork and exit events carry ancestors too
json_has "$EV" ".event == \"exit\" and .pid == $L2 and (.ancestors[0].pid == $A2)" ||
	bad "the leaf's exit event has no ancestors with its fork-time parent"

[ $BAD = "$b0" ] && ok "parent and grandparent exited: ancestors $A2 $A1 $S2 $$ in the exec event"

# -o with ancestor fields, text output
start_watch "$T/o.txt" "$T/o.err" --tier=netlink --events=exec,comm,fork,exit -o \
	'evt.type,pid,proc.ppid,proc.ppid_orig,proc.pname,proc.aname[2],proc.apid[2],proc.aname[3]'
"$SR" 2 /bin/true pt-orphan-o >"$T/sr3" || fail "helper-subreaper 2 exited $?"
S3=$(pid_of "$T/sr3" sub) A31=$(pid_of "$T/sr3" "anc 1") A32=$(pid_of "$T/sr3" "anc 2")
L3=$(pid_of "$T/sr3" leaf)
sleep 0.5
stop_watch
[ "$WATCH_RC" = 0 ] || fail "watch -o exited $WATCH_RC: $(tail -3 "$T/o.err")"
line=$(awk -v p="$L3" '$1 == "exec" && $2 == p' "$T/o.txt" | tail -1)
[ -n "$line" ] || fail "-o: no line for the leaf $L3: $(head -5 "$T/o.txt")"
set -- $line
want="exec $L3 $S3 $A32 pt-anc-2 pt-anc-1 $A31 helper-subreape"
if [ "$*" = "$want" ]; then
	ok "-o proc.pname, proc.aname[N], proc.apid[N] from exited ancestors: $line"
else
	bad "-o evt.type,pid,ppid,ppid_orig,pname,aname[2],apid[2],aname[3]: got '$*', want '$want'"
fi

# the daemon: lineage of a live process whose parent and grandparent exited
start_daemon --tier=netlink
"$SR" 2 sleep 3 >"$T/sr4" &
SRP=$!
PIDS="$PIDS $SRP"
wait_for_line "$T/sr4" "^leaf " 10 || fail "helper-subreaper did not start its leaf"
S4=$(pid_of "$T/sr4" sub) A41=$(pid_of "$T/sr4" "anc 1") A42=$(pid_of "$T/sr4" "anc 2")
L4=$(pid_of "$T/sr4" leaf)
sleep 0.5
"$PROCTRAIL" lineage --daemon --socket="$SOCK" --json "$L4" >"$T/lin.json" 2>"$T/lin.err" ||
	fail "proctrail lineage exited $?: $(cat "$T/lin.err")"
got=$(jq -r '"\(.pid) \(.state)"' "$T/lin.json" | head -5 | tr '\n' ' ')
want="$L4 alive $A42 exited $A41 exited $S4 alive $$ alive "
[ "$got" = "$want" ] || fail "lineage --json: got '$got', want '$want'"
"$PROCTRAIL" lineage --daemon --socket="$SOCK" "$L4" >"$T/lin.txt" 2>&1 || fail "lineage (text) exited $?"
for p in $A42 $A41; do
	awk -v p="$p" '$1 == p' "$T/lin.txt" | grep -q exited ||
		fail "lineage text: $p not marked exited: $(cat "$T/lin.txt")"
done
tail -n +2 "$T/lin.txt" | awk '{ print $1 }' | grep -qx 1 || fail "lineage text does not reach init: $(cat "$T/lin.txt")"
ok "proctrail lineage (daemon): $L4 <- $A42 (exited) <- $A41 (exited) <- $S4 <- $$ ... <- 1"
wait $SRP || fail "helper-subreaper 2 sleep 3 exited $?"
stop_daemon
[ $BAD = 0 ] || fail "$BAD lineage checks failed"
