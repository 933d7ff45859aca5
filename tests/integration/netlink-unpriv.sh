#!/bin/sh
# Netlink tier as an unprivileged user (Linux >= 6.6): every event of a storm
# is seen; argv at the rate the host allows, reported in the summary.
# serial: measures capture in a race with short-lived processes (contrib/quickstart.sh)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq
need_root "to drop to nobody"
need_cmd setpriv
N=${STORM_N:-1000}

setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$PROCTRAIL" probe >"$T/probe" || true
grep -q '^netlink *yes' "$T/probe" || skip "netlink does not run unprivileged here: $(grep ^netlink "$T/probe")"

setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$PROCTRAIL" watch --tier=netlink --json --events=exec,exit >"$T/u.json" 2>"$T/u.err" &
WATCH_PID=$!
PIDS="$PIDS $WATCH_PID"
wait_for_line "$T/u.err" ready 20 || { cat "$T/u.err"; fail "not ready"; }
"$STORM" -q -n "$N" -k 2 -b "$TRUE_STATIC" -t ptunpriv >/dev/null &
SP=$!
wait $SP || fail "storm failed"
sleep 0.5
stop_watch
cat "$T/u.err"
execs=$(jq -c "select(.event == \"exec\" and .ppid == $SP)" "$T/u.json" | wc -l)
exits=$(jq -c "select(.event == \"exit\" and .ppid == $SP)" "$T/u.json" | wc -l)
[ "$execs" = "$N" ] || fail "unprivileged: $execs of $N execs"
[ "$exits" = "$N" ] || fail "unprivileged: $exits of $N exits"
grep -q "argv captured for" "$T/u.err" || fail "summary does not report the argv capture rate"
ok "unprivileged: all $N execs and exits; $(grep 'argv captured' "$T/u.err")"
