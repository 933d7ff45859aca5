#!/bin/sh
# Options and signals: --check-config, --help, --version, a missing explicit
# config; SIGHUP applies reloadable keys (retention takes effect on the table),
# logs the ones that need a restart and keeps the running configuration when
# the new file is bad; a stale socket is replaced, a live daemon is not;
# SIGINT stops cleanly too.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/daemon-lib.sh"
need_cmd jq

"$PROCTRAILD" --help | grep -q -- "--check-config" || fail "--help"
"$PROCTRAILD" --version | grep -q "^proctraild [0-9].* (protocol 1" || fail "--version: $("$PROCTRAILD" --version)"
printf 'retention = 2m\n' >"$T/ok.conf"
[ "$("$PROCTRAILD" --check-config --config="$T/ok.conf")" = "proctraild: configuration OK ($T/ok.conf)" ] ||
	fail "--check-config OK: $("$PROCTRAILD" --check-config --config="$T/ok.conf")"
printf 'retention = 2m\nnosuchkey = 1\n' >"$T/bad.conf"
out=$("$PROCTRAILD" --check-config --config="$T/bad.conf")
[ $? = 1 ] || fail "--check-config of a bad file: not exit 1"
case "$out" in "proctraild: $T/bad.conf:2: "*) ;; *) fail "--check-config bad: $out" ;; esac
out=$("$PROCTRAILD" --check-config --config="$T/none.conf")
[ $? = 1 ] || fail "--check-config of a missing file: not exit 1"
"$PROCTRAILD" --config="$T/none.conf" --socket="$T/x.sock" 2>"$T/none.err"
[ $? = 1 ] || fail "a missing explicit config: not exit 1"
grep -q "none.conf" "$T/none.err" || fail "a missing config: $(cat "$T/none.err")"
"$PROCTRAILD" --tier=nosuch --check-config >/dev/null && fail "--tier=nosuch accepted"
"$PROCTRAILD" --nosuchoption 2>/dev/null
[ $? = 2 ] || fail "an unknown option: not exit 2"
ok "--help, --version, --check-config, missing config, bad options"

need_root "the daemon's monitor"
cp "$T/ok.conf" "$T/run.conf"
start_daemon --config="$T/run.conf"
[ "$(q '{"cmd":"status"}' | head -1 | jq .daemon.config.retention_ms)" = 120000 ] || fail "retention from the file"

# SIGHUP: a shorter retention applies to the table; a tier change needs a restart
printf 'retention = 3s\ntier = poll\nlog_level = info\n' >"$T/run.conf"
kill -HUP "$DPID"
wait_for_line "$DLOG" "configuration reloaded" 10 || fail "no reload: $(cat "$DLOG")"
grep -q "warning: reload: a restart is needed to apply tier" "$DLOG" || fail "the tier change is not logged"
st=$(q '{"cmd":"status"}' | head -1)
[ "$(echo "$st" | jq -c '[.daemon.config.retention_ms, .daemon.config.tier]')" = '[3000,"auto"]' ] ||
	fail "after reload: $(echo "$st" | jq -c .daemon.config)"
sh -c 'exit 3' pdhup &
H=$!
wait $H
# the exit reaches the daemon a moment after wait returns (the ring is read every 10 ms)
i=0
until [ "$(q "{\"cmd\":\"show\",\"pid\":$H}" | head -1 | jq -r .state)" = exited ]; do
	i=$((i + 1))
	[ $i -gt 50 ] && fail "the exited process is not in the table"
	sleep 0.1
done
i=0
while [ "$(q "{\"cmd\":\"show\",\"pid\":$H}" | tail -1 | jq -r '.error.code // "found"')" = found ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "an exited process outlived the reloaded retention of 3 s by 10 s"
	sleep 0.1
done
ok "SIGHUP: retention applied to the table, the tier change logged as needing a restart"

printf 'retention = 5s\nbogus\n' >"$T/run.conf"
kill -HUP "$DPID"
wait_for_line "$DLOG" "reload failed, the configuration is unchanged: .*run.conf:2" 10 ||
	fail "a bad file at reload: $(tail -3 "$DLOG")"
[ "$(q '{"cmd":"status"}' | head -1 | jq .daemon.config.retention_ms)" = 3000 ] || fail "a bad reload changed the configuration"
daemon_alive || fail "a bad reload stopped the daemon"
ok "SIGHUP with a bad file: logged, the running configuration stays"

# a second daemon on the same socket is refused
"$PROCTRAILD" --socket="$SOCK" --state-dir="$T/state2" 2>"$T/second.err"
[ $? = 1 ] || fail "a second daemon on a live socket: not exit 1"
grep -q "another proctraild answers on $SOCK" "$T/second.err" || fail "second: $(cat "$T/second.err")"
daemon_alive || fail "the first daemon stopped answering"
ok "a second daemon on a live socket is refused"

kill -INT "$DPID"
i=0
while kill -0 "$DPID" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 300 ] && fail "no stop on SIGINT"
	sleep 0.1
done
wait "$DPID"
[ $? = 0 ] || fail "SIGINT: not exit 0"
[ -e "$SOCK" ] && fail "SIGINT: the socket is left"
ok "SIGINT stops cleanly"

# a stale socket (bound, nobody listening) is replaced
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$SOCK" ||
	skip "python3 cannot make a stale socket"
[ -S "$SOCK" ] || fail "no stale socket made"
start_daemon
grep -q "removing the stale socket $SOCK" "$DLOG" || fail "the stale socket is not logged"
daemon_alive || fail "no answer after replacing a stale socket"
stop_daemon
: >"$SOCK.file"
"$PROCTRAILD" --socket="$SOCK.file" --state-dir="$T/state" 2>"$T/file.err"
[ $? = 1 ] || fail "a regular file at the socket path: not exit 1"
[ -f "$SOCK.file" ] || fail "a regular file at the socket path was removed"
ok "a stale socket is replaced; a file that is not a socket is left alone"
