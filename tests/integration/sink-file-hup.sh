#!/bin/sh
# `watch --output` and an external logrotate: after the file is moved and
# watch gets SIGHUP, it writes to a new file by the same name and keeps
# running; every line goes to one file or the other, whole, none twice.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_root "runs the monitor during a storm"
need_cmd jq
"$PROCTRAIL" watch --help 2>&1 | grep -q -- "--output=" || skip "this proctrail has no watch --output"

auto=$("$PROCTRAIL" probe --json | jq -r .auto)
case $auto in
bpf | netlink) ;;
*) skip "tier $auto: a storm's count is exact only on bpf or netlink" ;;
esac

F=$T/events.jsonl
start_watch /dev/null "$T/err" --output="$F" --batch-size=10 --flush-interval=0.05
"$STORM" -n 200 -k 2 -b /bin/true -t pt-hup-a >/dev/null || fail "storm a"
wait_for_line "$F" pt-hup-a-199 10 || fail "storm a did not reach $F"
mv "$F" "$F.moved" || exit 99
"$STORM" -n 100 -k 2 -b /bin/true -t pt-hup-m >/dev/null || fail "storm m"
wait_for_line "$F.moved" pt-hup-m-99 10 || fail "lines between the move and SIGHUP are lost"
kill -HUP "$WATCH_PID"
i=0
while [ ! -e "$F" ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "no new $F after SIGHUP"
	sleep 0.1
done
kill -0 "$WATCH_PID" || fail "watch stopped on SIGHUP"
"$STORM" -n 200 -k 2 -b /bin/true -t pt-hup-b >/dev/null || fail "storm b"
wait_for_line "$F" pt-hup-b-199 10 || fail "storm b did not reach the new $F"
stop_watch
[ "$WATCH_RC" = 0 ] || { cat "$T/err"; fail "watch exited $WATCH_RC"; }

for f in "$F" "$F.moved"; do
	bad=$(jq -R -c 'fromjson? // "BAD" | select(type != "object")' "$f" | head -3)
	[ -z "$bad" ] || fail "$f has lines that are not JSON objects: $bad"
done
[ "$(count_tagged "$F.moved" exec pt-hup-a)" = 200 ] || fail "storm a not whole in the moved file"
[ "$(count_tagged "$F.moved" exec pt-hup-m)" = 100 ] || fail "storm m not whole in the moved file"
[ "$(count_tagged "$F" exec pt-hup-b)" = 200 ] || fail "storm b not whole in the new file"
[ "$(count_tagged "$F" exec pt-hup-a)" = 0 ] || fail "storm a written twice"
[ "$(count_tagged "$F.moved" exec pt-hup-b)" = 0 ] || fail "storm b went to the moved file"
ok "SIGHUP reopens: old lines in the moved file, new ones in a new file, none lost or twice"
