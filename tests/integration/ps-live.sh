#!/bin/sh
# `proctrail ps --json` against the live /proc: every process once, with the
# fields DESIGN.md promises, matching /proc for processes we know.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq

sleep 30 &
SLEEPER=$!
PIDS="$PIDS $SLEEPER"
# a process with an awkward name and argv
cp /bin/sh "$T/a) (b" || fail "cannot copy sh"
"$T/a) (b" -c 'sleep 29; :' "arg with space" "$(printf 'x\001y')" &
WEIRD=$!
PIDS="$PIDS $WEIRD"
sleep 0.2

proc_ids >"$T/before"
"$PROCTRAIL" ps --json >"$T/ps.json" || fail "ps --json failed"
proc_ids >"$T/after"
jq -e . "$T/ps.json" >/dev/null || fail "ps --json is not valid JSON lines"

# every pid appears once
dups=$(jq -r .pid "$T/ps.json" | sort | uniq -d | wc -l)
[ "$dups" = 0 ] || fail "$dups pids appear more than once"

# every process alive before and after the snapshot is in it
jq -r '"\(.pid) \(.start)"' "$T/ps.json" | sort >"$T/seen"
missing=$(comm -12 "$T/before" "$T/after" | comm -23 - "$T/seen" | wc -l)
# processes of this very test may come and go; allow none missing
[ "$missing" = 0 ] || fail "$missing live processes missing from ps"

# required fields on every record
bad=$(jq -r 'select(has("pid") and has("ppid") and has("start") and has("comm") and has("exe") and has("argv") and has("uid") and has("euid") | not) | .pid' "$T/ps.json" | wc -l)
[ "$bad" = 0 ] || fail "$bad records lack a required field"

check() { # pid
	rec=$(jq -c "select(.pid == $1)" "$T/ps.json")
	[ -n "$rec" ] || fail "pid $1 not listed"
	stat=$(cat /proc/$1/stat)
	# fields after the last ')': state ppid ... starttime is field 22
	rest=${stat##*) }
	set -- $1 $rest
	want_ppid=$3
	want_start=$(echo "$rest" | awk '{print $20}')
	[ "$(echo "$rec" | jq .ppid)" = "$want_ppid" ] || fail "pid $1 ppid mismatch"
	[ "$(echo "$rec" | jq .start)" = "$want_start" ] || fail "pid $1 start mismatch"
	[ "$(echo "$rec" | jq -r .comm)" = "$(cat /proc/$1/comm)" ] || fail "pid $1 comm mismatch"
	[ "$(echo "$rec" | jq -r .exe)" = "$(readlink /proc/$1/exe)" ] || fail "pid $1 exe mismatch"
	[ "$(echo "$rec" | jq .uid)" = "$(awk '/^Uid:/ {print $2}' /proc/$1/status)" ] || fail "pid $1 uid mismatch"
}
check $$
check $SLEEPER
check $WEIRD
[ "$(jq -c "select(.pid == $SLEEPER) | .argv" "$T/ps.json")" = '["sleep","30"]' ] || fail "sleep argv wrong"
weird_argv=$(jq -c "select(.pid == $WEIRD) | .argv" "$T/ps.json")
[ "$weird_argv" = "[\"$T/a) (b\",\"-c\",\"sleep 29; :\",\"arg with space\",\"x\\u0001y\"]" ] ||
	fail "weird argv: $weird_argv"
[ "$(jq -r "select(.pid == $WEIRD) | .comm" "$T/ps.json")" = "a) (b" ] || fail "weird comm"
ok "ps --json matches /proc ($(wc -l <"$T/ps.json") processes)"

# text output: header plus one line per process
"$PROCTRAIL" ps >"$T/ps.txt" || fail "ps failed"
head -1 "$T/ps.txt" | grep -q "PID" || fail "ps header missing"
grep -q "^ *$SLEEPER " "$T/ps.txt" || fail "sleeper not in text ps"

# bad usage exits 2
"$PROCTRAIL" ps --bogus >/dev/null 2>&1
[ $? = 2 ] || fail "bad option does not exit 2"
"$PROCTRAIL" ps extra >/dev/null 2>&1
[ $? = 2 ] || fail "stray argument does not exit 2"
ok "ps text output and usage errors"
