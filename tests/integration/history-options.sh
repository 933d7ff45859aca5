#!/bin/sh
# proctrail history's options against a database written by `proctrail replay
# --sqlite` from synthetic lines (no root, no storm): every filter, -n, --json,
# --short, --lineage, text escaping of hostile bytes, and the errors.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq
"$PROCTRAIL" replay --help 2>&1 | grep -q -- "--sqlite=" || skip "this proctrail has no replay --sqlite"
export TZ=UTC

DB=$T/h.db
BOOT=b0000000-0000-4000-8000-000000000000
now=$(date +%s)
fmt() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%S.${2:-000000}Z; }
TA=$((now - 3 * 86400)) TB=$((now - 3 * 86400 + 10)) TC=$((now - 3600))
# ev EVENT SECS USECS PID PPID START COMM ARGV UID PARENT_KEY [EXTRA]
ev() {
	printf '{"event":"%s","time":"%s","pid":%d,"tid":%d,"ppid":%d,"start":%d,"comm":"%s",' \
		"$1" "$(fmt "$2" "$3")" "$4" "$4" "$5" "$6" "$7"
	printf '"exe":"/bin/x","argv":%s,"argv_truncated":false,"uid":%d,"euid":%d,"gid":0,' \
		"$8" "$9" "$9"
	printf '"egid":0%s,"tier":"bpf","key":"%s:%d:%d","parent_key":"%s"}\n' \
		"${11}" "$BOOT" "$6" "$4" "${10}"
}
K1=$BOOT:1:1 KA=$BOOT:10:100 KB=$BOOT:20:200 KC=$BOOT:30:300
EVIL='evil\u001b[31m'
EVILARGV='["evil","\u001b]0;pwned\u0007","x\ny"]'
{
	ev fork $TA 000000 100 1 10 bash '["bash"]' 0 $K1 ''
	ev exec $TA 001000 100 1 10 bash '["bash","-l"]' 0 $K1 ''
	ev fork $TB 000000 200 100 20 bash '["bash","-l"]' 1000 $KA ''
	ev exec $TB 001000 200 100 20 "$EVIL" "$EVILARGV" 1000 $KA ''
	ev exit $TB 004000 200 100 20 "$EVIL" "$EVILARGV" 1000 $KA \
		',"exit_code":3,"signal":null,"core_dumped":false,"duration_ms":4.000'
	ev fork $TC 000000 300 100 30 bash '["bash","-l"]' 0 $KA ''
	ev exec $TC 001000 300 100 30 sleep '["sleep","5"]' 0 $KA ''
	ev exit $((TC + 5)) 001000 300 100 30 sleep '["sleep","5"]' 0 $KA \
		',"exit_code":0,"signal":null,"core_dumped":false,"duration_ms":5000.000'
} >"$T/in.jsonl"
"$PROCTRAIL" replay -q --sqlite="$DB" --spool-dir="$T/spool" "$T/in.jsonl" 2>"$T/err" ||
	{ cat "$T/err"; fail "replay --sqlite failed"; }

H() { "$PROCTRAIL" history --db="$DB" "$@"; }
# rows OPTS...: the pids of the rows history --json gives, space-separated
rows() { H --json "$@" | jq -r .pid | tr '\n' ' ' | sed 's/ $//'; }
# expect WANT OPTS...
expect() {
	want=$1
	shift
	got=$(rows "$@") || fail "history $* failed"
	[ "$got" = "$want" ] || fail "history $*: pids '$got', want '$want'"
}

expect "100 200 300"
expect "300" --comm=sleep
expect "100" --cmd='bash*'
expect "200" --cmd='* x?y'
expect "100 300" --user=0
expect "100 300" --user=root
expect "200" --user=1000
expect "200" --key=$KB
expect "300" --pid=300
expect "" --pid=301
expect "300" -n 1
expect "200 300" -n 2
ok "filters: comm, cmd, user (uid and name), key, pid, -n"

expect "300" --since=2h
expect "100 200 300" --since=4d
expect "" --since=30m
expect "200 300" --since="$(fmt $TB 001000)"
expect "100" --until="$(fmt $TB 001000)"
expect "200" --since="$(fmt $TB)" --until=1d
# the same instant with an offset, and without seconds
expect "200 300" --since="$(TZ=Etc/GMT-1 date -d "@$TB" +%Y-%m-%dT%H:%M:%S)+01:00"
expect "100 200 300" --since="$(date -u -d "@$TA" +'%Y-%m-%d %H:%M')"
# local time (TZ) without Z: an hour east is an hour earlier in UTC
local=$(TZ=Etc/GMT-1 date -d "@$TB" +%Y-%m-%dT%H:%M:%S)
(
	export TZ=Etc/GMT-1
	expect "200 300" --since="$local"
) || exit 1
expect "300" --since="$local" # read as UTC: an hour later
ok "--since/--until: relative, ISO 8601 with Z, an offset, minutes, local time"

expect "200" --short
expect "200 300" --short=10000
expect "" --short=4
H --short --json | jq -e '.duration_ms == 4 and .exit_code == 3' >/dev/null ||
	fail "--short: duration or exit code wrong"
ok "--short[=MS]"

H --lineage=$KB --json | jq -r '.role + " " + (.pid | tostring) + " " + (.cmdline // "-")' \
	>"$T/lin"
[ "$(sed -n 1p "$T/lin")" = "ancestor null (not recorded: $K1)" ] || { cat "$T/lin"; fail "lineage 1"; }
[ "$(sed -n 2p "$T/lin")" = "ancestor 100 bash -l" ] || { cat "$T/lin"; fail "lineage 2"; }
[ "$(sed -n 3p "$T/lin" | cut -c1-8)" = "self 200" ] || { cat "$T/lin"; fail "lineage 3"; }
[ "$(H --lineage=$KB --json | wc -l)" = 3 ] || { cat "$T/lin"; fail "lineage: not 3 rows"; }
expect "null 100 200 300" --lineage=$KA
[ "$(H --lineage=$KA --json | jq -r .role | tr '\n' ' ')" = "ancestor self child child " ] ||
	fail "lineage roles of A"
ok "--lineage: ancestors oldest first, self, children"

# text: a header, every hostile byte escaped, nothing raw
H >"$T/text" || fail "history (text) failed"
[ "$(wc -l <"$T/text")" = 4 ] || { cat "$T/text"; fail "text: not a header and 3 rows"; }
head -1 "$T/text" | grep -q '^TIME  *PID  *PPID  *USER  *COMM  *CMDLINE$' || fail "text header"
if LC_ALL=C grep -q "$(printf '\033')" "$T/text"; then fail "a raw ESC in text output"; fi
if LC_ALL=C grep -q "$(printf '\007')" "$T/text"; then fail "a raw BEL in text output"; fi
grep -q 'evil\\x1b\[31m  *evil \\x1b\]0;pwned\\x07 x\\x0ay$' "$T/text" ||
	{ cat -v "$T/text"; fail "text: the hostile row is not escaped as expected"; }
H --lineage=$KA >"$T/text2" || fail "history --lineage (text) failed"
if LC_ALL=C grep -q "$(printf '\033')" "$T/text2"; then fail "a raw ESC in lineage text"; fi
H --short >"$T/text3" || fail "history --short (text) failed"
grep -q ' 4\.000 3 ' "$T/text3" || { cat -v "$T/text3"; fail "--short text: lived 4.000 exit 3"; }
# JSON: the bytes back exactly
H --json --pid=200 | jq -e '.comm == "evil\u001b[31m" and .argv[2] == "x\ny"' >/dev/null ||
	fail "--json does not give the bytes back"
ok "text escapes every untrusted byte; --json gives them back"

# PROCTRAIL_HISTORY, and the default database
[ "$(PROCTRAIL_HISTORY=$DB "$PROCTRAIL" history --json | wc -l)" = 3 ] ||
	fail "PROCTRAIL_HISTORY not used"
"$PROCTRAIL" history --help | grep -q -- "--lineage=KEY" || fail "--help"

# errors: usage 2, database 1, each one line
err() {
	want=$1
	shift
	"$PROCTRAIL" history "$@" >/dev/null 2>"$T/e"
	rc=$?
	[ $rc = "$want" ] || { cat "$T/e"; fail "history $*: exit $rc, want $want"; }
	[ "$(wc -l <"$T/e")" = 1 ] || { cat "$T/e"; fail "history $*: not one line"; }
}
err 2 --db="$DB" --since=bogus
err 2 --db="$DB" --since=5x
err 2 --db="$DB" --until=2026-13-01
err 2 --db="$DB" --pid=0
err 2 --db="$DB" --user=no-such-user-here
err 2 --db="$DB" --short=abc
err 2 --db="$DB" --lineage=$KA --comm=x
err 2 --db="$DB" --since=1h --until=2h
err 2 --db="$DB" extra
err 2 --db="$DB" --bogus
err 1 --db="$T/none.db"
grep -q "$T/none.db" "$T/e" && grep -q -- '--sqlite' "$T/e" || fail "missing: $(cat "$T/e")"
sqlite3 "$T/other.db" "CREATE TABLE x (a)" 2>/dev/null || : >"$T/other.db"
err 1 --db="$T/other.db"
grep -q "not a proctrail history" "$T/e" || fail "other: $(cat "$T/e")"
err 2 --db="$DB" --lineage=$KA --container=x
ok "errors: one line, exit 2 for the command line, 1 for the database"

# --container (schema version 2): rows marked by hand, as the sink writes them
if command -v sqlite3 >/dev/null 2>&1; then
	cp "$DB" "$T/c.db" || exit 99
	sqlite3 "$T/c.db" "UPDATE execs SET container_id = 'host';
		UPDATE execs SET container_id = '4f2a0c9e1b7d' || printf('%052d', 0),
			container_name = 'web' WHERE pid = 200;
		UPDATE processes SET container_id = 'host'" || fail "sqlite3"
	pids() { "$PROCTRAIL" history --db="$T/c.db" --json "$@" | jq -r .pid | sort -u | tr '\n' ' '; }
	[ "$(pids --container=web)" = "200 " ] || fail "--container=web: $(pids --container=web)"
	[ "$(pids --container=4f2a)" = "200 " ] || fail "--container=4f2a: $(pids --container=4f2a)"
	[ -z "$(pids --container=we)" ] || fail "--container=we matched: a name is exact"
	pids --container=host | grep -qw 200 && fail "--container=host shows the container's exec"
	[ -n "$(pids --container=host)" ] || fail "--container=host shows nothing"
	sqlite3 "$T/c.db" "PRAGMA user_version = 1" || fail "sqlite3"
	err 1 --db="$T/c.db" --container=web
	grep -q "schema version 1 has no containers" "$T/e" || fail "v1: $(cat "$T/e")"
	ok "--container: by name, id prefix, host; a version 1 database is told"
fi

# read-only for real: a user who can read the database but not write its
# directory (no -shm can be made) still reads it, once no writer has it open
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	mkdir "$T/ro" && cp "$DB" "$T/ro/h.db" && chmod 755 "$T/ro" && chmod 644 "$T/ro/h.db" ||
		exit 99
	# (readers made an empty -wal; the writer checkpointed everything at close)
	[ ! -s "$DB-wal" ] || fail "replay left a non-empty $DB-wal: the writer did not close"
	n=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$PROCTRAIL" history --db="$T/ro/h.db" --json 2>"$T/e" | wc -l)
	[ "$n" = 3 ] || { cat "$T/e"; fail "an unprivileged reader got $n rows, not 3"; }
	[ ! -e "$T/ro/h.db-shm" ] || fail "the reader made a -shm file"
	ok "an unprivileged reader without write access to the directory"
fi
