-- SPDX-License-Identifier: GPL-2.0-or-later
--
-- proctrail's PostgreSQL schema, version 2 (the same as SQLite's: src/sink-db.h);
-- it also migrates a version 1 database (ALTER TABLE ... ADD COLUMN IF NOT EXISTS).
--
-- proctrail's PostgreSQL sink (proctrail watch --pg=CONNINFO, pg = CONNINFO in
-- proctrail.conf) runs this file itself on its first connect when a table or a
-- view is missing, unless told not to (--no-create-schema, db_create_schema =
-- no). Where the writer may not create tables, an administrator runs it once:
--     psql -d monitor_db -f /usr/share/proctrail/proctrail-pg.sql
-- and grants the writer INSERT, UPDATE, DELETE and SELECT on the tables.
-- It is idempotent: it creates what is missing and leaves the rest alone.
--
-- Times are microseconds since the epoch (time_us); the views add `time` as a
-- timestamptz. Every table has host: one database can hold a fleet, each host
-- writing its own rows (proctrail's --host-name, host_name; default the host's
-- name). A batch of rows is written in one transaction together with its row
-- in batches, whose key (host, session, seq) makes a batch replayed from the
-- spool after a lost acknowledgement a no-op.

BEGIN;
-- one creator at a time when a fleet connects at once
SELECT pg_advisory_xact_lock(7052101223340000012);

CREATE TABLE IF NOT EXISTS meta (
	name text PRIMARY KEY,
	value text NOT NULL
);

CREATE TABLE IF NOT EXISTS batches (
	host text NOT NULL,
	session bigint NOT NULL,
	seq bigint NOT NULL,
	rows integer NOT NULL,
	time_us bigint NOT NULL,
	PRIMARY KEY (host, session, seq)
);

-- One row per process: a fork or first sighting inserts it, an exec sets
-- comm..egid, an exit sets exit_us..duration_ms.
CREATE TABLE IF NOT EXISTS processes (
	host text NOT NULL,
	key text NOT NULL,
	pid integer,
	ppid integer,
	parent_key text,
	first_us bigint,
	exit_us bigint,
	comm text,
	exe text,
	cmdline text,
	argv text,
	uid bigint,
	euid bigint,
	gid bigint,
	egid bigint,
	exit_code integer,
	signal integer,
	core_dumped boolean,
	duration_ms double precision,
	-- version 2: the container ("host" on the host, NULL unknown) and the pod
	container_id text,
	container_name text,
	container_image text,
	k8s_pod_name text,
	k8s_ns_name text,
	PRIMARY KEY (host, key)
);

-- One row per exec: argv is the JSON array, cmdline its arguments joined by spaces.
CREATE TABLE IF NOT EXISTS execs (
	host text NOT NULL,
	key text NOT NULL,
	time_us bigint NOT NULL,
	pid integer,
	ppid integer,
	parent_key text,
	comm text,
	exe text,
	cmdline text,
	argv text,
	argv_truncated boolean,
	uid bigint,
	euid bigint,
	gid bigint,
	egid bigint,
	container_id text,
	container_name text,
	container_image text,
	k8s_pod_name text,
	k8s_ns_name text
);

-- Version 1 to 2: a database made by an older proctrail gains the columns.
ALTER TABLE processes ADD COLUMN IF NOT EXISTS container_id text,
	ADD COLUMN IF NOT EXISTS container_name text,
	ADD COLUMN IF NOT EXISTS container_image text,
	ADD COLUMN IF NOT EXISTS k8s_pod_name text,
	ADD COLUMN IF NOT EXISTS k8s_ns_name text;
ALTER TABLE execs ADD COLUMN IF NOT EXISTS container_id text,
	ADD COLUMN IF NOT EXISTS container_name text,
	ADD COLUMN IF NOT EXISTS container_image text,
	ADD COLUMN IF NOT EXISTS k8s_pod_name text,
	ADD COLUMN IF NOT EXISTS k8s_ns_name text;

-- Every event; data is the whole line of `proctrail watch --json`.
CREATE TABLE IF NOT EXISTS events (
	host text NOT NULL,
	time_us bigint NOT NULL,
	event text NOT NULL,
	key text,
	pid integer,
	tid integer,
	ppid integer,
	data jsonb NOT NULL
);

CREATE TABLE IF NOT EXISTS alerts (
	host text NOT NULL,
	time_us bigint NOT NULL,
	key text,
	rule text NOT NULL,
	priority text,
	output text,
	data jsonb
);

CREATE INDEX IF NOT EXISTS batches_time ON batches (host, time_us);
CREATE INDEX IF NOT EXISTS processes_parent ON processes (host, parent_key);
CREATE INDEX IF NOT EXISTS processes_first ON processes (host, first_us);
CREATE INDEX IF NOT EXISTS processes_exit ON processes (host, exit_us);
CREATE INDEX IF NOT EXISTS processes_duration ON processes (duration_ms)
	WHERE duration_ms IS NOT NULL;
CREATE INDEX IF NOT EXISTS processes_comm ON processes (comm);
CREATE INDEX IF NOT EXISTS execs_time ON execs (host, time_us);
CREATE INDEX IF NOT EXISTS execs_key ON execs (host, key, time_us);
CREATE INDEX IF NOT EXISTS execs_comm ON execs (comm);
CREATE INDEX IF NOT EXISTS execs_container ON execs (host, container_id, time_us)
	WHERE container_id IS NOT NULL AND container_id <> 'host';
CREATE INDEX IF NOT EXISTS events_time ON events (host, time_us);
CREATE INDEX IF NOT EXISTS events_key ON events (host, key);
CREATE INDEX IF NOT EXISTS events_lost ON events (host, time_us) WHERE event = 'lost';
CREATE INDEX IF NOT EXISTS alerts_time ON alerts (host, time_us);

-- Every exec, with its parent's command line at that time: the parent's last
-- exec before this one, else, when the parent never exec'ed as far as the
-- history knows, what its first sighting showed.
CREATE OR REPLACE VIEW v_exec_history AS
SELECT e.host,
	timestamptz 'epoch' + e.time_us * interval '1 microsecond' AS time,
	e.time_us, e.key, e.pid, e.ppid, e.parent_key, e.comm, e.exe, e.cmdline, e.argv,
	e.argv_truncated, e.uid, e.euid, e.gid, e.egid,
	COALESCE(
		(SELECT pe.cmdline FROM execs pe
		 WHERE pe.host = e.host AND pe.key = e.parent_key AND pe.time_us <= e.time_us
		 ORDER BY pe.time_us DESC LIMIT 1),
		(SELECT pp.cmdline FROM processes pp
		 WHERE pp.host = e.host AND pp.key = e.parent_key AND NOT EXISTS (
			SELECT 1 FROM execs px WHERE px.host = pp.host AND px.key = pp.key)))
		AS parent_cmdline,
	e.container_id, e.container_name, e.container_image, e.k8s_pod_name, e.k8s_ns_name
FROM execs e;

-- Exited processes and how long they lived, shortest first: filter on duration_ms.
CREATE OR REPLACE VIEW v_short_lived AS
SELECT host,
	timestamptz 'epoch' + first_us * interval '1 microsecond' AS time, first_us,
	timestamptz 'epoch' + exit_us * interval '1 microsecond' AS exit_time, exit_us,
	key, pid, ppid, parent_key, comm, exe, cmdline, uid, exit_code, signal, duration_ms,
	container_id, container_name, container_image, k8s_pod_name, k8s_ns_name
FROM processes
WHERE duration_ms IS NOT NULL
ORDER BY duration_ms;

-- Lineage: each process with each of its ancestors, depth 1 its parent.
CREATE OR REPLACE VIEW v_process_tree AS
WITH RECURSIVE tree (host, key, ancestor_key, depth) AS (
	SELECT host, key, parent_key, 1 FROM processes WHERE parent_key IS NOT NULL
	UNION ALL
	SELECT t.host, t.key, p.parent_key, t.depth + 1
	FROM tree t JOIN processes p ON p.host = t.host AND p.key = t.ancestor_key
	WHERE p.parent_key IS NOT NULL AND t.depth < 4096
)
SELECT host, key, ancestor_key, depth FROM tree;

-- Parents by children started per minute.
CREATE OR REPLACE VIEW v_top_spawners AS
SELECT c.host, c.parent_key,
	date_trunc('minute', timestamptz 'epoch' + c.first_us * interval '1 microsecond')
		AS minute,
	count(*) AS children,
	(SELECT p.comm FROM processes p WHERE p.host = c.host AND p.key = c.parent_key)
		AS parent_comm
FROM processes c
WHERE c.parent_key IS NOT NULL AND c.first_us IS NOT NULL
GROUP BY c.host, c.parent_key, 3
ORDER BY children DESC;

-- Every gap in the history, with its reason (a sink's drops: reason sink).
CREATE OR REPLACE VIEW v_lost AS
SELECT host,
	timestamptz 'epoch' + time_us * interval '1 microsecond' AS time,
	time_us,
	(data ->> 'count')::bigint AS count,
	data ->> 'reason' AS reason,
	COALESCE((data ->> 'estimated')::boolean, false) AS estimated
FROM events
WHERE event = 'lost';

INSERT INTO meta (name, value) VALUES ('schema_version', '2')
	ON CONFLICT (name) DO UPDATE SET value = '2' WHERE meta.value::integer < 2;
INSERT INTO meta (name, value) VALUES ('created', to_char(now() AT TIME ZONE 'UTC',
	'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) ON CONFLICT (name) DO NOTHING;

COMMIT;
