#!/bin/sh
# --sqlite on a full disk (a small tmpfs, the spool on it too): the sink
# reports its error, the monitor goes on, the loss is counted (watch's summary,
# and a lost row with reason sink in v_lost once space returns), and writing
# resumes by itself after space is freed. Only the storms' own processes are
# recorded (--filter): other tests running at the same time (the sanitizer
# suite runs two at once) would otherwise fill the freed space again.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_root "mounts a tmpfs"
need_cmd jq
need_cmd sqlite3
"$PROCTRAIL" watch --help 2>&1 | grep -q -- "--sqlite=" || skip "this proctrail has no watch --sqlite"
need_cmd dd

auto=$("$PROCTRAIL" probe --json | jq -r .auto)
case $auto in
bpf | netlink) ;;
*) skip "tier $auto: the storm's events must arrive while the disk is full" ;;
esac

M=$T/mnt
mkdir "$M" || exit 99
mount -t tmpfs -o size=2m,mode=0755 pt-sqlite-full "$M" || skip "cannot mount a tmpfs"
trap 'umount "$M" 2>/dev/null; cleanup' EXIT
DB=$M/h.db
q() { sqlite3 "$DB" "$1"; }
# wait_rows SQL WANT SECONDS
wait_rows() {
	i=0
	while [ "$(q "$1" 2>/dev/null)" != "$2" ]; do
		i=$((i + 1))
		[ $i -gt $(($3 * 10)) ] && return 1
		sleep 0.1
	done
}

start_watch "$T/stdout" "$T/err" --json --sqlite="$DB" --spool-dir="$M/spool" \
	--batch-size=20 --flush-interval=0.05 --filter='proc.cmdline contains pt-sqfull'
"$STORM" -n 50 -k 2 -b /bin/true -t pt-sqfull-a >/dev/null || fail "storm a"
wait_rows "SELECT count(*) FROM execs WHERE cmdline LIKE '/bin/true pt-sqfull-a-%'" 50 10 ||
	fail "the first storm did not reach $DB"
ok "writing to the tmpfs"

# fill the disk: the sink's batches fail now, and so does the spool
dd if=/dev/zero of="$M/fill" bs=4k 2>/dev/null
"$STORM" -n 300 -k 2 -b /bin/true -t pt-sqfull-b >/dev/null || fail "storm b"
wait_for_line "$T/err" "full\|No space left" 10 || { cat "$T/err"; fail "no error reported for the full disk"; }
kill -0 "$WATCH_PID" || fail "watch died on a full disk"
wait_for_line "$T/stdout" pt-sqfull-b-299 10 || fail "the monitor stopped with the sink"
[ "$(count_tagged "$T/stdout" exec pt-sqfull-b)" = 300 ] || fail "watch's stdout missed execs"
ok "full disk: error reported, the monitor goes on"

# space returns: the next batches go, with a lost row (reason sink)
rm -f "$M/fill"
"$STORM" -n 20 -k 2 -b /bin/true -t pt-sqfull-c >/dev/null || fail "storm c"
wait_rows "SELECT count(*) FROM execs WHERE cmdline LIKE '/bin/true pt-sqfull-c-%'" 20 40 ||
	{ cat "$T/err"; fail "writing did not resume after space returned"; }
[ "$(q "SELECT count(*) FROM v_lost WHERE reason = 'sink' AND count > 0")" -ge 1 ] ||
	fail "no lost row with reason sink"
ok "writing resumes when space returns, with a lost row"

stop_watch
[ "$WATCH_RC" = 0 ] || { cat "$T/err"; fail "watch exited $WATCH_RC"; }
q "PRAGMA integrity_check" | grep -qx ok || fail "the database is damaged"
sink=$(grep '^proctrail: summary ' "$T/err" | sed 's/^proctrail: summary //' | jq -c '.sinks[0]')
dropped=$(echo "$sink" | jq -r .dropped)
reported=$(echo "$sink" | jq -r .reported)
lost=$(q "SELECT coalesce(sum(count), 0) FROM v_lost WHERE reason = 'sink'")
[ "$dropped" -gt 0 ] || fail "the summary counts no drop: $sink"
[ "$lost" = "$dropped" ] || fail "lost rows say $lost, the summary dropped $dropped: $sink"
[ "$reported" = "$dropped" ] || fail "reported $reported of $dropped: $sink"
# nothing lost silently: every event printed is a row, or counted as dropped
lines=$(wc -l <"$T/stdout")
rows=$(q "SELECT count(*) FROM events WHERE NOT (event = 'lost' AND data LIKE '%\"reason\":\"sink\"%')")
[ $((rows + dropped)) = "$lines" ] ||
	fail "rows $rows + dropped $dropped != $lines lines printed: $sink"
inb=$(q "SELECT count(*) FROM execs WHERE cmdline LIKE '/bin/true pt-sqfull-b-%'")
[ "$inb" -lt 300 ] || fail "storm b fully in the database: the disk was not full?"
ok "summary: dropped $dropped = lost rows' count; rows $rows + dropped = $lines printed; storm b: $inb of 300"
