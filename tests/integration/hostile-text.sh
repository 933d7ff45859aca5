#!/bin/sh
# Bytes a process controls never reach a terminal raw: a process with ESC, C1,
# bidi controls, newlines and invalid UTF-8 in its comm, exe, argv and cwd
# (helper-hostile) goes through every text command: watch on each tier that
# runs here, ps, tree and show. Their output must hold no control byte but
# the line ends, no C1 or bidi control, only valid UTF-8, and no line forged
# by a newline in a field.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
HOSTILE=$top_builddir/tests/integration/helper-hostile
[ -x "$HOSTILE" ] || fail "helper-hostile not built"
need_cmd iconv

# check_clean FILE WHAT
check_clean() {
	[ -s "$1" ] || fail "$2: no output"
	LC_ALL=C grep -a -q -P '[\x00-\x09\x0b-\x1f\x7f]' "$1" &&
		fail "$2: a raw control byte reached stdout: $(LC_ALL=C grep -a -n -P '[\x00-\x09\x0b-\x1f\x7f]' "$1" | head -3 | od -c | head -5)"
	LC_ALL=C grep -a -q -P '\xc2[\x80-\x9f]' "$1" && fail "$2: a raw C1 control reached stdout"
	LC_ALL=C grep -a -q -P '\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]|\xd8\x9c|\xef\xbb\xbf' "$1" &&
		fail "$2: a raw bidi control reached stdout"
	iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1 || fail "$2: output is not valid UTF-8"
	LC_ALL=C grep -a -q '^FAKE' "$1" && fail "$2: a newline in a field forged a line"
	return 0
}

# the escapes are there, not just the raw bytes gone
check_escaped() {
	LC_ALL=C grep -a -q -F -e "$2" "$1" || fail "$3: '$2' not in the output: $(grep -a hostile "$1" | head -5)"
}

mkdir "$T/h" || exit 99

# ---- watch, every tier that runs here ----
tiers="inotify poll"
if [ "$(id -u)" = 0 ]; then
	tiers="$tiers netlink bpf"
else
	echo "note: not root: netlink and bpf text not exercised"
fi
ran=0
for t in $tiers; do
	if ! "$PROCTRAIL" probe | awk -v t="$t" '$1 == t && $2 == "yes" {f = 1} END {exit !f}'; then
		echo "note: tier $t cannot run here: skipped"
		continue
	fi
	start_watch "$T/w-$t.out" "$T/w-$t.err" --tier="$t" --duration=60
	"$HOSTILE" "$T/h" 1 >/dev/null || fail "helper-hostile failed"
	sleep 0.5
	stop_watch
	[ "$WATCH_RC" = 0 ] || fail "watch --tier=$t exited $WATCH_RC"
	check_clean "$T/w-$t.out" "watch --tier=$t"
	check_escaped "$T/w-$t.out" 'pt-hostile-stage2' "watch --tier=$t"
	check_escaped "$T/w-$t.out" "\\xc2\\x9b31m" "watch --tier=$t argv"
	check_escaped "$T/w-$t.out" "nl\\x0aFAKE LINE" "watch --tier=$t argv"
	# the exit line names the process by its (hostile) comm
	LC_ALL=C grep -a -q -F "\\x1b]0;T\\x07\\xc2\\x9b [exit" "$T/w-$t.out" ||
		fail "watch --tier=$t: no escaped exit line"
	# comm events, before and after the exec (the bpf tier has none)
	if [ "$t" = netlink ]; then
		check_escaped "$T/w-$t.out" "\\x1b[31mEVIL" "watch --tier=$t comm"
		check_escaped "$T/w-$t.out" "-> \\x1b]0;T\\x07\\xc2\\x9b" "watch --tier=$t comm"
	fi
	ran=$((ran + 1))
	ok "watch --tier=$t: hostile bytes escaped"
done
[ $ran -gt 0 ] || echo "note: no tier could run: watch not exercised"

# ---- ps, tree, show ----
"$HOSTILE" "$T/h" 20 >"$T/ready" &
PIDS="$PIDS $!"
wait_for_line "$T/ready" "ready" 10 || fail "helper-hostile did not start"
pid=$(awk '{print $2}' "$T/ready")
sleep 0.2
child=$(cat /proc/"$pid"/task/*/children | awk '{print $1}')
[ -n "$child" ] || fail "helper-hostile has no child"

"$PROCTRAIL" ps >"$T/ps.out" || fail "ps failed"
check_clean "$T/ps.out" ps
check_escaped "$T/ps.out" "\$'c1\\xc2\\x9b31m'" ps
check_escaped "$T/ps.out" "\\x1b]0;T\\x07\\xc2\\x9b" "ps comm"
"$PROCTRAIL" tree "$pid" >"$T/tree.out" || fail "tree failed"
check_clean "$T/tree.out" tree
[ "$(wc -l <"$T/tree.out")" = 2 ] || fail "tree of the helper is not 2 lines: $(cat "$T/tree.out")"
check_escaped "$T/tree.out" "\\xe2\\x80\\xaechild\\x0a\\x1b" "tree child comm"
"$PROCTRAIL" tree --ascii "$pid" >"$T/tree-a.out" || fail "tree --ascii failed"
check_clean "$T/tree-a.out" "tree --ascii"
"$PROCTRAIL" show "$pid" >"$T/show.out" || fail "show failed"
check_clean "$T/show.out" show
check_escaped "$T/show.out" "cwd\\x1b[1m\\x0aFAKE\\xc2\\x9b" "show cwd"
check_escaped "$T/show.out" "pt-h\\x0aFAKE\\x1b[2J\\xe2\\x80\\xae" "show exe"
"$PROCTRAIL" show "$child" >"$T/show-c.out" || fail "show of the child failed"
check_clean "$T/show-c.out" "show child"
"$PROCTRAIL" ps -o pid,comm,exe,cwd,pname,args >"$T/pso.out" || fail "ps -o failed"
check_clean "$T/pso.out" "ps -o"
check_escaped "$T/pso.out" "\$'nl\\x0aFAKE LINE'" "ps -o args"
check_escaped "$T/pso.out" "cwd\\x1b[1m\\x0aFAKE\\xc2\\x9b" "ps -o cwd"
ok "ps, ps -o, tree and show: hostile bytes escaped"
