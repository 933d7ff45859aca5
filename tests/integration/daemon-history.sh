#!/bin/sh
# The daemon's sinks end to end: the SQLite default (state_dir/history.db) and
# an output file; a storm of N processes; a clean stop. The execs rows equal
# the execs the daemon's subscribe stream reported, and the output file's;
# `proctrail history` finds them; status shows each sink; history.db is 0640.
# SIGHUP after an external mv of the output file: a new file is written.
# --no-db opens no database; a sink that cannot open stops the start, naming
# its key; with `user =`, the state directory and history.db are the user's.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/daemon-lib.sh"
need_root "the daemon's monitor"
need_cmd jq
need_cmd sqlite3
N=2000
TAG=pdhist$$
DB=$T/state/history.db
OUT=$T/out/events.jsonl

# execs of the storm in a JSON-lines file / in the database
tagged_lines() {
	cat "$@" | jq -r --arg t "$TAG-" 'select(.event == "exec" and (.argv[1] // "" | startswith($t))) | .argv[1]' |
		wc -l
}
tagged_rows() {
	sqlite3 "$DB" "select count(*) from execs where json_extract(argv, '\$[1]') like '$TAG-%'"
}

"$PROCTRAILD" --help | grep -q -- "--no-db" || fail "--help lacks --no-db"
# a sink that cannot open: the start fails, the message names the key
printf 'output = %s/x.conf/events.jsonl\n' "$T" >"$T/x.conf"
"$PROCTRAILD" --config="$T/x.conf" --socket="$T/x.sock" --state-dir="$T/xstate" 2>"$T/x.err"
[ $? = 1 ] || fail "an output that cannot open: not exit 1"
grep -q "error: cannot open the sink output = $T/x.conf/events.jsonl: Not a directory$" "$T/x.err" ||
	fail "the error does not name the key: $(cat "$T/x.err")"
grep -q "notice: ready" "$T/x.err" && fail "ready before the sinks opened"
ok "a sink that cannot open stops the start: $(grep 'cannot open the sink' "$T/x.err")"

mkdir "$T/out"
printf 'output = %s\nsink_flush_interval = 200ms\n' "$OUT" >"$T/d.conf"
start_daemon --config="$T/d.conf"
st=$(q '{"cmd":"status"}' | head -1)
[ "$(echo "$st" | jq -c '[.sinks[] | [.type, .target, .state, .dropped]]')" = \
	"[[\"file\",\"$OUT\",\"ok\",0],[\"sqlite\",\"$DB\",\"ok\",0]]" ] ||
	fail "status's sinks: $(echo "$st" | jq -c .sinks)"
ok "status shows both sinks: $(echo "$st" | jq -c '[.sinks[] | {type, state}]')"
[ "$(stat -c %a "$DB")" = 640 ] || fail "history.db mode $(stat -c %a "$DB"), want 640"
[ "$(stat -c %a "$T/state")" = 750 ] || fail "state dir mode $(stat -c %a "$T/state"), want 750"
[ "$(stat -c %a "$OUT")" = 640 ] || fail "output file mode $(stat -c %a "$OUT"), want 640"
ok "history.db and the output file are 0640, the state directory 0750"

printf '{"cmd":"subscribe","events":["exec"]}\n' | "$PDC" "$SOCK" raw 120 >"$T/sub" &
SUB=$!
PIDS="$PIDS $SUB"
wait_for_line "$T/sub" subscribed 10 || fail "the subscriber did not subscribe"
"$STORM" -n $N -k 8 -b "$TRUE_STATIC" -t "$TAG" >"$T/storm.json" || fail "storm failed"
cat "$T/storm.json"
i=0
until [ "$(tagged_lines "$T/sub")" -ge $N ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && break
	sleep 0.1
done

# logrotate's way: move the file, SIGHUP; the daemon writes a new one
mv "$OUT" "$OUT.1"
kill -HUP "$DPID"
wait_for_line "$DLOG" "reopening 2 sink" 10 || fail "no reopen logged: $(tail -3 "$DLOG")"
i=0
until [ -s "$OUT" ]; do
	"$TRUE_STATIC" "${TAG}-hup"
	i=$((i + 1))
	[ $i -gt 100 ] && fail "no new output file after SIGHUP"
	sleep 0.1
done
ok "SIGHUP after mv: a new $OUT"

stop_daemon
[ "$DRC" = 0 ] || fail "proctraild exited $DRC"
wait $SUB
grep "sink .* closed" "$DLOG"
grep -q "notice: sink sqlite $DB closed: [0-9]* written, 0 dropped" "$DLOG" ||
	fail "the sqlite sink's final line: $(grep 'closed' "$DLOG")"
sub=$(tagged_lines "$T/sub")
rows=$(tagged_rows)
file=$(tagged_lines "$OUT.1" "$OUT")
echo "storm $N: subscriber $sub, execs rows $rows, output file $file"
[ "$sub" -ge $N ] || echo "note: the monitor delivered $sub of $N execs (lost: $(jq -c 'select(.event == "lost")' "$T/sub" | head -3))"
[ "$rows" = "$sub" ] || fail "execs rows $rows, the subscriber saw $sub"
[ "$file" = "$sub" ] || fail "the output files hold $file execs, the subscriber saw $sub"
# every line of both files is JSON, none cut
jq -e . "$OUT.1" "$OUT" >/dev/null || fail "an output line is not JSON"
ok "a clean stop: the database and the files hold the $sub execs the subscriber saw"

# nothing written twice: one row per (key, time) exec
dup=$(sqlite3 "$DB" "select count(*) from (select key, time_us from execs group by key, time_us having count(*) > 1)")
[ "$dup" = 0 ] || fail "$dup execs written twice"
[ "$(sqlite3 "$DB" 'pragma integrity_check')" = ok ] || fail "integrity_check"
if "$PROCTRAIL" history --help >/dev/null 2>&1; then
	"$PROCTRAIL" history --db="$DB" --cmd="*$TAG-*" --json -n 100000 >"$T/hist" ||
		fail "proctrail history failed"
	hist=$(jq -r --arg t "$TAG-" 'select(.argv[1] // "" | startswith($t)) | .argv[1]' "$T/hist" | grep -v -- -hup | sort -u | wc -l)
	[ "$hist" -ge "$(($sub > N ? N : sub))" ] || fail "proctrail history finds $hist of $sub execs"
	ok "proctrail history --db finds the $hist storm execs"
else
	echo "note: this proctrail has no history command: not checked"
fi

# --no-db: the file only, and no database is made; sd_notify's STATUS= counts
# the sinks and their drops
rm -f "$DB"
if command -v socat >/dev/null && grep -q 'HAVE_LIBSYSTEMD 1' "$top_builddir/config.h"; then
	socat -u UNIX-RECV:"$T/notify" OPEN:"$T/notified",creat,append &
	PIDS="$PIDS $!"
	i=0
	while [ ! -S "$T/notify" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && fail "socat did not create $T/notify"
		sleep 0.05
	done
	export NOTIFY_SOCKET="$T/notify"
fi
start_daemon --config="$T/d.conf" --no-db
unset NOTIFY_SOCKET
[ "$(q '{"cmd":"status"}' | head -1 | jq -c '[.sinks[].type]')" = '["file"]' ] ||
	fail "--no-db: $(q '{"cmd":"status"}' | head -1 | jq -c .sinks)"
if [ -S "$T/notify" ]; then
	wait_for_line "$T/notified" "STATUS=tier .*, 1 sinks, 0 sink drops" 10 ||
		fail "sd_notify STATUS= without the sinks: $(cat "$T/notified")"
	ok "sd_notify STATUS= counts the sinks: $(grep -a -o 'STATUS=.*sink drops' "$T/notified" | tail -1)"
fi
stop_daemon
[ -e "$DB" ] && fail "--no-db made $DB"
# sqlite = none, no output: no sink at all
printf 'sqlite = none\n' >"$T/none.conf"
start_daemon --config="$T/none.conf"
[ "$(q '{"cmd":"status"}' | head -1 | jq -c .sinks)" = '[]' ] || fail "sqlite = none: sinks"
grep -q "no sink: the history is not recorded" "$DLOG" || fail "no sink is not logged"
stop_daemon
[ -e "$DB" ] && fail "sqlite = none made $DB"
ok "--no-db and sqlite = none open no database"

# user = nobody: the state directory and history.db are the user's
if getent passwd nobody >/dev/null; then
	printf 'user = nobody\n' >"$T/user.conf"
	rm -rf "$T/state"
	: >"$DLOG"
	"$PROCTRAILD" --socket="$SOCK" --state-dir="$T/state" --config="$T/user.conf" 2>"$DLOG" &
	DPID=$!
	PIDS="$PIDS $DPID"
	if wait_for_line "$DLOG" "notice: ready" 30; then
		[ "$(stat -c '%U %a' "$T/state")" = "nobody 750" ] ||
			fail "state dir with user = nobody: $(stat -c '%U %a' "$T/state")"
		[ "$(stat -c '%U %a' "$DB")" = "nobody 640" ] ||
			fail "history.db with user = nobody: $(stat -c '%U %a' "$DB")"
		stop_daemon
		ok "user = nobody: the state directory (0750) and history.db (0640) are nobody's"
	elif grep -q "needs proctraild built with libcap-ng" "$DLOG"; then
		echo "note: built without libcap-ng: user = not checked"
	else
		cat "$DLOG"
		fail "the daemon did not start with user = nobody"
	fi
fi
