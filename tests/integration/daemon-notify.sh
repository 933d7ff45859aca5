#!/bin/sh
# pd_notify: with libsystemd, the message reaches $NOTIFY_SOCKET as one
# datagram, formatted; without NOTIFY_SOCKET nothing is sent and nothing fails.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd socat
NOTIFY_TEST=$top_builddir/tests/integration/pd-notify-test
[ -x "$NOTIFY_TEST" ] || fail "$NOTIFY_TEST not built"
grep -q 'HAVE_LIBSYSTEMD 1' "$top_builddir/config.h" ||
	skip "built without libsystemd: pd_notify sends nothing"

socat -u UNIX-RECV:"$T/notify" OPEN:"$T/got",creat,append &
PIDS="$PIDS $!"
i=0
while [ ! -S "$T/notify" ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "socat did not create $T/notify"
	sleep 0.05
done
NOTIFY_SOCKET=$T/notify "$NOTIFY_TEST" "tier netlink, 42 processes" || fail "pd-notify-test: exit $?"
i=0
while ! grep -q STATUS "$T/got" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "no datagram on NOTIFY_SOCKET"
	sleep 0.05
done
printf 'READY=1\nSTATUS=tier netlink, 42 processes' | cmp - "$T/got" ||
	fail "datagram: $(od -c "$T/got" | head)"
ok "READY=1 and STATUS= reach NOTIFY_SOCKET"

env -u NOTIFY_SOCKET "$NOTIFY_TEST" "x" || fail "without NOTIFY_SOCKET: exit $?"
ok "without NOTIFY_SOCKET: nothing to do, no failure"
