#!/bin/sh
# Every malformed request gets an error line; only too_large closes the
# connection; the daemon and a subscriber watching all along never notice.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/daemon-lib.sh"
need_root "the daemon's monitor"
need_cmd jq

start_daemon
# a witness: subscribed before, reading after
"$PDC" "$SOCK" stall '{"cmd":"subscribe","events":"exec","filter":"proc.name = true"}' >"$T/witness" 2>"$T/w.err" &
W=$!
PIDS="$PIDS $W"
wait_for_line "$T/w.err" stalled 10 || fail "witness did not subscribe"

# code LINE...: the lines sent on one connection; prints the codes of the replies
codes() {
	printf '%s\n' "$@" | "$PDC" "$SOCK" raw -s 10 | jq -r 'select(.error or .done) | .error.code // .done'
}
expect() {
	want=$1
	shift
	got=$(codes "$@" | tr '\n' ' ')
	[ "$got" = "$want" ] || fail "$* -> '$got', want '$want'"
}

expect "bad_json version " 'hello' '{"cmd":"version"}'
expect "bad_json version " '[1,2]' '{"cmd":"version"}'
expect "bad_json version " '' '{"cmd":"version"}'
expect "bad_json version " '{"cmd":"version"' '{"cmd":"version"}'
expect "bad_json version " '{"cmd":"version","cmd":"ps"}' '{"cmd":"version"}'
expect "bad_request version " '{"pid":1}' '{"cmd":"version"}'
expect "bad_request version " '{"cmd":7}' '{"cmd":"version"}'
expect "unknown_cmd version " '{"cmd":"frobnicate"}' '{"cmd":"version"}'
expect "bad_request " '{"cmd":"show","pid":1,"typo":1}'
expect "bad_request " '{"cmd":"show","pid":1,"ms":1}'
expect "bad_request " '{"cmd":"show"}'
expect "bad_request " '{"cmd":"show","pid":-4}'
expect "bad_request " '{"cmd":"show","pid":1.5}'
expect "bad_request " '{"cmd":"show","pid":"1@yesterday"}'
expect "bad_request " '{"cmd":"show","pid":1,"key":"x"}'
expect "bad_request " '{"cmd":"show","key":"42"}'
expect "bad_request " '{"cmd":"ps","fields":["nosuchfield"]}'
expect "bad_request " '{"cmd":"ps","fields":[]}'
expect "bad_request " '{"cmd":"ps","fields":"event"}'
expect "bad_request " '{"cmd":"ps","filter":"nokey=1"}'
expect "bad_request " '{"cmd":"ps","filter":"proc.nokey = 1"}'
expect "bad_request " '{"cmd":"subscribe","filter":"proc.name = (sh"}'
expect "bad_request " '{"cmd":"ps","state":"dead"}'
expect "bad_request " '{"cmd":"recent","seconds":0}'
expect "bad_request " '{"cmd":"short","ms":"5"}'
expect "bad_request " '{"cmd":"subscribe","events":"exec,nosuch"}'
expect "bad_request " '{"cmd":"subscribe","queue":-1}'
expect "bad_request " '{"cmd":"version","id":{"a":1}}'
[ "$(printf '{"cmd":"nope","id":[1]}\n' | "$PDC" "$SOCK" raw -s | jq -c .)" = \
	'{"error":{"code":"bad_request","message":"id must be a string, number, boolean or null"}}' ] ||
	fail "an id that is not a scalar"
[ "$(printf '{"cmd":"nope","id":"x\\u00e9"}\n' | "$PDC" "$SOCK" raw -s | jq -c '[.error.code, .id]')" = \
	'["unknown_cmd","xé"]' ] || fail "the id of an unknown command is echoed"
ok "not JSON, not an object, bad members, unknown command: an error each, connection kept"

# invalid UTF-8 and a NUL inside a line
printf '{"cmd":"\377"}\n{"cmd":"version"}\n' | "$PDC" "$SOCK" raw -s | jq -r 'select(.error or .done) | .error.code // .done' >"$T/u"
[ "$(tr '\n' ' ' <"$T/u")" = "bad_json version " ] || fail "invalid UTF-8: $(cat "$T/u")"
printf '{"cmd":"ver\000sion"}\n{"cmd":"show","pid":"1\\u0000"}\n' | "$PDC" "$SOCK" raw -s |
	jq -r '.error.code // .done' >"$T/u"
[ "$(tr '\n' ' ' <"$T/u")" = "bad_json bad_json " ] || fail "NUL bytes: $(cat "$T/u")"
# jansson quotes the bad token in its message: the reply stays valid UTF-8 and JSON
printf '"ab\\\332\243\243"\\"\n{"cmd":"version"}\n' | "$PDC" "$SOCK" raw -s >"$T/raw"
iconv -f UTF-8 -t UTF-8 "$T/raw" >/dev/null 2>&1 || fail "a reply that is not UTF-8: $(head -1 "$T/raw")"
jq -r 'select(.error or .done) | .error.code // .done' "$T/raw" >"$T/u"
[ "$(tr '\n' ' ' <"$T/u")" = "bad_json version " ] || fail "a quoted invalid token: $(cat "$T/u")"
ok "invalid UTF-8 and NUL bytes"

# binary garbage: in lines, each answered; beyond max_request, too_large then closed
{
	head -c 30000 /dev/urandom | tr '\n' 'x'
	printf '\n'
	head -c 30000 /dev/urandom | tr '\n\000' 'xy'
	printf '\n{"cmd":"version"}\n'
} | "$PDC" "$SOCK" raw -s | jq -r 'select(.error or .done) | .error.code // .done' >"$T/g"
[ "$(tr '\n' ' ' <"$T/g")" = "bad_json bad_json version " ] || fail "binary lines: $(cat "$T/g")"
{
	head -c 200000 /dev/urandom | tr -d '\n'
	printf '\n{"cmd":"version"}\n'
} | "$PDC" "$SOCK" raw 10 >"$T/g2"
[ "$(jq -r .error.code "$T/g2" | tr '\n' ' ')" = "too_large " ] || fail "binary beyond max_request: $(cat "$T/g2")"
ok "binary garbage"

# 10 MB without a newline: too_large, then the connection is closed (EOF, not the timeout)
start=$(date +%s)
head -c 10485760 /dev/zero | tr '\000' a | "$PDC" "$SOCK" raw 20 >"$T/big"
[ "$(jq -c .error.code "$T/big")" = '"too_large"' ] || fail "10 MB: $(head -c 300 "$T/big")"
[ $(($(date +%s) - start)) -lt 15 ] || fail "10 MB: the connection was not closed"
ok "10 MB without a newline: too_large, closed"

# half a request, then close
printf '{"cmd":"sh' | "$PDC" "$SOCK" raw -s 5 >"$T/half"
[ -s "$T/half" ] && fail "half a request got a reply: $(cat "$T/half")"
wait_for_line "$DLOG" "closed in the middle of a request" 5 || fail "half a request is not logged"
ok "half a request then close"

daemon_alive || fail "the daemon stopped answering"
final '{"cmd":"status"}' >/dev/null
errs=$(q '{"cmd":"status"}' | head -1 | jq .daemon.errors)
[ "$errs" -ge 35 ] || fail "status counts $errs errors"
/bin/true pdwitness
sleep 0.5
kill -USR1 $W
wait_for_line "$T/witness" '"argv":\["/bin/true","pdwitness"\]' 10 || fail "the witness missed an exec"
[ "$(head -1 "$T/witness" | jq -c .subscribed.events)" = '["exec","lost"]' ] || fail "witness: $(head -1 "$T/witness")"
ok "the daemon and a subscriber went on ($errs errors counted)"
stop_daemon
[ "$DRC" = 0 ] || fail "proctraild exited $DRC"
