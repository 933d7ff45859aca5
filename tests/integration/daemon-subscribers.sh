#!/bin/sh
# A subscriber that never reads, during a storm: another subscriber and the
# table still see every exec, the stalled one is counted in status and gets a
# `lost` slow-reader event once it reads again; kill -9 of a subscriber
# mid-stream; every subscriber gets its final line at stop.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/daemon-lib.sh"
need_root "the daemon's monitor"
need_cmd jq
N=3000
TAG=pdsub$$

start_daemon
printf '{"cmd":"subscribe","events":["exec"],"id":"A"}\n' | "$PDC" "$SOCK" raw 120 >"$T/a" &
A=$!
PIDS="$PIDS $A"
"$PDC" "$SOCK" stall '{"cmd":"subscribe","events":"all","queue":65536}' >"$T/b" 2>"$T/b.err" &
B=$!
PIDS="$PIDS $B"
wait_for_line "$T/b.err" stalled 10 || fail "the stalled subscriber did not start"
wait_for_line "$T/a" subscribed 10 || fail "subscriber A did not subscribe"
[ "$(head -1 "$T/a")" = '{"subscribed":{"events":["exec","lost"],"queue":4194304,"filter":null},"id":"A"}' ] ||
	fail "subscribed line: $(head -1 "$T/a")"
i=0
until [ "$(q '{"cmd":"status"}' | head -1 | jq .daemon.subscribers)" = 2 ]; do
	i=$((i + 1))
	[ $i -gt 50 ] && fail "status does not show 2 subscribers"
	sleep 0.1
done

"$STORM" -n $N -k 8 -b "$TRUE_STATIC" -t "$TAG" >"$T/storm.json" || fail "storm failed"
cat "$T/storm.json"
i=0
until [ "$(count_tagged "$T/a" exec "$TAG-")" = $N ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && break
	sleep 0.1
done
got=$(count_tagged "$T/a" exec "$TAG-")
[ "$got" = $N ] || fail "the reading subscriber saw $got of $N execs"
q '{"cmd":"recent","seconds":300}' | sed '$d' >"$T/recent"
tab=$(jq -r "select(.argv[1] // \"\" | startswith(\"$TAG-\")) | .argv[1]" "$T/recent" | sort -u | wc -l)
[ "$tab" = $N ] || fail "the table holds $tab of $N storm processes"
ok "with a stalled subscriber: the other saw $got of $N execs, the table $tab"

q '{"cmd":"status"}' | head -1 >"$T/st"
lostB=$(jq '[.daemon.subscriber_list[] | select(.queue == 65536)][0].lost_slow_reader' "$T/st")
lostA=$(jq '[.daemon.subscriber_list[] | select(.queue == 4194304)][0].lost_slow_reader' "$T/st")
total=$(jq .daemon.lost_slow_reader "$T/st")
[ "$lostB" -gt 0 ] || fail "the stalled subscriber lost nothing? $(cat "$T/st")"
[ "$lostA" = 0 ] || fail "the reading subscriber lost $lostA"
[ "$total" = "$lostB" ] || fail "total lost_slow_reader $total, the stalled one's $lostB"
ok "status counts the stalled subscriber's $lostB drops"

kill -USR1 $B
wait_for_line "$T/b" '"reason":"slow-reader"' 20 || fail "no lost event after resuming"
told=$(jq -r 'select(.event == "lost" and .reason == "slow-reader") | .count' "$T/b" | awk '{ s += $1 } END { print s }')
# more drops may follow the status query (B takes every event); at least these
[ "$told" -ge "$lostB" ] || fail "lost events tell $told, status said $lostB"
jq -e . "$T/b" >/dev/null || fail "the stalled subscriber's stream is not JSON lines"
ok "the stalled subscriber, reading again, is told: lost $told (slow-reader)"

# kill -9 of a subscriber mid-stream, while events flow
printf '{"cmd":"subscribe"}\n' | "$PDC" "$SOCK" raw 60 >/dev/null &
K=$!
sleep 0.3
"$STORM" -n 300 -k 4 -b "$TRUE_STATIC" -t "${TAG}k" >/dev/null &
SP=$!
sleep 0.05
kill -9 $K
wait $SP
daemon_alive || fail "the daemon died with its subscriber"
i=0
until [ "$(q '{"cmd":"status"}' | head -1 | jq .daemon.subscribers)" = 2 ]; do
	i=$((i + 1))
	[ $i -gt 50 ] && fail "the killed subscriber is still counted"
	sleep 0.1
done
ok "kill -9 of a subscriber mid-stream"

stop_daemon
[ "$DRC" = 0 ] || fail "proctraild exited $DRC"
wait $A
tail -1 "$T/a" | jq -e '.done == "subscribe" and .lost == 0 and .count >= '$N' and .id == "A"' >/dev/null ||
	fail "A's final line: $(tail -1 "$T/a")"
told=$(jq -r 'select(.event == "lost" and .reason == "slow-reader") | .count' "$T/b" | awk '{ s += $1 } END { print s }')
tail -1 "$T/b" | jq -e '.done == "subscribe" and .lost == '"$told" >/dev/null ||
	fail "B's final line: $(tail -1 "$T/b"), lost events told $told"
ok "at stop, each subscriber got its final line"
