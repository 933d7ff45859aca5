#!/bin/sh
# Schema version 2 in PostgreSQL: the container columns of processes and
# execs are filled from the events' members, v_exec_history shows them, and a
# version 1 database (made here by taking version 2 back to 1) is migrated by
# the sink at connect; with --no-create-schema it is an error that says how.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/pg-lib.sh"
"$PROCTRAIL" replay -q --pg='host=/nonexistent' - </dev/null 2>&1 |
	grep -q "built without libpq" && skip "proctrail is built without libpq"
need_root "the test's own PostgreSQL server runs as nobody"
pg_setup
ID=4f2a0c9e1b7d3a5c6e8f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d
CTR=",\"container_id\":\"$ID\",\"container_runtime\":\"cri-o\",\"container_name\":\"web\",\"container_image\":\"nginx:1.25\",\"k8s_pod_name\":\"web-7d4b9\",\"k8s_ns_name\":\"shop\""
BOOT=4bf3a2c7-0f8b-4cde-bdc8-72d4a501152d
# line EVENT SECOND PID EXTRA: as watch --json writes it (replay imports it)
line() {
	printf '{"event":"%s","time":"2026-12-02T10:00:%s.000000Z","pid":%s,"tid":%s,"ppid":1,"start":%s,"comm":"sh","exe":"/bin/sh","argv":["sh"],"argv_truncated":false,"uid":0,"euid":0,"gid":0,"egid":0%s,"tier":"bpf","key":"%s:%s:%s","parent_key":"%s:1:1"}\n' \
		"$1" "$2" "$3" "$3" "$3" "$4" "$BOOT" "$3" "$3" "$BOOT"
}
# the sink writes what replay imported: the library must read the members back
line exec 00 9 "$CTR" | "$PROCTRAIL" replay --json - 2>/dev/null | grep -q '"container_name":"web"' ||
	skip "this libproctrail does not import the container members (issue 13, wt-core)"
replay() {
	"$PROCTRAIL" replay -q --pg="$PG_CONN" --db-password-file="$PG_PWFILE" --host-name=h \
		--spool-dir="$T/spool" "$@"
}
{
	line fork 01 100 ',"container_id":"host"'
	line exec 02 100 ',"container_id":"host"'
	line fork 03 200 ',"container_id":"host"'
	line exec 04 200 "$CTR"
} >"$T/a.jsonl"
replay "$T/a.jsonl" 2>"$T/e" || { cat "$T/e"; fail "replay"; }
[ "$(pg_sql "SELECT value FROM meta WHERE name = 'schema_version'")" = 2 ] ||
	fail "a new database is not at version 2"
[ "$(pg_sql "SELECT pid, container_id, container_name, container_image, k8s_pod_name, k8s_ns_name
	FROM processes ORDER BY pid" | tr '\n' ';')" = "100|host||||;200|$ID|web|nginx:1.25|web-7d4b9|shop;" ] ||
	fail "processes: $(pg_sql "SELECT * FROM processes")"
[ "$(pg_sql "SELECT pid, container_name, k8s_pod_name FROM v_exec_history ORDER BY time_us" |
	tr '\n' ';')" = "100||;200|web|web-7d4b9;" ] || fail "v_exec_history does not show the container"
ok "the container columns of processes, execs and v_exec_history"

# ---- back to version 1, as an older proctrail made it ----
pg_sql "DROP VIEW v_exec_history; DROP VIEW v_short_lived; DROP INDEX execs_container;
	ALTER TABLE processes DROP COLUMN container_id, DROP COLUMN container_name,
		DROP COLUMN container_image, DROP COLUMN k8s_pod_name, DROP COLUMN k8s_ns_name;
	ALTER TABLE execs DROP COLUMN container_id, DROP COLUMN container_name,
		DROP COLUMN container_image, DROP COLUMN k8s_pod_name, DROP COLUMN k8s_ns_name;
	CREATE VIEW v_exec_history AS SELECT e.host,
		timestamptz 'epoch' + e.time_us * interval '1 microsecond' AS time,
		e.time_us, e.key, e.pid, e.ppid, e.parent_key, e.comm, e.exe, e.cmdline, e.argv,
		e.argv_truncated, e.uid, e.euid, e.gid, e.egid,
		COALESCE((SELECT pe.cmdline FROM execs pe WHERE pe.host = e.host
			AND pe.key = e.parent_key AND pe.time_us <= e.time_us
			ORDER BY pe.time_us DESC LIMIT 1),
		(SELECT pp.cmdline FROM processes pp WHERE pp.host = e.host
			AND pp.key = e.parent_key AND NOT EXISTS (SELECT 1 FROM execs px
			WHERE px.host = pp.host AND px.key = pp.key))) AS parent_cmdline
	FROM execs e;
	ALTER VIEW v_exec_history OWNER TO $PG_USER;
	CREATE VIEW v_short_lived AS SELECT host,
		timestamptz 'epoch' + first_us * interval '1 microsecond' AS time, first_us,
		timestamptz 'epoch' + exit_us * interval '1 microsecond' AS exit_time, exit_us,
		key, pid, ppid, parent_key, comm, exe, cmdline, uid, exit_code, signal, duration_ms
	FROM processes WHERE duration_ms IS NOT NULL ORDER BY duration_ms;
	ALTER VIEW v_short_lived OWNER TO $PG_USER;
	UPDATE meta SET value = '1' WHERE name = 'schema_version'" >/dev/null || fail "to version 1"
{ line exec 05 300 "$CTR"; } >"$T/b.jsonl"
replay --no-create-schema "$T/b.jsonl" 2>"$T/e" && fail "--no-create-schema wrote into a v1 database"
grep -q "schema version is 1, this proctrail's 2: migrate it with psql -f proctrail-pg.sql" "$T/e" ||
	{ cat "$T/e"; fail "the refusal does not say how to migrate"; }
[ "$(pg_sql "SELECT value FROM meta WHERE name = 'schema_version'")" = 1 ] ||
	fail "--no-create-schema migrated"
replay "$T/b.jsonl" 2>"$T/e" || { cat "$T/e"; fail "replay into a version 1 database"; }
[ "$(pg_sql "SELECT value FROM meta WHERE name = 'schema_version'")" = 2 ] ||
	fail "the version 1 database was not migrated"
[ "$(pg_sql "SELECT pid, container_id IS NULL, container_name FROM v_exec_history ORDER BY time_us" |
	tr '\n' ';')" = "100|t|;200|t|;300|f|web;" ] ||
	fail "after the migration: $(pg_sql "SELECT * FROM v_exec_history")"
[ "$(pg_sql "SELECT count(*) FROM information_schema.columns WHERE table_name = 'v_short_lived'
	AND column_name = 'k8s_ns_name'")" = 1 ] || fail "v_short_lived was not replaced"
ok "a version 1 database: refused with --no-create-schema, else migrated, old rows kept"
