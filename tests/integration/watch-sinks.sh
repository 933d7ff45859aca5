#!/bin/sh
# watch's and replay's sinks (--output here; the SQL sinks have their own
# tests): a sink gets exactly the lines watch --json prints, after --events and
# --filter; replay gives a recorded stream back byte for byte; a malformed line
# is counted and told and makes replay exit 1; SIGHUP reopens a sink after an
# external rotation; bad values exit 2 and a sink that cannot open exits 1, each
# with one line.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq

# one_line ERR OPTION: exactly one line on stderr, naming the option
one_line() {
	[ "$(wc -l <"$1")" = 1 ] || { cat "$1"; fail "$2: not one line"; }
	grep -q -- "$2" "$1" || { cat "$1"; fail "$2: the line does not name it"; }
}

"$PROCTRAIL" watch --db-password=hunter2 >/dev/null 2>"$T/e"
[ $? = 2 ] || fail "--db-password=... does not exit 2"
one_line "$T/e" --db-password
grep -q hunter2 "$T/e" && fail "the refused password is echoed"
grep -q -- "--db-password-file" "$T/e" || fail "the refusal does not point to --db-password-file"
"$PROCTRAIL" replay --db-password -q - </dev/null >/dev/null 2>"$T/e"
[ $? = 2 ] || fail "replay --db-password does not exit 2"
"$PROCTRAIL" watch --pg='host=db password=hunter2' >/dev/null 2>"$T/e"
[ $? = 2 ] || fail "--pg with a password does not exit 2"
grep -q hunter2 "$T/e" && fail "a --pg password is echoed"
ok "--db-password and a password in --pg are refused (exit 2, one line)"

for bad in --batch-size=0 --batch-size=100001 --flush-interval=0 --flush-interval=x \
	--sink-queue=1K --output-max-age=soon --output-fsync=sometimes --pg-write=csv \
	--db-port=0 --output= --db-max-size=-1 --sink-filter=proc.nam=x --sink-filter=; do
	"$PROCTRAIL" watch --output="$T/never" "$bad" >/dev/null 2>"$T/e"
	[ $? = 2 ] || fail "$bad does not exit 2"
	one_line "$T/e" "${bad%%=*}"
done
[ -e "$T/never" ] && fail "a sink was opened despite a bad option"
ok "bad sink values exit 2 with one line naming the option"

"$PROCTRAIL" watch --local --output="$T/missing/dir/x.jsonl" --duration=1 >/dev/null 2>"$T/e"
[ $? = 1 ] || { cat "$T/e"; fail "--output in a missing directory does not exit 1"; }
one_line "$T/e" "--output $T/missing/dir/x.jsonl"
grep -q "No such file or directory" "$T/e" || fail "the reason is not said"
grep -q "ready" "$T/e" && fail "watch started before its sinks opened"
ok "--output in a missing directory: exit 1, one line, before the monitor starts"

# ---- replay of a malformed file (no root needed) ----
cat >"$T/bad.jsonl" <<'JSON'
{"event":"lost","time":"2026-01-01T00:00:00.000001Z","count":3,"estimated":false,"reason":"overflow","tier":"netlink"}

{"event":"bogus"}
not json
{"event":"lost","time":"2026-01-01T00:00:01.000001Z","count":1,"estimated":false,"reason":"overflow","tier":"netlink"}
[1,2]
JSON
printf '{"event":"lost"' >>"$T/bad.jsonl" # a last line without its end
"$PROCTRAIL" replay --json "$T/bad.jsonl" >"$T/bad.out" 2>"$T/bad.err"
rc=$?
[ $rc = 1 ] || { cat "$T/bad.err"; fail "replay of a malformed file exits $rc, not 1"; }
[ "$(wc -l <"$T/bad.out")" = 2 ] || fail "replay did not print the 2 good lines"
for n in 3 4 6 7; do
	grep -q "^proctrail: $T/bad.jsonl:$n: " "$T/bad.err" || { cat "$T/bad.err"; fail "no warning for line $n"; }
done
grep -q "^proctrail: $T/bad.jsonl:[125]:" "$T/bad.err" && fail "a warning for a good or blank line"
grep -q "^proctrail: replay: $T/bad.jsonl: 4 malformed lines of 7 " "$T/bad.err" ||
	{ cat "$T/bad.err"; fail "no total of malformed lines"; }
"$PROCTRAIL" replay -q "$T/bad.jsonl" >"$T/q.out" 2>/dev/null
[ $? = 1 ] || fail "replay -q of a malformed file does not exit 1"
[ -s "$T/q.out" ] && fail "replay -q printed on stdout"
"$PROCTRAIL" replay -q "$T/none.jsonl" 2>"$T/e"
[ $? = 1 ] || fail "replay of a missing file does not exit 1"
one_line "$T/e" "$T/none.jsonl"
ok "replay: malformed lines told (FILE:LINE), counted, exit 1; good lines still replayed"

need_root "a live monitor"
[ -x "$STORM" ] || skip "no tests/bench/storm"
N=${PT_SINK_N:-300}

# ---- watch --json --output: the same bytes ----
start_watch "$T/w.json" "$T/w.err" --local --json --output="$T/a.jsonl" \
	--output="$T/b.jsonl" --batch-size=7 --flush-interval=0.2
"$STORM" -n "$N" -k 2 -b /bin/true -t pt-sink >"$T/storm" || fail "the storm failed"
sleep 0.5
stop_watch
[ "$WATCH_RC" = 0 ] || { cat "$T/w.err"; fail "watch exited $WATCH_RC"; }
jq -c . "$T/a.jsonl" >/dev/null || fail "the --output file is not JSON lines"
cmp "$T/w.json" "$T/a.jsonl" || fail "--output differs from watch --json's stdout"
cmp "$T/a.jsonl" "$T/b.jsonl" || fail "two --output files differ"
lines=$(wc -l <"$T/a.jsonl")
[ "$lines" -gt "$N" ] || fail "only $lines lines for a storm of $N"
[ "$(summary_field "$T/w.err" 'sinks | length')" = 2 ] || fail "the summary does not list 2 sinks"
[ "$(summary_field "$T/w.err" 'sinks[0].written')" = "$lines" ] ||
	fail "the summary's sink written is not $lines"
[ "$(summary_field "$T/w.err" 'sinks[0].dropped')" = 0 ] || fail "a sink dropped"
[ "$(summary_field "$T/w.err" 'sinks[0].type')" = file ] || fail "sink type is not file"
[ "$(summary_field "$T/w.err" lost_sink)" = 0 ] || fail "lost_sink is not 0"
grep -q "^proctrail: sink file $T/a.jsonl: $lines written" "$T/w.err" ||
	fail "no text summary line for the sink"
ok "watch --json --output: $lines lines, byte for byte stdout's, in both files"

# ---- watch --sink-filter: stdout gets everything, the sink what the condition keeps ----
start_watch "$T/sw.json" "$T/sw.err" --local --json --events=exec --output="$T/sw.jsonl" \
	--sink-filter='proc.args startswith pt-sf-yes' --flush-interval=0.1
/bin/true pt-sf-yes
/bin/true pt-sf-no
sh -c 'exit 0' pt-sf-yes-sh
sleep 0.5
stop_watch
[ "$WATCH_RC" = 0 ] || { cat "$T/sw.err"; fail "watch --sink-filter exited $WATCH_RC"; }
json_has "$T/sw.json" '.argv[1] == "pt-sf-no"' || fail "stdout lacks what the sink filter left out"
json_has "$T/sw.jsonl" '.argv == ["/bin/true","pt-sf-yes"]' || fail "the sink lacks a match"
json_all "$T/sw.jsonl" 'true' '(.argv[1] // "" | startswith("pt-sf-yes")) or .event == "lost"' ||
	fail "the sink got an event --sink-filter leaves out: $(cat "$T/sw.jsonl")"
sw_w=$(summary_field "$T/sw.err" 'sinks[0].written')
sw_f=$(summary_field "$T/sw.err" 'sinks[0].filtered')
[ "$sw_w" = "$(wc -l <"$T/sw.jsonl")" ] || fail "the sink's written is not its lines"
[ "$((sw_w + sw_f))" = "$(wc -l <"$T/sw.json")" ] ||
	fail "written $sw_w + filtered $sw_f is not stdout's $(wc -l <"$T/sw.json") lines"
[ "$(summary_field "$T/sw.err" lost_sink)" = 0 ] || fail "what was filtered counts as lost"
ok "watch --sink-filter: $sw_w events in the sink, $sw_f counted as filtered"

# ---- replay gives them back ----
"$PROCTRAIL" replay --json "$T/a.jsonl" >"$T/r.json" 2>"$T/r.err" || { cat "$T/r.err"; fail "replay failed"; }
cmp "$T/a.jsonl" "$T/r.json" || fail "replay --json differs from the recording"
"$PROCTRAIL" replay -q --output="$T/r.jsonl" - <"$T/a.jsonl" >"$T/r.out" 2>"$T/r.err" ||
	{ cat "$T/r.err"; fail "replay - --output failed"; }
[ -s "$T/r.out" ] && fail "replay -q printed on stdout"
cmp "$T/a.jsonl" "$T/r.jsonl" || fail "replay's --output differs from the recording"
ok "replay --json and replay --output give the recording back byte for byte"

# ---- a sink that fails: counted, told, and replay exits 1 ----
"$PROCTRAIL" replay --output=/dev/full --batch-size=50 "$T/a.jsonl" >/dev/null 2>"$T/full.err"
[ $? = 1 ] || fail "replay into /dev/full does not exit 1"
grep -q "^proctrail: sink file /dev/full: 0 written in 0 batches, $lines dropped" "$T/full.err" ||
	{ cat "$T/full.err"; fail "the summary does not count the $lines dropped"; }
ok "a failing sink: every event counted dropped, replay exits 1"

# ---- SQLite: the same events as rows ----
if command -v sqlite3 >/dev/null 2>&1; then
	"$PROCTRAIL" replay -q --sqlite="$T/h.db" "$T/a.jsonl" 2>"$T/db.err"
	rc=$?
	if grep -q "not built yet\|Function not implemented" "$T/db.err"; then
		echo "note: the SQLite sink is not in this tree yet"
	else
		[ $rc = 0 ] || { cat "$T/db.err"; fail "replay --sqlite exited $rc"; }
		rows=$(sqlite3 "$T/h.db" 'select count(*) from events')
		[ "$rows" = "$lines" ] || fail "SQLite holds $rows events, the recording $lines"
		ok "replay --sqlite: $rows rows for $lines lines"
	fi
fi

# ---- --events and --filter: the sink gets what stdout gets ----
"$PROCTRAIL" replay --json --events=exec,exit --filter='proc.name = true' \
	--output="$T/f.jsonl" "$T/a.jsonl" >"$T/f.json" 2>"$T/f.err" || fail "replay --filter failed"
cmp "$T/f.json" "$T/f.jsonl" || fail "with --events/--filter, the sink differs from stdout"
[ -s "$T/f.jsonl" ] || fail "--filter 'proc.name = true' selected nothing"
json_all "$T/f.jsonl" 'true' '.event == "exec" or .event == "exit" or .event == "lost"' ||
	fail "--events let other events through to the sink"
# the text format on stdout: the sink still gets the JSON lines
"$PROCTRAIL" replay --events=exec,exit --filter='proc.name = true' --output="$T/t.jsonl" \
	"$T/a.jsonl" >"$T/t.txt" 2>/dev/null || fail "replay text failed"
cmp "$T/f.jsonl" "$T/t.jsonl" || fail "with text on stdout, the sink's lines differ"
ok "--events and --filter apply to the sinks; text on stdout, JSON in the sink"

# the old KEY=PATTERN terms: the same events, and one line saying they are deprecated
"$PROCTRAIL" replay --json --events=exec,exit --filter='comm=true' "$T/a.jsonl" \
	>"$T/c.json" 2>"$T/c.err" || fail "replay --filter=comm=true failed"
cmp "$T/c.json" "$T/f.json" || fail "--filter comm=true and proc.name = true differ"
[ "$(grep -c 'deprecated' "$T/c.err")" = 1 ] || { cat "$T/c.err"; fail "no deprecation line"; }
grep -q "replay: --filter: KEY=PATTERN terms are deprecated.*: proc.name = \"true\"$" "$T/c.err" ||
	{ cat "$T/c.err"; fail "the deprecation line does not show the condition"; }
grep -q deprecated "$T/f.err" && fail "a condition is said to be deprecated"
ok "--filter comm=true: the old terms, translated, with a deprecation line"

# ---- --sink-filter: the sinks get what it keeps, stdout everything ----
"$PROCTRAIL" replay --json --sink-filter='evt.type = exec and proc.name = true' \
	--output="$T/sf.jsonl" "$T/a.jsonl" >"$T/sf.json" 2>"$T/sf.err" ||
	fail "replay --sink-filter failed"
cmp "$T/sf.json" "$T/a.jsonl" || fail "--sink-filter changed what stdout gets"
[ -s "$T/sf.jsonl" ] || fail "--sink-filter kept nothing"
json_all "$T/sf.jsonl" 'true' '(.event == "exec" and .comm == "true") or .event == "lost"' ||
	fail "--sink-filter let other events through to the sink"
kept=$(wc -l <"$T/sf.jsonl")
want=$(jq -c 'select((.event == "exec" and .comm == "true") or .event == "lost")' "$T/a.jsonl" |
	wc -l)
[ "$kept" = "$want" ] || fail "--sink-filter kept $kept lines, $want match"
# what it left out is counted, not lost
grep -q "^proctrail: sink file $T/sf.jsonl: $kept written .* 0 dropped .*, $((lines - kept)) left out by --sink-filter" \
	"$T/sf.err" || { cat "$T/sf.err"; fail "the sink's summary does not count what was left out"; }
ok "replay --sink-filter: $kept of $lines lines in the sink, the rest counted as filtered"

# ---- SIGHUP: reopen after an external rotation ----
start_watch "$T/h.out" "$T/h.err" --local --output="$T/h.jsonl" --flush-interval=0.1
"$STORM" -n 50 -k 2 -b /bin/true -t pt-hup1 >/dev/null || fail "storm failed"
sleep 0.5
mv "$T/h.jsonl" "$T/h.jsonl.1"
kill -HUP "$WATCH_PID"
sleep 0.3
kill -0 "$WATCH_PID" || fail "SIGHUP stopped watch, which has a sink"
"$STORM" -n 50 -k 2 -b /bin/true -t pt-hup2 >/dev/null || fail "storm failed"
wait_for_line "$T/h.jsonl" pt-hup2 10 || fail "no new file with the events after SIGHUP"
stop_watch
[ "$WATCH_RC" = 0 ] || fail "watch exited $WATCH_RC"
jq -c . "$T/h.jsonl.1" "$T/h.jsonl" >/dev/null || fail "the files are not JSON lines"
grep -q pt-hup1 "$T/h.jsonl.1" || fail "the rotated file lacks the first storm"
grep -q pt-hup2 "$T/h.jsonl.1" && fail "events after SIGHUP went to the rotated file"
total=$(cat "$T/h.jsonl.1" "$T/h.jsonl" | wc -l)
[ "$(summary_field "$T/h.err" 'sinks[0].written')" = "$total" ] ||
	fail "the two files hold $total lines, the summary says otherwise"
shown=$(grep '^proctrail: summary ' "$T/h.err" | sed 's/^proctrail: summary //' |
	jq '[.events[]] | add')
[ "$(summary_field "$T/h.err" 'sinks[0].written')" = "$shown" ] ||
	fail "the sink did not get every event shown ($shown)"
ok "SIGHUP reopens the sink: $total lines across the rotated and the new file"

# ---- watch with a failing sink: its drops are in the summary's lost ----
start_watch "$T/x.out" "$T/x.err" --local --output=/dev/full --batch-size=10
"$STORM" -n 50 -k 2 -b /bin/true -t pt-full >/dev/null || fail "storm failed"
sleep 0.3
stop_watch
[ "$WATCH_RC" = 0 ] || fail "watch with a failing sink exited $WATCH_RC"
dropped=$(summary_field "$T/x.err" 'sinks[0].dropped')
[ "$dropped" -gt 0 ] || fail "a sink on /dev/full dropped nothing"
[ "$(summary_field "$T/x.err" lost_sink)" = "$dropped" ] || fail "lost_sink is not the drops"
[ "$(summary_field "$T/x.err" lost)" -ge "$dropped" ] || fail "lost does not count the sink's drops"
grep -q "^proctrail: lost .* $dropped by sinks" "$T/x.err" || fail "the text summary does not say the sinks' drops"
ok "watch: a failing sink never stops the monitor; its $dropped drops count as lost"
