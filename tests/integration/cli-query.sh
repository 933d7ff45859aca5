#!/bin/sh
# lineage, children, recent, short and status against a snapshot of /proc
# (--local, and the fallback when no daemon answers): exact records checked
# against /proc; bad input is one line on stderr with exit status 2.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq

NOSOCK="$T/no-daemon.sock"
# never a daemon that happens to run on this host
export PROCTRAIL_SOCKET="$NOSOCK"

# a parent with three children, and a grandchild under the first
sh -c 'sleep 300 & sh -c "sleep 300 & wait" & sleep 300 & sleep 300 & wait' &
P=$!
PIDS="$PIDS $P"
i=0
while [ "$(pgrep -P "$P" | wc -l)" -lt 4 ]; do
	i=$((i + 1))
	[ $i -gt 50 ] && fail "the test's processes did not start"
	sleep 0.1
done
sleep 0.2
ppid_of() { cut -d')' -f2 "/proc/$1/stat" | awk '{ print $2 }'; }
KID=$(pgrep -P "$P" sleep | head -1)

# ---- lineage: the process, then its parents up to init, as /proc says ----
want=""
p=$KID
while [ "$p" != 0 ]; do
	want="$want $p"
	p=$(ppid_of "$p")
done
got=$("$PROCTRAIL" lineage "$KID" --local --json | jq -r .pid | tr '\n' ' ')
[ " $got" = "$want " ] || fail "lineage $KID --json: '$got', /proc says '$want'"
got=$("$PROCTRAIL" lineage "$KID" -q -o pid | awk '{ printf " %s", $1 }')
[ "$got" = "$want" ] || fail "lineage -q -o pid: '$got', want '$want'"
"$PROCTRAIL" lineage "$KID" >"$T/lin.txt" || fail "lineage failed"
[ "$(head -1 "$T/lin.txt")" = "$("$PROCTRAIL" ps | head -1)" ] || fail "lineage: not ps's header"
[ "$(sed -n 2p "$T/lin.txt" | awk '{ print $1, $2, $5, $6, $7 }')" = "$KID $P sleep sleep 300" ] ||
	fail "lineage: first row $(sed -n 2p "$T/lin.txt")"
[ "$(wc -l <"$T/lin.txt")" = $(($(echo $want | wc -w) + 1)) ] || fail "lineage: $(cat "$T/lin.txt")"
# by key and by PID@TIME, the same records
KEY=$("$PROCTRAIL" show "$KID" --json | jq -r .key)
[ "$("$PROCTRAIL" lineage "$KEY" --json | jq -r .pid | awk '{ printf " %s", $1 }')" = "$want" ] ||
	fail "lineage KEY: another answer"
[ "$("$PROCTRAIL" lineage "$KID@-0.1" --json | jq -r .pid | head -1)" = "$KID" ] ||
	fail "lineage PID@-SECS: another process"
# -o fields as ps gives them, and JSON records as ps --json prints them
"$PROCTRAIL" ps --json >"$T/ps.json"
for p in $want; do
	jq -c "select(.pid == $p) | del(.threads)" "$T/ps.json"
done >"$T/want.json"
"$PROCTRAIL" lineage "$KID" --json | jq -c 'del(.threads)' >"$T/lin.json"
cmp -s "$T/want.json" "$T/lin.json" || fail "lineage --json records differ from ps --json's"
ok "lineage of $KID: $want (text, --json, -o, key, PID@TIME)"

# ---- children: direct children only, by pid ----
want=$(pgrep -P "$P" | sort -n | tr '\n' ' ')
got=$("$PROCTRAIL" children "$P" --json | jq -r .pid | tr '\n' ' ')
[ "$got" = "$want" ] || fail "children $P: '$got', /proc says '$want'"
got=$("$PROCTRAIL" children "$P" -q -o pid,ppid | awk '{ printf "%s/%s ", $1, $2 }')
[ "$got" = "$(for k in $want; do printf "%s/%s " "$k" "$P"; done)" ] || fail "children -o: $got"
[ -z "$("$PROCTRAIL" children "$KID" --json)" ] || fail "children of a sleep: not empty"
[ "$("$PROCTRAIL" children "$KID" | wc -l)" = 1 ] || fail "children of a sleep: not just the header"
ok "children of $P: $want"

# ---- recent, short: a snapshot has nothing exited ----
for c in "recent" "recent 3600" "short" "short 5000"; do
	"$PROCTRAIL" $c >"$T/r.out" 2>"$T/r.err" || fail "$c: exit $?"
	[ -s "$T/r.out" ] && fail "$c printed: $(cat "$T/r.out")"
	[ -s "$T/r.err" ] && fail "$c without -v said: $(cat "$T/r.err")"
	"$PROCTRAIL" -v $c --json >"$T/r.out" 2>"$T/r.err" || fail "-v $c: exit $?"
	[ -s "$T/r.out" ] && fail "-v $c --json printed: $(cat "$T/r.out")"
	grep -q "only the daemon (proctraild) retains them" "$T/r.err" ||
		fail "-v $c does not say why nothing: $(cat "$T/r.err")"
done
ok "recent and short: nothing, and -v says why"

# ---- status ----
"$PROCTRAIL" status --json >"$T/st.json" || fail "status --json failed"
[ "$(wc -l <"$T/st.json")" = 1 ] || fail "status --json: not one line"
[ "$(jq -r .tier "$T/st.json")" = none ] || fail "status: tier $(jq -r .tier "$T/st.json")"
n=$(jq .alive "$T/st.json")
live=$(ls -d /proc/[0-9]* | wc -l)
[ "$n" -gt $((live / 2)) ] && [ "$n" -lt $((live * 2)) ] || fail "status: alive $n, /proc has $live"
[ "$(jq .exited "$T/st.json")" = 0 ] || fail "status: a snapshot with exited processes"
"$PROCTRAIL" status >"$T/st.txt" || fail "status failed"
bad=$(grep -cv '^[a-z_.]*: [^ ]' "$T/st.txt")
[ "$bad" = 0 ] || fail "status: lines not 'key: value': $(grep -v '^[a-z_.]*: ' "$T/st.txt")"
[ "$(sed -n 's/^tier: //p' "$T/st.txt")" = none ] || fail "status: no 'tier: none' line"
# nested members as dotted keys, in the object's order
[ "$(jq -r 'paths(type != "object") | select(all(.[]; type == "string")) | join(".")' "$T/st.json")" = \
	"$(cut -d: -f1 "$T/st.txt")" ] || fail "status: text keys differ from --json's"
[ "$(sed -n 's/^events\.exec: //p' "$T/st.txt")" = "$(jq .events.exec "$T/st.json")" ] ||
	fail "status: events.exec differs"
ok "status: $n alive, text and --json agree"

# ---- the daemon: none answers here ----
"$PROCTRAIL" ps --daemon >"$T/d.out" 2>"$T/d.err"
rc=$?
[ $rc = 1 ] || fail "ps --daemon without a daemon: exit $rc, not 1"
[ "$(wc -l <"$T/d.err")" = 1 ] || fail "ps --daemon: not one line: $(cat "$T/d.err")"
grep -q "$NOSOCK" "$T/d.err" || fail "ps --daemon does not name the socket: $(cat "$T/d.err")"
[ -s "$T/d.out" ] && fail "ps --daemon printed on stdout"
"$PROCTRAIL" lineage "$KID" --daemon --socket="$T/other.sock" 2>"$T/d.err" >/dev/null
[ $? = 1 ] && grep -q "$T/other.sock" "$T/d.err" || fail "--socket is not the one tried: $(cat "$T/d.err")"
"$PROCTRAIL" -v children "$P" >"$T/f.out" 2>"$T/f.err" || fail "fallback failed"
grep -q "no daemon answers at $NOSOCK.*reading a snapshot of /proc instead" "$T/f.err" ||
	fail "-v does not say why a snapshot: $(cat "$T/f.err")"
[ "$(wc -l <"$T/f.out")" = 5 ] || fail "fallback: not the children: $(cat "$T/f.out")"
"$PROCTRAIL" children "$P" 2>"$T/f.err" >/dev/null
[ -s "$T/f.err" ] && fail "the fallback without -v said: $(cat "$T/f.err")"
"$PROCTRAIL" -v ps --local 2>"$T/l.err" >/dev/null
grep -q "daemon" "$T/l.err" && fail "--local tried the daemon: $(cat "$T/l.err")"
ok "--daemon fails in one line; the fallback says why with -v; --local asks no daemon"

# ---- bad input: one line, exit 2, nothing on stdout ----
while IFS='|' read -r args; do
	# shellcheck disable=SC2086
	"$PROCTRAIL" $args >"$T/u.out" 2>"$T/u.err"
	rc=$?
	[ $rc = 2 ] || fail "'$args': exit $rc, not 2 ($(cat "$T/u.err"))"
	[ "$(wc -l <"$T/u.err")" = 1 ] || fail "'$args': not one line: $(cat "$T/u.err")"
	[ -s "$T/u.out" ] && fail "'$args': printed on stdout"
done <<LIST
lineage
lineage 1 2
lineage 1@tomorrow
lineage x
children
children 0
children 1@-5
recent 0
recent -3
recent x
recent 1 2
short 0
short 1.5
short abc
status 1
status -o pid
show 1 -o pid
tree --daemon --local
ps --proc-root=/proc --daemon
ps --socket= 
ps --local --socket=/x
lineage 1 --ascii
LIST
for c in lineage children; do
	"$PROCTRAIL" $c 2147483647 >"$T/n.out" 2>"$T/n.err"
	[ $? = 1 ] || fail "$c of no process: not exit 1"
	[ "$(cat "$T/n.err")" = "proctrail: no process or thread 2147483647" ] ||
		fail "$c of no process: $(cat "$T/n.err")"
done
ok "bad input: one line and exit 2; no such process: exit 1"

for c in lineage children recent short status; do
	"$PROCTRAIL" $c --help | grep -q -- "--daemon" || fail "$c --help lacks --daemon"
	"$PROCTRAIL" --help | grep -q "^  $c" || fail "--help lacks $c"
done
ok "--help lists the commands and their options"
