#!/bin/sh
# The PostgreSQL backend driven through its struct (pg-backend-test.c) against
# pg-lib.sh's server: a batch id written twice is a no-op, COPY's escaping,
# INSERT equal to COPY, hosts apart, processes folding, \u0000 for jsonb, a
# server stopped under it (-ENOTCONN, the batch once after a reconnect),
# retention per host, --no-create-schema and schema versions, a table dropped
# under a running sink, bad conninfos and a wrong password.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/pg-lib.sh"
B=$top_builddir/tests/integration/pg-backend-test
[ -x "$B" ] || skip "no $B"
"$B" 2>/dev/null
[ $? = 77 ] && skip "built without libpq"
pg_setup
# pg_ctl for the program's system(): the server's owner and directory, fixed here
cat >"$T/pgctl" <<EOS
#!/bin/sh
cd "$PG_DIR" || exit 1
if [ "\$(id -u)" = 0 ]; then
	exec setpriv --reuid="${PG_OWNER:-0}" --regid="${PG_OWNER_GID:-0}" --clear-groups \
		"$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 "\$@" >/dev/null
fi
exec "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 "\$@" >/dev/null
EOS
chmod 755 "$T/pgctl"
"$B" "$PG_CONN" "$PG_PWFILE" "$T/pgctl stop -m fast" "$T/pgctl start" >"$T/out" 2>"$T/err"
rc=$?
cat "$T/out"
[ -s "$T/err" ] && { cat "$T/err"; fail "the backend printed on stderr"; }
[ $rc = 0 ] || fail "pg-backend-test exited $rc"
