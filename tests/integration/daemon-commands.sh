#!/bin/sh
# proctraild answers every command of the protocol, against /proc and against
# a storm of short-lived processes: records as `proctrail --json` writes them,
# one final line per reply.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/daemon-lib.sh"
need_root "the daemon's monitor"
need_cmd jq

start_daemon
sleep 300 &
S=$!
PIDS="$PIDS $S"
sleep 0.3

# version
q '{"cmd":"version","id":"v1"}' >"$T/v"
[ "$(wc -l <"$T/v")" = 2 ] || fail "version: $(cat "$T/v")"
[ "$(head -1 "$T/v" | jq -c '[.protocol, .json_schema, (.version | type)]')" = '[1,1,"string"]' ] ||
	fail "version record: $(head -1 "$T/v")"
[ "$(tail -1 "$T/v")" = '{"done":"version","count":1,"id":"v1"}' ] || fail "version final: $(tail -1 "$T/v")"
ok "version"

# show: pid, key, pid@time; the record is the one proctrail show --json prints
q "{\"cmd\":\"show\",\"pid\":$S}" >"$T/show"
[ "$(tail -1 "$T/show")" = '{"done":"show","count":1}' ] || fail "show final: $(tail -1 "$T/show")"
KEY=$(head -1 "$T/show" | jq -r .key)
"$PROCTRAIL" show "$S" --json >"$T/local"
# what a snapshot and a live monitor both know for certain (tier, start_time's
# precision and inherited differ by nature)
SAME='[.pid,.ppid,.start,.comm,.exe,.argv,.uid,.gid,.sid,.cwd,.cgroup,.ns,.key,.parent_key]'
[ "$(head -1 "$T/show" | jq -c "$SAME")" = "$(jq -c "$SAME" "$T/local")" ] ||
	fail "show differs from proctrail show --json: $(head -1 "$T/show") / $(cat "$T/local")"
[ "$(q "{\"cmd\":\"show\",\"key\":\"$KEY\"}" | head -1 | jq .pid)" = "$S" ] || fail "show by key"
[ "$(q "{\"cmd\":\"show\",\"pid\":\"$KEY\"}" | head -1 | jq .pid)" = "$S" ] || fail "show by key in pid"
[ "$(q "{\"cmd\":\"show\",\"pid\":\"$S@-0.1\"}" | head -1 | jq .pid)" = "$S" ] || fail "show pid@-0.1"
[ "$(final '{"cmd":"show","pid":4194304,"id":3}')" = \
	'{"error":{"code":"not_found","message":"no process 4194304"},"id":3}' ] ||
	fail "show of no process: $(final '{"cmd":"show","pid":4194304,"id":3}')"
BOOT=$(cat /proc/sys/kernel/random/boot_id)
OTHER=$(echo "$KEY" | sed 's/^[0-9a-f]/0/;s/^0\(.\)/1\1/')
[ "$OTHER" != "$KEY" ] || OTHER="00000000-0000-0000-0000-000000000000:${KEY#*:}"
[ "$(final "{\"cmd\":\"show\",\"key\":\"$OTHER\"}" | jq -r .error.code)" = other_boot ] ||
	fail "a key of another boot: $(final "{\"cmd\":\"show\",\"key\":\"$OTHER\"}")"
ok "show by pid, key, pid@time; not_found; other_boot ($BOOT)"

# ps: every process alive before and after is in it, by pid; fields and filter
proc_ids >"$T/before"
q '{"cmd":"ps"}' >"$T/ps"
proc_ids >"$T/after"
[ "$(tail -1 "$T/ps" | jq -r .done)" = ps ] || fail "ps final: $(tail -1 "$T/ps")"
[ "$(tail -1 "$T/ps" | jq .count)" = "$(($(wc -l <"$T/ps") - 1))" ] || fail "ps count"
sed '$d' "$T/ps" | jq -r '"\(.pid) \(.start)"' | sort >"$T/ps.ids"
comm -12 "$T/before" "$T/after" >"$T/both"
missing=$(comm -23 "$T/both" "$T/ps.ids" | wc -l)
[ "$missing" = 0 ] || fail "ps misses $missing processes: $(comm -23 "$T/both" "$T/ps.ids" | head -3)"
sed '$d' "$T/ps" | jq .pid >"$T/ps.pids"
sort -n "$T/ps.pids" | cmp -s - "$T/ps.pids" || fail "ps is not by pid"
sed '$d' "$T/ps" | jq -r .state | sort -u | grep -qv '^alive$' && fail "ps (alive) gave exited records"
q '{"cmd":"ps","fields":["pid","comm"]}' | sed '$d' | jq -c 'keys' | sort -u >"$T/keys"
[ "$(cat "$T/keys")" = '["comm","pid"]' ] || fail "ps fields: $(cat "$T/keys")"
q '{"cmd":"ps","fields":"proc.pid, key"}' | sed '$d' | jq -c 'keys' | sort -u >"$T/keys"
[ "$(cat "$T/keys")" = '["key","pid"]' ] || fail "ps fields as a string: $(cat "$T/keys")"
"$PROCTRAIL" ps --json -o pid,comm | jq -c . | grep "\"pid\":$S," >"$T/local.ps"
q '{"cmd":"ps","fields":"pid,comm"}' | grep "\"pid\":$S," >"$T/d.ps"
cmp -s "$T/local.ps" "$T/d.ps" || fail "ps -o record differs: $(cat "$T/d.ps") / $(cat "$T/local.ps")"
q "{\"cmd\":\"ps\",\"filter\":\"proc.name = sleep and proc.pid = $S\"}" >"$T/f"
[ "$(sed '$d' "$T/f" | jq .pid)" = "$S" ] || fail "ps filter: $(cat "$T/f")"
ok "ps: $(wc -l <"$T/ps.ids") processes, by pid, fields and filter"

# tree: root first, each parent before its children
q '{"cmd":"tree"}' >"$T/tree"
[ "$(head -1 "$T/tree" | jq .pid)" = 1 ] || fail "tree does not start at pid 1"
sed '$d' "$T/tree" | jq -r '"\(.pid) \(.ppid)"' | awk 'NR == 1 { seen[$1] = 1; next }
	!($2 in seen) { print "parent after child: " $0; bad = 1 } { seen[$1] = 1 }
	END { exit bad }' || fail "tree order"
grep -q "\"pid\":$S," "$T/tree" || fail "tree misses $S"
[ "$(q "{\"cmd\":\"tree\",\"pid\":$$}" | sed '$d' | jq .pid | head -1)" = "$$" ] || fail "tree PID"
ok "tree: $(($(wc -l <"$T/tree") - 1)) records, parents first"

# lineage and children of a live process
q "{\"cmd\":\"lineage\",\"pid\":$S}" | sed '$d' | jq -r .pid >"$T/lin"
[ "$(head -1 "$T/lin")" = "$S" ] && [ "$(sed -n 2p "$T/lin")" = "$$" ] &&
	[ "$(tail -1 "$T/lin")" = 1 ] || fail "lineage of $S: $(tr '\n' ' ' <"$T/lin")"
q "{\"cmd\":\"children\",\"pid\":$$}" | sed '$d' | jq .pid >"$T/kids"
grep -qx "$S" "$T/kids" || fail "children of $$ miss $S"
ok "lineage (up to 1) and children"

# a storm: recent, short, children and lineage of processes that are gone
TAG=pdcmd$$
"$STORM" -n 200 -k 4 -b "$TRUE_STATIC" -t "$TAG" >"$T/storm.json" || fail "storm failed"
sleep 0.5
q '{"cmd":"recent","seconds":60}' >"$T/recent"
[ "$(tail -1 "$T/recent" | jq -r .done)" = recent ] || fail "recent final: $(tail -1 "$T/recent")"
n=$(sed '$d' "$T/recent" | jq -r "select(.argv[1] // \"\" | startswith(\"$TAG-\")) | .argv[1]" | sort -u | wc -l)
[ "$n" = 200 ] || fail "recent: $n of 200 storm processes"
sed '$d' "$T/recent" | jq -r .state | grep -qx alive && fail "recent gave a live process"
q '{"cmd":"short","ms":5000}' >"$T/short"
n=$(sed '$d' "$T/short" | jq -r "select(.argv[1] // \"\" | startswith(\"$TAG-\")) | .argv[1]" | sort -u | wc -l)
[ "$n" = 200 ] || fail "short: $n of 200 storm processes"
q '{"cmd":"short","ms":0.5}' | sed '$d' | jq -r .argv[1] | grep -q "^$TAG-" &&
	fail "short 0.5 ms (whole ms, rounded down: none) gave storm processes"
C=$(sed '$d' "$T/recent" | jq -c "select(.argv[1] == \"$TAG-7\")" | head -1)
CP=$(echo "$C" | jq .pid)
STP=$(echo "$C" | jq .ppid)
q "{\"cmd\":\"lineage\",\"key\":$(echo "$C" | jq .key)}" | sed '$d' >"$T/lin2"
[ "$(head -1 "$T/lin2" | jq .pid)" = "$CP" ] || fail "lineage of an exited child"
[ "$(sed -n 2p "$T/lin2" | jq .pid)" = "$STP" ] || fail "lineage: the storm is not its parent"
[ "$(sed -n 2p "$T/lin2" | jq -r .state)" = exited ] || fail "lineage: the storm process exited"
[ "$(tail -1 "$T/lin2" | jq .pid)" = 1 ] || fail "lineage of an exited child ends at $(tail -1 "$T/lin2" | jq .pid)"
n=$(q "{\"cmd\":\"children\",\"key\":$(sed -n 2p "$T/lin2" | jq .key),\"state\":\"exited\"}" |
	sed '$d' | jq -r .argv[1] | grep -c "^$TAG-")
[ "$n" = 200 ] || fail "children of the exited storm: $n of 200"
q "{\"cmd\":\"show\",\"key\":$(echo "$C" | jq .key)}" | head -1 >"$T/gone"
[ "$(jq -c '[.state, .exit_code, .argv[1], (.exe | type)]' "$T/gone")" = "[\"exited\",0,\"$TAG-7\",\"string\"]" ] ||
	fail "show of a process that is gone: $(cat "$T/gone")"
ok "storm: recent, short, lineage, children and show of exited processes"

# status: the monitor's counters and the daemon's member
q '{"cmd":"status"}' >"$T/st"
[ "$(tail -1 "$T/st")" = '{"done":"status","count":1}' ] || fail "status final"
head -1 "$T/st" | jq -e '.tier and .alive > 0 and .exec_total >= 200 and (.events | type) == "object"
	and .daemon.pid > 0 and .daemon.protocol == 1 and .daemon.requests > 10
	and .daemon.max_clients > 0 and .daemon.lost_slow_reader == 0
	and .daemon.config.retention_ms == 600000 and .daemon.config.memory_max == 268435456' >/dev/null ||
	fail "status: $(head -1 "$T/st")"
ok "status"

stop_daemon
[ "$DRC" = 0 ] || fail "proctraild exited $DRC"
[ -e "$SOCK" ] && fail "the socket file is left behind"
grep -q "client .* connected: pid [0-9]* uid 0 gid 0" "$DLOG" || fail "no SO_PEERCRED line in the log"
ok "stopped cleanly, socket removed, clients logged with their credentials"
