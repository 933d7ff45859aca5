#!/bin/sh
# Run each libFuzzer target for a bounded time, starting from its seed corpus.
#   tests/fuzz/run.sh BUILDDIR [SECONDS [JOBS]]    (BUILDDIR configured --enable-fuzzing)
# JOBS targets run at once (default: the CPUs this may run on); each is one
# process, so JOBS = CPUs keeps every CPU busy and the wall time is about
# targets x SECONDS / JOBS.
# A crash leaves its input in BUILDDIR/tests/fuzz/crashes/ and fails the run;
# copy it into tests/fuzz/seeds/TARGET/ with the fix so it is replayed forever.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: $0 BUILDDIR [SECONDS [JOBS]]}" && pwd)
secs=${2:-30}
jobs=${3:-$(nproc 2>/dev/null || echo 1)}
case $jobs in "" | *[!0-9]* | 0) echo "run.sh: JOBS must be a number >= 1" >&2; exit 2 ;; esac
out="$build/tests/fuzz"
mkdir -p "$out/crashes"

# fuzz_one TARGET: its log in $out/TARGET.fuzz.log, its verdict line in
# $out/TARGET.verdict
fuzz_one() {
	t=$1
	corpus=$(mktemp -d)
	if "$out/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$out/crashes/$t-" -print_final_stats=1 \
		"$corpus" "$top/tests/fuzz/seeds/$t" >"$out/$t.fuzz.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.fuzz.log")
		cov=$(grep -o 'cov: [0-9]*' "$out/$t.fuzz.log" | tail -1)
		if [ -z "$runs" ]; then
			echo "fuzz: $t: not a libFuzzer build (configure CC=clang --enable-fuzzing)"
		else
			echo "fuzz: $t: $runs runs in ${secs}s, $cov, no crash"
		fi >"$out/$t.verdict"
	else
		echo "fuzz: $t: FAILED (log: $out/$t.fuzz.log)" >"$out/$t.verdict"
	fi
	rm -rf "$corpus"
}

# every target has a seed directory named after it; JOBS at a time (each runs
# for SECONDS, so batches lose nothing to waiting)
targets=$(cd "$top/tests/fuzz/seeds" && for d in */; do printf '%s\n' "${d%/}"; done)
running=0
for t in $targets; do
	rm -f "$out/$t.verdict"
	fuzz_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait

fail=0
for t in $targets; do
	cat "$out/$t.verdict" 2>/dev/null || echo "fuzz: $t: FAILED (no verdict; log: $out/$t.fuzz.log)"
	if ! grep -q ', no crash$' "$out/$t.verdict" 2>/dev/null; then
		tail -40 "$out/$t.fuzz.log" 2>/dev/null || true
		fail=1
	fi
done
exit $fail
