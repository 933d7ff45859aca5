#!/bin/sh
# watch's text views against the kernel: --tree indentation under parallel
# children, --time formats, --compact, --color (and NO_COLOR) on a terminal.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_root "a kernel tier (bpf or netlink) for the live stream"
need_cmd script

# usage errors: the views shape the text lines, not JSON or -o columns
for bad in "--tree --json" "--compact --json" "--time=iso --json" "--tree -o pid" \
	"--compact -o pid" "--time=utc -o pid" "--color=always --json" "--color=always -o pid" \
	"--time=bogus" "--color=sometimes" "--compact --events=exec"; do
	# shellcheck disable=SC2086
	"$PROCTRAIL" watch $bad >/dev/null 2>"$T/usage.err"
	rc=$?
	[ $rc = 2 ] || fail "watch $bad: exit $rc, not 2"
	[ "$(wc -l <"$T/usage.err")" = 1 ] || fail "watch $bad: not a one-line error"
done
for fine in "--color=auto --json" "--color=never --json" "--color=never -o pid"; do
	# shellcheck disable=SC2086
	"$PROCTRAIL" watch $fine --duration=0.1 >/dev/null 2>"$T/fine.err" ||
		fail "watch $fine refused: $(cat "$T/fine.err")"
done
ok "usage: --tree/--compact/--time/--color=always with --json or -o, --compact without exit events: exit 2 in one line"

# A shell starts three children in parallel; each forks a grandchild, which
# forks a sleep. Every line of a process must be indented by its depth:
# top D, child D+1, grandchild D+2, sleep D+3, whatever the interleaving.
cat >"$T/top.sh" <<EOF
for i in 1 2 3; do sh "$T/child.sh" \$i & done
wait
EOF
cat >"$T/child.sh" <<EOF
sh "$T/grand.sh" \$1 &
wait
exit \$1
EOF
cat >"$T/grand.sh" <<EOF
sleep 0.2\$1
:
EOF

start_watch "$T/tree.out" "$T/tree.err" --tree --events=fork,exec,exit
sh "$T/top.sh"
sleep 0.3
stop_watch
[ "$WATCH_RC" = 0 ] || fail "watch --tree exited $WATCH_RC: $(cat "$T/tree.err")"
# fields: indentation (spaces after the time column), pid, event, detail
awk '
NR > 1 {
	rest = substr($0, 17)
	match(rest, /^ */)
	ind = RLENGTH
	rest = substr(rest, ind + 1)
	split(rest, f, " ")
	print ind, f[1], f[2], substr(rest, length(f[1]) + length(f[2]) + 3)
}' "$T/tree.out" >"$T/tree.lines"
# the level of each process, from its exec line
awk -v t="$T" '
$3 == "exec" && index($0, "sh " t "/top.sh") { print $2, 0 }
$3 == "exec" && index($0, "sh " t "/child.sh ") { print $2, 1 }
$3 == "exec" && index($0, "sh " t "/grand.sh ") { print $2, 2 }
$3 == "exec" && $0 ~ /sleep 0\.2[123]$/ { print $2, 3 }
' "$T/tree.lines" | sort -u >"$T/levels"
[ "$(awk '$2 == 0' "$T/levels" | wc -l)" = 1 ] || fail "--tree: not one top.sh exec: $(cat "$T/levels")"
for l in 1 2 3; do
	n=$(awk -v l=$l '$2 == l' "$T/levels" | wc -l)
	[ "$n" = 3 ] || { cat "$T/tree.out"; fail "--tree: $n processes at level $l, not 3"; }
done
top=$(awk '$2 == 0 { print $1 }' "$T/levels")
base=$(awk -v p="$top" '$2 == p && $3 == "exec" { print $1; exit }' "$T/tree.lines")
[ -n "$base" ] && [ "$base" -ge 2 ] || fail "--tree: top.sh (a child of this test) at indentation '$base'"
# every fork, exec and exit line of these 10 processes, at its level
bad=$(awk -v base="$base" '
NR == FNR { lvl[$1] = $2; next }
($2 in lvl) { n++; if ($1 != base + 2 * lvl[$2]) print "pid " $2 " " $3 ": indent " $1 ", want " base + 2 * lvl[$2] }
END { if (n != 30) print n " lines of the 10 processes, not 30 (fork, exec, exit)" }
' "$T/levels" "$T/tree.lines")
[ -z "$bad" ] || { cat "$T/tree.out"; fail "--tree: $bad"; }
# exit lines carry the status and the lifetime
for i in 1 2 3; do
	grep -Eq "exit sh \[exit $i\] after [0-9.]+(us|ms|s)$" "$T/tree.out" ||
		fail "--tree: no exit line of child $i with [exit $i] and a lifetime"
done
ok "--tree: 10 processes in 4 levels, every line at its lineage's depth"

# --time: each format, parsed back
gen() { sh -c 'exit 0' pt-view-time; }
for fmt in local utc iso relative epoch; do
	before=$(date +%s)
	start_watch "$T/t-$fmt.out" "$T/t-$fmt.err" --time=$fmt --events=exec
	gen
	sleep 0.3
	stop_watch
	after=$(date +%s)
	t=$(awk '/pt-view-time/ { print $1; exit }' "$T/t-$fmt.out")
	[ -n "$t" ] || fail "--time=$fmt: no exec line: $(cat "$T/t-$fmt.out")"
	head -1 "$T/t-$fmt.out" | grep -q '^TIME ' || fail "--time=$fmt: no TIME header"
	case $fmt in
	local) re='^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{6}$' ;;
	utc) re='^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{6}Z$' ;;
	iso) re='^[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{6}[+-][0-9]{2}:[0-9]{2}$' ;;
	relative) re='^[0-9]+\.[0-9]{6}$' ;;
	epoch) re='^[0-9]{10,}\.[0-9]{6}$' ;;
	esac
	echo "$t" | grep -Eq "$re" || fail "--time=$fmt: '$t' is not in the documented format"
	# a clock, not a duration: the event lies between the test's own readings
	case $fmt in
	iso) s=$(date -d "$t" +%s) ;;
	epoch) s=${t%.*} ;;
	utc) s=$(date -u -d "$(date -u +%F) ${t%Z}" +%s) ;;
	local) s=$(date -d "$(date +%F) $t" +%s) ;;
	relative) s=$before ;;
	esac
	# (utc/local read across a midnight would be a day off; skip that check then)
	if [ "$(date +%F -d @"$before")" = "$(date +%F -d @"$after")" ] &&
		[ "$(date -u +%F -d @"$before")" = "$(date -u +%F -d @"$after")" ]; then
		[ "$s" -ge $((before - 1)) ] && [ "$s" -le $((after + 1)) ] ||
			fail "--time=$fmt: '$t' is not between $before and $after"
	fi
	[ "$fmt" != relative ] || [ "${t%.*}" -le $((after - before + 1)) ] ||
		fail "--time=relative: '$t' s after ready, but the watch ran $((after - before)) s"
done
TZ=ABC-01:30 "$PROCTRAIL" watch --time=iso --events=exec --duration=1.5 >"$T/tz.out" 2>"$T/tz.err" &
WATCH_PID=$!
PIDS="$PIDS $WATCH_PID"
wait_for_line "$T/tz.err" ready 20 || fail "TZ watch not ready"
gen
wait "$WATCH_PID"
grep 'pt-view-time' "$T/tz.out" | grep -Eq '^[0-9-]{10}T[0-9:.]{15}\+01:30 ' ||
	fail "--time=iso does not follow TZ: $(grep pt-view-time "$T/tz.out")"
ok "--time: local, utc, iso (with TZ's offset), relative and epoch parse back"

# --compact: one line per process, at its exit: status, lifetime, argv
start_watch "$T/c.out" "$T/c.err" --compact
sh "$T/child.sh" 3
{ sh -c 'kill -9 $$' pt-view-killed; } 2>/dev/null
sleep 0.3
stop_watch
# child.sh 3 -> grand.sh 3 -> sleep 0.23: three processes, three lines
for cmd in "sh $T/child.sh 3" "sh $T/grand.sh 3" "sleep 0.23"; do
	n=$(grep -cF -- " $cmd" "$T/c.out")
	[ "$n" = 1 ] || { cat "$T/c.out"; fail "--compact: $n lines for '$cmd', not 1"; }
done
grep -F "sh $T/child.sh 3" "$T/c.out" |
	grep -Eq "^[^ ]+ +[0-9]+ +[0-9]+ exit 3 +[0-9.]+(us|ms|s)  sh $T/child.sh 3$" ||
	fail "--compact: child's line is not TIME PID PPID 'exit 3' DURATION ARGV: $(grep -F child.sh "$T/c.out")"
grep -Eq "^[^ ]+ +[0-9]+ +[0-9]+ exit 0 +[0-9.]+(ms|s)  sleep 0\.23$" "$T/c.out" ||
	fail "--compact: no 'exit 0' line for sleep 0.23"
grep -F pt-view-killed "$T/c.out" | grep -q ' SIGKILL ' || fail "--compact: no SIGKILL line"
grep -Eq '^[^ ]+ +[0-9]+ +[0-9]+ (fork|exec) ' "$T/c.out" && fail "--compact printed fork/exec lines"
ok "--compact: one line per process with status, lifetime and argv"

# --color on a terminal (script's pseudo-terminal): a generator runs once
# watch is ready; the pty gets watch's stdout.
cat >"$T/gen.sh" <<EOF
sh -c 'exit 0' pt-view-ok
sh -c 'exit 4' pt-view-fail
{ sh -c 'kill -TERM \$\$' pt-view-sig; } 2>/dev/null
EOF
on_tty() { # ENV... -- watch args: runs watch on a pty, the generator beside it
	rm -f "$T/pty.err"
	script -qec "stty cols 300; env $1 $PROCTRAIL watch $2 --duration=3 2>$T/pty.err & w=\$!;
		i=0; while ! grep -q ready $T/pty.err 2>/dev/null && [ \$i -lt 200 ]; do
		sleep 0.1; i=\$((i + 1)); done; sh $T/gen.sh; wait \$w" /dev/null | tr -d '\r'
}
esc=$(printf '\033')
on_tty "TERM=xterm NO_COLOR=" "--compact" >"$T/auto.out"
grep -q "pt-view-fail" "$T/auto.out" || fail "--color=auto on a pty: no output: $(cat "$T/auto.out")"
grep "pt-view-fail" "$T/auto.out" | grep -qF "${esc}[31mexit 4${esc}[0m" ||
	fail "--color=auto on a terminal: 'exit 4' not in red"
grep "pt-view-sig" "$T/auto.out" | grep -qF "${esc}[35mSIGTERM${esc}[0m" ||
	fail "--color=auto on a terminal: SIGTERM not in magenta"
grep "pt-view-ok" "$T/auto.out" | grep -qF "$esc" && fail "--color: an exit 0 line is coloured"
on_tty "TERM=xterm NO_COLOR=1" "--compact" >"$T/nocolor.out"
grep -q "pt-view-fail" "$T/nocolor.out" || fail "NO_COLOR run: no output"
grep -qF "$esc" "$T/nocolor.out" && fail "NO_COLOR=1 with --color=auto still coloured"
on_tty "TERM=xterm NO_COLOR=1" "--compact --color=always" >"$T/always-tty.out"
grep "pt-view-fail" "$T/always-tty.out" | grep -qF "${esc}[31m" ||
	fail "--color=always does not override NO_COLOR"
on_tty "TERM=xterm" "--json --events=exit" >"$T/json.out"
grep -q "pt-view-fail" "$T/json.out" || fail "--json on a pty: no output"
grep -qF "$esc" "$T/json.out" && fail "--json on a terminal got colour codes"
# not a terminal: auto is off, always is on, only on failure and signal lines
start_watch "$T/pipe.out" "$T/pipe.err" --events=exit
sh "$T/gen.sh"
sleep 0.3
stop_watch
grep -qF "$esc" "$T/pipe.out" && fail "--color=auto into a file got colour codes"
start_watch "$T/always.out" "$T/always.err" --color=always
sh "$T/gen.sh"
sleep 0.3
stop_watch
# the exit line names the process by comm: find each one's pid by its exec
exit_of() {
	pid=$(awk -v tag="$1" '$2 == "exec" && index($0, tag) { print $3; exit }' "$T/always.out")
	[ -n "$pid" ] || fail "--color=always: no exec line for $1"
	awk -v pid="$pid" '$2 ~ /exit/ && $3 == pid' "$T/always.out"
}
exit_of pt-view-fail | grep -qF "${esc}[31m[exit 4]${esc}[0m" ||
	fail "--color=always: no red [exit 4]: $(exit_of pt-view-fail)"
exit_of pt-view-sig | grep -qF "${esc}[35m[SIGTERM]${esc}[0m" ||
	fail "--color=always: no magenta [SIGTERM]: $(exit_of pt-view-sig)"
exit_of pt-view-ok | grep -qF "$esc" && fail "--color=always: an exit 0 line is coloured"
# (a failed exec elsewhere on the host, e.g. a PATH search, is a failure too)
bad=$(grep -F "$esc" "$T/always.out" |
	grep -Ev "\\[(exit [1-9][0-9]*|SIG[A-Z0-9]+(, core dumped)?|signal)\\]|${esc}\\[31mexec_failed${esc}\\[0m")
[ -z "$bad" ] || fail "--color=always coloured a line that is no failure: $bad"
ok "--color: SGR on failures and signals only; NO_COLOR and JSON stay plain"

# colour codes take no column: lines cut at 40 columns stay within 40
LC_ALL=C script -qec "stty cols 40; $PROCTRAIL watch --compact --color=always --duration=3 \
	2>$T/cut.err & w=\$!; i=0; while ! grep -q ready $T/cut.err 2>/dev/null && [ \$i -lt 200 ];
	do sleep 0.1; i=\$((i + 1)); done; sh $T/gen.sh; wait \$w" /dev/null | tr -d '\r' >"$T/cut.out"
grep -qF "${esc}[31m" "$T/cut.out" || fail "cut lines: no colour at all"
wide=$(sed "s/${esc}\[[0-9;]*m//g" "$T/cut.out" | LC_ALL=C awk 'length($0) > 40' | wc -l)
[ "$wide" = 0 ] || fail "$wide coloured lines wider than 40 columns once codes are removed"
unreset=$(grep -F "${esc}[3" "$T/cut.out" | grep -vcF "${esc}[0m")
[ "$unreset" = 0 ] || fail "$unreset cut lines lost their colour reset"
ok "--color on a 40-column terminal: codes take no column, cut lines still reset"
