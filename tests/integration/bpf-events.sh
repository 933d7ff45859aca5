#!/bin/sh
# BPF tier against the real kernel: the thread-exec trap, exit codes and
# signals, argv larger than 128 KiB, relative execs, credentials, start time,
# and the namespaces and cgroup ps/show report.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq
need_root "setuid and setgid binaries and other users' processes"
need_tier bpf
H=$top_builddir/tests/integration
J=$T/ev.json

# ev FILTER: the events of ev.json the filter selects, one per line
ev() { jq -c "select($1)" "$J"; }
nev() { ev "$1" | wc -l; }

start_watch "$J" "$T/ev.err" --tier=bpf --json --threads
grep -q 'ready (tier bpf)' "$T/ev.err" || fail "not the bpf tier: $(cat "$T/ev.err")"
W1=$WATCH_PID
# a second watcher that keeps at most 64 KiB of each argv
start_watch "$T/am.json" "$T/am.err" --tier=bpf --json --events=exec --args-max=64K
W2=$WATCH_PID

# a process that lives long enough to be checked while it runs, in its own
# UTS and IPC namespaces when unshare is there
if command -v unshare >/dev/null; then
	unshare --uts --ipc sleep 3 &
else
	sleep 3 &
fi
S=$!
PIDS="$PIDS $S"
i=0
until [ "$(cat /proc/$S/comm 2>/dev/null)" = sleep ]; do
	i=$((i + 1))
	[ $i -gt 50 ] && fail "sleep 3 (pid $S) did not start"
	sleep 0.1
done
st=$(cat /proc/$S/stat) || fail "cannot read /proc/$S/stat"
STAT22=$(echo "${st##*) }" | cut -d' ' -f20)
for n in cgroup ipc mnt net pid time user uts; do
	[ -e /proc/$S/ns/$n ] && echo "$n $(stat -L -c %i /proc/$S/ns/$n)"
done >"$T/ns.want"
CG=$(sed -n 's/^0:://p' /proc/$S/cgroup)
"$PROCTRAIL" show "$S" --json >"$T/show.json" || fail "proctrail show $S failed"
"$PROCTRAIL" ps --json >"$T/ps.json" || fail "proctrail ps failed"
kill -0 $S 2>/dev/null || fail "sleep 3 ended before it was checked"

# exit code 3 and death by SIGKILL
sh -c 'exit 3' &
E3=$!
wait $E3
sleep 30 &
K=$!
sleep 0.1
kill -9 $K
wait $K 2>/dev/null

# a thread that execs
"$H/helper-thread-exec" /bin/echo pt-thread-exec >/dev/null &
TE=$!
wait $TE || fail "helper-thread-exec exited $?"

# argv of 200 KB: one string may not exceed 128 KiB (MAX_ARG_STRLEN), so
# four of 50,000 bytes
big=$(head -c 50000 /dev/zero | tr '\0' 'a')
# by pid: tests run in parallel, and another may run its own pt-big
/bin/true pt-big "$big" "$big" "$big" "$big" &
BIG=$!
wait $BIG || fail "cannot run a 200 KB argv"

# relative execs: ./prog, a symlink to it, ../prog
mkdir "$T/rel" "$T/rel/sub" && cp "$TRUE_STATIC" "$T/rel/prog" && ln -s prog "$T/rel/link" ||
	fail "cannot set up $T/rel"
RELREAL=$(readlink -f "$T/rel/prog")
(cd "$T/rel" && ./prog pt-rel && ./link pt-link && cd sub && ../prog pt-dotdot) ||
	fail "relative execs failed"

# credentials: uid 65534, gid 12345, and a setuid-root setgid-54321 binary;
# id's own output is the truth to compare with
if command -v setpriv >/dev/null; then
	DROP="setpriv --reuid=65534 --regid=12345 --clear-groups"
	$DROP "$T/rel/prog" pt-creds || fail "cannot run as 65534:12345"
	cp /usr/bin/id "$T/sugid-id" && chown 0:54321 "$T/sugid-id" && chmod 6755 "$T/sugid-id" ||
		fail "cannot make a setuid binary"
	$DROP "$T/sugid-id" >"$T/id.out" || fail "setuid id failed"
fi

wait $S
sleep 0.5
WATCH_PID=$W2
stop_watch
[ "$WATCH_RC" = 0 ] || fail "args-max watch exited $WATCH_RC: $(cat "$T/am.err")"
WATCH_PID=$W1
stop_watch
[ "$WATCH_RC" = 0 ] || fail "watch exited $WATCH_RC: $(cat "$T/ev.err")"
jq -e . "$J" >/dev/null || fail "output is not valid JSON lines"
jq -e . "$T/am.json" >/dev/null || fail "args-max output is not valid JSON lines"
[ "$(summary_field "$T/ev.err" lost)" = 0 ] || fail "events lost: $(grep summary "$T/ev.err")"

# exit 3
[ "$(nev ".event == \"exit\" and .pid == $E3 and (.thread | not)")" = 1 ] ||
	fail "exit 3: not one exit for pid $E3: $(ev ".pid == $E3")"
json_has "$J" ".event == \"exit\" and .pid == $E3 and .exit_code == 3 and .signal == null and
	.core_dumped == false and .duration_ms >= 0" || fail "exit 3 fields: $(ev ".pid == $E3")"
ok "exit code 3"

json_has "$J" ".event == \"exit\" and .pid == $K and .signal == 9 and .exit_code == null and
	.core_dumped == false" || fail "SIGKILL not reported: $(ev ".event == \"exit\" and .pid == $K")"
ok "death by SIGKILL"

# thread exec: one exec of echo by the helper's pid, one process exit, exit
# 0, and the process keeps its identity (pid, start) across the exec
ECHO=$(readlink -f /bin/echo)
n=$(nev ".pid == $TE and .event == \"exec\" and .argv == [\"/bin/echo\",\"pt-thread-exec\"]")
[ "$n" = 1 ] || fail "thread exec: $n exec events of echo for pid $TE"
json_has "$J" ".pid == $TE and .event == \"exec\" and .argv[0] == \"/bin/echo\" and
	.exe == \"$ECHO\"" || fail "thread exec: exe is not $ECHO: $(ev ".pid == $TE and .event == \"exec\"")"
n=$(nev ".pid == $TE and .event == \"exit\" and (.thread | not)")
[ "$n" = 1 ] || fail "thread exec: $n process exits for pid $TE (the old leader's exit must not close it)"
json_has "$J" ".pid == $TE and .event == \"exit\" and (.thread | not) and .exit_code == 0 and
	.signal == null and .argv == [\"/bin/echo\",\"pt-thread-exec\"]" ||
	fail "thread exec: wrong exit: $(ev ".pid == $TE and .event == \"exit\"")"
n=$(nev ".pid == $TE and .event == \"fork\" and .thread == true")
[ "$n" = 1 ] || fail "thread exec: $n thread forks for pid $TE, expected 1"
n=$(jq -r "select(.pid == $TE) | .start" "$J" | sort -u | wc -l)
[ "$n" = 1 ] || fail "thread exec: $n different start times for pid $TE"
ok "thread that execs"

# 200 KB argv: cut at --args-max (default 128K = 131072 bytes of
# NUL-separated argv), flagged, the kept part intact
r=$(ev ".event == \"exec\" and .pid == $BIG")
[ "$(echo "$r" | wc -l)" = 1 ] && [ -n "$r" ] ||
	fail "200 KB argv: $(echo "$r" | grep -c .) execs of pid $BIG; events of it: $(jq -c "select(.pid == $BIG) | del(.argv)" "$J"); lost: $(jq -c 'select(.event == "lost")' "$J")"
echo "$r" | jq -e '.argv_truncated == true and .missing == null' >/dev/null ||
	fail "200 KB argv not flagged truncated: $(echo "$r" | jq -c 'del(.argv)')"
kept=$(echo "$r" | jq '.argv | (map(length) | add) + length - 1')
[ "$kept" = 131072 ] || fail "200 KB argv: kept $kept bytes, --args-max is 131072"
echo "$r" | jq -e --arg big "$big" '.argv[0] == "/bin/true" and .argv[2] == $big and
	.argv[3] == $big and (.argv[4] | test("^a+$"))' >/dev/null || fail "200 KB argv: kept part is wrong"
r=$(jq -c "select(.event == \"exec\" and .pid == $BIG)" "$T/am.json")
[ -n "$r" ] || fail "--args-max=64K: the 200 KB exec is missing"
kept=$(echo "$r" | jq '.argv | (map(length) | add) + length - 1')
[ "$kept" = 65536 ] || fail "--args-max=64K: kept $kept bytes"
echo "$r" | jq -e '.argv_truncated == true' >/dev/null || fail "--args-max=64K: not flagged"
json_has "$T/am.json" '.event == "exec" and .argv == ["./prog","pt-rel"] and .argv_truncated == false' ||
	fail "--args-max=64K: a short argv is missing or flagged"
ok "200 KB argv truncated to 128 KiB (and 64 KiB with --args-max=64K) and flagged"

# relative execs report the absolute path of the file
for a in '"./prog","pt-rel"' '"./link","pt-link"' '"../prog","pt-dotdot"'; do
	r=$(ev ".event == \"exec\" and .argv == [$a]")
	[ -n "$r" ] || fail "exec of [$a] missing"
	[ "$(echo "$r" | jq -r .exe)" = "$RELREAL" ] ||
		fail "exec of [$a]: exe $(echo "$r" | jq .exe), expected $RELREAL"
done
ok "relative execs report the absolute exe $RELREAL"

# credentials
if [ -n "${DROP:-}" ]; then
	json_has "$J" '.event == "exec" and .argv[1] == "pt-creds" and .uid == 65534 and
		.euid == 65534 and .gid == 12345 and .egid == 12345' ||
		fail "exec creds: $(ev '.event == "exec" and .argv[1] == "pt-creds"' | jq -c 'del(.argv)')"
	json_has "$J" '.event == "exit" and .argv[1] == "pt-creds" and .uid == 65534 and
		.euid == 65534 and .gid == 12345 and .egid == 12345' || fail "exit creds"
	# id prints euid= and egid= only when they differ from uid and gid
	id=$(cat "$T/id.out")
	u=$(echo "$id" | sed -n 's/^uid=\([0-9]*\).*/\1/p')
	g=$(echo "$id" | sed -n 's/.* gid=\([0-9]*\).*/\1/p')
	eu=$(echo "$id" | sed -n 's/.* euid=\([0-9]*\).*/\1/p')
	eg=$(echo "$id" | sed -n 's/.* egid=\([0-9]*\).*/\1/p')
	[ "$u" = 65534 ] && [ "$g" = 12345 ] || fail "setpriv did not drop to 65534:12345: $id"
	ok "credentials of a process run as 65534:12345"
	if [ -n "$eu" ] && [ -n "$eg" ]; then
		r=$(ev ".event == \"exec\" and .argv == [\"$T/sugid-id\"]")
		echo "$r" | jq -e ".uid == $u and .euid == $eu and .gid == $g and .egid == $eg" >/dev/null ||
			fail "setuid/setgid exec creds: $(echo "$r" | jq -c '[.uid, .euid, .gid, .egid]'), id says $id"
		ok "setuid+setgid exec: uid $u euid $eu gid $g egid $eg"
	else
		echo "note: setuid/setgid bits not honoured under $T (nosuid?): $id"
	fi
fi

# start time of a live process is field 22 of /proc/PID/stat, on every event
json_has "$J" ".event == \"exec\" and .pid == $S and .argv == [\"sleep\",\"3\"]" ||
	fail "exec of sleep 3 (pid $S) missing"
json_all "$J" ".pid == $S" ".start == $STAT22" ||
	fail "start of pid $S: $(jq -c "select(.pid == $S) | [.event, .start]" "$J" | tr '\n' ' '), stat says $STAT22"
json_has "$J" ".event == \"exit\" and .pid == $S and .exit_code == 0 and .duration_ms >= 2900" ||
	fail "exit of sleep 3: $(ev ".event == \"exit\" and .pid == $S")"
ok "start $STAT22 of pid $S equals /proc/$S/stat field 22"

# namespaces and cgroup, through show and ps
jq -e ".pid == $S and .start == $STAT22" "$T/show.json" >/dev/null || fail "show $S: wrong pid or start"
[ -s "$T/ns.want" ] || fail "no namespaces under /proc/$S/ns"
while read -r n ino; do
	[ "$(jq ".ns.$n" "$T/show.json")" = "$ino" ] ||
		fail "show $S: ns.$n $(jq ".ns.$n" "$T/show.json"), /proc says $ino"
	[ "$(jq "select(.pid == $S) | .ns.$n" "$T/ps.json")" = "$ino" ] || fail "ps: ns.$n of $S"
done <"$T/ns.want"
if command -v unshare >/dev/null; then
	[ "$(jq .ns.uts "$T/show.json")" != "$(stat -L -c %i /proc/$$/ns/uts)" ] ||
		fail "show $S: the uts namespace unshare made is not reported"
fi
if [ -n "$CG" ]; then
	[ "$(jq -r .cgroup "$T/show.json")" = "$CG" ] ||
		fail "show $S: cgroup $(jq .cgroup "$T/show.json"), /proc says $CG"
fi
ok "show/ps: namespaces and cgroup of pid $S"
