#!/bin/sh
# BPF tier: while records flow the reader looks at the ring on its own timer
# and the programs do not wake it; once it finds the ring empty it says it is
# idle and the next record must wake it. A lone exec after an idle spell, a
# burst, and a lone exec after the burst must each reach the output without
# any other event to carry them. (On a busy machine other processes' events
# wake the reader too, so a broken wakeup may go unnoticed there; on a quiet
# one it fails.)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq
need_root "the BPF tier"
need_tier bpf
J=$T/w.json

start_watch "$J" "$T/w.err" --tier=bpf --json --events=exec
grep -q 'ready (tier bpf)' "$T/w.err" || fail "not the bpf tier: $(cat "$T/w.err")"

# lone: idle for a while, then one exec that must be reported on its own
lone() {
	sleep 0.5
	"$TRUE_STATIC" "$1"
	wait_for_line "$J" "\"$1\"" 10 || fail "$2: the exec of $1 was not reported"
}
lone ptwake-1 "first exec after start"
lone ptwake-2 "exec after an idle spell"
"$STORM" -q -n 300 -k 2 -b "$TRUE_STATIC" -t ptwake-burst >/dev/null ||
	fail "the burst's storm failed"
lone ptwake-3 "exec after a burst"
lone ptwake-4 "second exec after a burst"
stop_watch
[ "$WATCH_RC" = 0 ] || fail "watch exited $WATCH_RC: $(cat "$T/w.err")"
n=$(count_tagged "$J" exec ptwake-burst-)
[ "$n" = 300 ] || fail "the burst: $n of 300 execs reported"
[ "$(summary_field "$T/w.err" lost)" = 0 ] || fail "events lost: $(grep summary "$T/w.err")"
ok "lone execs after idle spells and after a burst were each reported"
