#!/bin/sh
# watch -- CMD: runs CMD, shows it and every descendant and nothing else, and
# exits with CMD's status (128+N for signal N, 127 not found, 126 not executable).
# On netlink and bpf every process of the tree is checked with its fork, exec
# and exit; on the scanning tiers (inotify, poll: a scan every 100 ms, and
# what they do not see in time they cannot report) the processes live a second,
# each must be seen, and nothing else.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq
TREE=${top_srcdir:-$(dirname "$0")/../..}/tests/integration/follow-tree.sh
H=$top_builddir/tests/integration

# ---- usage, before any tier is needed ----
"$PROCTRAIL" watch -- pt-follow-no-such-command >"$T/o" 2>"$T/e"
rc=$?
[ $rc = 127 ] || fail "a command not found exits $rc, not 127"
[ "$(wc -l <"$T/e")" = 1 ] && grep -q "pt-follow-no-such-command: command not found" "$T/e" ||
	fail "not one line saying the command was not found: $(cat "$T/e")"
[ -s "$T/o" ] && fail "a command not found printed events"
"$PROCTRAIL" watch -- "$T/no/such/path" >/dev/null 2>"$T/e"
[ $? = 127 ] || fail "a missing path does not exit 127"
printf 'exit 0\n' >"$T/noexec"
chmod 644 "$T/noexec"
"$PROCTRAIL" watch -q -- "$T/noexec" >/dev/null 2>"$T/e"
[ $? = 126 ] || fail "a file that is not executable does not exit 126"
grep -q "Permission denied" "$T/e" || fail "no message for a file that is not executable"
"$PROCTRAIL" watch --duration=5 -- true >/dev/null 2>&1
[ $? = 2 ] || fail "--duration with a command does not exit 2"
"$PROCTRAIL" watch -p 1 -- true >/dev/null 2>&1
[ $? = 2 ] || fail "-p with a command does not exit 2"
"$PROCTRAIL" watch true >/dev/null 2>&1
[ $? = 2 ] || fail "a command without '--' does not exit 2"
ok "127, 126 and usage errors"

scanning() { [ "$1" = inotify ] || [ "$1" = poll ]; }

tiers=""
for t in bpf netlink inotify poll; do
	"$PROCTRAIL" probe | awk -v t=$t '$1 == t && / yes/ { f = 1 } END { exit !f }' &&
		tiers="$tiers $t"
done
[ -n "$tiers" ] || skip "no tier among bpf, netlink, inotify and poll can run here"
case $tiers in *bpf* | *netlink*) ;; *) echo "note: only$tiers: exact checks not run" ;; esac

# unrelated processes all along: none may show up
"$STORM" -q -n 100000000 -k 1 -b /bin/true -t pt-follow-storm >/dev/null 2>&1 &
STORM_PID=$!
PIDS="$PIDS $STORM_PID"

# run TIER NAME EXPECTED-RC SCRIPT: watch -- sh -c SCRIPT TREE FILE (a tree two levels
# below sh); check the exit status and the processes shown.
run() {
	t=$1 name=$2 want=$3 script=$4
	out=$T/$t-$name.json err=$T/$t-$name.err pids=$T/$t-$name.pids
	leaf=0.3
	scanning "$t" && leaf=1
	: >"$pids"
	LEAF_S=$leaf "$PROCTRAIL" watch --tier="$t" --json -- sh -c "$script" "$TREE" "$pids" \
		>"$out" 2>"$err"
	rc=$?
	[ "$rc" = "$want" ] || fail "$t $name: exit status $rc, expected $want: $(cat "$err")"
	# the tree's root was started by sh, the command
	cmd=$(head -1 "$pids" | cut -d' ' -f2)
	[ "$(wc -l <"$pids")" = 7 ] || fail "$t $name: the tree has $(wc -l <"$pids") processes"
	{
		echo "$cmd"
		cut -d' ' -f1 "$pids"
	} | sort -n >"$T/want"
	jq -r 'select(.event != "lost") | .pid' "$out" | sort -nu >"$T/got"
	extra=$(comm -13 "$T/want" "$T/got" | tr '\n' ' ')
	missing=$(comm -23 "$T/want" "$T/got" | tr '\n' ' ')
	[ -z "$extra" ] || fail "$t $name: processes not descended from the command shown: $extra"
	[ -z "$missing" ] || fail "$t $name: processes of the command not shown: $missing"
	scanning "$t" && return 0
	for ev in fork exec exit; do
		n=$(jq -r --arg ev $ev 'select(.event == $ev and (.thread | not)) | .pid' "$out" |
			sort -nu | comm -12 - "$T/want" | wc -l)
		[ "$n" = 8 ] || fail "$t $name: $ev of $n of the 8 processes shown"
	done
	# each fork names the parent the process saw, the grandchildren's included
	while read -r pid ppid; do
		json_has "$out" ".event == \"fork\" and .pid == $pid and .ppid == $ppid" ||
			fail "$t $name: no fork of $pid under $ppid"
	done <"$pids"
	json_has "$out" ".event == \"fork\" and .pid == $cmd" || fail "$t $name: no fork of the command"
	json_has "$out" ".event == \"exec\" and .pid == $cmd and .argv[0] == \"sh\"" ||
		fail "$t $name: no exec of the command"
}

for t in $tiers; do
	run "$t" zero 0 '"$0" 2 "$1"; exit 0'
	run "$t" three 3 '"$0" 2 "$1"; exit 3'
	run "$t" signal 138 '"$0" 2 "$1"; kill -USR1 $$'
	case $t in
	bpf | netlink)
		json_has "$T/$t-three.json" '.event == "exit" and .argv[0] == "sh" and .exit_code == 3' ||
			fail "$t: the command's exit with status 3 not shown"
		json_has "$T/$t-signal.json" '.event == "exit" and .argv[0] == "sh" and .signal == 10' ||
			fail "$t: the command's death by SIGUSR1 not shown"
		;;
	esac
	ok "$t: exit statuses 0, 3 and 138 (SIGUSR1); the command's tree and nothing else"
done

# threads of a followed process, with --threads
for t in $tiers; do
	scanning "$t" && continue
	"$PROCTRAIL" watch --tier="$t" --json --threads -- "$H/helper-threads" 3 50 5 \
		>"$T/thr.json" 2>"$T/thr.err"
	rc=$?
	[ $rc = 5 ] || fail "$t: helper-threads exited $rc under watch, not 5"
	pid=$(jq -r 'select(.event == "exec") | .pid' "$T/thr.json" | head -1)
	n=$(jq -c "select(.event == \"fork\" and .thread and .pid == $pid)" "$T/thr.json" | wc -l)
	[ "$n" = 3 ] || fail "$t: $n thread forks of the command shown, expected 3"
	ok "$t: the command's threads with --threads"
done

# a signal sent to proctrail alone is passed on, and watch ends with the command
t=$(echo $tiers | cut -d' ' -f1)
"$PROCTRAIL" watch -q --tier="$t" --json -- sleep 60 >"$T/sig.json" 2>"$T/sig.err" &
W=$!
PIDS="$PIDS $W"
i=0
until json_has "$T/sig.json" '.event == "exec" and .argv[0] == "sleep"' 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 200 ] && fail "the exec of sleep 60 was not shown"
	sleep 0.1
done
kill -TERM "$W"
wait "$W"
rc=$?
[ $rc = 143 ] || fail "SIGTERM to watch: exit status $rc, expected 143 (sleep killed by SIGTERM)"
json_has "$T/sig.json" '.event == "exit" and .argv[0] == "sleep"' ||
	scanning "$t" || fail "the exit of sleep was not shown"
ok "SIGTERM to proctrail reaches the command; exit status 143"

kill "$STORM_PID" 2>/dev/null
exit 0
