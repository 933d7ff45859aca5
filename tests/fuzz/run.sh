#!/bin/sh
# Run each libFuzzer target for a bounded time, starting from its seed corpus.
#   tests/fuzz/run.sh BUILDDIR [SECONDS]    (BUILDDIR configured --enable-fuzzing)
# A crash leaves its input in BUILDDIR/tests/fuzz/crashes/ and fails the run;
# copy it into tests/fuzz/seeds/TARGET/ with the fix so it is replayed forever.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: $0 BUILDDIR [SECONDS]}" && pwd)
secs=${2:-30}
out="$build/tests/fuzz"
mkdir -p "$out/crashes"
fail=0
# every target has a seed directory named after it
for seeds in "$top"/tests/fuzz/seeds/*/; do
	t=$(basename "$seeds")
	corpus=$(mktemp -d)
	if "$out/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$out/crashes/$t-" -print_final_stats=1 \
		"$corpus" "$seeds" >"$out/$t.fuzz.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.fuzz.log")
		cov=$(grep -o 'cov: [0-9]*' "$out/$t.fuzz.log" | tail -1)
		if [ -z "$runs" ]; then
			echo "fuzz: $t: not a libFuzzer build (configure CC=clang --enable-fuzzing)"
			fail=1
		else
			echo "fuzz: $t: $runs runs in ${secs}s, $cov, no crash"
		fi
	else
		echo "fuzz: $t: FAILED (log: $out/$t.fuzz.log)"
		tail -40 "$out/$t.fuzz.log"
		fail=1
	fi
	rm -rf "$corpus"
done
exit $fail
