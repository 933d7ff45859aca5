#!/bin/sh
# --output on a full disk (a 256K tmpfs): the sink reports its error, the
# monitor goes on, the loss is counted (watch's summary, and a lost line with
# reason sink in the file once space returns), writing resumes by itself after
# space is freed, and every line of the file is complete, valid JSON.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_root "mounts a tmpfs"
need_cmd jq
"$PROCTRAIL" watch --help 2>&1 | grep -q -- "--output=" || skip "this proctrail has no watch --output"
need_cmd dd

auto=$("$PROCTRAIL" probe --json | jq -r .auto)
case $auto in
bpf | netlink) ;;
*) skip "tier $auto: the storm's events must arrive while the disk is full" ;;
esac

M=$T/mnt
mkdir "$M" || exit 99
mount -t tmpfs -o size=256k,mode=0755 pt-sink-full "$M" || skip "cannot mount a tmpfs"
trap 'umount "$M" 2>/dev/null; cleanup' EXIT
F=$M/events.jsonl

# every line of $1 is a complete JSON object, and the file ends with a newline
all_valid() {
	[ ! -s "$1" ] || [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] ||
		fail "$1 does not end with a newline"
	bad=$(jq -R -c 'fromjson? // "BAD" | select(type != "object")' "$1" | head -3)
	[ -z "$bad" ] || fail "$1 has lines that are not JSON objects: $bad"
}

# only the storms' events: other processes on the host would fill the disk again
start_watch "$T/stdout" "$T/err" --json --output="$F" --batch-size=20 --flush-interval=0.05 \
	--filter='proc.args contains pt-full-'

"$STORM" -n 50 -k 2 -b /bin/true -t pt-full-a >/dev/null || fail "storm a"
wait_for_line "$F" pt-full-a-49 10 || fail "the first storm did not reach $F"
ok "writing to the tmpfs"

# fill the disk: the sink's batches fail now
dd if=/dev/zero of="$M/fill" bs=4k 2>/dev/null
"$STORM" -n 300 -k 2 -b /bin/true -t pt-full-b >/dev/null || fail "storm b"
wait_for_line "$T/err" "No space left on device" 10 || {
	cat "$T/err"
	fail "no error reported for the full disk"
}
kill -0 "$WATCH_PID" || fail "watch died on a full disk"
# the monitor went on: stdout has every one of storm b's execs
wait_for_line "$T/stdout" pt-full-b-299 10 || fail "the monitor stopped with the sink"
[ "$(count_tagged "$T/stdout" exec pt-full-b)" = 300 ] || fail "watch's stdout missed execs"
all_valid "$F"
ok "full disk: error reported, the monitor goes on, the file stays whole"

# space returns: the next batches go, a lost line (reason sink) first
rm -f "$M/fill"
"$STORM" -n 20 -k 2 -b /bin/true -t pt-full-c >/dev/null || fail "storm c"
wait_for_line "$F" pt-full-c-19 10 || fail "writing did not resume after space returned"
json_has "$F" '.event == "lost" and .reason == "sink" and .count > 0' ||
	fail "no lost line with reason sink in $F"
ok "writing resumes when space returns, with a lost line"

stop_watch
[ "$WATCH_RC" = 0 ] || { cat "$T/err"; fail "watch exited $WATCH_RC"; }
all_valid "$F"
grep '^proctrail: summary ' "$T/err" | sed 's/^proctrail: summary //' >"$T/summary.json"
sink=$(jq -c '.sinks[0]' "$T/summary.json")
[ -n "$sink" ] && [ "$sink" != null ] || { cat "$T/err"; fail "no sinks in the summary"; }
dropped=$(echo "$sink" | jq -r .dropped)
reported=$(echo "$sink" | jq -r .reported)
lost=$(jq -s '[.[] | select(.event == "lost" and .reason == "sink") | .count] | add' "$F")
[ "$dropped" -gt 0 ] || fail "the summary counts no drop: $sink"
[ "$lost" = "$dropped" ] || fail "lost lines say $lost, the summary dropped $dropped: $sink"
[ "$reported" = "$dropped" ] || fail "reported $reported of $dropped: $sink"
echo "$sink" | jq -e '.state != "failing" and (.last_error | test("No space left"))' >/dev/null ||
	fail "state or last_error: $sink"
# nothing lost silently: every event watch printed is in the file or dropped
ev_out=$(jq -c 'select(.event != "lost")' "$T/stdout" | wc -l)
ev_file=$(jq -c 'select(.event != "lost")' "$F" | wc -l)
[ "$ev_out" = $((ev_file + dropped)) ] ||
	fail "$ev_out events printed, $ev_file in the file + $dropped dropped"
inb=$(count_tagged "$F" exec pt-full-b)
[ "$inb" -lt 300 ] || fail "storm b fully in the file: the disk was not full?"
ok "summary: dropped $dropped = lost lines' count, reported $reported; $ev_out events = $ev_file in the file + $dropped dropped; storm b: $inb of 300 in the file"
