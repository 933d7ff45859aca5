#!/bin/sh
# Netlink tier against the real kernel: exit codes and signals, the
# thread-exec trap, setuid, PID namespaces, comm, threads, awkward argv.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq
need_tier netlink
H=$top_builddir/tests/integration
# What these checks are about (exit codes, the thread-exec trap, setuid
# credentials, argv encoding) must not hang on the race to read a process that
# lives a millisecond: netlink-storm measures that. So the processes whose argv
# or comm a check reads live a while ("sleep 0.2; :", as dash would exec a
# lone command in place), and the others are found by pid.

start_watch "$T/ev.json" "$T/ev.err" --tier=netlink --json --threads

# exit code 3 and death by SIGKILL
sh -c 'sleep 0.2; exit 3' ptexit3
sleep 30 &
K=$!
sleep 0.1
kill -9 $K
wait $K 2>/dev/null

# a thread that execs
"$H/helper-thread-exec" /bin/sh -c 'sleep 0.2; :' pt-thread-exec >/dev/null &
TE=$!
wait $TE

# a setuid binary run by nobody
if command -v setpriv >/dev/null; then
	cp /usr/bin/id "$T/suid-id" && chown root:root "$T/suid-id" && chmod 4755 "$T/suid-id"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$T/suid-id" pt-suid >/dev/null 2>&1 &
	SU=$!
	wait $SU
fi

# a process in a new PID namespace, reported with its host pid
if command -v unshare >/dev/null; then
	unshare --pid --fork sleep 1.123 &
	US=$!
	sleep 0.5
	NSHOST=$(pgrep -f '^sleep 1.123$' | head -1)
	wait $US
fi

# renaming and threads
"$H/helper-threads" 3 20 5

# argv with non-UTF-8 bytes, and argv larger than 128 KiB
sh -c 'sleep 0.2; :' "$(printf 'pt-bytes-\377\376')" "ok"
# one string may not exceed 128 KiB (MAX_ARG_STRLEN): four of 50,000 bytes
big=$(head -c 50000 /dev/zero | tr '\0' 'a')
sh -c 'sleep 0.2; :' pt-big "$big" "$big" "$big" "$big" &
BIG=$!
wait $BIG

sleep 0.5
stop_watch
[ "$WATCH_RC" = 0 ] || fail "watch exited $WATCH_RC"
jq -e . "$T/ev.json" >/dev/null || fail "output is not valid JSON lines"

# exit 3
r=$(jq -c 'select(.event == "exit" and .comm == "sh" and .exit_code == 3)' "$T/ev.json" | head -1)
[ -n "$r" ] || fail "exit 3 not reported"
echo "$r" | jq -e '.signal == null and .duration_ms >= 0' >/dev/null || fail "exit 3 fields: $r"
ok "exit code 3"

r=$(jq -c "select(.event == \"exit\" and .pid == $K)" "$T/ev.json")
echo "$r" | jq -e '.signal == 9 and .exit_code == null' >/dev/null || fail "SIGKILL not reported: $r"
ok "death by SIGKILL"

# thread exec: two execs by the helper's pid (the helper itself, then sh from
# its thread), the last with sh's argv; one process exit, exit 0. The first
# exec's argv is not checked: read late, it already shows sh's image.
n=$(jq -c "select(.pid == $TE and .event == \"exec\")" "$T/ev.json" | wc -l)
[ "$n" = 2 ] || fail "thread exec: $n exec events for pid $TE"
jq -c "select(.pid == $TE and .event == \"exec\")" "$T/ev.json" | tail -1 |
	jq -e '.argv == ["/bin/sh","-c","sleep 0.2; :","pt-thread-exec"]' >/dev/null ||
	fail "thread exec: the last exec of pid $TE is not sh's"
n=$(jq -c "select(.pid == $TE and .event == \"exit\" and (.thread | not))" "$T/ev.json" | wc -l)
[ "$n" = 1 ] || fail "thread exec: $n process exits for pid $TE (the kernel's early leader EXIT must not close it)"
json_has "$T/ev.json" ".pid == $TE and .event == \"exit\" and (.thread | not) and .exit_code == 0" ||
	fail "thread exec: wrong exit"
ok "thread that execs"

if [ -x "$T/suid-id" ]; then
	# setpriv execs the binary in the same pid: its last exec; the kernel's
	# uid event comes before the exec, so the creds do not depend on a read
	r=$(jq -c "select(.event == \"exec\" and .pid == $SU)" "$T/ev.json" | tail -1)
	[ -n "$r" ] || fail "no exec event for the setuid run (pid $SU)"
	echo "$r" | jq -e '.uid == 65534 and .euid == 0' >/dev/null || fail "setuid exec creds: $r"
	json_has "$T/ev.json" ".event == \"uid\" and .pid == $SU and .euid == 0" ||
		fail "no uid event with euid 0 for the setuid exec"
	ok "setuid binary: uid event and euid 0"
fi

if [ -n "${NSHOST:-}" ]; then
	r=$(jq -c 'select(.event == "exec" and .argv == ["sleep","1.123"])' "$T/ev.json")
	[ "$(echo "$r" | jq .pid)" = "$NSHOST" ] || fail "PID namespace: reported $(echo "$r" | jq .pid), host pid $NSHOST"
	ok "process in a new PID namespace reported with its host pid $NSHOST"
fi

r=$(jq -c 'select(.event == "comm" and .comm == "pt-renamed")' "$T/ev.json" | head -1)
[ -n "$r" ] || fail "comm event missing"
hp=$(echo "$r" | jq .pid)
n=$(jq -c "select(.pid == $hp and .event == \"fork\" and .thread == true)" "$T/ev.json" | wc -l)
[ "$n" = 3 ] || fail "expected 3 thread forks, got $n"
n=$(jq -c "select(.pid == $hp and .event == \"exit\" and .thread == true)" "$T/ev.json" | wc -l)
[ "$n" = 3 ] || fail "expected 3 thread exits, got $n"
json_has "$T/ev.json" ".pid == $hp and .event == \"exit\" and (.thread | not) and .exit_code == 5" ||
	fail "threaded process exit code"
ok "comm change, thread fork/exit, exit code after threads"

r=$(jq -c 'select(.event == "exec" and .argv_b64 != null and .argv[4] == "ok")' "$T/ev.json" | head -1)
[ -n "$r" ] || fail "no argv_b64 for a non-UTF-8 argv"
got=$(echo "$r" | jq -r '.argv_b64[3]' | base64 -d | od -An -tx1 | tr -d ' \n')
want=$(printf 'pt-bytes-\377\376' | od -An -tx1 | tr -d ' \n')
[ "$got" = "$want" ] || fail "argv_b64 does not restore the bytes: $got vs $want"
r=$(jq -c "select(.event == \"exec\" and .pid == $BIG)" "$T/ev.json")
echo "$r" | jq -e '.argv_truncated == true' >/dev/null || fail "200 KB argv not flagged truncated"
# --args-max counts the command line's bytes, NUL separators included
len=$(echo "$r" | jq '(.argv | map(length) | add) + (.argv | length) - 1')
[ "$len" = 131072 ] || fail "truncated argv has $len bytes, not 131072"
ok "non-UTF-8 argv lossless, 200 KB argv truncated and flagged"
