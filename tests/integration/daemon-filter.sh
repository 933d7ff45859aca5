#!/bin/sh
# proctraild's filters are conditions: a subscriber gets the events its
# condition keeps (proc.pname read from the daemon's table), the subscribed
# line echoes the condition (old KEY=PATTERN terms: their translation, and
# nothing in the log), a bad condition is a bad_request naming the field and
# its place, ps filters records; sink_filter keeps the file sink to what it
# matches and counts the rest as filtered, not lost, and SIGHUP changes it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/daemon-lib.sh"
need_root "the daemon's monitor"
need_cmd jq
TAG=pdf$$

cat >"$T/d.conf" <<EOF
output = $T/sink.jsonl
sqlite = none
sink_flush_interval = 100ms
sink_filter = evt.type = exec and proc.args startswith $TAG-yes # only those
EOF
"$PROCTRAILD" --check-config --config="$T/d.conf" >/dev/null 2>&1 || fail "the configuration does not check"
printf 'sink_filter = proc.name = sh and proc.nam = sh\n' >"$T/bad.conf"
"$PROCTRAILD" --check-config --config="$T/bad.conf" >"$T/bad.err" 2>&1 &&
	fail "a bad sink_filter checks"
grep -q "bad.conf:1: bad value for sink_filter: unknown field 'proc.nam' at 19" "$T/bad.err" ||
	fail "a bad sink_filter: $(cat "$T/bad.err")"
ok "sink_filter is checked with the configuration, naming the line, field and place"

start_daemon --config="$T/d.conf"

# A: a condition; B: the old terms; C: the parent's name, from the daemon's table
COND="proc.name = true and proc.args startswith $TAG-"
printf '{"cmd":"subscribe","events":"exec","filter":"%s","id":"A"}\n' "$COND" |
	"$PDC" "$SOCK" raw 60 >"$T/a" &
PIDS="$PIDS $!"
printf '{"cmd":"subscribe","events":"exec","filter":"argv=*%s-yes*","id":"B"}\n' "$TAG" |
	"$PDC" "$SOCK" raw 60 >"$T/b" &
PIDS="$PIDS $!"
printf '{"cmd":"subscribe","events":"exec","filter":"proc.pname = %sp"}\n' "$TAG" |
	"$PDC" "$SOCK" raw 60 >"$T/c" &
PIDS="$PIDS $!"
for f in a b c; do
	wait_for_line "$T/$f" subscribed 10 || fail "subscriber $f: $(cat "$T/$f")"
done
[ "$(head -1 "$T/a" | jq -r .subscribed.filter)" = "$COND" ] ||
	fail "the subscribed line does not echo the condition: $(head -1 "$T/a")"
[ "$(head -1 "$T/b" | jq -r .subscribed.filter)" = "proc.command glob \"*$TAG-yes*\"" ] ||
	fail "old terms: the subscribed line does not show the condition: $(head -1 "$T/b")"
grep -qi deprecat "$DLOG" && fail "the daemon logged a deprecation notice"

/bin/true "$TAG-yes-1"
/bin/true "$TAG-no-1"
sh -c 'exit 0' "$TAG-yes-sh"
cp /bin/sh "$T/${TAG}p"
"$T/${TAG}p" -c "/bin/true $TAG-child; :"
wait_for_line "$T/a" "$TAG-no-1" 10 || fail "A: no event for $TAG-no-1: $(cat "$T/a")"
wait_for_line "$T/b" "$TAG-yes-sh" 10 || fail "B: no event for $TAG-yes-sh: $(cat "$T/b")"
wait_for_line "$T/c" "$TAG-child" 10 || fail "C: no event for $TAG-child: $(cat "$T/c")"
sleep 0.5

# A: the two /bin/true with the tag, nothing else (lost events excepted)
sed 1d "$T/a" | jq -c 'select(.event != "lost")' >"$T/a.ev"
[ "$(jq -r '.argv[1]' "$T/a.ev" | sort | tr '\n' ' ')" = "$TAG-child $TAG-no-1 $TAG-yes-1 " ] ||
	fail "A got: $(cat "$T/a.ev")"
ok "a subscriber's condition: exactly the execs it describes"
# (wait_for_line's grep for the tag matches too)
sed 1d "$T/b" | jq -c 'select(.event != "lost" and .comm != "grep")' >"$T/b.ev"
[ "$(jq -r '.argv[-1]' "$T/b.ev" | sort | tr '\n' ' ')" = "$TAG-yes-1 $TAG-yes-sh " ] ||
	fail "B got: $(cat "$T/b.ev")"
ok "old KEY=PATTERN terms in a request: translated, same meaning, nothing logged"
sed 1d "$T/c" | jq -c 'select(.event != "lost")' >"$T/c.ev"
[ "$(jq -r '.argv[1]' "$T/c.ev" | tr '\n' ' ')" = "$TAG-child " ] || fail "C got: $(cat "$T/c.ev")"
ok "proc.pname in a subscription: the parent's name from the daemon's table"

# errors name the field and its place
r=$(final '{"cmd":"subscribe","filter":"proc.name = sh and proc.nam = sh"}')
[ "$(printf '%s' "$r" | jq -r .error.code)" = bad_request ] || fail "bad condition: $r"
printf '%s' "$r" | jq -r .error.message | grep -q "bad filter: unknown field 'proc.nam' at 19" ||
	fail "bad condition's message: $r"
r=$(final '{"cmd":"ps","filter":"proc.name = ("}')
[ "$(printf '%s' "$r" | jq -r .error.code)" = bad_request ] || fail "a syntax error: $r"
ok "a bad condition is a bad_request with the field and the place"

# ps: records; evt.* is false there
sleep 30 &
S=$!
PIDS="$PIDS $S"
sleep 0.2
n=$(q "{\"cmd\":\"ps\",\"fields\":\"pid\",\"filter\":\"proc.name = sleep and proc.pid = $S\"}" |
	sed '$d' | jq -r .pid)
[ "$n" = "$S" ] || fail "ps with a condition: '$n'"
[ "$(final '{"cmd":"ps","filter":"evt.type = exec"}' | jq .count)" = 0 ] ||
	fail "ps: evt.type matched a record"
[ "$("$PROCTRAIL" ps --daemon --socket="$SOCK" -q -o pid --filter="proc.pid = $S" | tr -d ' ')" = "$S" ] ||
	fail "proctrail ps --filter via the daemon"
kill $S
ok "ps with a condition, over records, from a raw request and proctrail ps"

# the sink: only what sink_filter keeps; the rest counted, not lost
st=$(q '{"cmd":"status"}' | head -1)
filtered=$(printf '%s' "$st" | jq '.sinks[0].filtered')
[ "$filtered" -gt 0 ] || fail "the sink's status counts nothing filtered: $(printf '%s' "$st" | jq -c .sinks)"

# SIGHUP: a new sink_filter applies to the events after it, the sink still open
sleep 0.3
sed -i "s/^sink_filter = .*/sink_filter = evt.type = exec and proc.args startswith $TAG-two/" "$T/d.conf"
kill -HUP "$DPID"
wait_for_line "$DLOG" "configuration reloaded" 10 || fail "no reload: $(tail -5 "$DLOG")"
grep -q "reload: sink_filter is now evt.type = exec and proc.args startswith $TAG-two" "$DLOG" ||
	fail "the reload does not say the new sink_filter: $(tail -5 "$DLOG")"
grep -q "restart is needed to apply.*sink_filter" "$DLOG" && fail "sink_filter is logged as needing a restart"
/bin/true "$TAG-two-1"
/bin/true "$TAG-yes-2"
sleep 0.5
stop_daemon
[ "$DRC" = 0 ] || fail "proctraild exited $DRC"
json_has "$T/sink.jsonl" ".argv == [\"/bin/true\",\"$TAG-yes-1\"]" || fail "the sink lacks a match"
json_has "$T/sink.jsonl" ".argv == [\"/bin/true\",\"$TAG-two-1\"]" ||
	fail "the sink lacks a match of the reloaded sink_filter"
json_has "$T/sink.jsonl" ".argv == [\"/bin/true\",\"$TAG-yes-2\"]" &&
	fail "the sink got a match of the old sink_filter after the reload"
json_all "$T/sink.jsonl" 'true' \
	"(.event == \"exec\" and (.argv[1] // \"\" | startswith(\"$TAG-yes\") or startswith(\"$TAG-two\"))) or .event == \"lost\"" ||
	fail "the sink got what sink_filter leaves out: $(cat "$T/sink.jsonl")"
grep -q "closed: [0-9]* written, 0 dropped" "$DLOG" || fail "the sink dropped: $(grep closed "$DLOG")"
ok "sink_filter: the file holds only matching execs, by the new condition after SIGHUP; $filtered events counted as filtered"
