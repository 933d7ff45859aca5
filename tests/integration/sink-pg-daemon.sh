#!/bin/sh
# proctraild with a PostgreSQL sink (pg = CONNINFO, pg_password_file) against
# pg-lib.sh's server: status shows the sink ok; with the server stopped, a
# storm's batches go to the spool and status says "spooling" with the backlog,
# live; with the server back, the spool drains (status ok, backlog 0) and the
# storm's execs are in the database, each once.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/daemon-lib.sh"
. "$top_srcdir/tests/integration/pg-lib.sh"
need_root "the daemon's monitor"
need_cmd jq
[ -x "$STORM" ] || skip "no tests/bench/storm"
"$PROCTRAIL" replay -q --pg='host=/nonexistent' - </dev/null 2>&1 |
	grep -q "built without libpq" && skip "proctrail is built without libpq"
grep -q "^#pg_password_file" "$top_srcdir/contrib/proctrail.conf.example" ||
	skip "this proctraild has no pg sink"
pg_setup
N=200
TAG=pdpg$$

# pg_status FIELD: the pg sink's member of status's sinks
pg_status() {
	q '{"cmd":"status"}' | head -1 | jq -r ".sinks[] | select(.type == \"pg\") | .$1"
}

# wait_status FIELD VALUE SECONDS
wait_status() {
	i=0
	while [ "$(pg_status "$1")" != "$2" ]; do
		i=$((i + 1))
		[ $i -gt $(($3 * 10)) ] && return 1
		sleep 0.1
	done
}

cat >"$T/d.conf" <<EOC
sqlite = none
pg = $PG_CONN
pg_password_file = $PG_PWFILE
spool_dir = $T/spool
sink_batch_size = 10
sink_flush_interval = 100ms
EOC
start_daemon --config="$T/d.conf"
wait_status state ok 10 || fail "the pg sink is not ok: $(q '{"cmd":"status"}' | head -1 | jq -c .sinks)"
grep -F -f "$PG_PWFILE" "$DLOG" && fail "the password is in the daemon's log"
q '{"cmd":"status"}' | grep -q -F -f "$PG_PWFILE" && fail "the password is in status"
ok "status: the pg sink is ok"

pg_stop
"$STORM" -n "$N" -k 1 -b /bin/true -t "$TAG" >/dev/null || fail "the storm failed"
wait_status state spooling 20 ||
	fail "status does not say spooling: $(q '{"cmd":"status"}' | head -1 | jq -c .sinks)"
backlog=$(pg_status backlog)
[ "$backlog" -gt 0 ] || fail "status's backlog is $backlog while spooling"
[ -n "$(pg_status last_error)" ] || fail "no last_error while the server is down"
ok "server stopped: status says spooling, backlog $backlog, last_error $(pg_status last_error | cut -c1-60)..."

pg_start
wait_status state ok 60 || fail "the sink did not come back: $(q '{"cmd":"status"}' | head -1 | jq -c .sinks)"
wait_status backlog 0 30 || fail "the spool did not drain"
[ "$(pg_status dropped)" = 0 ] || fail "the sink dropped"
stop_daemon
[ "$DRC" = 0 ] || { cat "$DLOG"; fail "proctraild exited $DRC"; }
[ "$(pg_sql "SELECT count(*) FROM execs WHERE cmdline LIKE '/bin/true $TAG-%'")" = "$N" ] ||
	fail "not $N execs of the storm in the database"
[ "$(pg_sql "SELECT count(DISTINCT (key, time_us, event)) FROM events
	WHERE data->>'argv' LIKE '%$TAG-%'")" = "$(pg_sql "SELECT count(*) FROM events
	WHERE data->>'argv' LIKE '%$TAG-%'")" ] || fail "an event is there twice"
ok "server back: status ok, backlog 0, the $N execs of the storm each once"
