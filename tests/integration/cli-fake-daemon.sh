#!/bin/sh
# proctrail against a scripted daemon (socat and a shell script): a recorded
# event stream comes out of watch byte for byte, the daemon's lost events
# and its final count reach the summary; busy falls back; a broken or
# inconsistent reply, an error reply and a bad event line are each said in
# one line, never silently taken.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq
need_cmd socat
SEEDS="${top_srcdir:-$(dirname "$0")/../..}/tests/fuzz/seeds/fuzz-import/events-every-type"
[ -r "$SEEDS" ] || skip "no recorded events at $SEEDS"
unset PROCTRAIL_SOCKET
S="$T/fake.sock"

cat >"$T/fake.sh" <<'SCRIPT'
# one connection: answer each request line as the mode file says
MODE=$(cat "$MODEFILE")
while IFS= read -r line; do
	case "$MODE:$line" in
	busy:*)
		echo '{"error":{"code":"busy","message":"256 clients"}}'
		exit 0 ;;
	*'"status"'*)
		echo '{"tier":"netlink","alive":1}'
		echo '{"done":"status","count":1}' ;;
	stream:*'"subscribe"'*)
		echo '{"subscribed":{"events":["exec"],"queue":4096,"filter":null}}'
		cat "$EVENTS"
		echo '{"done":"subscribe","count":26,"lost":4}'
		exit 0 ;;
	badline:*'"subscribe"'*)
		echo '{"subscribed":{"events":["exec"],"queue":4096,"filter":null}}'
		head -2 "$EVENTS"
		echo '{"event":"exec","pid":"not a number"}'
		sed -n 4p "$EVENTS"
		echo '{"done":"subscribe","count":3,"lost":0}'
		exit 0 ;;
	count:*)
		cat "$RECORD"
		echo '{"done":"ps","count":2}' ;;
	cut:*)
		cat "$RECORD"
		exit 0 ;;
	refuse:*)
		echo '{"error":{"code":"bad_request","message":"unknown member \"x\""}}' ;;
	ok:*)
		cat "$RECORD"
		echo '{"done":"ps","count":1}' ;;
	esac
done
SCRIPT
"$PROCTRAIL" show 1 --json --local >"$T/record.json" || fail "show 1 failed"
export EVENTS="$SEEDS" RECORD="$T/record.json" MODEFILE="$T/mode"
mode() { echo "$1" >"$MODEFILE"; }
mode ok
socat "UNIX-LISTEN:$S,fork" SYSTEM:"sh $T/fake.sh" 2>/dev/null &
PIDS="$PIDS $!"
i=0
while [ ! -S "$S" ]; do
	i=$((i + 1))
	[ $i -gt 50 ] && fail "socat did not listen"
	sleep 0.1
done

# ---- the records come back as the daemon sent them ----
"$PROCTRAIL" ps --json --socket="$S" >"$T/ps.json" 2>"$T/e" || fail "ps via the fake: $(cat "$T/e")"
cmp -s "$T/ps.json" "$T/record.json" || fail "ps --json: not the record sent"
[ "$("$PROCTRAIL" ps -q -o pid,comm --socket="$S")" = "$("$PROCTRAIL" ps -q -o pid,comm --local | awk '$1 == 1')" ] ||
	fail "ps -o via the fake differs from a snapshot"
ok "a record through the socket is printed as it came"

# ---- watch: a recorded stream, byte for byte ----
mode stream; "$PROCTRAIL" watch --json --socket="$S" >"$T/w.json" 2>"$T/w.err"
rc=$?
[ $rc = 0 ] || fail "watch of the stream: exit $rc: $(cat "$T/w.err")"
# thread forks and exits are left out, as watch does without --threads
awk '!/^\{"event":"(fork|exit)"/ || !/"tid":201,/' "$SEEDS" >"$T/want.json"
cmp -s "$T/want.json" "$T/w.json" || {
	diff "$T/want.json" "$T/w.json" | head -5
	fail "watch --json of a recorded stream differs"
}
grep -q "the daemon ended the stream" "$T/w.err" || fail "watch does not say the stream ended"
[ "$(summary_field "$T/w.err" daemon)" = true ] || fail "summary: daemon"
[ "$(summary_field "$T/w.err" tier)" = netlink ] || fail "summary: the daemon's tier"
# lost events 5 + 3 (slow-reader), and 1 more the daemon's final line counts
[ "$(summary_field "$T/w.err" lost)" = 9 ] || fail "summary: lost $(summary_field "$T/w.err" lost), not 9"
[ "$(summary_field "$T/w.err" lost_daemon_slow_reader)" = 4 ] || fail "summary: lost_daemon_slow_reader"
[ "$(summary_field "$T/w.err" events.lost)" = 2 ] || fail "summary: lost events printed"
grep -q "^proctrail: lost 9 (5 estimated, 0 by a slow reader of stdout, 4 by the daemon for this slow client)" \
	"$T/w.err" || fail "the lost line: $(grep 'lost' "$T/w.err")"
mode stream; "$PROCTRAIL" watch --socket="$S" >"$T/w.txt" 2>/dev/null || fail "watch text failed"
grep -q "lost           -       -      -  3 events: slow-reader$" "$T/w.txt" || fail "text: no slow-reader line"
[ "$(wc -l <"$T/w.txt")" = $(($(wc -l <"$T/want.json") + 1)) ] || fail "text: not one line an event"
ok "watch: the stream byte for byte; the daemon's losses in the summary (lost 9)"

mode badline; "$PROCTRAIL" watch --json --socket="$S" >"$T/b.json" 2>"$T/b.err" || fail "badline: exit $?"
[ "$(wc -l <"$T/b.json")" = 3 ] || fail "badline: $(wc -l <"$T/b.json") events, not the 3 good ones"
grep -q "an event line from the daemon does not read" "$T/b.err" || fail "badline: not said"
[ "$(summary_field "$T/b.err" malformed)" = 1 ] || fail "badline: not counted as malformed"
ok "an event line that does not read: said, counted, the stream goes on"

# ---- busy: as if no daemon; --daemon: exit 1 ----
mode busy; "$PROCTRAIL" -v ps >"$T/o" 2>"$T/e" --socket="$S" || fail "busy: no fallback"
grep -q "the daemon is busy: 256 clients.*reading a snapshot of /proc instead" "$T/e" ||
	fail "busy: $(cat "$T/e")"
[ "$(wc -l <"$T/o")" -gt 2 ] || fail "busy: no snapshot printed"
mode busy; "$PROCTRAIL" ps --daemon --socket="$S" >"$T/o" 2>"$T/e"
[ $? = 1 ] && [ "$(wc -l <"$T/e")" = 1 ] || fail "busy --daemon: $(cat "$T/e")"
mode busy; "$PROCTRAIL" -v watch --socket="$S" --duration=0.2 >/dev/null 2>"$T/e" || fail "busy watch"
grep -q "busy.*watching with a local monitor instead" "$T/e" || fail "busy watch: $(cat "$T/e")"
ok "busy: a snapshot or a local monitor instead, said with -v; --daemon exits 1"

# ---- a broken or refused reply: one line, exit 1, nothing on stdout ----
for m in count cut refuse; do
	mode $m; "$PROCTRAIL" ps --socket="$S" >"$T/o" 2>"$T/e"
	rc=$?
	[ $rc = 1 ] || fail "$m: exit $rc"
	[ "$(wc -l <"$T/e")" = 1 ] || fail "$m: not one line: $(cat "$T/e")"
	[ -s "$T/o" ] && fail "$m: printed on stdout"
done
{ mode count; "$PROCTRAIL" ps --socket="$S" 2>&1 >/dev/null; } | grep -q "said 2 records and sent 1" ||
	fail "count: not said"
{ mode cut; "$PROCTRAIL" ps --socket="$S" 2>&1 >/dev/null; } | grep -q "closed the connection" ||
	fail "cut: not said"
[ "$(mode refuse; "$PROCTRAIL" ps --socket="$S" 2>&1 >/dev/null)" = \
	'proctrail: ps: the daemon refused (bad_request): unknown member "x"' ] || fail "refuse: not said"
ok "a count that does not add up, a cut reply, an error reply: one line, exit 1"
