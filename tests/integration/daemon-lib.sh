# Helpers for proctraild's integration tests (sourced after lib.sh).
# start_daemon [ARGS...]: proctraild on a socket and state dir under $T, in the
# foreground of a background job; waits until it listens. Sets DPID, SOCK, DLOG.
# The EXIT trap of lib.sh stops it (SIGTERM through PIDS), even on failure.
: "${PROCTRAILD:=$top_builddir/proctraild}"
PDC=$top_builddir/tests/integration/pd-client
SOCK=$T/run/proctraild.sock
DLOG=$T/proctraild.log

start_daemon() {
	: >"$DLOG"
	"$PROCTRAILD" --socket="$SOCK" --state-dir="$T/state" -v "$@" 2>"$DLOG" &
	DPID=$!
	PIDS="$PIDS $DPID"
	wait_for_line "$DLOG" "notice: ready" 30 || {
		cat "$DLOG"
		fail "proctraild did not become ready"
	}
}

# stop_daemon: SIGTERM, then wait (bounded); DRC is its exit status.
stop_daemon() {
	kill -TERM "$DPID" 2>/dev/null
	i=0
	while kill -0 "$DPID" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 300 ] && { kill -9 "$DPID"; fail "proctraild did not stop on SIGTERM"; }
		sleep 0.1
	done
	wait "$DPID" 2>/dev/null
	DRC=$?
}

# q JSON: one request, the reply lines on stdout
q() {
	printf '%s\n' "$1" | "$PDC" "$SOCK" raw -s 10
}

# final JSON: the reply's final line
final() {
	q "$1" | tail -1
}

# daemon_alive: it still answers version
daemon_alive() {
	[ "$(final '{"cmd":"version"}' | jq -r .done)" = version ]
}
