#!/bin/sh
# kill -9 of proctraild with a PostgreSQL sink: at most the records still in
# the sink's queue are missing, and the test states how many. A batch's rows
# and its `batches` row commit in one transaction, so the database never holds
# part of a batch; an independent `proctrail watch --json` is the reference.
#   1. idle after a storm, sink_flush_interval = 1h: only the unflushed partial
#      batch is missing; events rows == the sink's "written" exactly.
#   2. mid-storm: missing <= the queue's capacity in records + one batch.
#   3. the daemon starts again on the same database and stops cleanly.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/daemon-lib.sh"
. "$top_srcdir/tests/integration/pg-lib.sh"
need_root "the daemon's monitor"
need_cmd jq
"$PROCTRAIL" replay -q --pg='host=/nonexistent' - </dev/null 2>&1 |
	grep -q "built without libpq" && skip "proctrail is built without libpq"
pg_setup
N=1000
BATCH=500
QUEUE=1048576
TAG=pgk9a$$
TAG2=pgk9b$$

tagged_lines() {
	jq -r --arg t "$2-" 'select(.event == "exec" and (.argv[1] // "" | startswith($t))) | .argv[1]' "$1" | wc -l
}
tagged_rows() {
	pg_sql "SELECT count(*) FROM execs WHERE (argv::jsonb)->>1 LIKE '$1-%'"
}
pg_status() {
	q '{"cmd":"status"}' | head -1 | jq -c '.sinks[] | select(.type == "pg")'
}
kill9() {
	kill -9 "$DPID"
	wait "$DPID" 2>/dev/null
}
sink_lost() {
	pg_sql "SELECT coalesce(sum((data->>'count')::bigint), 0) FROM events
		WHERE event = 'lost' AND data->>'reason' = 'sink'"
}

# only the storms' processes go to the sink (sink_filter): when other tests
# run at the same time, theirs would fill and commit a batch between "settled"
# and the kill
cat >"$T/d.conf" <<EOC
sqlite = none
pg = $PG_CONN
pg_password_file = $PG_PWFILE
spool_dir = $T/spool
sink_batch_size = $BATCH
sink_flush_interval = 1h
sink_queue = $QUEUE
sink_filter = proc.cmdline contains pgk9
EOC
start_watch "$T/ref" "$T/ref.err" --json --events=exec
start_daemon --config="$T/d.conf"

# 1. idle after a storm
"$STORM" -n $N -k 4 -b "$TRUE_STATIC" -t "$TAG" >/dev/null || fail "storm failed"
prev=-1
i=0
while :; do
	st=$(pg_status)
	w=$(echo "$st" | jq .written)
	qd=$(echo "$st" | jq .queued)
	[ "$w" = "$prev" ] && [ "$qd" -lt $BATCH ] && break
	prev=$w
	i=$((i + 1))
	[ $i -gt 100 ] && fail "the sink does not settle: $st"
	sleep 0.5
done
dropped=$(echo "$st" | jq .dropped)
kill9
rows=$(pg_sql "SELECT count(*) FROM events WHERE NOT (event = 'lost' AND data->>'reason' = 'sink')")
[ "$rows" = "$w" ] || fail "events rows $rows, the sink had written $w ($st)"
ref=$(tagged_lines "$T/ref" "$TAG")
got=$(tagged_rows "$TAG")
echo "idle kill -9: $ref execs seen by the reference, $got in the database: $((ref - got)) missing; $qd records were queued (batch $BATCH), $dropped dropped"
[ $((ref - got)) -ge 0 ] && [ $((ref - got)) -le $((qd + dropped)) ] ||
	fail "missing $((ref - got)) execs, but only $qd records were queued ($dropped dropped, reported)"
ok "kill -9 when idle: rows = written ($w), $((ref - got)) execs missing <= $qd queued < $BATCH"

# 2. mid-storm
told0=$(sink_lost)
start_daemon --config="$T/d.conf"
"$STORM" -n $((N * 2)) -k 4 -b "$TRUE_STATIC" -t "$TAG2" >/dev/null &
SP=$!
i=0
until [ "$(grep -c "\"$TAG2-" "$T/ref")" -ge $((N / 2)) ]; do
	i=$((i + 1))
	[ $i -gt 1000 ] && fail "the storm does not reach the reference"
	sleep 0.01
done
kill_t=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
kill9
wait $SP
stop_watch
ref=$(jq -r --arg t "$TAG2-" --arg k "$kill_t" \
	'select(.event == "exec" and .time <= $k and (.argv[1] // "" | startswith($t))) | .argv[1]' "$T/ref" | wc -l)
got=$(tagged_rows "$TAG2")
told=$(($(sink_lost) - told0))
minrec=$(pg_sql "SELECT min(length(data::text)) + 1 FROM events")
cap=$((QUEUE / ((minrec + 7) / 8 * 8 + 16)))
bound=$((cap + BATCH))
echo "mid-storm kill -9: $ref execs before the kill, $got in the database: $((ref - got)) missing; $told dropped and reported (reason sink); bound $bound = queue $cap records + $BATCH"
[ $((ref - got)) -le $((bound + told)) ] || fail "missing $((ref - got)) execs, more than $bound + $told reported"
dup=$(pg_sql "SELECT count(*) - count(DISTINCT (key, time_us, event)) FROM events WHERE data->>'argv' LIKE '%$TAG2-%'")
[ "$dup" = 0 ] || fail "$dup events are in the database twice"
ok "kill -9 mid-storm: $((ref - got)) execs missing (<= $bound), none twice"

# 3. again on the same database, then a clean stop
start_daemon --config="$T/d.conf"
stop_daemon
[ "$DRC" = 0 ] || { cat "$DLOG"; fail "proctraild exited $DRC"; }
ok "the daemon starts again after kill -9 and stops cleanly"
