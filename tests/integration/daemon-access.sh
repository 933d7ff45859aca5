#!/bin/sh
# The socket is 0660 in socket_group, its directory 0755: an unprivileged member
# of the group can query and subscribe, a non-member is refused by the file's
# mode; a missing group is a warning and the daemon's group stays.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/daemon-lib.sh"
need_root "the daemon's monitor, setpriv"
need_cmd jq
need_cmd setpriv
GID=$(getent group nogroup | cut -d: -f3)
[ -n "$GID" ] || skip "no group nogroup"
OUT=12345 # a gid that is not the socket's
[ "$GID" != $OUT ] || skip "nogroup is gid $OUT"

cat >"$T/g.conf" <<CONF
socket_group = nogroup
CONF
start_daemon --config="$T/g.conf"
[ "$(stat -c '%a %g' "$SOCK")" = "660 $GID" ] || fail "socket: $(stat -c '%a %U:%G' "$SOCK")"
[ "$(stat -c %a "$(dirname "$SOCK")")" = 755 ] || fail "socket directory: $(stat -c %a "$(dirname "$SOCK")")"
ok "socket 0660 in group nogroup, directory 0755"

as() { # as GID GROUPS CMD...: run as nobody with that gid and supplementary groups
	g=$1 gs=$2
	shift 2
	if [ -n "$gs" ]; then
		setpriv --reuid=65534 --regid="$g" --groups="$gs" "$@"
	else
		setpriv --reuid=65534 --regid="$g" --clear-groups "$@"
	fi
}

# a member by its primary group, and by a supplementary one
r=$(printf '{"cmd":"show","pid":1}\n' | as "$GID" "" "$PDC" "$SOCK" raw -s 10 | tail -1)
[ "$r" = '{"done":"show","count":1}' ] || fail "member (primary group): $r"
r=$(printf '{"cmd":"ps"}\n' | as $OUT "$GID" "$PDC" "$SOCK" raw -s 10 | tail -1 | jq -r .done)
[ "$r" = ps ] || fail "member (supplementary group): $r"
printf '{"cmd":"subscribe","events":"exec","filter":"proc.name = true"}\n' |
	as $OUT "$GID" "$PDC" "$SOCK" raw 20 >"$T/sub" &
SP=$!
PIDS="$PIDS $SP"
wait_for_line "$T/sub" subscribed 10 || fail "member: subscribe: $(cat "$T/sub")"
/bin/true pdaccess
wait_for_line "$T/sub" '"pdaccess"' 10 || fail "member: no event"
grep -q "client [0-9]* connected: pid [0-9]* uid 65534 gid $OUT" "$DLOG" ||
	fail "the member's credentials are not logged"
ok "an unprivileged member queries and subscribes; its uid and gid are logged"

r=$(printf '{"cmd":"version"}\n' | as $OUT "" "$PDC" "$SOCK" raw -s 5 2>&1)
[ -z "$r" ] || fail "non-member got: $r"
as $OUT "" "$PDC" "$SOCK" many 1 '{"cmd":"version"}' >"$T/nm"
[ "$(cat "$T/nm")" = "done 0 error 0 busy 0 failed 1" ] || fail "non-member: $(cat "$T/nm")"
ok "a non-member cannot connect"
stop_daemon

# the default group, proctrail, when it does not exist: a warning, the daemon's group
if ! getent group proctrail >/dev/null; then
	start_daemon
	grep -q "warning: socket_group proctrail: .*keeps the daemon's group" "$DLOG" ||
		fail "no warning for a missing group"
	[ "$(stat -c '%a %g' "$SOCK")" = "660 $(id -g)" ] || fail "socket: $(stat -c '%a %g' "$SOCK")"
	ok "a missing socket_group: warning, the daemon's group"
	stop_daemon
fi
