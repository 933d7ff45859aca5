#!/bin/sh
# BPF tier: a storm of short-lived static processes. The tier reads argv and
# the executable in the kernel, so every exec and exit must be seen, every
# argv complete and every exe absolute: 100%, not a rate.
# serial: measures capture in a race with short-lived processes (contrib/quickstart.sh)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq
need_root "the benchmark's conditions"
need_tier bpf
N=${STORM_N:-3000}
REAL=$(readlink -f "$TRUE_STATIC") || fail "cannot resolve $TRUE_STATIC"
SELF=$(readlink -f "$STORM") || fail "cannot resolve $STORM"

# count FILE JQ-FILTER: lines of FILE the filter selects ($real, $b, $self bound)
count() {
	jq -c --arg real "$REAL" --arg b "$TRUE_STATIC" --arg self "$SELF" "select($2)" "$1" | wc -l
}

for K in 1 4; do
	J=$T/s$K.json E=$T/s$K.err
	start_watch "$J" "$E" --tier=bpf --json --events=exec,exit
	grep -q 'ready (tier bpf)' "$E" || fail "K=$K: not the bpf tier: $(cat "$E")"
	"$STORM" -q -n "$N" -k "$K" -b "$TRUE_STATIC" -t "ptbk$K" >"$T/storm$K.out" &
	SP=$!
	wait $SP || fail "K=$K: storm failed: $(cat "$T/storm$K.out")"
	sleep 0.5
	stop_watch
	[ "$WATCH_RC" = 0 ] || fail "K=$K: watch exited $WATCH_RC: $(cat "$E")"
	jq -e . "$J" >/dev/null || fail "K=$K: output is not valid JSON lines"

	# the storm's children that exec'd: a sanitizer build's storm also
	# forks a helper at exit (LeakSanitizer) that never execs
	mine=".ppid == $SP and .exe != \$self"
	execs=$(count "$J" ".event == \"exec\" and $mine")
	exits=$(count "$J" ".event == \"exit\" and $mine")
	tags=$(count_tagged "$J" exec "ptbk$K-")
	echo "K=$K: execs $execs exits $exits argv $tags of $N"

	# no loss, counted or printed
	for k in lost lost_estimated malformed; do
		v=$(summary_field "$E" "$k")
		[ "$v" = 0 ] || fail "K=$K: summary $k is '$v': $(grep summary "$E")"
	done
	n=$(count "$J" '.event == "lost"')
	[ "$n" = 0 ] || fail "K=$K: $n lost events"

	# every exec and every exit of the storm's children, each exactly once
	[ "$execs" = "$N" ] || fail "K=$K: $execs of $N execs seen"
	[ "$exits" = "$N" ] || fail "K=$K: $exits of $N exits seen"
	jq -r --arg self "$SELF" "select($mine) | \"\(.event) \(.pid) \(.start)\"" "$J" >"$T/ids$K"
	for ev in exec exit; do
		n=$(grep "^$ev " "$T/ids$K" | cut -d' ' -f2,3 | sort -u | wc -l)
		[ "$n" = "$N" ] || fail "K=$K: $n distinct (pid, start) among $N ${ev}s"
	done
	grep '^exec ' "$T/ids$K" | cut -d' ' -f2,3 | sort >"$T/exec-ids$K"
	grep '^exit ' "$T/ids$K" | cut -d' ' -f2,3 | sort >"$T/exit-ids$K"
	cmp -s "$T/exec-ids$K" "$T/exit-ids$K" ||
		fail "K=$K: execs and exits are not the same processes (pid, start)"

	# argv complete for every process: TAG-i for every i, and exactly the
	# two strings the storm passed, never truncated or missing
	[ "$tags" = "$N" ] || fail "K=$K: argv captured for only $tags of $N"
	n=$(count "$J" ".event == \"exec\" and $mine and .argv_truncated == false and
		(.argv | length) == 2 and .argv[0] == \$b and (.argv[1] | startswith(\"ptbk$K-\"))")
	[ "$n" = "$N" ] || fail "K=$K: exact argv in only $n of $N execs"

	# exe absolute, and the real path of the binary, for every exec
	n=$(count "$J" ".event == \"exec\" and $mine and .exe == \$real and (.exe | startswith(\"/\"))")
	[ "$n" = "$N" ] || fail "K=$K: exe $REAL in only $n of $N execs: $(jq -c --arg real "$REAL" \
		--arg self "$SELF" "select(.event == \"exec\" and $mine and .exe != \$real)" "$J" | head -1)"

	# nothing reported missing, every exit clean
	n=$(count "$J" "$mine and .missing != null")
	[ "$n" = 0 ] || fail "K=$K: $n events with missing fields: $(jq -c --arg self "$SELF" \
		"select($mine and .missing != null) | .missing" "$J" | head -1)"
	n=$(count "$J" ".event == \"exit\" and $mine and .exit_code == 0 and .signal == null")
	[ "$n" = "$N" ] || fail "K=$K: exit code 0 in only $n of $N exits"
	n=$(count "$J" ".event == \"exec\" and $mine and .tier == \"bpf\"")
	[ "$n" = "$N" ] || fail "K=$K: events not from the bpf tier"
	n=$(count "$J" ".ppid == $SP and .exe == \$self")
	[ "$n" = 0 ] || echo "note: K=$K: $n exits of the storm's own non-exec helpers ignored"
	ok "K=$K: all $N execs and exits, argv and exe for all $N, nothing lost"
done
