#!/bin/sh
# The PostgreSQL sink and alert lines (issue 14), on a server of the test's own
# (pg-lib.sh): replaying a recording with alerts, each alert line is one row of
# alerts (host, time_us, key, rule, priority, output, data as jsonb) and none
# of events, by COPY and by INSERT alike; a \u0000 in an alert is made jsonb-safe.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/pg-lib.sh"
"$PROCTRAIL" replay -q --pg='host=/nonexistent' - </dev/null 2>&1 |
	grep -q "built without libpq" && skip "proctrail is built without libpq"
need_cmd jq
pg_setup
HOST=pt-alert-host
K=b0000000-0000-0000-0000-000000000001
exec_line() { # PID TIME
	printf '{"event":"exec","time":"%s","pid":%s,"tid":%s,"ppid":1,"start":9,"comm":"sh","exe":"/bin/sh","argv":["sh","-c","x"],"argv_truncated":false,"uid":0,"euid":0,"gid":0,"egid":0,"tier":"bpf","key":"%s:9:%s","parent_key":"%s:1:1"}\n' \
		"$2" "$1" "$1" "$K" "$1" "$K"
}
alert_line() { # PID TIME9 RULE PRIORITY OUTPUT
	printf '{"event":"alert","time":"%s","rule":"%s","priority":"%s","source":"syscall","tags":["t"],"output":"%s","output_fields":{"proc.name":"sh","proc.pid":%s},"hostname":"h","key":"%s:9:%s","pid":%s}\n' \
		"$2" "$3" "$4" "$5" "$1" "$K" "$1" "$1"
}
{
	exec_line 10 2026-12-03T08:00:00.000001Z
	alert_line 10 2026-12-03T08:00:00.000001000Z "Shell spawned" Notice "08:00:00.000001000: Notice a shell"
	exec_line 11 2026-12-03T08:00:01.000002Z
	alert_line 11 2026-12-03T08:00:01.000002000Z "Nul \\u0000 inside" Critical 'x\u0000y'
	exec_line 12 2026-12-03T08:00:02.000003Z
} >"$T/rec.jsonl"

for mode in copy insert; do
	pg_sql_db postgres "CREATE DATABASE db_$mode OWNER $PG_USER" >/dev/null || fail "CREATE DATABASE"
	"$PROCTRAIL" replay -q --pg="host=$PG_DIR port=$PG_PORT dbname=db_$mode user=$PG_USER" \
		--db-password-file="$PG_PWFILE" --host-name="$HOST" --spool-dir="$T/spool-$mode" \
		--pg-write=$mode "$T/rec.jsonl" 2>"$T/$mode.err" || { cat "$T/$mode.err"; fail "replay ($mode)"; }
	grep -q malformed "$T/$mode.err" && ! grep -q ", 0 malformed" "$T/$mode.err" &&
		fail "alert lines counted malformed: $(cat "$T/$mode.err")"
	# the columns end at a NUL (as events' do); data keeps the rest, U+FFFD for it
	got=$(pg_sql_db db_$mode "SELECT host || '|' || time_us || '|' || key || '|' || rule || '|' ||
		priority || '|' || output || '|' || replace(data->>'rule', chr(65533), '?') || '|' ||
		(data->'output_fields'->>'proc.pid') FROM alerts ORDER BY time_us")
	want="$HOST|1796284800000001|$K:9:10|Shell spawned|Notice|08:00:00.000001000: Notice a shell|Shell spawned|10
$HOST|1796284801000002|$K:9:11|Nul |Critical|x|Nul ? inside|11"
	[ "$got" = "$want" ] || fail "$mode: alerts rows:
$got
want:
$want"
	[ "$(pg_sql_db db_$mode "SELECT count(*) FROM events")" = 3 ] || fail "$mode: events rows"
	[ "$(pg_sql_db db_$mode "SELECT count(*) FROM events WHERE event = 'alert'")" = 0 ] ||
		fail "$mode: an alert in events"
	[ "$(pg_sql_db db_$mode "SELECT count(*) FROM execs")" = 3 ] || fail "$mode: execs rows"
	[ "$(pg_sql_db db_$mode "SELECT count(*) FROM processes")" = 3 ] || fail "$mode: processes rows"
	ok "$mode: one alerts row per alert line, none in events"
done
