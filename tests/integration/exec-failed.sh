#!/bin/sh
# The bpf tier reports failed execs: E2BIG, ENOENT and EACCES each give an
# exec_failed event with the errno, the path and argv asked for, and the
# caller's identity; --events=exec_failed and the text output show them; the
# netlink tier says it cannot.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq
need_root "the bpf tier"
need_tier bpf
H=$top_builddir/tests/integration/helper-parity
J=$T/ev.json

"$PROCTRAIL" probe --json >"$T/probe.json" || true
gap=$(jq -r '.tiers[] | select(.tier == "bpf") | .missing_events.exec_failed // empty' "$T/probe.json")
[ -z "$gap" ] || skip "the bpf tier cannot deliver exec_failed here: $gap"

printf 'not a program\n' >"$T/noexec"
chmod 644 "$T/noexec"
start_watch "$J" "$T/ev.err" --tier=bpf --json --events=exec_failed
start_watch "$T/ev.txt" "$T/txt.err" --tier=bpf --events=exec_failed
TXT_PID=$WATCH_PID
E2BIG_PID=$("$H" exec E2BIG /bin/true)
ENOENT_PID=$("$H" exec ENOENT "$T/no/such/prog")
EACCES_PID=$("$H" exec EACCES "$T/noexec")
sleep 0.5
stop_watch
WATCH_PID=$TXT_PID
stop_watch

# one check per errno: number, name, path, argv, the caller
want() { # ERRNO-NAME NUMBER PID PATH
	json_has "$J" ".event == \"exec_failed\" and .pid == $3 and .tid == $3 and .res == \"$1\" and .errno == $2 and .filename == \"$4\" and .exec_argv[0] == \"pt-failed\" and .exec_argv[1] == \"$1\" and .comm == \"helper-parity\" and .uid == 0 and .euid == 0 and (.ppid > 0)" ||
		fail "no exec_failed $1 for pid $3: $(jq -c "select(.pid == $3)" "$J")"
}
want E2BIG 7 "$E2BIG_PID" /bin/true
want ENOENT 2 "$ENOENT_PID" "$T/no/such/prog"
want EACCES 13 "$EACCES_PID" "$T/noexec"
# E2BIG: the 132 KiB argument is cut, and says so
json_has "$J" ".pid == $E2BIG_PID and .exec_argv_truncated == true" ||
	fail "the E2BIG argv is not marked truncated"
ok "E2BIG, ENOENT and EACCES each give exec_failed with errno, path, argv and caller"

# --events=exec_failed: nothing else (but a loss, never silent)
json_all "$J" "true" '.event == "exec_failed" or .event == "lost"' ||
	fail "--events=exec_failed let other events through"
grep -q "exec_failed.*\[ENOENT\] $T/no/such/prog: pt-failed ENOENT (by helper-parity)" "$T/ev.txt" ||
	fail "the text line of the ENOENT exec: $(grep ENOENT "$T/ev.txt")"
ok "--events=exec_failed and the text line"

# the netlink tier cannot see them, and says so
jq -e '.tiers[] | select(.tier == "netlink") | .missing_events.exec_failed | length > 0' \
	"$T/probe.json" >/dev/null || fail "probe does not say the netlink tier misses exec_failed"
ok "probe says netlink cannot see failed execs"
