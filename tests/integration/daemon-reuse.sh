#!/bin/sh
# pid reuse: after a pid is taken by a second process, `show PID@TIME` with a
# time in the first one's life returns the first, `show PID` the second, and
# each key its own. Reuse is forced through /proc/sys/kernel/ns_last_pid.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/daemon-lib.sh"
need_root "the daemon's monitor and ns_last_pid"
need_cmd jq
[ -w /proc/sys/kernel/ns_last_pid ] || skip "no writable /proc/sys/kernel/ns_last_pid"

start_daemon
sh -c 'sleep 1' pdreuse-first &
P=$!
sleep 0.2
# a time in the first one's life: taken before the query, which a loaded
# (sanitized, -j2) daemon can answer late, and checked against the process
AT=$(date +%s.%N)
case $(sed 's/.*) \(.\).*/\1/' /proc/$P/stat 2>/dev/null) in
"" | Z | X) fail "the first process $P had ended at $AT: $(cat /proc/$P/stat 2>&1)" ;;
esac
q "{\"cmd\":\"show\",\"pid\":$P}" | head -1 >"$T/first"
K1=$(jq -r .key "$T/first")
[ -n "$K1" ] && [ "$K1" != null ] || fail "no key for the first process: $(cat "$T/first")"
wait $P
sleep 0.2

# take the pid again: the next pid after ns_last_pid is P (other forks may win a round)
tries=0
while :; do
	tries=$((tries + 1))
	[ $tries -gt 200 ] && skip "could not get pid $P again in 200 tries (a busy host)"
	echo $((P - 1)) >/proc/sys/kernel/ns_last_pid
	sleep 30 &
	Q=$!
	[ "$Q" = "$P" ] && break
	kill $Q
	wait $Q 2>/dev/null
done
PIDS="$PIDS $Q"
sleep 0.3
ok "pid $P reused after $tries tries"

q "{\"cmd\":\"show\",\"pid\":$P}" | head -1 >"$T/now"
K2=$(jq -r .key "$T/now")
[ "$K2" != "$K1" ] || fail "the second process has the first one's key $K1"
[ "$(jq -c .argv "$T/now")" = '["sleep","30"]' ] || fail "show $P: $(cat "$T/now")"
q "{\"cmd\":\"show\",\"pid\":\"$P@$AT\"}" | head -1 >"$T/then"
[ "$(jq -r .key "$T/then")" = "$K1" ] || {
	# what the daemon holds for pid P, to tell a lost or mistimed record apart
	q "{\"cmd\":\"ps\",\"state\":\"all\",\"filter\":\"proc.pid = $P\"}" |
		jq -c '{key, state, start_time, exit_time, argv}' 2>&1
	fail "show $P@$AT: $(cat "$T/then"), want key $K1 (first: $(cat "$T/first"))"
}
[ "$(jq -r .state "$T/then")" = exited ] || fail "the first process is not exited: $(cat "$T/then")"
[ "$(q "{\"cmd\":\"show\",\"key\":\"$K1\"}" | head -1 | jq -r .key)" = "$K1" ] || fail "show by the first key"
[ "$(q "{\"cmd\":\"show\",\"key\":\"$K2\"}" | head -1 | jq -c .argv)" = '["sleep","30"]' ] ||
	fail "show by the second key"
# both records are listed; on a busy host another process may have held pid P
# between the two (the retry loop above lets that happen), and it is listed too
q "{\"cmd\":\"ps\",\"state\":\"all\",\"filter\":\"proc.pid = $P\"}" | sed '$d' >"$T/all"
jq -r .key "$T/all" >"$T/keys"
grep -qxF "$K1" "$T/keys" || fail "ps state all lacks the first process $K1: $(cat "$T/all")"
grep -qxF "$K2" "$T/keys" || fail "ps state all lacks the second process $K2: $(cat "$T/all")"
[ "$(jq -r 'select(.state != "exited") | .key' "$T/all")" = "$K2" ] ||
	fail "ps state all: only $K2 should be live: $(cat "$T/all")"
ok "show $P@time is the earlier process, show $P the later, each key its own"
stop_daemon
