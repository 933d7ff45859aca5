#!/bin/sh
# tests/bench/daemon.sh end to end on a small scale: every section is reported, the daemon is
# stopped, the sleepers are reaped; and the figures that are correctness, not speed: every
# storm tag reaches the table and every reading subscriber, the CLI's ps is answered by the
# daemon, show finds what it asks for, a stalled subscriber's loss is told to it and counted by
# status alike. No time is asserted.
# serial: a benchmark: other tests' processes would be in its figures (contrib/quickstart.sh)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_root "the daemon's monitor"
need_cmd jq
: "${PROCTRAILD:=$top_builddir/proctraild}"
export PROCTRAILD PROCTRAIL
N=300

"$top_srcdir/tests/bench/daemon.sh" -B "$top_builddir" -r 1 -n $N -L 300 -R 300 -T 120 \
	-o "$T/out.md" -k >"$T/stdout" 2>"$T/stderr"
rc=$?
cat "$T/stderr"
[ $rc = 0 ] || fail "daemon.sh exited $rc"
W=$(sed -n 's/^daemon.sh: work directory kept: //p' "$T/stderr")
[ -n "$W" ] && [ -f "$W/raw.jsonl" ] || fail "no work directory in daemon.sh's log"
RAW=$T/raw.jsonl
cp "$W/raw.jsonl" "$RAW"
SLEEPERS_PIDS=$(cat "$W/sleepers.pids")
rm -rf "$W"

for s in "## ps with 300 live processes" "## Events per second delivered" "## show latency" \
	"## Daemon memory" "## Capture of a storm" "## Commands" "## Raw figures"; do
	grep -q "^$s" "$T/out.md" || fail "no '$s' in the report"
done
ok "every section reported"

dpid=$(jq -r 'select(.section == "status") | .daemon.pid' "$RAW" | head -n 1)
[ -n "$dpid" ] || fail "no daemon pid in the status lines"
# not a recycled pid: the daemon's own command line
if [ -r "/proc/$dpid/cmdline" ] && tr '\0' ' ' <"/proc/$dpid/cmdline" | grep -q proctraild; then
	fail "proctraild $dpid still runs"
fi
left=0
for p in $SLEEPERS_PIDS; do
	[ -r "/proc/$p/cmdline" ] && tr '\0' ' ' <"/proc/$p/cmdline" | grep -q sleepers &&
		left=$((left + 1))
done
[ "$(echo "$SLEEPERS_PIDS" | wc -w)" = 300 ] || fail "sleepers did not start 300"
[ $left = 0 ] || fail "$left sleepers left alive"
ok "daemon stopped, 300 sleepers reaped"

# ps: four listings, none failed, the CLI's through the daemon
for w in daemon-cli local procps socket; do
	n=$(jq -r "select(.section == \"ps\" and .what == \"$w\") | .rc" "$RAW" | grep -c '^0$')
	[ "$n" = 1 ] || fail "ps $w: $n successful runs of 1"
done
lines=$(jq -r 'select(.section == "ps" and .what == "daemon-cli") | .lines' "$RAW")
[ "$lines" -ge 300 ] || fail "the daemon's ps listed $lines lines with 300 sleepers"
ok "ps: daemon, local, procps and socket listings"

# events: every subscriber saw every tag, and nothing lost
for n in 1 10; do
	line=$(jq -c "select(.section == \"events\" and .subscribers == \"$n\")" "$RAW")
	[ -n "$line" ] || fail "no events run with $n subscribers"
	[ "$(echo "$line" | jq '.subs | length')" = "$n" ] || fail "$n subscribers: wrong count"
	[ "$(echo "$line" | jq "[.subs[].tags] | min")" = $N ] ||
		fail "$n subscribers: tags $(echo "$line" | jq -c '[.subs[].tags]') of $N"
	[ "$(echo "$line" | jq "[.subs[].lost_count] | add")" = 0 ] || fail "$n subscribers: lost events"
done
ok "events: 1 and 10 subscribers saw all $N execs"

# show: answers, no errors
for d in idle storm; do
	line=$(jq -c "select(.section == \"show\" and .during == \"$d\")" "$RAW")
	[ "$(echo "$line" | jq '.found > 0 and .errors == 0')" = true ] || fail "show $d: $line"
done
ok "show: found, no errors"

# capture: the table and the reader see every exec with and without a stalled subscriber; what
# the stalled one is told equals what status counts
for s in 0 1; do
	line=$(jq -c "select(.section == \"capture\" and .stalled == \"$s\")" "$RAW")
	[ "$(echo "$line" | jq .table_tags)" = $N ] || fail "stalled $s: table $(echo "$line" | jq .table_tags)/$N"
	[ "$(echo "$line" | jq .subs[0].tags)" = $N ] || fail "stalled $s: reader $(echo "$line" | jq .subs[0].tags)/$N"
	[ "$(echo "$line" | jq .subs[0].lost_count)" = 0 ] || fail "stalled $s: the reader lost events"
done
line=$(jq -c 'select(.section == "capture" and .stalled == "1")' "$RAW")
[ "$(echo "$line" | jq '.subs[1].lost_count == .status_lost_slow_reader')" = true ] ||
	fail "the stalled subscriber was told $(echo "$line" | jq .subs[1].lost_count), status counts $(echo "$line" | jq .status_lost_slow_reader)"
[ "$(echo "$line" | jq '.subs[1].lost_count == 0 or .subs[1].lost_events > 0')" = true ] ||
	fail "a lost count without a lost event"
ok "capture: $N of $N with and without a stalled subscriber; its loss told and counted alike"
exit 0
