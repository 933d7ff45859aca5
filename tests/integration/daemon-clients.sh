#!/bin/sh
# 200 concurrent clients all get their answers; over max_clients a client gets
# `busy`; an idle client is closed with `idle`, a subscriber never is; a client
# that lets its replies pile up past reply_max is dropped and counted.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/daemon-lib.sh"
need_root "the daemon's monitor"
need_cmd jq

cat >"$T/a.conf" <<'CONF'
max_clients = 210
client_idle_timeout = 2s
CONF
start_daemon --config="$T/a.conf"

r=$("$PDC" "$SOCK" many 200 '{"cmd":"ps"}')
[ "$r" = "done 200 error 0 busy 0 failed 0" ] || fail "200 concurrent ps: $r"
r=$("$PDC" "$SOCK" many 200 '{"cmd":"show","pid":1}')
[ "$r" = "done 200 error 0 busy 0 failed 0" ] || fail "200 concurrent show: $r"
ok "200 concurrent clients: every one answered"

r=$("$PDC" "$SOCK" many 230 '{"cmd":"version"}')
set -- $r
[ "$2" -ge 200 ] && [ "$6" -ge 20 ] && [ $(($2 + $6)) = 230 ] && [ "$4" = 0 ] && [ "$8" = 0 ] ||
	fail "230 clients over max_clients 210: $r"
refused=$(q '{"cmd":"status"}' | head -1 | jq .daemon.refused)
[ "$refused" = "$6" ] || fail "status counts $refused refused, clients saw $6 busy"
grep -q "client refused (pid [0-9]* uid 0 gid 0): max_clients (210) reached" "$DLOG" ||
	fail "a refused client is not logged"
daemon_alive || fail "no answer after the busy ones"
ok "over max_clients: $6 got busy, counted and logged"

# idle: a client that says nothing; a subscriber that hears nothing matching
printf '{"cmd":"subscribe","filter":"proc.name = nosuchcommand"}\n' | "$PDC" "$SOCK" raw 30 >"$T/sub" &
SUBP=$!
PIDS="$PIDS $SUBP"
: | "$PDC" "$SOCK" raw 10 >"$T/idle"
[ "$(jq -c .error.code "$T/idle")" = '"idle"' ] || fail "idle client: $(cat "$T/idle")"
sleep 1
[ "$(q '{"cmd":"status"}' | head -1 | jq .daemon.subscribers)" = 1 ] ||
	fail "the subscriber was closed as idle"
ok "an idle client is closed with idle; a quiet subscriber is not"
stop_daemon
[ "$DRC" = 0 ] || fail "proctraild exited $DRC"
[ "$(tail -1 "$T/sub" | jq -r .done)" = subscribe ] || fail "subscriber's final line: $(tail -1 "$T/sub")"

# reply_max: 40 ps requests and not a byte read
cat >"$T/b.conf" <<'CONF'
reply_max = 256K
CONF
start_daemon --config="$T/b.conf"
reqs=$(for i in $(seq 40); do printf '{"cmd":"ps"}\\n'; done)
"$PDC" "$SOCK" stall "$(printf "$reqs" | sed '$d')" >"$T/hog" 2>"$T/hog.err" &
H=$!
PIDS="$PIDS $H"
wait_for_line "$DLOG" "dropped, [0-9]* bytes of replies unread (reply_max 262144)" 10 ||
	fail "the hog was not dropped"
st=$(q '{"cmd":"status"}' | head -1)
[ "$(echo "$st" | jq .daemon.dropped_clients)" = 1 ] || fail "dropped_clients: $st"
daemon_alive || fail "the daemon stopped answering"
kill $H 2>/dev/null
ok "a client past reply_max is dropped and counted"
stop_daemon
