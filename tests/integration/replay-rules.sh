#!/bin/sh
# Rules offline: `proctrail replay FILE --rules R --rules-only` on a stream
# recorded with `watch --json` raises the alerts a live
# `watch --rules R --rules-only` raised at the same time: the same rules for
# the same processes (key, pid), with the same time, priority, tags and
# command line. A recording that already holds alert lines (watch --json
# --rules) replays to the same alerts, not to twice as many. Text mode prints
# them as ALERT lines.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/rules-lib.sh"
need_cmd jq
need_root "the netlink tier"
need_tier netlink
N=5

# three monitors at once: a plain recording, the live alerts, a recording with alerts
start_watch "$T/rec.json" "$T/rec.err" --tier=netlink --json
W_REC=$WATCH_PID
start_watch "$T/live.json" "$T/live.err" --tier=netlink --json --rules "$FIND_RULES" --rules-only
W_LIVE=$WATCH_PID
start_watch "$T/mixed.json" "$T/mixed.err" --tier=netlink --json --rules "$FIND_RULES"
W_MIXED=$WATCH_PID

: >"$T/pids"
run() {
	"$@" >/dev/null 2>&1 &
	printf '%s\n' $! >>"$T/pids"
	wait $!
}
i=0
while [ $i -lt $N ]; do
	run find /etc -perm -4000 -type f
	run find /home -user root -type f
	run find /usr/bin -perm /6000
	run ls /etc
	i=$((i + 1))
done
# a find below a shell below a shell: ancestry in the output fields
run sh -c 'sh -c "find /etc -perm -u=s -type f; true"; true'
sleep 0.5
for p in $W_MIXED $W_LIVE $W_REC; do
	WATCH_PID=$p
	stop_watch
	[ "$WATCH_RC" = 0 ] || fail "a watch exited $WATCH_RC"
done

# our processes: the children recorded and, for the nested shells, their descendants
jq -r --slurpfile p "$T/pids" 'select(.event == "exec" or .event == "fork") |
	select(.pid as $x | $p | index($x) != null) | .key' "$T/rec.json" | sort -u >"$T/keys"
for _ in 1 2 3; do
	jq -r --rawfile k "$T/keys" 'select(.event == "exec" or .event == "fork") |
		select(.parent_key != null and ($k | split("\n") | index(.parent_key) != null)) | .key' \
		"$T/rec.json" | sort -u | cat - "$T/keys" | sort -u >"$T/keys.new"
	mv "$T/keys.new" "$T/keys"
done

# mine FILE: our alerts of FILE as comparable lines
mine() {
	jq -c --rawfile k "$T/keys" 'select(.event == "alert") | select(.key as $x | $k | split("\n") | index($x) != null) |
		{rule, key, pid, time, priority, tags, source, cmd: .output_fields["proc.cmdline"]}' "$1" | sort
}
mine "$T/live.json" >"$T/live.mine"
nlive=$(wc -l <"$T/live.mine")
want=$((2 * N + N + 1))
[ "$nlive" = "$want" ] || fail "live: $nlive alerts for our processes, expected $want: $(cat "$T/live.mine")"
ok "live: $nlive alerts ($N x 3 finds and the nested one)"

"$PROCTRAIL" replay "$T/rec.json" --json --rules "$FIND_RULES" --rules-only >"$T/rep.json" 2>"$T/rep.err" ||
	fail "replay --rules exited $?: $(tail -3 "$T/rep.err")"
other=$(jq -c 'select(.event != "alert")' "$T/rep.json" | head -1)
[ -z "$other" ] || fail "replay --rules-only printed a non-alert line: $other"
check_alert_shape "$T/rep.json"
mine "$T/rep.json" >"$T/rep.mine"
if ! cmp -s "$T/live.mine" "$T/rep.mine"; then
	diff "$T/live.mine" "$T/rep.mine" | head -10
	fail "replay's alerts differ from the live run's"
fi
ok "replay --rules --rules-only: the same $nlive alerts (rule, key, pid, time, priority, tags, command)"

# the nested find's ancestry, as recorded
n=$(jq -c 'select(.event == "alert" and .output_fields["proc.cmdline"] == "find /etc -perm -u=s -type f" and
	.output_fields["proc.pname"] == "sh" and .output_fields["proc.aname[2]"] == "sh")' "$T/rep.json" | wc -l)
[ "$n" = 1 ] || fail "replay: the nested find's alert lacks its parent and grandparent: $(jq -c 'select(.event == "alert" and (.output_fields["proc.cmdline"] // "" | contains("-u=s"))) | .output_fields' "$T/rep.json")"
ok "replay: parent and grandparent of the nested find in output_fields"

# fields beyond the command: the same as live, or a note
jq -c --rawfile k "$T/keys" 'select(.event == "alert") | select(.key as $x | $k | split("\n") | index($x) != null) |
	{key, rule, output_fields}' "$T/live.json" | sort >"$T/live.of"
jq -c --rawfile k "$T/keys" 'select(.event == "alert") | select(.key as $x | $k | split("\n") | index($x) != null) |
	{key, rule, output_fields}' "$T/rep.json" | sort >"$T/rep.of"
cmp -s "$T/live.of" "$T/rep.of" ||
	echo "note: output_fields differ between live and replay: $(diff "$T/live.of" "$T/rep.of" | grep '^[<>]' | head -2)"

# a recording that holds alert lines already: the same alerts, once
"$PROCTRAIL" replay "$T/mixed.json" --json --rules "$FIND_RULES" --rules-only >"$T/rep2.json" 2>"$T/rep2.err" ||
	fail "replay of a stream with alerts exited $?: $(tail -3 "$T/rep2.err")"
mine "$T/mixed.json" >"$T/mixed.mine"
mine "$T/rep2.json" >"$T/rep2.mine"
[ "$(wc -l <"$T/mixed.mine")" = "$want" ] || fail "watch --json --rules: $(wc -l <"$T/mixed.mine") alerts among the events, expected $want"
cmp -s "$T/mixed.mine" "$T/rep2.mine" || {
	diff "$T/mixed.mine" "$T/rep2.mine" | head -6
	fail "replay of a recording with alert lines: not the same alerts once ($(wc -l <"$T/rep2.mine") for $want)"
}
ok "replay of watch --json --rules output: the same $want alerts, once"

# without --rules-only: events and alerts; text mode: ALERT lines
"$PROCTRAIL" replay "$T/rec.json" --json --rules "$FIND_RULES" >"$T/rep3.json" 2>/dev/null || fail "replay --rules (all events) failed"
ne=$(jq -c 'select(.event == "exec")' "$T/rep3.json" | wc -l)
[ "$ne" -gt 0 ] || fail "replay --rules without --rules-only printed no exec event"
[ "$(mine "$T/rep3.json" | wc -l)" = "$want" ] || fail "replay --rules (all events): not $want alerts"
"$PROCTRAIL" replay "$T/rec.json" --rules "$FIND_RULES" --rules-only --color=never >"$T/rep.txt" 2>/dev/null ||
	fail "replay --rules --rules-only (text) failed"
n=$(grep -c ' ALERT Warning Setuid binary search: ' "$T/rep.txt")
[ "$n" -ge $((2 * N + 1)) ] || fail "text mode: $n ALERT lines for the setuid search: $(head -3 "$T/rep.txt")"
grep -v ' ALERT ' "$T/rep.txt" | grep -q . && fail "text mode --rules-only printed a non-alert line: $(grep -v ' ALERT ' "$T/rep.txt" | head -1)"
ok "replay --rules: events and alerts; text mode: $n 'ALERT Warning Setuid binary search:' lines"

# a rules file that does not load: replay refuses it (exit 1), naming it
printf -- '- rule: x\n  condition: proc.name =\n  output: x\n  priority: WARNING\n  desc: x\n' >"$T/bad.yaml"
"$PROCTRAIL" replay "$T/rec.json" --rules "$T/bad.yaml" >/dev/null 2>"$T/bad.err"
rc=$?
[ "$rc" != 0 ] || fail "replay with a broken rules file exited 0"
grep -q 'bad.yaml' "$T/bad.err" || fail "replay with a broken rules file does not name it: $(cat "$T/bad.err")"
ok "replay with a broken rules file: exit $rc, $(grep -m1 'bad.yaml' "$T/bad.err")"
