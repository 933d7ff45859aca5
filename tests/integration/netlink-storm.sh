#!/bin/sh
# Netlink tier: a storm of short-lived static processes. Every exec and exit
# must be seen; argv must be captured for nearly all of them.
# serial: measures capture in a race with short-lived processes (contrib/quickstart.sh)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq
need_root "real-time reader priority and the benchmark's conditions"
need_tier netlink
N=${STORM_N:-3000}

# One storm under the netlink tier. Every exec and exit must be seen, every
# missing argv must say why; sets tags to the argv count.
storm() { # K attempt
	K=$1
	start_watch "$T/s$K.json" "$T/s$K.err" --tier=netlink --json --events=exec,exit
	"$STORM" -q -n "$N" -k "$K" -b "$TRUE_STATIC" -t "ptk$K-$2" >"$T/storm$K.out" &
	SP=$!
	wait $SP || fail "storm failed: $(cat "$T/storm$K.out")"
	sleep 0.5
	stop_watch
	execs=$(jq -c "select(.event == \"exec\" and .ppid == $SP)" "$T/s$K.json" | wc -l)
	exits=$(jq -c "select(.event == \"exit\" and .ppid == $SP)" "$T/s$K.json" | wc -l)
	tags=$(count_tagged "$T/s$K.json" exec "ptk$K-$2-")
	lost=$(summary_field "$T/s$K.err" lost)
	echo "K=$K attempt $2: execs $execs exits $exits argv $tags of $N, lost $lost"
	[ "$lost" = 0 ] || fail "K=$K: $lost events lost"
	[ "$execs" = "$N" ] || fail "K=$K: $execs of $N execs seen"
	[ "$exits" = "$N" ] || fail "K=$K: $exits of $N exits seen"
	bad=$(jq -c "select(.event == \"exec\" and .ppid == $SP and .argv == null and (.missing.argv // \"\") == \"\")" "$T/s$K.json" | wc -l)
	[ "$bad" = 0 ] || fail "K=$K: $bad execs without argv and without a reason"
}

# Capture is a race against the process, and this machine is shared: the
# benchmark reports the exact rate; this test checks that the exec reader
# works, and a storm slowed by an outside load is run again (at most 3
# times). Loss, exec and exit counts must be exact every time. Without the
# reader the core reads /proc late and gets argv for almost none of these
# static processes; with it, 97-100% on a quiet day, but 57-90% on a slow one
# (2026-12-02, the code before and after issue 10 alike, A/B in one run), so
# the floor is 30%. Under ASan+UBSan the reader runs instrumented code two to
# three times slower; that build is there for memory errors: 20%.
if [ "${PT_SANITIZED:-0}" = 1 ]; then
	min=$((N * 20 / 100))
else
	min=$((N * 30 / 100))
fi
for K in 1 4; do
	for attempt in 1 2 3; do
		storm "$K" "$attempt"
		[ "$tags" -ge "$min" ] && break
		echo "K=$K attempt $attempt: argv for only $tags of $N (need $min)"
	done
	[ "$tags" -ge "$min" ] || fail "K=$K: argv captured for only $tags of $N, 3 times"
	ok "K=$K: all $N execs and exits, argv for $tags (attempt $attempt)"
done
