# Shared helpers for proctrail's integration tests (sourced, POSIX sh).
# Exit codes follow automake: 0 pass, 77 skip, 99 hard error, else fail.

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${PROCTRAIL:=$top_builddir/proctrail}"
STORM=$top_builddir/tests/bench/storm
TRUE_STATIC=$top_builddir/tests/bench/true-static

T=$(mktemp -d "${TMPDIR:-/tmp}/proctrail-test.XXXXXX") || exit 99
chmod 755 "$T"
PIDS=""
MAIN_PID=$$
cleanup() {
	# A background child killed between its fork and its exec (`cmd & kill $!`)
	# is still a copy of this shell and runs these traps: only the test's own
	# shell cleans up. ($$ is the test's pid in every copy; the PPID of an
	# exec'd sh is the copy's own.)
	[ "$(exec sh -c 'echo $PPID')" = "$MAIN_PID" ] || return 0
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "${KEEP_T:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }

need_root() { [ "$(id -u)" = 0 ] || skip "needs root: $*"; }
need_cmd() { command -v "$1" >/dev/null 2>&1 || skip "needs $1"; }

# need_tier TIER: skip unless `proctrail probe` says the tier can run.
need_tier() {
	line=$("$PROCTRAIL" probe | awk -v t="$1" '$1 == t')
	case "$line" in
	*" yes "* | *" yes") ;;
	*) skip "tier $1 cannot run here: $line" ;;
	esac
}

# start_watch OUT ERR ARGS...: start `proctrail watch` in the background and
# wait until it reports ready. Sets WATCH_PID. ERR is emptied first, here: the
# background job truncates it only once it runs, and a "ready" left from an
# earlier watch into the same file would otherwise be seen before the new
# monitor has subscribed (a storm started then misses its first processes).
start_watch() {
	out=$1 err=$2
	shift 2
	: >"$err"
	"$PROCTRAIL" watch "$@" >"$out" 2>"$err" &
	WATCH_PID=$!
	PIDS="$PIDS $WATCH_PID"
	wait_for_line "$err" "ready" 20 || {
		cat "$err"
		fail "proctrail watch did not become ready"
	}
}

# stop_watch: SIGINT, then wait (bounded) for the summary.
stop_watch() {
	kill -INT "$WATCH_PID" 2>/dev/null
	i=0
	while kill -0 "$WATCH_PID" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 300 ] && { kill -9 "$WATCH_PID"; fail "watch did not stop on SIGINT"; }
		sleep 0.1
	done
	wait "$WATCH_PID" 2>/dev/null
	WATCH_RC=$?
}

# wait_for_line FILE PATTERN SECONDS
wait_for_line() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt $(($3 * 10)) ] && return 1
		sleep 0.1
	done
	return 0
}

# summary_field ERR KEY: a number from the "proctrail: summary {...}" line
summary_field() {
	grep '^proctrail: summary ' "$1" | sed 's/^proctrail: summary //' | jq -r ".$2"
}

# count events of a type whose argv[1] starts with a tag, from JSON lines
count_tagged() {
	jq -r --arg ev "$2" --arg tag "$3" \
		'select(.event == $ev and .argv != null and (.argv[1] // "" | startswith($tag))) | .argv[1]' \
		"$1" | sort -u | wc -l
}

# proc_ids: "PID START" for every process in /proc, sorted (identity across
# pid reuse: START is field 22 of /proc/PID/stat)
proc_ids() {
	for f in /proc/[0-9]*/stat; do
		s=$(cat "$f" 2>/dev/null) || continue
		pid=${s%% *}
		rest=${s##*) }
		# after "pid (comm) ", starttime is the 20th field
		echo "$pid $(echo "$rest" | cut -d' ' -f20)"
	done | sort
}

# json_has FILE EXPR: some JSON line of FILE satisfies EXPR. (jq 1.6's -e
# judges only the last input, so `jq -e 'select(...)'` cannot be used on a
# stream.)
json_has() {
	[ -n "$(jq -c "select($2)" "$1" | head -1)" ]
}

# json_all FILE SEL EXPR: every line selected by SEL satisfies EXPR, and at
# least one line is selected.
json_all() {
	json_has "$1" "$2" && [ -z "$(jq -c "select(($2) and (($3) | not))" "$1" | head -1)" ]
}
