#!/bin/sh
# Two monitors of the same tier on two threads of one process both see every
# child (tests/integration/helper-two-monitors.c), for each tier that can open
# twice. bpf and netlink need root; inotify and poll run unprivileged.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
H=$top_builddir/tests/integration/helper-two-monitors
[ -x "$H" ] || skip "helper not built: $H"

ran=0
for t in bpf netlink inotify poll; do
	case $t in
	bpf | netlink)
		if [ "$(id -u)" != 0 ]; then
			echo "skip $t: needs root"
			continue
		fi
		;;
	esac
	"$H" "$t" 5 >"$T/$t.out" 2>"$T/$t.err"
	rc=$?
	cat "$T/$t.out"
	case $rc in
	0) ok "$t: two monitors on two threads each saw all 5 children"; ran=$((ran + 1)) ;;
	77) echo "skip $t" ;;
	*)
		cat "$T/$t.err"
		fail "$t: two monitors in one process (exit $rc)"
		;;
	esac
done
[ "$ran" -gt 0 ] || skip "no tier could run here"
[ "$(id -u)" = 0 ] || skip "bpf and netlink need root ($ran unprivileged tiers passed)"
