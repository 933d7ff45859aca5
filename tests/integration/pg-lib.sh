# A PostgreSQL cluster of the test's own (sourced after lib.sh, POSIX sh):
# initdb in a temporary directory, run as an unprivileged user, listening
# only on a UNIX socket in that directory, stopped and removed at exit (also
# on failure). Skips (77) with a reason when the server binaries are missing.
#   pg_setup           find the binaries, initdb, start; sets PG_DIR, PG_CONN
#   pg_start, pg_stop  start / stop (pg_ctl stop -m fast) the server
#   pg_sql SQL         run SQL through psql (unaligned, tuples only) as the
#                      cluster's superuser, against PG_DB
# PG_CONN is a libpq conninfo for proctrail: host=DIR port=PORT dbname=PG_DB user=PG_USER.
# PG_USER logs in with a password (SCRAM), which PG_PWFILE holds (mode 0600), as
# --db-password-file takes it; the superuser postgres is trusted on the socket.

PG_DB=monitor_db
PG_USER=proctrail

# pg_find_bindir: the directory of initdb, pg_ctl and postgres, or "".
pg_find_bindir() {
	if [ -n "${PG_BINDIR:-}" ] && [ -x "$PG_BINDIR/initdb" ]; then
		echo "$PG_BINDIR"
		return
	fi
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r) \
		"$(pg_config --bindir 2>/dev/null)" /usr/pgsql-*/bin /usr/local/pgsql/bin; do
		[ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] &&
			{ echo "$d"; return; }
	done
	d=$(dirname "$(command -v initdb 2>/dev/null)" 2>/dev/null)
	[ -n "$d" ] && [ -x "$d/pg_ctl" ] && echo "$d"
}

# pg_as CMD...: run a server command as the cluster's owner
pg_as() {
	if [ "$(id -u)" = 0 ]; then
		# setpriv keeps the environment and the cwd out of it; cd to the cluster
		(cd "$PG_DIR" && setpriv --reuid="$PG_OWNER" --regid="$PG_OWNER_GID" --clear-groups \
			env HOME="$PG_DIR" "$@")
	else
		"$@"
	fi
}

pg_cleanup() {
	if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
		if [ -f "$PG_DIR/data/postmaster.pid" ]; then
			pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" stop -m immediate -w >/dev/null 2>&1
		fi
		[ -n "${KEEP_T:-}" ] || rm -rf "$PG_DIR"
	fi
}

pg_setup() {
	PG_BIN=$(pg_find_bindir)
	[ -n "$PG_BIN" ] || skip "the PostgreSQL server binaries (initdb, pg_ctl, postgres) are not installed (contrib/quickstart.sh installs them)"
	command -v psql >/dev/null 2>&1 || [ -x "$PG_BIN/psql" ] || skip "needs psql"
	PSQL=$PG_BIN/psql
	[ -x "$PSQL" ] || PSQL=psql
	# the server refuses to run as root: the cluster belongs to nobody
	if [ "$(id -u)" = 0 ]; then
		command -v setpriv >/dev/null 2>&1 || skip "needs setpriv (util-linux) to run the server unprivileged"
		PG_OWNER=$(id -u nobody 2>/dev/null) || skip "needs the user nobody to run the server"
		PG_OWNER_GID=$(id -g nobody)
	fi
	# a short path: a UNIX socket path is at most 107 bytes
	PG_DIR=$(mktemp -d /tmp/pt-pg.XXXXXX) || exit 99
	chmod 755 "$PG_DIR"
	[ "$(id -u)" = 0 ] && chown "$PG_OWNER:$PG_OWNER_GID" "$PG_DIR"
	# stopped and removed at exit, after lib.sh's own cleanup
	trap 'pg_cleanup; cleanup' EXIT
	PG_PORT=$((20000 + $$ % 20000))
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C \
		--no-sync >"$PG_DIR/initdb.log" 2>&1 || {
		cat "$PG_DIR/initdb.log"
		fail "initdb failed"
	}
	cat >>"$PG_DIR/data/postgresql.conf" <<EOC
listen_addresses = ''
unix_socket_directories = '$PG_DIR'
unix_socket_permissions = 0777
port = $PG_PORT
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 20
shared_buffers = 32MB
log_min_messages = warning
EOC
	cat >"$PG_DIR/data/pg_hba.conf" <<EOC
local all postgres trust
local all all scram-sha-256
EOC
	pg_start
	PG_CONN="host=$PG_DIR port=$PG_PORT dbname=$PG_DB user=$PG_USER"
	PG_PASSWORD=pt-$(od -An -tx8 -N8 /dev/urandom | tr -d ' \n')
	PG_PWFILE=$PG_DIR/password
	(umask 077 && printf '%s\n' "$PG_PASSWORD" >"$PG_PWFILE")
	pg_sql_db postgres "CREATE ROLE $PG_USER LOGIN PASSWORD '$PG_PASSWORD'" >/dev/null ||
		fail "CREATE ROLE"
	pg_sql_db postgres "CREATE DATABASE $PG_DB OWNER $PG_USER" >/dev/null ||
		fail "CREATE DATABASE"
}

pg_start() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start \
		>/dev/null || {
		cat "$PG_DIR/server.log"
		fail "pg_ctl start failed"
	}
}

pg_stop() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -t 60 stop -m fast >/dev/null ||
		fail "pg_ctl stop failed"
}

# pg_sql_db DB SQL: as the superuser postgres
pg_sql_db() {
	"$PSQL" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PG_PORT" -U postgres -d "$1" \
		-c "$2"
}

pg_sql() {
	pg_sql_db "$PG_DB" "$1"
}
