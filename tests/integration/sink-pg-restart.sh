#!/bin/sh
# The PostgreSQL sink while its database is away (pg-lib.sh's server):
#   - stopped mid-storm (pg_ctl stop -m fast) while the storm goes on, then
#     started again: batches go to the spool meanwhile, the spool drains in
#     order once the server is back, and the events table holds every event
#     watch printed exactly once (event, time and key compared as multisets);
#   - down when watch stops: the summary says how many events wait in the
#     spool, and the next watch writes them first, once.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/pg-lib.sh"
"$PROCTRAIL" watch --help 2>&1 | grep -q -- "--pg=" || skip "this proctrail has no watch --pg"
"$PROCTRAIL" replay -q --pg='host=/nonexistent' - </dev/null 2>&1 |
	grep -q "built without libpq" && skip "proctrail is built without libpq"
need_cmd jq
need_root "runs the monitor during a storm"
[ -x "$STORM" ] || skip "no tests/bench/storm"
pg_setup
N=${PT_PG_N:-2000}

# same_events JSON DB: the events table of DB holds each line of JSON once
same_events() {
	jq -r '[.event, .time, (.key // "-")] | @tsv' "$1" | sort >"$T/want"
	pg_sql_db "$2" "SELECT data->>'event', data->>'time', COALESCE(data->>'key', '-')
		FROM events" | tr '|' '\t' | sort >"$T/got"
	cmp -s "$T/want" "$T/got" && return 0
	echo "missing from the database (<) and duplicated or extra (>):"
	diff "$T/want" "$T/got" | grep '^[<>]' | head
	return 1
}

# spooled DIR: how many batch files wait in the spool under DIR
spooled() {
	find "$1" -name '*.batch' 2>/dev/null | wc -l
}

# wait_spooled DIR OP COUNT SECONDS
wait_spooled() {
	i=0
	while ! [ "$(spooled "$1")" "$2" "$3" ]; do
		i=$((i + 1))
		[ $i -gt $(($4 * 10)) ] && return 1
		sleep 0.1
	done
}

# ---- stopped mid-storm, started again ----
start_watch "$T/w.json" "$T/w.err" --local --json --pg="$PG_CONN" \
	--db-password-file="$PG_PWFILE" --spool-dir="$T/spool" --batch-size=20 \
	--flush-interval=0.1
"$STORM" -n "$N" -k 1 -b /bin/true -t pt-pgr-a >/dev/null &
spid=$!
sleep 0.3
pg_stop
# the storm goes on while the server is down, and another one after it
wait $spid || fail "the storm failed"
"$STORM" -n 300 -k 1 -b /bin/true -t pt-pgr-down >/dev/null || fail "the storm failed"
wait_spooled "$T/spool" -gt 0 10 || { cat "$T/w.err"; fail "nothing in the spool while down"; }
n_down=$(spooled "$T/spool")
grep -q "disconnected\|retrying" "$T/w.err" || { cat "$T/w.err"; fail "the loss is not told"; }
kill -0 "$WATCH_PID" || fail "watch died with the database"
ok "the server stopped mid-storm: $n_down batches spooled, watch goes on"

pg_start
"$STORM" -n 300 -k 1 -b /bin/true -t pt-pgr-b >/dev/null || fail "the storm failed"
# reconnect with backoff (at most 30 s), then the spool drains
wait_spooled "$T/spool" -eq 0 60 || { cat "$T/w.err"; fail "the spool did not drain"; }
grep -q "spool written back" "$T/w.err" || fail "the drain is not told"
stop_watch
[ "$WATCH_RC" = 0 ] || { cat "$T/w.err"; fail "watch exited $WATCH_RC"; }
lines=$(wc -l <"$T/w.json")
[ "$(summary_field "$T/w.err" 'sinks[0].dropped')" = 0 ] || fail "the sink dropped events"
[ "$(summary_field "$T/w.err" 'sinks[0].backlog')" = 0 ] || fail "events left in the spool"
same_events "$T/w.json" "$PG_DB" || fail "the database is not what watch printed"
[ "$(pg_sql "SELECT count(*) FROM processes WHERE cmdline LIKE '/bin/true pt-pgr-%'
	AND exit_us IS NOT NULL")" = $((N + 600)) ] || fail "not $((N + 600)) exited processes"
[ "$(pg_sql "SELECT count(*) FROM events WHERE data->>'argv' LIKE '%pt-pgr-down-%'
	AND event = 'exec'")" = 300 ] || fail "the execs of the storm while down are not all there"
ok "started again: the spool drained, $lines events each once, none lost"

# ---- down when watch stops: the next watch writes the spool first ----
pg_stop
CONN2="host=$PG_DIR port=$PG_PORT dbname=later user=$PG_USER"
start_watch "$T/w1.json" "$T/w1.err" --local --json --pg="$CONN2" \
	--db-password-file="$PG_PWFILE" --spool-dir="$T/spool2" --batch-size=5 \
	--flush-interval=0.1
"$STORM" -n 100 -k 1 -b /bin/true -t pt-pgr-c >/dev/null || fail "the storm failed"
wait_spooled "$T/spool2" -gt 0 10 || fail "nothing spooled"
sleep 0.3
stop_watch
[ "$WATCH_RC" = 0 ] || { cat "$T/w1.err"; fail "watch exited $WATCH_RC"; }
left=$(summary_field "$T/w1.err" 'sinks[0].backlog')
[ "$left" = "$(wc -l <"$T/w1.json")" ] ||
	{ grep summary "$T/w1.err"; fail "the summary's backlog is not every event ($left)"; }
grep -q "$left left in the spool" "$T/w1.err" || fail "the text summary does not say the spool"
ok "watch stopped with the server down: $left events left in the spool, and said"

pg_start
pg_sql_db postgres "CREATE DATABASE later OWNER $PG_USER" >/dev/null || fail "CREATE DATABASE"
start_watch "$T/w2.json" "$T/w2.err" --local --json --pg="$CONN2" \
	--db-password-file="$PG_PWFILE" --spool-dir="$T/spool2" --batch-size=5 \
	--flush-interval=0.1
grep -q "holds [0-9]* batches" "$T/w2.err" || fail "the spool found at start is not told"
"$STORM" -n 50 -k 1 -b /bin/true -t pt-pgr-d >/dev/null || fail "the storm failed"
wait_spooled "$T/spool2" -eq 0 30 || fail "the spool of the earlier run did not drain"
sleep 0.3
stop_watch
[ "$WATCH_RC" = 0 ] || { cat "$T/w2.err"; fail "watch exited $WATCH_RC"; }
cat "$T/w1.json" "$T/w2.json" >"$T/w12.json"
same_events "$T/w12.json" later || fail "the two runs are not each once in the database"
# the spool's batches came first, in order: batch ids of the first session before the second's
[ "$(pg_sql_db later "SELECT count(DISTINCT session) FROM batches")" = 2 ] ||
	fail "not two sessions of batches"
[ "$(pg_sql_db later "SELECT bool_and(ok) FROM (SELECT seq = row_number() OVER
	(PARTITION BY session ORDER BY time_us, seq) AS ok FROM batches) b")" = t ] ||
	fail "the batches were not written in order"
[ "$(pg_sql_db later "SELECT max(time_us) FILTER (WHERE session = s1) <
	min(time_us) FILTER (WHERE session <> s1) FROM batches,
	(SELECT min(session) AS s1 FROM batches) f")" = t ] ||
	fail "a batch of the second run was written before the spool of the first"
ok "the next watch wrote the spool first, in order, each event once"
