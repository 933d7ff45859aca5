#!/bin/sh
# Text lines fit the terminal when stdout is one (cut, ending in a marker),
# and stay whole when it is not. The terminal is script(1)'s pseudo-terminal,
# sized with stty.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd script
need_cmd stty

# a process with a long command line, so some line is longer than 40 columns
sh -c 'sleep 28; :' pt-term-width-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa &
PIDS="$PIDS $!"
sleep 0.2

for cmd in "ps" "tree --ascii 1" "ps -o pid,args"; do
	LC_ALL=C script -qec "stty cols 40; $PROCTRAIL $cmd" /dev/null | tr -d '\r' >"$T/tty.out"
	[ -s "$T/tty.out" ] || fail "$cmd: no output on a terminal"
	long=$(LC_ALL=C awk 'length($0) > 40' "$T/tty.out" | wc -l)
	[ "$long" = 0 ] || fail "$cmd: $long lines wider than 40 columns on a 40-column terminal"
	grep -q '>$' "$T/tty.out" || fail "$cmd: no line ends in the cut marker '>'"
	LC_ALL=C.UTF-8 script -qec "stty cols 40; $PROCTRAIL $cmd" /dev/null | tr -d '\r' >"$T/u.out"
	grep -q '…$' "$T/u.out" || fail "$cmd: no line ends in '…' in a UTF-8 locale"
	"$PROCTRAIL" $cmd >"$T/pipe.out" || fail "$cmd failed"
	grep -q "pt-term-width-aaaa*\$" "$T/pipe.out" || fail "$cmd: a pipe did not get the whole line"
done
# JSON is never cut
LC_ALL=C script -qec "stty cols 40; $PROCTRAIL ps --json" /dev/null | tr -d '\r' >"$T/j.out"
jq -e . "$T/j.out" >/dev/null || fail "ps --json on a terminal is not valid JSON"
ok "lines cut at the terminal's width, whole in a pipe"
