#!/bin/sh
# Netlink tier: a storm of short-lived static processes. Every exec and exit
# must be seen; argv must be captured for nearly all of them.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq
need_root "real-time reader priority and the benchmark's conditions"
need_tier netlink
N=${STORM_N:-3000}

for K in 1 4; do
	start_watch "$T/s$K.json" "$T/s$K.err" --tier=netlink --json --events=exec,exit
	"$STORM" -q -n "$N" -k "$K" -b "$TRUE_STATIC" -t "ptk$K" >"$T/storm$K.out" &
	SP=$!
	wait $SP || fail "storm failed: $(cat "$T/storm$K.out")"
	sleep 0.5
	stop_watch
	execs=$(jq -c "select(.event == \"exec\" and .ppid == $SP)" "$T/s$K.json" | wc -l)
	exits=$(jq -c "select(.event == \"exit\" and .ppid == $SP)" "$T/s$K.json" | wc -l)
	tags=$(count_tagged "$T/s$K.json" exec "ptk$K-")
	lost=$(summary_field "$T/s$K.err" lost)
	echo "K=$K: execs $execs exits $exits argv $tags of $N, lost $lost"
	[ "$lost" = 0 ] || fail "K=$K: $lost events lost"
	[ "$execs" = "$N" ] || fail "K=$K: $execs of $N execs seen"
	[ "$exits" = "$N" ] || fail "K=$K: $exits of $N exits seen"
	# capture is a race against the process; the benchmark reports the
	# exact rate, the test guards against regressions with some headroom
	min=$((N * 97 / 100))
	[ "$tags" -ge "$min" ] || fail "K=$K: argv captured for only $tags of $N"
	# every missing argv says why
	bad=$(jq -c "select(.event == \"exec\" and .ppid == $SP and .argv == null and (.missing.argv // \"\") == \"\")" "$T/s$K.json" | wc -l)
	[ "$bad" = 0 ] || fail "K=$K: $bad execs without argv and without a reason"
	ok "K=$K: all $N execs and exits, argv for $tags"
done
