#!/bin/sh
# proctraild's rules key: --check-config loads the rules; a subscriber with the
# default events gets the alert line, one asking for exec only does not; the
# SQLite sink has the alert row; watch attached shows the alerts; status counts;
# SIGHUP reads a changed file, and a file that no longer loads leaves the
# running rules.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/daemon-lib.sh"
need_root "the daemon's monitor"
need_cmd jq
need_cmd sqlite3
H=ptdr-$$ # proc.name is the comm: 15 bytes at most
cp /bin/true "$T/$H" || exit 99
rules() { # NAME PRIORITY
	cat >"$T/r.yaml" <<EOR
- rule: $1
  desc: the test's helper ran
  condition: evt.type = execve and proc.name = $H
  output: "helper ran (cmd=%proc.cmdline)"
  priority: $2
EOR
}
rules "Helper first" WARNING
cat >"$T/d.conf" <<EOC
rules = $T/r.yaml
sqlite = $T/h.db
sink_flush_interval = 100ms
EOC
out=$("$PROCTRAILD" --check-config --config="$T/d.conf" 2>"$T/cc.err")
[ "$out" = "proctraild: configuration OK ($T/d.conf), 1 rules loaded" ] || fail "--check-config: $out"
printf 'rules = %s/bad.yaml\n' "$T" >"$T/bad.conf"
printf -- '- rule: x\n  desc: x\n  condition: proc.name in (\n  output: x\n  priority: INFO\n' >"$T/bad.yaml"
"$PROCTRAILD" --check-config --config="$T/bad.conf" >"$T/cc" 2>"$T/cc.err"
[ $? = 1 ] || fail "--check-config of bad rules: not exit 1"
grep -q "bad.yaml:3:[0-9]*: error: " "$T/cc.err" || fail "--check-config: $(cat "$T/cc.err")"
ok "--check-config loads the rules"

start_daemon --config="$T/d.conf"
grep -q "rules: 1 loaded" "$DLOG" || fail "no rules line in the log"
printf '{"cmd":"subscribe","id":"A"}\n' | "$PDC" "$SOCK" raw 60 >"$T/a" &
PIDS="$PIDS $!"
printf '{"cmd":"subscribe","events":["exec"],"id":"B"}\n' | "$PDC" "$SOCK" raw 60 >"$T/b" &
PIDS="$PIDS $!"
printf '{"cmd":"subscribe","events":["alert"],"id":"C"}\n' | "$PDC" "$SOCK" raw 60 >"$T/c" &
PIDS="$PIDS $!"
for f in a b c; do wait_for_line "$T/$f" subscribed 10 || fail "subscriber $f"; done
# watch attached to the daemon shows its alerts, in JSON and in text
start_watch "$T/wj" "$T/wj.err" --daemon --socket="$SOCK" --json
WJ=$WATCH_PID
start_watch "$T/wt" "$T/wt.err" --daemon --socket="$SOCK"
WT=$WATCH_PID
head -1 "$T/a" | jq -e '.subscribed.events | index("alert")' >/dev/null || fail "A: $(head -1 "$T/a")"
[ "$(head -1 "$T/c" | jq -c .subscribed.events)" = '["lost","alert"]' ] || fail "C: $(head -1 "$T/c")"
"$T/$H" one
wait_for_line "$T/a" '"rule":"Helper first"' 10 || fail "A got no alert"
wait_for_line "$T/c" '"rule":"Helper first"' 10 || fail "C got no alert"
wait_for_line "$T/b" "$H" 10 || fail "B got no exec"
grep -q '"event":"alert"' "$T/b" && fail "B (exec only) got an alert"
grep -q '"event":"exec"' "$T/c" && fail "C (alert only) got an exec"
json_has "$T/a" '.event == "alert" and .priority == "Warning" and .output_fields["proc.cmdline"] == "'"$H"' one"' ||
	fail "A's alert: $(grep alert "$T/a")"
wait_for_line "$T/wj" '"rule":"Helper first"' 10 || fail "watch --daemon --json shows no alert"
wait_for_line "$T/wt" " ALERT Warning Helper first: helper ran (cmd=$H one)" 10 ||
	fail "watch --daemon shows no ALERT line: $(cat "$T/wt")"
for WATCH_PID in $WJ $WT; do stop_watch; done
grep -q "malformed [1-9]" "$T/wj.err" "$T/wt.err" && fail "watch counted alert lines malformed"
[ "$(summary_field "$T/wj.err" alerts)" = 1 ] || fail "watch --daemon: summary alerts"
st=$(q '{"cmd":"status"}' | head -1)
[ "$(echo "$st" | jq -c '.rules | [.loaded, .skipped, .alerts]')" = '[1,0,1]' ] || fail "status: $(echo "$st" | jq -c .rules)"
[ "$(echo "$st" | jq '.rules.evaluated > 0 and .rules.eval_ns > 0')" = true ] || fail "status counts"
ok "subscribers that ask for alerts get them; status counts"

# SIGHUP: the changed file is read again
rules "Helper second" CRITICAL
kill -HUP "$DPID"
wait_for_line "$DLOG" "reopening\|configuration reloaded" 10 || fail "no reload"
sleep 0.3
"$T/$H" two
wait_for_line "$T/a" '"rule":"Helper second"' 10 || fail "no alert of the reloaded rule: $(tail -3 "$DLOG")"
json_has "$T/a" '.rule == "Helper second" and .priority == "Critical"' || fail "the reloaded rule's priority"
# a file that does not load: the running rules stay, and the log says why
printf -- '- rule: x\n  condition: (\n' >"$T/r.yaml"
kill -HUP "$DPID"
wait_for_line "$DLOG" "the running rules stay" 10 || fail "a failed reload is not logged: $(tail -5 "$DLOG")"
grep -q "r.yaml:[0-9]*:[0-9]*: error" "$DLOG" || fail "the reload error names no FILE:LINE"
"$T/$H" three
i=0
until [ "$(grep -c '"rule":"Helper second"' "$T/a")" = 2 ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "the running rules did not stay"
	sleep 0.1
done
st=$(q '{"cmd":"status"}' | head -1)
[ "$(echo "$st" | jq .rules.alerts)" = 3 ] || fail "status after reloads: $(echo "$st" | jq -c .rules)"
ok "SIGHUP reloads the rules; a broken file keeps the running ones"

stop_daemon
[ "$(sqlite3 "$T/h.db" "SELECT rule || '|' || priority FROM alerts ORDER BY time_us")" = \
	"Helper first|Warning
Helper second|Critical
Helper second|Critical" ] || fail "SQLite alerts: $(sqlite3 "$T/h.db" 'SELECT rule, priority FROM alerts')"
[ "$(sqlite3 "$T/h.db" "SELECT count(*) FROM events WHERE event = 'alert'")" = 0 ] || fail "alerts in events"
ok "the SQLite sink has the alert rows"
