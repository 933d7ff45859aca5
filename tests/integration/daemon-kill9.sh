#!/bin/sh
# kill -9 of the daemon with the SQLite sink: the database opens cleanly (and
# the daemon opens it again), and what is missing is at most what was queued
# and not yet committed. An independent `proctrail watch --json` is the
# reference: an output sink of the same daemon would lose its tail too.
#
# The bound, by design: a batch's rows and its `batches` row commit in one
# transaction, so a kill loses only records still in the sink's queue (the
# batch being written is there until it is released). With sink_queue = 1M
# the queue holds at most 1M / (smallest record) records, about six batches
# of 500 here; events the daemon had not yet read from the kernel at the kill
# add at most one more batch's worth (the tier is read every few ms). Drops
# (a full queue) are counted and written as lost events (reason sink): they
# are reported, not missing; the test says how many there were.
#   1. after a storm, idle, sink_flush_interval = 1h: only the partial batch
#      is unwritten; rows == status's "written" exactly, missing < batch size.
#   2. mid-storm: missing <= queue capacity in records + one batch.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/daemon-lib.sh"
need_root "the daemon's monitor"
need_cmd jq
need_cmd sqlite3
N=2000
BATCH=500
QUEUE=1048576
TAG=pdk9a$$
TAG2=pdk9b$$
DB=$T/state/history.db

tagged_lines() {
	jq -r --arg t "$2-" 'select(.event == "exec" and (.argv[1] // "" | startswith($t))) | .argv[1]' "$1" | wc -l
}
tagged_rows() {
	sqlite3 "$DB" "select count(*) from execs where json_extract(argv, '\$[1]') like '$1-%'"
}
sqlite_status() {
	q '{"cmd":"status"}' | head -1 | jq -c '.sinks[] | select(.type == "sqlite")'
}
kill9() {
	kill -9 "$DPID"
	wait "$DPID" 2>/dev/null
}

start_watch "$T/ref" "$T/ref.err" --json --events=exec
# only the storms' processes go to the sink: when other tests run at the same
# time, theirs would fill and commit a batch between "settled" and the kill
printf 'sink_batch_size = %s\nsink_flush_interval = 1h\nsink_queue = %s\nsink_filter = %s\n' \
	$BATCH $QUEUE "proc.cmdline contains pdk9" >"$T/d.conf"
start_daemon --config="$T/d.conf"

# 1. idle after a storm: the partial batch alone is unwritten
"$STORM" -n $N -k 8 -b "$TRUE_STATIC" -t "$TAG" >/dev/null || fail "storm failed"
prev=-1
i=0
while :; do
	st=$(sqlite_status)
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
[ "$(sqlite3 "$DB" 'pragma integrity_check')" = ok ] || fail "integrity_check after kill -9"
# the sink's own lost lines (reason sink) are reports, not counted as written
rows=$(sqlite3 "$DB" "select count(*) from events where not (event = 'lost' and json_extract(data, '\$.reason') = 'sink')")
[ "$rows" = "$w" ] || fail "events rows $rows, the sink had written $w ($st)"
ref=$(tagged_lines "$T/ref" "$TAG")
got=$(tagged_rows "$TAG")
echo "idle kill -9: $ref execs seen by the reference, $got in the database: $((ref - got)) missing; $qd records were queued (batch $BATCH), $dropped dropped"
[ $((ref - got)) -ge 0 ] && [ $((ref - got)) -le $((qd + dropped)) ] ||
	fail "missing $((ref - got)) execs, but only $qd records were queued ($dropped dropped, reported)"
ok "kill -9 when idle: rows = written ($w), $((ref - got)) execs missing <= $qd queued < $BATCH + $dropped dropped"

# 2. mid-storm; the daemon opens the same database again first
start_daemon --config="$T/d.conf"
grep -q "error" "$DLOG" && fail "errors reopening after kill -9: $(grep error "$DLOG")"
"$STORM" -n $((N * 2)) -k 8 -b "$TRUE_STATIC" -t "$TAG2" >/dev/null &
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
[ "$(sqlite3 "$DB" 'pragma integrity_check')" = ok ] || fail "integrity_check after kill -9 mid-storm"
# the reference's execs before the kill (times are fixed-width UTC text)
ref=$(jq -r --arg t "$TAG2-" --arg k "$kill_t" \
	'select(.event == "exec" and .time <= $k and (.argv[1] // "" | startswith($t))) | .argv[1]' "$T/ref" | wc -l)
got=$(tagged_rows "$TAG2")
told=$(sqlite3 "$DB" "select coalesce(sum(json_extract(data, '\$.count')), 0) from events where event = 'lost' and json_extract(data, '\$.reason') = 'sink'")
told=$((told - dropped))
minrec=$(sqlite3 "$DB" 'select min(length(data)) + 1 from events')
cap=$((QUEUE / ((minrec + 7) / 8 * 8 + 16)))
bound=$((cap + BATCH))
echo "mid-storm kill -9: $ref execs before the kill, $got in the database: $((ref - got)) missing; $told events dropped and reported (reason sink); bound $bound = queue $cap records ($QUEUE / $minrec-byte records) + $BATCH"
[ $((ref - got)) -le $((bound + told)) ] || fail "missing $((ref - got)) execs, more than $bound + $told reported"
[ "$got" -le "$ref" ] || echo "note: the database holds $got, the reference $ref before the kill (clock edge)"
ok "kill -9 mid-storm: the database is sound, $((ref - got)) execs missing (<= $bound)"

# the daemon opens it once more, and a clean stop writes everything
start_daemon --config="$T/d.conf"
stop_daemon
[ "$DRC" = 0 ] || fail "proctraild exited $DRC"
[ "$(sqlite3 "$DB" 'pragma integrity_check')" = ok ] || fail "integrity_check after a clean stop"
ok "the database opens again after kill -9, and closes cleanly"
