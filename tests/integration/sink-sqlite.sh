#!/bin/sh
# The SQLite sink under a real storm: `proctrail watch --json --sqlite=DB`
# stores exactly the events watch printed (per type, and the storm's execs one
# by one), `proctrail history` reads the database while watch writes it, and
# then answers by command, short-lived and lineage.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_root "runs the monitor during a storm"
need_cmd jq
need_cmd sqlite3
"$PROCTRAIL" watch --help 2>&1 | grep -q -- "--sqlite=" || skip "this proctrail has no watch --sqlite"

DB=$T/history.db
N=2000
TAG=pt-sqlite-$$
start_watch "$T/events.json" "$T/err" --json --sqlite="$DB" --spool-dir="$T/spool" \
	--batch-size=64 --flush-interval=0.05

"$STORM" -n $N -k 4 -b /bin/true -t "$TAG" >/dev/null &
spid=$!
# read-only while watch writes: never "database is locked", never an error
reads=0
while kill -0 $spid 2>/dev/null; do
	"$PROCTRAIL" history --db="$DB" -n 1 >/dev/null 2>"$T/hist-err" ||
		{ cat "$T/hist-err"; fail "history failed while watch was writing"; }
	reads=$((reads + 1))
done
wait $spid || fail "storm failed"
# a small tree for lineage: sh -> sh -> true, with markers in argv
sh -c "sh -c '/bin/true $TAG-leaf; :' $TAG-mid; :" "$TAG-top"
sleep 0.3
stop_watch
[ "$WATCH_RC" = 0 ] || { cat "$T/err"; fail "watch exited $WATCH_RC"; }
ok "history read the database $reads times during the storm"

# the sink's own account: nothing dropped, no error
sink=$(grep '^proctrail: summary ' "$T/err" | sed 's/^proctrail: summary //' | jq -c '.sinks[0]')
[ "$(echo "$sink" | jq -r .type)" = sqlite ] || fail "no sqlite sink in the summary: $sink"
[ "$(echo "$sink" | jq -r .dropped)" = 0 ] || fail "the sink dropped: $sink"
[ "$(echo "$sink" | jq -r .errors)" = 0 ] || fail "the sink had errors: $sink"
lines=$(wc -l <"$T/events.json")
[ "$(echo "$sink" | jq -r .written)" = "$lines" ] ||
	fail "sink wrote $(echo "$sink" | jq -r .written), watch printed $lines"

# the rows equal what watch printed: every event, per type
jq -r .event "$T/events.json" | sort | uniq -c | awk '{print $2 "|" $1}' >"$T/want-types"
sqlite3 "$DB" "SELECT event, count(*) FROM events GROUP BY event ORDER BY event" >"$T/got-types"
diff "$T/want-types" "$T/got-types" || fail "events per type differ (watch < > database)"
ok "events per type equal: $(tr '\n' ' ' <"$T/got-types")"
# every line stored byte for byte
sqlite3 "$DB" "SELECT data FROM events ORDER BY rowid" >"$T/got-lines"
sort "$T/events.json" >"$T/a"
sort "$T/got-lines" >"$T/b"
cmp -s "$T/a" "$T/b" || fail "events.data is not the lines watch printed"
# execs: one row per exec printed; the storm's one by one
want=$(jq -r 'select(.event == "exec") | .key' "$T/events.json" | wc -l)
got=$(sqlite3 "$DB" "SELECT count(*) FROM execs")
[ "$want" = "$got" ] || fail "execs: watch printed $want, the database has $got"
count_tagged "$T/events.json" exec "$TAG-" >"$T/n-storm"
got=$(sqlite3 "$DB" "SELECT count(DISTINCT cmdline) FROM execs WHERE cmdline LIKE '/bin/true $TAG-%'")
# the storm's $N, and the leaf of the lineage tree
[ "$got" = "$(cat "$T/n-storm")" ] || fail "storm execs: watch $(cat "$T/n-storm"), database $got"
# processes: one per key that watch printed a fork/exec/exit for
want=$(jq -r 'select(.event != "lost" and .thread != true and .key != null) | .key' "$T/events.json" | sort -u | wc -l)
got=$(sqlite3 "$DB" "SELECT count(*) FROM processes")
[ "$want" = "$got" ] || fail "processes: watch printed $want keys, the database has $got"
want=$(jq -r 'select(.event == "exit" and .thread != true and .key != null) | .key' "$T/events.json" | sort -u | wc -l)
got=$(sqlite3 "$DB" "SELECT count(*) FROM processes WHERE exit_us IS NOT NULL")
[ "$want" = "$got" ] || fail "exited processes: watch printed $want, the database has $got"
ok "execs, processes and exits equal what watch printed ($want exits)"

# history by command: the storm's 17th child, exactly
"$PROCTRAIL" history --db="$DB" --comm=true --cmd="/bin/true $TAG-17" --json >"$T/h1" ||
	fail "history --comm --cmd failed"
[ "$(wc -l <"$T/h1")" = 1 ] || { cat "$T/h1"; fail "history --cmd: not one row"; }
json_all "$T/h1" true '.comm == "true" and .argv == ["/bin/true", "'"$TAG"'-17"] and .pid > 0' || fail "history --cmd: not the exec asked for"
ok "history --comm --cmd found the one exec"
# text: header plus rows
"$PROCTRAIL" history --db="$DB" --cmd="*$TAG-1?" >"$T/h2" || fail "history --cmd (text) failed"
[ "$(wc -l <"$T/h2")" = 11 ] || { cat "$T/h2"; fail "history --cmd '*$TAG-1?': not 10 rows"; }

# short-lived: each storm child that lived under 1000 ms, as watch reported
want=$(jq -r 'select(.event == "exit" and (.argv[1] // "" | startswith("'"$TAG"'-"))
	and .duration_ms < 1000) | .key' "$T/events.json" | sort -u | wc -l)
"$PROCTRAIL" history --db="$DB" --short --cmd="/bin/true $TAG-*" --json >"$T/h3" ||
	fail "history --short failed"
got=$(wc -l <"$T/h3")
[ "$want" = "$got" ] || fail "history --short: $got rows, watch reported $want"
[ "$got" -gt 0 ] || fail "no short-lived storm children"
json_all "$T/h3" true '.duration_ms < 1000 and .exit_code == 0' || fail "history --short: a row not short or failed"
"$PROCTRAIL" history --db="$DB" --short=1 --cmd="/bin/true $TAG-*" --json >"$T/h4"
[ "$(jq -c 'select(.duration_ms >= 1)' "$T/h4" | wc -l)" = 0 ] || fail "--short=1 let longer ones in"
ok "history --short: $got storm children under 1000 ms"

# lineage of the leaf: ... top, mid (oldest first), itself; mid's child is the leaf
leaf=$(jq -r 'select(.event == "exec" and .argv[1] == "'"$TAG"'-leaf") | .key' "$T/events.json")
[ -n "$leaf" ] || fail "watch did not print the leaf's exec"
"$PROCTRAIL" history --db="$DB" --lineage="$leaf" --json >"$T/h5" || fail "history --lineage failed"
jq -r '.role + " " + (.cmdline // "")' "$T/h5" >"$T/roles"
grep -n . "$T/roles" | tail -3 >"$T/last3"
sed -n 1p "$T/last3" | grep -q "ancestor sh -c sh -c '/bin/true $TAG-leaf; :' $TAG-mid; : $TAG-top" ||
	{ cat "$T/roles"; fail "lineage: the top sh is not the grandparent"; }
sed -n 2p "$T/last3" | grep -q "ancestor sh -c /bin/true $TAG-leaf; : $TAG-mid" ||
	{ cat "$T/roles"; fail "lineage: the mid sh is not the parent"; }
sed -n 3p "$T/last3" | grep -q "self /bin/true $TAG-leaf" ||
	{ cat "$T/roles"; fail "lineage: the leaf is not last"; }
mid=$(jq -r 'select(.role == "ancestor") | .key' "$T/h5" | tail -1)
"$PROCTRAIL" history --db="$DB" --lineage="$mid" --json >"$T/h6"
json_has "$T/h6" '.role == "child" and .key == "'"$leaf"'"' || fail "lineage: mid's child is not the leaf"
ok "history --lineage: top, mid, leaf in order; mid's child is the leaf"

# the view answers the same as history
got=$(sqlite3 "$DB" "SELECT count(*) FROM v_process_tree WHERE key = '$leaf'")
want=$(jq -c 'select(.role == "ancestor")' "$T/h5" | wc -l)
[ "$got" = "$want" ] || fail "v_process_tree: $got ancestors, history $want"
ok "v_process_tree agrees"

# a missing database: one line naming it, exit 1
"$PROCTRAIL" history --db="$T/none.db" >/dev/null 2>"$T/e"
[ $? = 1 ] || fail "history on a missing database did not exit 1"
[ "$(wc -l <"$T/e")" = 1 ] && grep -q "$T/none.db" "$T/e" && grep -q -- "--sqlite" "$T/e" ||
	{ cat "$T/e"; fail "missing database: not one line naming it and the sink"; }
ok "a missing database is one line, exit 1"
