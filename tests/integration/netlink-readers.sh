#!/bin/sh
# Netlink tier's exec readers (--readers): one reader, pinned readers with
# their socket filters (each EXEC goes to the reader on its CPU and to one on
# another, and one of them claims it), and more readers than CPUs, some of which
# get nothing. In each: every exec is reported once, and the argv of
# processes that live long enough to be read (sleepers, on every CPU) is there
# every time, whichever reader read it.
# serial: measures capture in a race with short-lived processes (contrib/quickstart.sh)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq
need_root "for the netlink tier at every kernel and to drop to nobody"
need_cmd setpriv
need_cmd taskset
N=${STORM_N:-500}
NCPU=$(nproc)
[ "$NCPU" -ge 2 ] || skip "needs 2 CPUs to pin readers (have $NCPU)"
"$PROCTRAIL" probe | grep -q '^netlink *yes' || skip "netlink tier unavailable: $("$PROCTRAIL" probe | grep ^netlink)"

# run NAME EXPECT-LOG-REGEX [setpriv args --] [watch options]
run() {
	name=$1 expect=$2
	shift 2
	as=""
	if [ "$1" = nobody ]; then
		as="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+net_admin --ambient-caps=+net_admin"
		shift
	fi
	# shellcheck disable=SC2086
	$as "$PROCTRAIL" -v watch --tier=netlink --json --events=exec "$@" >"$T/$name.json" 2>"$T/$name.err" &
	WATCH_PID=$!
	PIDS="$PIDS $WATCH_PID"
	wait_for_line "$T/$name.err" ready 20 || { cat "$T/$name.err"; fail "$name: not ready"; }
	grep -Eq "$expect" "$T/$name.err" || { cat "$T/$name.err"; fail "$name: expected '$expect' in the log"; }
	# sleepers on every CPU, started by a parent pinned there
	i=0
	while [ $i -lt "$NCPU" ]; do
		taskset -c $i sh -c 'sleep 0.3; :' "ptrd-$name-$i" &
		i=$((i + 1))
	done
	"$STORM" -q -n "$N" -k 2 -b "$TRUE_STATIC" -t "ptrd-$name-storm" >/dev/null || fail "$name: storm failed"
	wait_jobs_but_watch
	sleep 0.5
	stop_watch
	execs=$(jq -r 'select(.event == "exec") | .argv[1]? // empty' "$T/$name.json" | grep -c "^ptrd-$name-storm-" || true)
	all=$(jq -c 'select(.event == "exec")' "$T/$name.json" | wc -l)
	dups=$(jq -r 'select(.event == "exec") | "\(.pid) \(.time)"' "$T/$name.json" | sort | uniq -d | wc -l)
	[ "$dups" = 0 ] || fail "$name: $dups execs reported twice"
	i=0
	while [ $i -lt "$NCPU" ]; do
		jq -c --arg a "ptrd-$name-$i" 'select(.event == "exec" and .comm == "sh" and (.argv // [] | index($a)))' \
			"$T/$name.json" | grep -q . || fail "$name: no argv for the sleeper started on CPU $i"
		i=$((i + 1))
	done
	ok "$name: $all execs, none twice; argv of every CPU's sleeper; storm argv $execs of $N"
}

wait_jobs_but_watch() {
	for p in $(jobs -p); do
		[ "$p" = "$WATCH_PID" ] || wait "$p"
	done
}

run one 'netlink: 1 exec reader ' --readers=1
run pinned "netlink: $NCPU exec readers at .*one per CPU" --readers="$NCPU"
run more "netlink: $((NCPU * 2)) exec readers" --readers=$((NCPU * 2))
run nobody-auto "netlink: ([2-8]) exec readers at normal priority \\(SCHED_FIFO not permitted\\), one per CPU" nobody
run root-auto 'netlink: 1 exec reader at SCHED_FIFO'
