#!/bin/sh
# tests/bench/sinks.sh end to end on a tiny scale: every section is reported, and what is
# correctness rather than speed: every replay run wrote exactly the input's events into every
# sink (file, compressed file, SQLite, PostgreSQL COPY and INSERT) with one process row per
# process and no loss, the compressed sink rotated into .gz files, the daemon with each sink got
# every exec of its storm into the sink, and nothing is left running. No time is asserted.
# serial: a benchmark: other tests' processes would be in its figures (contrib/quickstart.sh)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_root "recording a storm and the daemon's monitor"
need_cmd jq
need_cmd sqlite3
need_cmd psql
: "${PROCTRAILD:=$top_builddir/proctraild}"
export PROCTRAILD PROCTRAIL
"$PROCTRAIL" replay --help >/dev/null 2>&1 || skip "this proctrail has no replay command"
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ] && [ -x "$PGBIN/pg_ctl" ] ||
	skip "no PostgreSQL server binaries (initdb, pg_ctl; contrib/quickstart.sh installs them)"
export PGBIN
N=1000
DN=300
SINKS="file file-gz sqlite pg-copy pg-insert"

# -P $N: at most one copy of the recording per run (a slow sink gets only 300 warm-up
# lines); -z 1: one copy, 3000 lines, rotates once at 1 MiB
"$top_srcdir/tests/bench/sinks.sh" -B "$top_builddir" -r 1 -b 1,100 -n $N -N $DN -t 1 -w 300 -P $N \
	-z 1 -T 600 -o "$T/out.md" -k >"$T/stdout" 2>"$T/stderr"
rc=$?
cat "$T/stderr"
[ $rc = 0 ] || fail "sinks.sh exited $rc"
W=$(sed -n 's/^sinks.sh: work directory kept: //p' "$T/stderr")
[ -n "$W" ] && [ -f "$W/raw.jsonl" ] || fail "no work directory in sinks.sh's log"
RAW=$T/raw.jsonl
cp "$W/raw.jsonl" "$RAW"
ONE=$(cat "$W/one.sum")
rm -rf "$W"

for s in "## Events per second into each sink" "## COPY against INSERT" \
	"## Bytes on disk per process" "## proctraild's CPU per 1000 processes" "## Commands" \
	"## Not measured" "## Raw figures"; do
	grep -q "^$s" "$T/out.md" || fail "no '$s' in the report"
done
grep -q "^Nothing: every sink, batch size and daemon configuration asked for ran" "$T/out.md" || {
	sed -n '/^## Not measured/,/^## /p' "$T/out.md"
	fail "something was not measured"
}
grep -q "| not measured\|| not run" "$T/out.md" && fail "a table row not measured or not run"
ok "every section reported, everything measured"

# the scaled recording: the storm's N processes, fork exec exit each
[ "$(echo "$ONE" | jq .processes_per_copy)" = $N ] || fail "recording: $ONE"
[ "$(echo "$ONE" | jq '.events.fork == .events.exec and .events.exec == .events.exit')" = true ] ||
	fail "recording: not one fork, exec and exit per process: $ONE"
LINES=$((3 * N))
ok "recording: $N processes, $LINES events"

# every run: what it read, it wrote; one process row per process; no lost line; rc 0
for s in $SINKS; do
	for b in 1 100; do
		line=$(jq -c "select(.section == \"replay\" and .sink == \"$s\" and .batch == $b)" "$RAW")
		[ "$(echo "$line" | grep -c '^{')" = 1 ] || fail "$s batch $b: $(echo "$line" | grep -c '^{') runs of 1"
		[ "$(echo "$line" | jq ".rc == 0 and .lines > 0 and .written == .lines and .processes > 0 \
			and .process_rows == .processes and .lost_lines == 0 and .bytes > 0 and .ok")" = true ] ||
			fail "$s batch $b: $line"
		# a whole copy (the fast sinks' runs): every process with its fork, exec and exit
		[ "$(echo "$line" | jq ".processes != $N or .lines == $LINES")" = true ] ||
			fail "$s batch $b: $N processes but not $LINES events: $line"
	done
done
bad=$(jq -c 'select(.section == "warmup" and (.ok != true or (.sink != "none" and .written != .lines)))' "$RAW")
[ -z "$bad" ] || fail "warm-up: $bad"
[ "$(jq -c 'select(.section == "replay" and .processes == '$N')' "$RAW" | grep -c '^{')" -ge 1 ] ||
	fail "no run replayed a whole copy of the recording"
[ "$(jq -c 'select(.section == "replay" and .sink == "none" and .rc == 0)' "$RAW" | grep -c '^{')" = 2 ] ||
	fail "replay without a sink: not 2 good runs"
ok "replay: every event and one process row per process in each of $SINKS, batch 1 and 100, nothing lost"

gz=$(jq -r 'select(.section == "replay" and .sink == "file-gz" and .processes == '$N') | .gz_files' "$RAW" |
	sort -n | tail -n 1)
[ "${gz:-0}" -ge 1 ] || fail "the compressed file sink wrote no .gz file for $LINES lines at 1 MiB"
plain=$(jq -r 'select(.section == "replay" and .sink == "file") | .files' "$RAW" | sort -un)
[ "$plain" = 1 ] || fail "the file sink without rotation wrote $plain files"
ok "file-gz rotated into $gz .gz file(s); the plain file sink one file"

# the markdown tables agree with the raw figures: one row per sink and batch, no loss
rows=$(grep -c '^| \(file\|file-gz\|sqlite\|pg-copy\|pg-insert\) | \(1\|100\) | ' "$T/out.md")
[ "$rows" = 10 ] || fail "$rows sink rows in the events table, not 10"
grep '^| \(file\|file-gz\|sqlite\|pg-copy\|pg-insert\) | \(1\|100\) | ' "$T/out.md" | grep -v '| yes |$' &&
	fail "a row without 'yes' in no loss"
ok "events table: 10 rows, every one without loss"

# the daemon: a CPU figure with each sink and with none; each sink got every exec of its storm
for s in none $SINKS; do
	line=$(jq -c "select(.section == \"daemon\" and .sink == \"$s\")" "$RAW")
	[ "$(echo "$line" | grep -c '^{')" = 1 ] || fail "daemon $s: no single run"
	[ "$(echo "$line" | jq '.error == null and .cpu_ms >= 0 and .storm_rate > 0')" = true ] ||
		fail "daemon $s: $line"
	[ $s = none ] && continue
	[ "$(echo "$line" | jq .sink_tags)" = $DN ] || fail "daemon $s: $(echo "$line" | jq .sink_tags) of $DN execs in the sink"
done
ok "daemon: CPU with none and each sink; each sink holds all $DN execs"

# nothing left running: no daemon on the work directory, no PostgreSQL of ours
for c in /proc/[0-9]*/cmdline; do
	cl=$(tr "\\0" " " <"$c" 2>/dev/null)
	case $cl in *"$W"* | *ptsinks-pg*) fail "left running: $cl" ;; esac
done
ok "no daemon or PostgreSQL server left"
exit 0
