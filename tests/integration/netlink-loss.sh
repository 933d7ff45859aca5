#!/bin/sh
# A reader stopped during a storm: the loss is counted and reported, the
# table is resynchronised, nothing crashes, and a process whose exit fell in
# the gap still gets an exit.
# serial: overruns the kernel's queue on purpose, with its own storm alone (contrib/quickstart.sh)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq
need_root "SO_RCVBUFFORCE for a small buffer"
need_tier netlink

sleep 1000 &
VICTIM=$!
PIDS="$PIDS $VICTIM"
start_watch "$T/l.json" "$T/l.err" --tier=netlink --json --rcvbuf=256K --no-realtime
kill -STOP "$WATCH_PID"
kill $VICTIM
"$STORM" -q -T -n 20000 -k 8 >/dev/null || fail "thread storm failed"
sleep 30 &
NEWBORN=$!
PIDS="$PIDS $NEWBORN"
kill -CONT "$WATCH_PID"
sleep 2
stop_watch
[ "$WATCH_RC" = 0 ] || fail "watch exited $WATCH_RC after a loss"
cat "$T/l.err"
jq -e . "$T/l.json" >/dev/null || fail "invalid JSON after a loss"
lost=$(jq -s '[.[] | select(.event == "lost") | .count] | add // 0' "$T/l.json")
[ "$lost" -gt 0 ] || fail "no lost event after an overrun"
json_all "$T/l.json" '.event == "lost"' '.estimated == false and (.reason | length > 0)' ||
	fail "lost event without reason"
[ "$(summary_field "$T/l.err" resyncs)" -ge 1 ] || fail "no resync after the loss"
[ "$(summary_field "$T/l.err" lost)" = "$lost" ] || fail "summary lost differs from lost events"
n=$(jq -c "select(.event == \"exit\" and .pid == $VICTIM)" "$T/l.json" | wc -l)
[ "$n" = 1 ] || fail "the process killed during the gap has $n exit events"
ok "loss of $lost events reported, resynced, the gap's exit reported once"
