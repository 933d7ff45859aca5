#!/bin/sh
# Every fuzz target over its seed corpus (and any crash reproducers kept there):
# a regression test in every build, the sanitizer build included.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
fail=0
for t in fuzz-procfs fuzz-netlink fuzz-bpf fuzz-json fuzz-escape; do
	seeds="$top_srcdir/tests/fuzz/seeds/$t"
	if ! "$top_builddir/tests/fuzz/$t" "$seeds" >"$t.replay.log" 2>&1; then
		echo "FAIL: $t on $seeds"
		cat "$t.replay.log"
		fail=1
	else
		tail -1 "$t.replay.log"
	fi
	rm -f "$t.replay.log"
done
exit $fail
