#!/bin/sh
# tests/bench/run.sh's capability columns and tests/bench/syscalls.sh on a tiny
# scale: what they measure that is correctness rather than speed. The netlink
# tier as nobody with only CAP_NET_ADMIN (ambient) sees every exec of the storm
# and no executable of root's processes; with CAP_SYS_PTRACE too it gets them;
# the command lines say what ran; syscalls.sh counts the monitor's system calls;
# nothing is left running.
# serial: a benchmark: other tests' processes would be in its figures (contrib/quickstart.sh)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_root "to run monitors as nobody with chosen capabilities"
need_cmd jq
need_cmd bash
need_cmd setpriv
need_tier netlink
[ -x "$STORM" ] && [ -x "$TRUE_STATIC" ] || skip "tests/bench/storm and true-static are not built"
setpriv --reuid=65534 --regid=65534 --clear-groups "$PROCTRAIL" --version >/dev/null 2>&1 ||
	skip "nobody cannot run $PROCTRAIL (a build directory only root can read?)"

bash "$top_srcdir/tests/bench/run.sh" -B "$top_builddir" -n 200 -r 1 -S -d 0 -c static1 \
	-m netlink-cap,netlink-capptrace -o "$T/out.md" >"$T/stdout" 2>"$T/stderr" || {
	cat "$T/stderr"
	fail "run.sh exited $?"
}
cat "$T/stdout"
# | config | monitor | argv % | exe % | exec seen % | exit seen % | loss | CPU | ...
row() { awk -F' *[|] *' -v m="$1" '$2 == "static1" && $3 == m' "$T/out.md"; }
field() { row "$1" | awk -F' *[|] *' -v f="$2" '{ print $f }'; }
for m in netlink-cap netlink-capptrace; do
	[ -n "$(row $m)" ] || fail "no $m row: $(cat "$T/out.md")"
	[ "$(field $m 6)" = 100.0 ] || fail "$m: exec seen $(field $m 6)%, expected 100.0"
	[ "$(field $m 7)" = 100.0 ] || fail "$m: exit seen $(field $m 7)%, expected 100.0"
	[ "$(field $m 8)" = 0 ] || fail "$m: loss reported: $(field $m 8)"
	grep -q "^- $m: \`setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+net_admin" \
		"$T/out.md" || fail "$m: not run as nobody with CAP_NET_ADMIN: $(grep "^- $m:" "$T/out.md")"
done
ok "as nobody with CAP_NET_ADMIN, every exec and exit of the storm seen"
# root's executables need ptrace access: none without CAP_SYS_PTRACE, most with it
[ "$(field netlink-cap 5)" = 0.0 ] || fail "netlink-cap: exe captured $(field netlink-cap 5)% without CAP_SYS_PTRACE"
awk -v e="$(field netlink-capptrace 5)" 'BEGIN { exit !(e >= 50) }' ||
	fail "netlink-capptrace: exe captured $(field netlink-capptrace 5)% with CAP_SYS_PTRACE"
grep -q '^- netlink-capptrace: `setpriv .*--ambient-caps=+net_admin,+sys_ptrace ' "$T/out.md" ||
	fail "netlink-capptrace: not run with CAP_SYS_PTRACE"
ok "exe: $(field netlink-cap 5)% with CAP_NET_ADMIN alone, $(field netlink-capptrace 5)% with CAP_SYS_PTRACE"

if command -v strace >/dev/null 2>&1; then
	bash "$top_srcdir/tests/bench/syscalls.sh" -B "$top_builddir" -n 100 -d 0 -m netlink-cap \
		-o "$T/sys.md" >"$T/sys.stdout" 2>"$T/sys.stderr" || {
		cat "$T/sys.stderr"
		fail "syscalls.sh exited $?"
	}
	cat "$T/sys.stdout"
	total=$(awk -F' *[|] *' '$2 == "**total**" { gsub(/\*/, "", $3); print $3 }' "$T/sys.md")
	awk -v t="$total" 'BEGIN { exit !(t > 0) }' || fail "syscalls.sh: total '$total' per process"
	# the reader reads /proc for every exec
	grep -Eq '^\| (openat|open) \| [0-9]' "$T/sys.md" || fail "syscalls.sh: no openat row"
	ok "syscalls.sh: $total system calls per process for netlink-cap"
else
	echo "strace is not installed: syscalls.sh not run"
fi

left=$( (pgrep -f "ptb[0-9]+r[0-9]+-|pts[0-9]+netlinkcap-"
	pgrep -u 65534 -f "proctrail watch --tier=netlink --json --events=exec,exit$") 2>/dev/null | head -3)
[ -z "$left" ] || fail "processes left running: $left"
ok "nothing left running"
