#!/bin/sh
# watch --rules: a rule on a helper with a name of its own raises one alert per
# exec, as a JSON line among the events (rule, priority, output, output_fields,
# key), as a text ALERT line, alone with --rules-only (the sinks still get every
# event and the alert); a rules file that does not load exits 2 naming
# FILE:LINE; replay --rules raises the same alerts from the recording.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_root "a monitor of every process"
need_cmd jq
H=ptwr-$$ # proc.name is the comm: 15 bytes at most
cp /bin/true "$T/$H" || exit 99
cat >"$T/r.yaml" <<EOR
- list: ptal_names
  items: [$H]
- rule: Ptal helper ran
  desc: the test's helper ran
  condition: evt.type in (execve, execveat) and proc.name in (ptal_names)
  output: "helper ran (user=%user.name cmd=%proc.cmdline pid=%proc.pid)"
  priority: WARNING
  tags: [test]
- rule: Needs files
  desc: skipped, proctrail has no open events
  condition: evt.type = open and fd.name = /etc/shadow
  output: "%fd.name"
  priority: ERROR
EOR

# 1. --json: the alert line, then its exec
start_watch "$T/j" "$T/j.err" --json --rules "$T/r.yaml" --sqlite "$T/h.db"
grep -q "rules: 1 loaded, 1 skipped" "$T/j.err" || { cat "$T/j.err"; fail "no rules summary"; }
grep -q "r.yaml:[0-9]*:[0-9]*: warning: .*Needs files" "$T/j.err" || fail "no skip warning"
"$T/$H" one two
wait_for_line "$T/j" '"event":"alert"' 10 || fail "no alert line"
stop_watch
json_has "$T/j" '.event == "alert" and .rule == "Ptal helper ran" and .priority == "Warning"
	and .source == "syscall" and .tags == ["test"] and (.output | test("Warning helper ran \\(user=root cmd='"$H"' one two pid=[0-9]+\\)$"))
	and .output_fields["proc.cmdline"] == "'"$H"' one two" and .output_fields["user.name"] == "root"
	and (.key | test(":")) and (.time | test("^[0-9-]+T[0-9:]+\\.[0-9]{9}Z$"))' ||
	{ grep alert "$T/j"; fail "the alert line lacks a member"; }
[ "$(jq -r 'select(.event == "alert") | .rule' "$T/j" | sort | uniq -c | awk '{print $1}')" = 1 ] ||
	fail "not one alert: $(grep alert "$T/j")"
key=$(jq -r 'select(.event == "alert") | .key' "$T/j")
json_has "$T/j" '.event == "exec" and .key == "'"$key"'"' || fail "the alert's key is no exec's"
[ "$(summary_field "$T/j.err" alerts)" = 1 ] || fail "summary alerts"
[ "$(summary_field "$T/j.err" rules.alerts)" = 1 ] || fail "summary rules.alerts"
[ "$(summary_field "$T/j.err" rules.evaluated)" -ge 1 ] || fail "summary rules.evaluated"
grep -q "rules: 1 alerts raised; [0-9]* execs evaluated" "$T/j.err" || fail "no rules line"
# the SQLite sink: a row of alerts, not of events
[ "$(sqlite3 "$T/h.db" "SELECT rule || '|' || priority || '|' || key FROM alerts")" = \
	"Ptal helper ran|Warning|$key" ] || fail "alerts row: $(sqlite3 "$T/h.db" 'SELECT * FROM alerts')"
[ "$(sqlite3 "$T/h.db" "SELECT count(*) FROM events WHERE event = 'alert'")" = 0 ] ||
	fail "an alert in events"
"$PROCTRAIL" history --db="$T/h.db" --alerts --json >"$T/ha" || fail "history --alerts"
[ "$(jq -r '.rule + "|" + .priority + "|" + .key' "$T/ha")" = "Ptal helper ran|Warning|$key" ] ||
	fail "history --alerts: $(cat "$T/ha")"
"$PROCTRAIL" history --db="$T/h.db" --alerts | grep -q " Warning  *Ptal helper ran: " ||
	fail "history --alerts in text"
ok "--json: the alert line, and its row in the SQLite sink (history --alerts)"

# 2. text: the ALERT line among the events, escaped
start_watch "$T/t" "$T/t.err" --rules "$T/r.yaml"
"$T/$H" "$(printf 'a\033[31mb')"
wait_for_line "$T/t" " ALERT " 10 || fail "no ALERT line"
stop_watch
grep -q "^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9][0-9][0-9] ALERT Warning Ptal helper ran: helper ran (user=root cmd=$H a\\\\x1b\\[31mb pid=[0-9]*)\$" "$T/t" ||
	{ grep ALERT "$T/t"; fail "the text ALERT line"; }
grep -q " exec .*$H" "$T/t" || fail "no exec line in text mode"
ok "text: the ALERT line, escaped"

# 3. --rules-only: the alerts only; the file sink gets the events and the alert
start_watch "$T/o" "$T/o.err" --rules "$T/r.yaml" --rules-only --json --output "$T/all.jsonl"
"$T/$H" only
/bin/true not-this
wait_for_line "$T/o" '"event":"alert"' 10 || fail "no alert with --rules-only"
stop_watch
json_all "$T/o" 'true' '.event == "alert" or .event == "lost"' ||
	fail "--rules-only printed an event: $(grep -v alert "$T/o" | head -2)"
json_has "$T/all.jsonl" '.event == "alert" and .rule == "Ptal helper ran"' || fail "the sink has no alert"
json_has "$T/all.jsonl" '.event == "exec" and .argv[1] == "not-this"' || fail "the sink lacks events"
ok "--rules-only: alerts on stdout, everything in the sink"

# 4. a rules file that does not load: exit 2, FILE:LINE:COL
printf -- '- rule: broken\n  desc: x\n  condition: proc.name = \n  output: x\n  priority: WARNING\n' >"$T/bad.yaml"
"$PROCTRAIL" watch --rules "$T/r.yaml" --rules "$T/bad.yaml" --duration 1 >"$T/b" 2>"$T/b.err"
rc=$?
[ $rc = 2 ] || fail "a bad rules file: exit $rc"
grep -q "bad.yaml:3:[0-9]*: error: " "$T/b.err" || { cat "$T/b.err"; fail "no FILE:LINE:COL error"; }
[ ! -s "$T/b" ] || fail "output despite the bad rules"
"$PROCTRAIL" watch --rules "$T/none.yaml" --duration 1 >/dev/null 2>"$T/n.err"
rc=$?
[ $rc = 2 ] && grep -q "none.yaml" "$T/n.err" || fail "a missing rules file: exit $rc, $(cat "$T/n.err")"
"$PROCTRAIL" watch --rules-only --duration 1 >/dev/null 2>&1
[ $? = 2 ] || fail "--rules-only without --rules"
ok "bad rules: exit 2 with FILE:LINE:COL"

# 5. replay: recorded alerts pass through without --rules; --rules evaluates afresh
"$PROCTRAIL" replay --json "$T/j" >"$T/r1" 2>"$T/r1.err" || { cat "$T/r1.err"; fail "replay"; }
grep -q "malformed" "$T/r1.err" && ! grep -q ", 0 malformed" "$T/r1.err" && fail "alert lines malformed"
[ "$(jq -c 'select(.event == "alert")' "$T/r1")" = "$(jq -c 'select(.event == "alert")' "$T/j")" ] ||
	fail "replay did not pass the recorded alert through"
"$PROCTRAIL" replay --json --rules "$T/r.yaml" --rules-only "$T/j" >"$T/r2" 2>"$T/r2.err" ||
	{ cat "$T/r2.err"; fail "replay --rules"; }
grep -q "1 recorded alerts dropped" "$T/r2.err" || fail "replay: $(cat "$T/r2.err")"
[ "$(jq -r 'select(.event == "alert") | .rule + "|" + .key' "$T/r2")" = "Ptal helper ran|$key" ] ||
	fail "replay --rules: $(cat "$T/r2")"
[ "$(jq -r '.output_fields["proc.cmdline"]' "$T/r2")" = "$H one two" ] || fail "replay output_fields"
ok "replay: pass-through, and --rules afresh"
