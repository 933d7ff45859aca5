#!/bin/sh
# proctrail as proctraild's client: a daemon on a temporary socket and state
# directory; the same records through the socket as the daemon holds, show
# and lineage of exited processes, watch on the daemon's stream, errors and
# fallbacks (--daemon, -v, PROCTRAIL_SOCKET).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_root "proctraild runs a monitor"
need_cmd jq
need_cmd socat
PROCTRAILD=${PROCTRAILD:-$top_builddir/proctraild}
[ -x "$PROCTRAILD" ] || skip "proctraild is not built"
unset PROCTRAIL_SOCKET
S="$T/pt.sock"
mkdir "$T/state"

# ---- no daemon yet ----
"$PROCTRAIL" ps --daemon --socket="$S" >"$T/o" 2>"$T/e"
[ $? = 1 ] || fail "ps --daemon without a daemon: not exit 1"
[ "$(wc -l <"$T/e")" = 1 ] && grep -q "$S" "$T/e" || fail "ps --daemon: $(cat "$T/e")"
PROCTRAIL_SOCKET="$S" "$PROCTRAIL" -v status >"$T/o" 2>"$T/e" || fail "fallback status failed"
grep -q "no daemon answers at $S: No such file or directory; reading a snapshot" "$T/e" ||
	fail "the fallback does not say why: $(cat "$T/e")"
grep -q '^tier: none$' "$T/o" || fail "fallback status: not a snapshot"
"$PROCTRAIL" watch --daemon --socket="$S" --duration=1 >"$T/o" 2>"$T/e"
[ $? = 1 ] && [ "$(wc -l <"$T/e")" = 1 ] || fail "watch --daemon without a daemon: $(cat "$T/e")"
ok "no daemon: --daemon is one line and exit 1; -v says why a snapshot"

# processes that outlive the whole test, alive before the daemon starts
sleep 300 &
S1=$!
sh -c 'sleep 300 & wait' &
S2=$!
PIDS="$PIDS $S1 $S2"
sleep 0.3
S3=$(pgrep -P $S2 sleep)

# the socket's group: an existing group that nobody (65534) is not in
G=$(getent group 1 | cut -d: -f1)
[ -n "$G" ] || skip "no group with gid 1"
echo "socket_group = $G" >"$T/conf"
"$PROCTRAILD" --config="$T/conf" --socket="$S" --state-dir="$T/state" >"$T/d.log" 2>&1 &
D=$!
PIDS="$PIDS $D"
wait_for_line "$T/d.log" "ready" 20 || {
	cat "$T/d.log"
	fail "proctraild did not become ready"
}

# ---- status: the daemon's, found by --socket or PROCTRAIL_SOCKET ----
"$PROCTRAIL" status --socket="$S" --json >"$T/st.json" || fail "status --socket failed"
[ "$(jq .daemon.pid "$T/st.json")" = "$D" ] || fail "status: not this daemon: $(cat "$T/st.json")"
[ "$(jq .daemon.protocol "$T/st.json")" = 1 ] || fail "status: protocol"
PROCTRAIL_SOCKET="$S" "$PROCTRAIL" status >"$T/st.txt" || fail "status via PROCTRAIL_SOCKET failed"
grep -qx "daemon.pid: $D" "$T/st.txt" || fail "status text: no daemon.pid line"
PROCTRAIL_SOCKET="$T/nowhere" "$PROCTRAIL" status --socket="$S" --json | jq -e .daemon >/dev/null ||
	fail "--socket does not override PROCTRAIL_SOCKET"
ok "status from the daemon, by --socket and by PROCTRAIL_SOCKET"

# ---- ps: the records the daemon holds, as its socket gives them ----
echo '{"cmd":"ps"}' | socat -t 10 - "UNIX-CONNECT:$S" >"$T/raw.json"
"$PROCTRAIL" ps --json --socket="$S" >"$T/ps.json" || fail "ps --json --socket failed"
"$PROCTRAIL" ps --json --local >"$T/local.json" || fail "ps --json --local failed"
for p in $S1 $S2 $S3 1; do
	a=$(grep "^{\"pid\":$p," "$T/raw.json")
	b=$(grep "^{\"pid\":$p," "$T/ps.json")
	[ -n "$a" ] && [ "$a" = "$b" ] || fail "ps --json of $p: '$b', the daemon sent '$a'"
	# and what a snapshot says of it, but for what only a monitor knows
	sel='{pid, ppid, start, state, comm, exe, argv, uid, euid, gid, sid, pgid, key, parent_key}'
	[ "$(echo "$b" | jq -c "$sel")" = "$(grep "^{\"pid\":$p," "$T/local.json" | jq -c "$sel")" ] ||
		fail "ps of $p: the daemon and a snapshot disagree"
done
[ "$(jq -r .pid "$T/ps.json" | sort -n | uniq -d)" = "" ] || fail "ps --socket: a pid twice"
# text and -o through the same code
want=$("$PROCTRAIL" ps --local -q -o pid,ppid,comm,args | awk -v a=$S1 -v b=$S3 '$1 == a || $1 == b')
got=$("$PROCTRAIL" ps --socket="$S" -q -o pid,ppid,comm,args | awk -v a=$S1 -v b=$S3 '$1 == a || $1 == b')
[ -n "$got" ] && [ "$got" = "$want" ] || fail "ps -o via the daemon: '$got', a snapshot: '$want'"
ok "ps via the daemon: its records byte for byte, and -o as a snapshot"

# show and tree as text: the same lines from the daemon's records as from /proc
"$PROCTRAIL" show $S1 --socket="$S" >"$T/show.d" || fail "show via the daemon failed"
"$PROCTRAIL" show $S1 --local >"$T/show.l" || fail "show --local failed"
cmp -s "$T/show.d" "$T/show.l" || {
	diff "$T/show.d" "$T/show.l"
	fail "show $S1: the daemon's text differs from a snapshot's"
}
"$PROCTRAIL" tree $S2 --ascii --socket="$S" >"$T/tree.d" || fail "tree via the daemon failed"
"$PROCTRAIL" tree $S2 --ascii --local >"$T/tree.l" || fail "tree --local failed"
cmp -s "$T/tree.d" "$T/tree.l" && [ "$(wc -l <"$T/tree.d")" = 2 ] || {
	diff "$T/tree.d" "$T/tree.l"
	fail "tree $S2: the daemon's text differs from a snapshot's"
}
ok "show and tree: the same text through the daemon as from /proc"

# ---- show of a process that lived a moment and exited ----
out=$(sh -c 'sh -c "echo \$\$ \$PPID; exit 3" pt-client-tag; exit 4')
C=${out% *}
B=${out#* }
sleep 0.5
"$PROCTRAIL" show "$C" --json --socket="$S" >"$T/c.json" || fail "show of exited $C failed"
[ "$(jq -r .state "$T/c.json")" = exited ] || fail "show $C: state $(jq -r .state "$T/c.json")"
[ "$(jq .exit_code "$T/c.json")" = 3 ] || fail "show $C: exit_code $(jq .exit_code "$T/c.json")"
[ "$(jq -c .argv "$T/c.json")" = '["sh","-c","echo $$ $PPID; exit 3","pt-client-tag"]' ] ||
	fail "show $C: argv $(jq -c .argv "$T/c.json")"
[ "$(jq -r .exe "$T/c.json")" = "$(readlink -f "$(command -v sh)")" ] ||
	fail "show $C: exe $(jq -r .exe "$T/c.json")"
"$PROCTRAIL" show "$C" --socket="$S" >"$T/c.txt" || fail "show text failed"
grep -qx "state:     exited" "$T/c.txt" && grep -q "^lived: " "$T/c.txt" ||
	fail "show text: $(cat "$T/c.txt")"
grep -q "^lineage:   $C <- $B (sh) <- $$ " "$T/c.txt" || fail "show: lineage line: $(grep lineage "$T/c.txt")"
"$PROCTRAIL" show "$C" --local >/dev/null 2>"$T/e"
[ $? = 1 ] && [ "$(cat "$T/e")" = "proctrail: no process or thread $C" ] ||
	fail "show --local of an exited process: $(cat "$T/e")"
ok "show of exited $C: argv, exe, exit code 3 (a snapshot has none)"

# ---- lineage through an exited parent ----
"$PROCTRAIL" lineage "$C" --json --socket="$S" >"$T/l.json" || fail "lineage failed"
[ "$(jq -r '"\(.pid)/\(.state)"' "$T/l.json" | head -3 | tr '\n' ' ')" = "$C/exited $B/exited $$/alive " ] ||
	fail "lineage of $C: $(jq -r '"\(.pid)/\(.state)"' "$T/l.json" | tr '\n' ' ')"
[ "$(jq -s '.[1].exit_code' "$T/l.json")" = 4 ] || fail "lineage: the parent's exit code"
[ "$(jq -r .pid "$T/l.json" | tail -1)" = 1 ] || fail "lineage does not end at init"
"$PROCTRAIL" lineage "$C" -q -o pid,state --socket="$S" | head -2 >"$T/l.txt"
[ "$(awk '{ print $1, $2 }' "$T/l.txt" | tr '\n' ' ')" = "$C exited $B exited " ] ||
	fail "lineage -o: $(cat "$T/l.txt")"
"$PROCTRAIL" children "$B" --json --socket="$S" | jq -r .pid >"$T/k"
[ "$(cat "$T/k")" = "$C" ] || fail "children of exited $B: $(cat "$T/k")"
"$PROCTRAIL" recent 60 --json --socket="$S" | jq -r .pid | grep -qx "$C" || fail "recent lacks $C"
"$PROCTRAIL" short 60000 -q -o pid --socket="$S" | awk '{ print $1 }' | grep -qx "$B" ||
	fail "short lacks $B"
ok "lineage through exited $B, children, recent and short via the daemon"

# ---- an unprivileged member of the socket's group sees what the daemon sees ----
if command -v setpriv >/dev/null 2>&1; then
	member() { setpriv --reuid=65534 --regid=65534 --groups=1 "$@"; }
	stranger() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	member "$PROCTRAIL" show "$C" --json --daemon --socket="$S" >"$T/u.json" 2>"$T/u.err" ||
		fail "a group member cannot show: $(cat "$T/u.err")"
	[ "$(jq .exit_code "$T/u.json")" = 3 ] || fail "a member's show: $(cat "$T/u.json")"
	stranger "$PROCTRAIL" ps --daemon --socket="$S" >"$T/o" 2>"$T/e"
	[ $? = 1 ] && grep -q "Permission denied" "$T/e" || fail "a non-member was not refused: $(cat "$T/e")"
	stranger "$PROCTRAIL" -v show "$C" --socket="$S" >"$T/o" 2>"$T/e"
	[ $? = 1 ] && grep -q "Permission denied; reading a snapshot" "$T/e" ||
		fail "a non-member's fallback: $(cat "$T/e")"
	: >"$T/uw.err"
	# not through the function: $! must be the watch itself, for SIGINT
	setpriv --reuid=65534 --regid=65534 --groups=1 "$PROCTRAIL" watch --daemon --socket="$S" \
		--json --events=exec >"$T/uw.json" 2>"$T/uw.err" &
	WATCH_PID=$!
	PIDS="$PIDS $WATCH_PID"
	wait_for_line "$T/uw.err" "ready" 20 || fail "a member's watch: $(cat "$T/uw.err")"
	/bin/echo "pt-client-unpriv-$$" >/dev/null
	sleep 1
	stop_watch
	[ "$(count_tagged "$T/uw.json" exec "pt-client-unpriv-$$")" = 1 ] ||
		fail "a member's watch missed a root exec"
	ok "a member of group $G queries and watches as nobody; a non-member is refused"
else
	echo "# no setpriv: the unprivileged client is not tested"
fi

# ---- errors from the daemon, as a snapshot gives them ----
"$PROCTRAIL" show 2147483647 --socket="$S" >"$T/o" 2>"$T/e"
[ $? = 1 ] && [ "$(cat "$T/e")" = "proctrail: no process or thread 2147483647" ] ||
	fail "show of no process via the daemon: $(cat "$T/e")"
"$PROCTRAIL" lineage "00000000-0000-0000-0000-000000000000:1:1" --socket="$S" >"$T/o" 2>"$T/e"
[ $? = 1 ] && grep -q "^proctrail: key of another boot" "$T/e" || fail "other boot: $(cat "$T/e")"
[ -s "$T/o" ] && fail "an error printed on stdout"
ok "not_found and other_boot: the snapshot's lines and exit 1"

# ---- watch on the daemon's stream ----
start_watch "$T/w.json" "$T/w.err" --socket="$S" --json --events=exec
/bin/echo "pt-client-watch-$$" >/dev/null
sleep 1
stop_watch
[ "$WATCH_RC" = 0 ] || fail "watch via the daemon: exit $WATCH_RC: $(cat "$T/w.err")"
[ "$(count_tagged "$T/w.json" exec "pt-client-watch-$$")" = 1 ] || fail "watch via the daemon missed the exec"
json_all "$T/w.json" 'true' '.event == "exec" or .event == "lost"' || fail "watch: not only execs"
[ "$(summary_field "$T/w.err" daemon)" = true ] || fail "watch: the summary does not say daemon"
[ "$(summary_field "$T/w.err" tier)" = "$(jq -r .tier "$T/st.json")" ] || fail "watch: summary tier"
grep -q "ready (tier $(jq -r .tier "$T/st.json"))" "$T/w.err" || fail "watch: ready line"
ok "watch via the daemon sees an exec"

# a local monitor and the daemon's stream print the same -o line for one exec
start_watch "$T/wl.txt" "$T/wl.err" --local --events=exec -q -o pid,ppid,comm,args
WL=$WATCH_PID
start_watch "$T/wd.txt" "$T/wd.err" --socket="$S" --events=exec -q -o pid,ppid,comm,args
/bin/echo "pt-client-same-$$" 'two words' >/dev/null
sleep 1
stop_watch
WATCH_PID=$WL
stop_watch
l=$(grep "pt-client-same-$$" "$T/wl.txt")
d=$(grep "pt-client-same-$$" "$T/wd.txt")
[ -n "$l" ] && [ "$l" = "$d" ] || fail "watch -o: local '$l', via the daemon '$d'"
ok "watch -o: the same line from a local monitor and from the daemon"

# the text views: --compact's exit line from the daemon's stream
start_watch "$T/w.txt" "$T/w.err" --socket="$S" --compact --filter='proc.name = sh'
sh -c 'exit 5'
sleep 1
stop_watch
grep -q " exit 5 .* sh -c 'exit 5'" "$T/w.txt" || fail "watch --compact via the daemon: $(cat "$T/w.txt")"
ok "watch --compact --filter via the daemon"

# the daemon stops: watch says so and ends
start_watch "$T/w3" "$T/w3.err" --daemon --socket="$S"
kill -TERM $D
i=0
while kill -0 "$WATCH_PID" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "watch did not end with the daemon"
	sleep 0.1
done
wait "$WATCH_PID"
rc=$?
[ $rc = 0 ] && grep -q "the daemon ended the stream" "$T/w3.err" ||
	fail "watch at the daemon's stop: exit $rc, $(cat "$T/w3.err")"
wait $D 2>/dev/null
"$PROCTRAIL" -v ps --socket="$S" >/dev/null 2>"$T/e" || fail "ps after the daemon stopped"
grep -q "reading a snapshot of /proc instead" "$T/e" || fail "no fallback after the stop: $(cat "$T/e")"
ok "the daemon stops: watch ends saying so; queries fall back"
