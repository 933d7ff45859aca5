#!/bin/sh
# show by pid, pid@TIME and key on the live host; key and parent_key in ps -o
# and show --json agree with /proc; bad references are one-line usage errors.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq
[ -r /proc/sys/kernel/random/boot_id ] || skip "no /proc/sys/kernel/random/boot_id"

BOOT=$(cat /proc/sys/kernel/random/boot_id)
sleep 300 &
S=$!
PIDS="$PIDS $S"
stat22() { cut -d')' -f2 "/proc/$1/stat" | awk '{ print $20 }'; }
START=$(stat22 $S)
PSTART=$(stat22 $$)
KEY="$BOOT:$START:$S"
sleep 1.1 # PID@TIME in whole seconds, and PID@-SECS, fall after its start

"$PROCTRAIL" show "$S" --json >"$T/pid.json" || fail "show $S failed"
[ "$(jq -r .key "$T/pid.json")" = "$KEY" ] || fail "key $(jq -r .key "$T/pid.json"), want $KEY"
[ "$(jq -r .parent_key "$T/pid.json")" = "$BOOT:$PSTART:$$" ] ||
	fail "parent_key $(jq -r .parent_key "$T/pid.json"), want $BOOT:$PSTART:$$"
[ "$("$PROCTRAIL" ps -q -o pid,key,parent_key | awk -v p=$S '$1 == p { print $2, $3 }')" = \
	"$KEY $BOOT:$PSTART:$$" ] || fail "ps -o key,parent_key of $S disagrees"
[ "$(jq -r .parent_key "$("$PROCTRAIL" show 1 --json >"$T/1.json"; echo "$T/1.json")")" = null ] ||
	fail "pid 1 has a parent_key"
ok "key and parent_key of $S: $KEY"

"$PROCTRAIL" show "$KEY" --json >"$T/key.json" || fail "show $KEY failed"
[ "$(jq .pid "$T/key.json")" = "$S" ] || fail "show KEY: another process"
now=$(date +%s)
"$PROCTRAIL" show "$S@$now.5" --json >"$T/at.json" || fail "show $S@$now.5 failed"
[ "$(jq .pid "$T/at.json")" = "$S" ] || fail "show PID@epoch: another process"
"$PROCTRAIL" show "$S@$(date -u +%Y-%m-%dT%H:%M:%SZ)" >/dev/null || fail "show PID@RFC 3339 failed"
"$PROCTRAIL" show "$S@$(jq -r .start_time "$T/pid.json")" >/dev/null ||
	fail "show PID@ its own start_time failed"
"$PROCTRAIL" show "$S@-0.5" >/dev/null || fail "show PID@-0.5 failed"
ok "show by key, PID@epoch, PID@RFC 3339 and PID@-SECS"

# not this process: before it started, another start, another boot
"$PROCTRAIL" show "$S@2000-01-01T00:00:00Z" >/dev/null 2>"$T/e1"
[ $? = 1 ] || fail "show PID@2000: not exit 1"
grep -q "no such process" "$T/e1" || fail "show PID@2000: $(cat "$T/e1")"
"$PROCTRAIL" show "$BOOT:$((START + 5)):$S" >/dev/null 2>"$T/e2"
[ $? = 1 ] || fail "show of a key with another start: not exit 1"
"$PROCTRAIL" show "00000000-0000-0000-0000-000000000000:$START:$S" >/dev/null 2>"$T/e3"
[ $? = 1 ] || fail "show of a key of another boot: not exit 1"
grep -q "another boot" "$T/e3" || fail "a key of another boot: $(cat "$T/e3")"
ok "a reference to no live process exits 1 saying why"

for bad in "$S@" "$S@tomorrow" "$S@2025-02-30T00:00:00Z" "$S@2025-12-02T08:00:00" \
	"$BOOT:0:$S" "$BOOT:$START" "x$KEY" "$(printf 'a\033[2Jb')"; do
	"$PROCTRAIL" show "$bad" >"$T/u.out" 2>"$T/u.err"
	rc=$?
	[ $rc = 2 ] || fail "show '$bad': exit $rc, not 2"
	[ "$(wc -l <"$T/u.err")" = 1 ] || fail "show '$bad': not one line: $(cat "$T/u.err")"
	grep -q "$(printf '\033')" "$T/u.err" && fail "show: a terminal escape copied to stderr"
	[ -s "$T/u.out" ] && fail "show '$bad': printed on stdout"
done
ok "invalid references: one line, exit 2, escaped"
