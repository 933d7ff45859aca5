#!/bin/sh
# The PostgreSQL sink against a real server of the test's own (pg-lib.sh):
# after a storm of N processes under `watch --pg`, the rows are what the
# monitor printed (every event once, with its time and key; every exec; every
# process with its exit), the views answer, bytes a process controls come back
# the same through COPY, INSERT writes the same rows as COPY, the password is
# taken from a file and shown nowhere, a bad conninfo and a missing schema
# with --no-create-schema are errors at start.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/pg-lib.sh"
"$PROCTRAIL" watch --help 2>&1 | grep -q -- "--pg=" || skip "this proctrail has no watch --pg"
"$PROCTRAIL" replay -q --pg='host=/nonexistent' - </dev/null 2>&1 |
	grep -q "built without libpq" && skip "proctrail is built without libpq"
need_cmd jq
need_root "runs the monitor during a storm"
[ -x "$STORM" ] || skip "no tests/bench/storm"
pg_setup
N=${PT_PG_N:-300}
HOST=pt-test-host

# one_line ERR TEXT: exactly one line on stderr, with TEXT
one_line() {
	[ "$(wc -l <"$1")" = 1 ] || { cat "$1"; fail "$2: not one line"; }
	grep -q -- "$2" "$1" || { cat "$1"; fail "the line does not say $2"; }
}

# ---- errors at start ----
"$PROCTRAIL" watch --local --pg="$PG_CONN bogus_option=1" --db-password-file="$PG_PWFILE" \
	--spool-dir="$T/spool" --duration=1 >/dev/null 2>"$T/e"
[ $? = 1 ] || { cat "$T/e"; fail "a bad conninfo does not exit 1"; }
one_line "$T/e" 'invalid connection option "bogus_option"'
grep -q ready "$T/e" && fail "watch started with a bad conninfo"
"$PROCTRAIL" watch --local --pg="$PG_CONN" --db-password-file="$T/none" --duration=1 \
	>/dev/null 2>"$T/e"
[ $? = 1 ] || { cat "$T/e"; fail "a missing password file does not exit 1"; }
one_line "$T/e" "$T/none: No such file or directory"
"$PROCTRAIL" watch --local --pg="$PG_CONN" --db-password-file="$PG_PWFILE" --no-create-schema \
	--spool-dir="$T/spool" --duration=1 >/dev/null 2>"$T/e"
[ $? = 1 ] || { cat "$T/e"; fail "--no-create-schema on an empty database does not exit 1"; }
grep -q "missing in the database: meta, batches" "$T/e" || { cat "$T/e"; fail "no reason"; }
[ "$(pg_sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0 ] ||
	fail "--no-create-schema created tables"
ok "a bad conninfo, a missing password file, a missing schema: exit 1 with the reason"

# ---- without the password, no connection: the sink says why, spools and keeps trying ----
PGPASSFILE=$T/no-pgpass start_watch /dev/null "$T/e" --local --pg="$PG_CONN" \
	--spool-dir="$T/spool-nopw"
for i in 1 2 3; do /bin/true pt-nopw; done
sleep 0.5
stop_watch
[ "$WATCH_RC" = 0 ] || { cat "$T/e"; fail "a database refusing the login stops watch"; }
grep -q "password" "$T/e" || { cat "$T/e"; fail "the refusal is not told"; }
[ "$(summary_field "$T/e" 'sinks[0].backlog')" -ge 6 ] || fail "the spool's backlog is not said"
summary_field "$T/e" 'sinks[0].last_error' | grep -q password || fail "no last_error"
grep -q "WARNING" "$T/e" && { cat "$T/e"; fail "libpq printed on stderr"; }
ok "no password: watch runs, the sink says why and spools ($(summary_field "$T/e" \
	'sinks[0].backlog') events)"

# ---- the storm ----
start_watch "$T/w.json" "$T/w.err" --local --json --pg="$PG_CONN" \
	--db-password-file="$PG_PWFILE" --host-name="$HOST" --spool-dir="$T/spool" \
	--batch-size=50 --flush-interval=0.2
# (the pattern from the file: a grep of the password in its argv would be watched too)
tr '\0' ' ' <"/proc/$WATCH_PID/cmdline" | grep -q -F -f "$PG_PWFILE" &&
	fail "the password is in watch's argv"
"$STORM" -n "$N" -k 2 -b /bin/true -t pt-pg >"$T/storm" || fail "the storm failed"
# hostile bytes in argv: tab, newline, CR, backslashes, COPY's end marker, quotes,
# UTF-8 and bytes that are not (the JSON line carries them as *_b64)
/bin/true 'a	b' 'c
d' 'e\rf' '\.' '\\N' "q'\"" 'é€😀' "$(printf 'x\001y\033[31m\177')" "$(printf '\377\376')"
sleep 0.5
stop_watch
[ "$WATCH_RC" = 0 ] || { cat "$T/w.err"; fail "watch exited $WATCH_RC"; }
grep -F -f "$PG_PWFILE" "$T/w.err" "$T/w.json" && fail "the password is in watch's output"
lines=$(wc -l <"$T/w.json")
[ "$lines" -gt "$N" ] || fail "only $lines events for a storm of $N"
[ "$(summary_field "$T/w.err" 'sinks[0].type')" = pg ] || fail "the sink is not pg"
[ "$(summary_field "$T/w.err" 'sinks[0].written')" = "$lines" ] ||
	{ grep summary "$T/w.err"; fail "the sink did not write the $lines events"; }
[ "$(summary_field "$T/w.err" 'sinks[0].dropped')" = 0 ] || fail "the sink dropped"
[ "$(summary_field "$T/w.err" 'sinks[0].backlog')" = 0 ] || fail "the spool is not empty"

# every event once, with its time and key
jq -r '[.event, .time, (.key // "-")] | @tsv' "$T/w.json" | sort >"$T/want"
pg_sql "SELECT data->>'event', data->>'time', COALESCE(data->>'key', '-') FROM events" |
	tr '|' '\t' | sort >"$T/got"
cmp -s "$T/want" "$T/got" || {
	diff "$T/want" "$T/got" | head
	fail "the events table is not what watch printed"
}
[ "$(pg_sql "SELECT count(*) FROM events WHERE host <> '$HOST'")" = 0 ] ||
	fail "rows without the --host-name"
[ "$(pg_sql "SELECT count(*) FROM events WHERE event <> data->>'event' OR key IS DISTINCT FROM
	data->>'key' OR pid IS DISTINCT FROM (data->>'pid')::int OR to_char((timestamptz 'epoch' +
	time_us * interval '1 microsecond') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')
	<> data->>'time'")" = 0 ] || fail "columns of events disagree with their line"
for ev in fork exec exit; do
	want=$(grep -c "\"event\":\"$ev\"" "$T/w.json")
	got=$(pg_sql "SELECT count(*) FROM events WHERE event = '$ev'")
	[ "$want" = "$got" ] || fail "$ev: $want printed, $got rows"
done
ok "$lines events: each once in events, with its time, key and --host-name"

# every exec, its argv and cmdline as the line says, through COPY's escaping
jq -r 'select(.event == "exec") | [.key, .time] | @tsv' "$T/w.json" | sort >"$T/want"
pg_sql "SELECT key, data->>'time' FROM execs JOIN events USING (host, key, time_us)
	WHERE event = 'exec'" | tr '|' '\t' | sort >"$T/got"
cmp -s "$T/want" "$T/got" || { diff "$T/want" "$T/got" | head; fail "execs differ"; }
[ "$(pg_sql "SELECT count(*) FROM execs x JOIN events e USING (host, key, time_us)
	WHERE e.event = 'exec' AND (x.argv::jsonb IS DISTINCT FROM e.data->'argv' OR
	x.cmdline IS DISTINCT FROM (SELECT string_agg(a, ' ') FROM
	jsonb_array_elements_text(e.data->'argv') a) OR x.comm IS DISTINCT FROM e.data->>'comm'
	OR x.exe IS DISTINCT FROM e.data->>'exe')")" = 0 ] ||
	fail "an exec's argv, cmdline, comm or exe differs from its line"
hostile=$(pg_sql "SELECT argv FROM execs WHERE cmdline LIKE '/bin/true a%'")
[ "$(printf '%s' "$hostile" | jq -c .)" = "$(jq -c 'select(.event == "exec" and
	.argv[0] == "/bin/true" and .argv[1] == "a\tb") | .argv' "$T/w.json")" ] ||
	fail "the hostile argv did not come back: $hostile"
ok "execs: every one, argv and cmdline the same bytes as the lines (hostile ones too)"

# processes: the storm's children, exited
[ "$(pg_sql "SELECT count(*) FROM processes WHERE cmdline LIKE '/bin/true pt-pg-%'
	AND exit_us IS NOT NULL AND exit_code = 0 AND duration_ms >= 0")" = "$N" ] ||
	fail "not $N exited processes of the storm"
[ "$(pg_sql "SELECT count(DISTINCT key) FROM events WHERE key IS NOT NULL")" = \
	"$(pg_sql "SELECT count(*) FROM processes")" ] || fail "processes is not one row per key"
ok "processes: one row per key, the $N children of the storm exited with 0"

# the views
[ "$(pg_sql "SELECT count(*) FROM v_exec_history WHERE cmdline LIKE '/bin/true pt-pg-%'
	AND parent_cmdline LIKE '%storm -n $N %'")" = "$N" ] ||
	fail "v_exec_history does not give the $N execs with the storm's command line"
[ "$(pg_sql "SELECT pg_typeof(time) FROM v_exec_history LIMIT 1")" = \
	"timestamp with time zone" ] || fail "v_exec_history's time is not a timestamptz"
[ "$(pg_sql "SELECT count(*) FROM v_short_lived WHERE cmdline LIKE '/bin/true pt-pg-%'")" = \
	"$N" ] || fail "v_short_lived does not list the storm"
[ "$(pg_sql "SELECT max(depth) >= 1 FROM v_process_tree")" = t ] || fail "v_process_tree"
[ "$(pg_sql "SELECT sum(children) FROM v_top_spawners s JOIN processes p
	ON p.host = s.host AND p.key = s.parent_key WHERE p.cmdline LIKE '%storm -n $N %'")" = \
	"$N" ] || fail "v_top_spawners does not count the storm's $N children"
[ "$(pg_sql "SELECT count(*) FROM v_lost")" = \
	"$(grep -c '"event":"lost"' "$T/w.json")" ] || fail "v_lost"
# the example of proctrail(1)
"$PSQL" -X -h "$PG_DIR" -p "$PG_PORT" -U postgres -d "$PG_DB" -c "SELECT time, pid, cmdline,
	parent_cmdline FROM v_exec_history WHERE cmdline LIKE '%pt-pg-1%' ORDER BY time
	LIMIT 5" >"$T/psql.out" || fail "the man page's query fails"
grep -q "pt-pg-1" "$T/psql.out" || fail "the man page's query finds nothing"
ok "the views answer (v_exec_history with the storm's command line as parent's)"

# ---- INSERT writes what COPY wrote; a replay is the same history ----
pg_sql_db postgres "CREATE DATABASE ins OWNER $PG_USER" >/dev/null || fail "CREATE DATABASE"
"$PROCTRAIL" replay -q --pg="host=$PG_DIR port=$PG_PORT dbname=ins user=$PG_USER" \
	--db-password-file="$PG_PWFILE" --host-name="$HOST" --spool-dir="$T/spool" \
	--pg-write=insert --batch-size=7 "$T/w.json" 2>"$T/r.err" || { cat "$T/r.err"; fail "replay"; }
for t in events execs processes; do
	q="SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) FROM $t x"
	[ "$(pg_sql "$q")" = "$(pg_sql_db ins "$q")" ] || fail "$t: INSERT differs from COPY"
done
ok "--pg-write=insert with other batches writes the same rows as COPY"
