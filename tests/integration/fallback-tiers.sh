#!/bin/sh
# The unprivileged fallbacks, run as nobody: the inotify and poll tiers see a
# long-lived process start and exit (synthesized, with a window around the
# true time); a storm of short processes under inotify is captured in part and
# the rest is reported as estimated losses of the right size; poll catches
# every process that lives longer than twice its interval; probe lists both.
# serial: measures capture in a race with short-lived processes (contrib/quickstart.sh)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq
need_root "to drop to nobody"
need_cmd setpriv
N=${STORM_N:-500}
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"
[ "$($NOBODY id -u 2>/dev/null)" = 65534 ] || skip "setpriv cannot drop to uid 65534"

# RFC 3339 with microseconds -> seconds since the epoch
TS='def ts: (.[0:19] + "Z" | fromdateiso8601) + (.[19:26] | tonumber);'

now() { date +%s.%N; }
last_pid() { cut -d' ' -f5 /proc/loadavg; }

# watch_nobody OUT ERR TIER ARGS...: start `proctrail watch` as nobody
watch_nobody() {
	out=$1 err=$2 tier=$3
	shift 3
	: >"$err" # not by the background job: see start_watch
	$NOBODY "$PROCTRAIL" watch --tier="$tier" --json "$@" >"$out" 2>"$err" &
	WATCH_PID=$!
	PIDS="$PIDS $WATCH_PID"
	wait_for_line "$err" "ready" 20 || {
		cat "$err"
		fail "watch --tier=$tier as nobody did not become ready"
	}
	grep -q "ready (tier $tier)" "$err" || fail "watch --tier=$tier: $(grep ready "$err")"
	uid=$(awk '$1 == "Uid:" {print $2 "/" $3}' "/proc/$WATCH_PID/status")
	[ "$uid" = 65534/65534 ] || fail "watch is not running as nobody (uid $uid)"
}

stop_nobody() {
	stop_watch
	[ "$WATCH_RC" = 0 ] || {
		cat "$2"
		fail "watch --tier=$3 exited $WATCH_RC"
	}
	jq -e . "$1" >/dev/null || fail "$3: output is not valid JSON lines"
	grep -q '^proctrail: summary ' "$2" || fail "$3: no summary line"
}

# long_lived TAG: a process that lives 1.5 s (sh, waiting for its sleep), as
# nobody; sets L0 and L1, wall-clock times before it started and after it ended
long_lived() {
	L0=$(now)
	$NOBODY sh -c 'sleep 1.5; :' "$1"
	L1=$(now)
}

# check_long FILE TIER TAG T0 T1: one synthesized exec with the right argv and
# one synthesized exit, windows sane (never wider than what the test saw) and
# around the true times (1 s of slack).
# The exec happened in [T0, T1 - 1.5], the exit in [T0 + 1.5, T1]: a window
# that holds the true time starts before the latest and ends after the earliest.
check_long() {
	f=$1 tier=$2 tag=$3 t0=$4 t1=$5
	argv="[\"sh\",\"-c\",\"sleep 1.5; :\",\"$tag\"]"
	n=$(jq -c "select(.event == \"exec\" and .argv == $argv)" "$f" | wc -l)
	[ "$n" = 1 ] || fail "$tier: $n exec events with argv $argv"
	r=$(jq -c "select(.event == \"exec\" and .argv == $argv)" "$f")
	pid=$(echo "$r" | jq .pid)
	start=$(echo "$r" | jq .start)
	echo "$r" | jq -e --arg tier "$tier" --argjson t0 "$t0" --argjson t1 "$t1" "$TS"'
		.synthesized == true and .tier == $tier and .uid == 65534 and
		(.window.from | ts) <= (.window.to | ts) and
		(.window.to | ts) - (.window.from | ts) <= $t1 - $t0 + 1 and
		(.window.from | ts) <= $t1 - 1.5 + 1 and (.window.to | ts) >= $t0 - 1' >/dev/null ||
		fail "$tier: exec of $tag (true time in [$t0, $t1 - 1.5]): $r"
	ok "$tier: synthesized exec of $tag, window $(echo "$r" | jq -c .window)"

	sel=".event == \"exit\" and .pid == $pid and .start == $start and (.thread | not)"
	n=$(jq -c "select($sel)" "$f" | wc -l)
	[ "$n" = 1 ] || fail "$tier: $n exit events for $tag (pid $pid)"
	r=$(jq -c "select($sel)" "$f")
	echo "$r" | jq -e --arg tier "$tier" --argjson t0 "$t0" --argjson t1 "$t1" "$TS"'
		.synthesized == true and .tier == $tier and .argv == '"$argv"' and
		(.window.from | ts) <= (.window.to | ts) and
		(.window.to | ts) - (.window.from | ts) <= $t1 - $t0 + 1 and
		(.window.from | ts) <= $t1 + 1 and (.window.to | ts) >= $t0 + 1.5 - 1 and
		(.duration_ms == null or (.duration_ms >= 1000 and .duration_ms <= ($t1 - $t0 + 1) * 1000))' \
		>/dev/null || fail "$tier: exit of $tag (true time in [$t0 + 1.5, $t1]): $r"
	ok "$tier: synthesized exit of $tag, window $(echo "$r" | jq -c .window)"

	json_has "$f" ".event == \"exec\" and .ppid == $pid and .argv == [\"sleep\",\"1.5\"]" ||
		fail "$tier: the sleep child of $tag (pid $pid) was not seen"
}

# ---- probe: both scanning tiers available to nobody, each with a reason ----
$NOBODY "$PROCTRAIL" probe >"$T/probe.txt" 2>&1 || true
cat "$T/probe.txt"
for t in inotify poll; do
	awk -v t="$t" '$1 == t && $2 == "yes" && NF >= 3 {f = 1} END {exit !f}' "$T/probe.txt" ||
		fail "probe as nobody: $t not available with a reason: $(grep "^$t " "$T/probe.txt")"
done
$NOBODY "$PROCTRAIL" probe --json >"$T/probe.json" || true
for t in inotify poll; do
	jq -e --arg t "$t" '[.tiers[] | select(.tier == $t and .available == true and
		(.reason | type == "string" and length > 0))] | length == 1' "$T/probe.json" >/dev/null ||
		fail "probe --json as nobody: $t: $(jq -c --arg t "$t" '.tiers[] | select(.tier == $t)' "$T/probe.json")"
done
ok "probe as nobody: inotify and poll available, each with a reason"

# ---- inotify: a long-lived process, then a storm of dynamic /bin/true ----
P0=$(last_pid)
watch_nobody "$T/inot.json" "$T/inot.err" inotify
long_lived pt-long-inotify
IL0=$L0 IL1=$L1
# shellcheck disable=SC2016
$NOBODY sh -c 'i=0; while [ $i -lt "$1" ]; do /bin/true "pt-inot-$i"; i=$((i + 1)); done' \
	pt-storm "$N" &
SP=$!
S0=$(now)
wait $SP || fail "storm failed"
S1=$(now)
sleep 0.5
stop_nobody "$T/inot.json" "$T/inot.err" inotify
P1=$(last_pid)
grep -v '^proctrail: summary' "$T/inot.err"

check_long "$T/inot.json" inotify pt-long-inotify "$IL0" "$IL1"

json_has "$T/inot.json" ".event == \"exec\" and .pid == $SP and .argv[0] == \"sh\"" ||
	fail "inotify: the storm's shell (pid $SP) was not seen"
captured=$(count_tagged "$T/inot.json" exec pt-inot-)
seen=$(jq -r "select(.ppid == $SP and .event != \"lost\") | \"\(.pid) \(.start)\"" "$T/inot.json" |
	sort -u | wc -l)
[ "$seen" -le "$N" ] || fail "inotify: $seen children of the storm's shell, it ran $N"
[ "$captured" -le "$seen" ] || fail "inotify: $captured tagged execs but $seen storm processes seen"
missed=$((N - captured))
unseen=$((N - seen))
est=$(summary_field "$T/inot.err" lost_estimated)
lost=$(summary_field "$T/inot.err" lost)
est_ev=$(jq -n '[inputs | select(.event == "lost" and .estimated == true) | .count] | add // 0' \
	"$T/inot.json")
nlost=$(jq -c 'select(.event == "lost")' "$T/inot.json" | wc -l)
if [ "$P1" -ge "$P0" ]; then
	alloc=$((P1 - P0))
else
	alloc=$((P1 + $(cat /proc/sys/kernel/pid_max) - 300 - P0))
fi
noise=$((alloc - N))
[ "$noise" -ge 0 ] || noise=0
pct=$(awk -v c="$captured" -v n="$N" 'BEGIN {printf "%.1f", 100 * c / n}')
echo "inotify storm: $N dynamic /bin/true in $(awk -v a="$S0" -v b="$S1" 'BEGIN {printf "%.2f", b - a}') s:" \
	"captured with argv $captured ($pct%), seen $seen, missed $missed (never seen $unseen);" \
	"estimated misses $est in $nlost lost events; pids allocated during the run $alloc" \
	"(others than the storm: $noise)"

[ "$est" = "$est_ev" ] || fail "inotify: summary lost_estimated $est, lost events add up to $est_ev"
[ "$lost" -ge "$est" ] || fail "inotify: summary lost $lost < lost_estimated $est"
if [ "$nlost" -gt 0 ]; then
	json_all "$T/inot.json" '.event == "lost"' \
		'.estimated == true and .count > 0 and .tier == "inotify" and (.reason | length > 0)' ||
		fail "inotify: a lost event is not an estimate with a count and a reason: $(jq -c 'select(.event == "lost")' "$T/inot.json" | head -3)"
fi
# The estimate counts pids that no scan saw. A storm process seen only in the
# middle of its exec, before its argv was there, was seen: it is not a loss.
if [ "$unseen" -gt 0 ]; then
	[ "$nlost" -gt 0 ] || fail "inotify: $unseen storm processes never seen and no lost event"
	[ $((10 * est)) -ge $((3 * unseen)) ] ||
		fail "inotify: estimated misses $est < 0.3 x the $unseen storm processes never seen"
fi
[ "$est" -le $((3 * missed + noise + 20)) ] ||
	fail "inotify: estimated misses $est > 3 x $missed missed + $noise other pids"
# The reader threads catch >= 99.5% here when the machine is quiet (the
# benchmark measures it), but 65% on a slow day (2026-12-02, when the netlink
# reader's rate halved too); 50% still fails a tier that captures nothing.
[ $((10 * captured)) -ge $((5 * N)) ] ||
	fail "inotify: only $captured of $N dynamic execs captured ($pct%; >= 50% expected)"
ok "inotify storm: estimated misses $est for $missed missed of $N (+ $noise other pids)"
n=$(jq -c 'select(.event == "exec" and .argv == [])' "$T/inot.json" | wc -l)
[ "$n" = 0 ] || echo "note: inotify: $n exec events with an empty argv (processes read mid-exec)"

# ---- poll, every 100 ms: a long-lived process, five that live 300 ms ----
watch_nobody "$T/poll.json" "$T/poll.err" poll --interval=100
long_lived pt-long-poll
PL0=$L0 PL1=$L1
# shellcheck disable=SC2016
$NOBODY sh -c 'for i in 1 2 3 4 5; do sh -c "sleep 0.3; :" "pt-poll-$i"; done'
sleep 0.3
stop_nobody "$T/poll.json" "$T/poll.err" poll
grep -v '^proctrail: summary' "$T/poll.err"

check_long "$T/poll.json" poll pt-long-poll "$PL0" "$PL1"
for i in 1 2 3 4 5; do
	argv="[\"sh\",\"-c\",\"sleep 0.3; :\",\"pt-poll-$i\"]"
	r=$(jq -c "select(.event == \"exec\" and .argv == $argv)" "$T/poll.json" | head -1)
	[ -n "$r" ] || fail "poll: pt-poll-$i (lived 300 ms, 3 intervals) not seen with its argv"
	echo "$r" | jq -e '.synthesized == true and .tier == "poll" and .window != null' >/dev/null ||
		fail "poll: exec of pt-poll-$i: $r"
	json_has "$T/poll.json" ".event == \"exit\" and .pid == $(echo "$r" | jq .pid) and
		.start == $(echo "$r" | jq .start) and .synthesized == true" ||
		fail "poll: no synthesized exit for pt-poll-$i"
done
ok "poll: all 5 processes living 300 ms seen with their argv, exec and exit"
