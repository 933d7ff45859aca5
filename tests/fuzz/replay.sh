#!/bin/sh
# Every fuzz target over its seed corpus (and any crash reproducers kept there):
# a regression test in every build, the sanitizer build included.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
fail=0
# every target has a seed directory named after it
for seeds in "$top_srcdir"/tests/fuzz/seeds/*/; do
	t=$(basename "$seeds")
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
