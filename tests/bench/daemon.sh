#!/bin/bash
# daemon.sh: proctraild measured side by side in one run: ps answered by the daemon against a
# local snapshot and procps with 10,000 live processes, show latency during a storm, events
# per second delivered to 1 and 10 subscribers, RSS per 10,000 retained processes, and the
# capture of a storm with and without a stalled subscriber. See tests/bench/README.md.
set -u
export LC_ALL=C

usage() {
	cat <<EOF
usage: $0 [options]
  -B DIR    build directory holding proctraild, proctrail and tests/bench/{storm,true-static,
            pd-load,sleepers} (default: current directory)
  -o FILE   also write the results as markdown, e.g. tests/bench/results/daemon-\$(date +%F).md
  -r R      repetitions of every measurement (default 3)
  -n N      processes per storm (default 3000)
  -L N      live processes for the ps comparison (default 10000)
  -R N      short-lived processes for the RSS measurement (default 10000)
  -T SECS   start no new measurement after SECS (default 480); the report says so
  -k        keep the work directory (daemon log, raw outputs); its path is printed
Environment: PROCTRAILD, PROCTRAIL, PD_LOAD, SLEEPERS, STORM, STATIC override the binaries.
Run it as root, under the shared lock: flock /tmp/pt-heavy.lock $0 ...
EOF
}

REPS=3
N=3000
LIVE=10000
RETAIN=10000
MAXTIME=480
OUT=""
BUILD=""
KEEP=0
CMDLINE="$0 $*"
while getopts "B:o:r:n:L:R:T:kh" opt; do
	case $opt in
	B) BUILD=$OPTARG ;;
	o) OUT=$OPTARG ;;
	r) REPS=$OPTARG ;;
	n) N=$OPTARG ;;
	L) LIVE=$OPTARG ;;
	R) RETAIN=$OPTARG ;;
	T) MAXTIME=$OPTARG ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }
for v in "$REPS" "$N" "$LIVE" "$RETAIN" "$MAXTIME"; do
	case $v in '' | *[!0-9]*) echo "daemon.sh: not a number: '$v'" >&2; exit 2 ;; esac
done
[ "$REPS" -ge 1 ] && [ "$N" -ge 1 ] || { echo "daemon.sh: -r and -n must be >= 1" >&2; exit 2; }

log() { printf 'daemon.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[ -n "$BUILD" ] || BUILD=$PWD
PROCTRAILD=${PROCTRAILD:-$BUILD/proctraild}
PROCTRAIL=${PROCTRAIL:-$BUILD/proctrail}
PD_LOAD=${PD_LOAD:-$BUILD/tests/bench/pd-load}
SLEEPERS=${SLEEPERS:-$BUILD/tests/bench/sleepers}
STORM=${STORM:-$BUILD/tests/bench/storm}
STATIC=${STATIC:-$BUILD/tests/bench/true-static}
for b in "$PROCTRAILD" "$PROCTRAIL" "$PD_LOAD" "$SLEEPERS" "$STORM" "$STATIC"; do
	[ -x "$b" ] || die "no $b: run from the build directory after 'make proctraild proctrail tests/bench/storm tests/bench/true-static tests/bench/pd-load tests/bench/sleepers', or pass -B DIR"
done
command -v jq >/dev/null || die "jq is needed (apt-get install jq)"
PS=${PS:-$(command -v ps)}
[ "$(id -u)" = 0 ] || log "not root: the daemon runs an unprivileged tier, if any; figures are not comparable"
CLK_TCK=$(getconf CLK_TCK)

# 10,000 sleepers plus the storms must fit under pid_max and RLIMIT_NPROC
PID_MAX=$(cat /proc/sys/kernel/pid_max)
[ "$PID_MAX" -gt $((LIVE + 2000)) ] || die "pid_max $PID_MAX is too small for $LIVE live processes"
NPROC=$(ulimit -u)
if [ "$NPROC" != unlimited ] && [ "$NPROC" -lt $((LIVE + 2000)) ]; then
	ulimit -u $((LIVE + 2000)) 2>/dev/null || die "ulimit -u is $NPROC: too low for $LIVE live processes"
fi

# ---- state and cleanup ------------------------------------------------------------------
WORK=$(mktemp -d /tmp/pdbench.XXXXXX) || die "mktemp failed"
SOCK=$WORK/pd.sock
STATE=$WORK/state
CONF=$WORK/proctrail.conf
RAW=$WORK/raw.jsonl
: >"$RAW"
mkdir -p "$STATE"
DPID=""
BG=()

cleanup() {
	local p _
	trap - EXIT INT TERM
	for p in ${BG[@]+"${BG[@]}"}; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in ${BG[@]+"${BG[@]}"}; do
		for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	stop_daemon
	if [ "$KEEP" = 1 ]; then
		log "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT TERM

stop_daemon() {
	local _
	[ -n "$DPID" ] || return 0
	kill -TERM "$DPID" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$DPID" 2>/dev/null; then
		log "proctraild did not stop within 10 s of SIGTERM: SIGKILL"
		kill -KILL "$DPID" 2>/dev/null
	fi
	wait "$DPID" 2>/dev/null
	DPID=""
}

bg_forget() { # pid: no longer ours to stop
	local p keep=()
	for p in ${BG[@]+"${BG[@]}"}; do [ "$p" = "$1" ] || keep+=("$p"); done
	BG=(${keep[@]+"${keep[@]}"})
}

# (background jobs run "$PD_LOAD" itself, so that $! is its pid and a signal reaches it)
pdl() { "$PD_LOAD" -s "$SOCK" "$@"; }

# raw SECTION REP [KEY VALUE ...] < json: appends the line with the section and labels
raw() {
	local s=$1 r=$2 args=()
	shift 2
	while [ $# -ge 2 ]; do args+=(--arg "$1" "$2"); shift 2; done
	jq -c --arg section "$s" --arg rep "$r" ${args[@]+"${args[@]}"} \
		'. + $ARGS.named + {rep: ($rep | tonumber)}' 2>/dev/null >>"$RAW"
}

ticks() { # utime + stime of a process
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	s=${s##*) }
	set -- $s
	echo $((${12} + ${13}))
}

mem_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }

# mem_point LABEL: the daemon's VmRSS and VmHWM, and its table's own accounting, now
mem_point() {
	jq -nc --arg what "$1" --argjson rss "$(mem_kb "$DPID" VmRSS)" --argjson hwm "$(mem_kb "$DPID" VmHWM)" \
		--argjson st "$(pdl req '{"cmd":"status"}' | head -n 1 | jq -c '{mem, alive, exited}' 2>/dev/null || echo '{}')" \
		'{what: $what, rss_kb: $rss, hwm_kb: $hwm} + $st' | raw mem 0
}

# until the daemon used at most one tick in 0.5 s (it has processed what happened), max 15 s
wait_idle() {
	local _ a b
	a=$(ticks "$DPID")
	for _ in $(seq 30); do
		sleep 0.5
		b=$(ticks "$DPID")
		[ $((b - a)) -le 1 ] && return 0
		a=$b
	done
	log "proctraild still busy after 15 s"
}

elapsed() { echo $(($(date +%s) - T0)); }
time_left() {
	[ "$(elapsed)" -lt "$MAXTIME" ] && return 0
	STOPPED="time limit of $MAXTIME s reached before '$1': results are partial"
	log "$STOPPED"
	return 1
}

# storm N K BINARY TAG [PIDFILE]: sets S_RATE (empty when the storm failed)
storm() {
	S_RATE=""
	timeout -s KILL $((60 + $1 / 50)) "$STORM" -q -n "$1" -k "$2" -b "$3" -t "$4" ${5:+-p "$5"} \
		>"$WORK/storm.json" 2>"$WORK/storm.err"
	S_RATE=$(jq -r '.rate' "$WORK/storm.json" 2>/dev/null)
	[ -n "$S_RATE" ] || log "storm failed: $(head -c 300 "$WORK/storm.err")"
}

# wait_ready_line PID FILE: until FILE has "pd-load: ready" (10 s); 1 when PID died first
wait_ready_line() {
	local _
	for _ in $(seq 100); do
		grep -q '^pd-load: ready' "$2" 2>/dev/null && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# finish PID SECS: wait up to SECS for PID to end by itself, then SIGINT it; its status
finish() {
	local _
	for _ in $(seq $(($2 * 10))); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -INT "$1" 2>/dev/null
	wait "$1"
	local rc=$?
	bg_forget "$1"
	return $rc
}

# ---- the daemon -------------------------------------------------------------------------
# Service defaults but for the socket, the state dir and a retention that outlasts the run;
# no socket group unless the proctrail group exists.
{
	echo "# written by tests/bench/daemon.sh"
	echo "socket = $SOCK"
	echo "state_dir = $STATE"
	echo "retention = 30m"
	getent group proctrail >/dev/null || echo 'socket_group = ""'
} >"$CONF"
DAEMON_CMD=("$PROCTRAILD" "--config=$CONF" "--socket=$SOCK" "--state-dir=$STATE")
if ! "$PROCTRAILD" "--config=$CONF" --check-config >"$WORK/check.out" 2>&1; then
	log "proctraild --check-config refused $CONF: $(tr '\n' ' ' <"$WORK/check.out")"
	log "running without --config"
	DAEMON_CMD=("$PROCTRAILD" "--socket=$SOCK" "--state-dir=$STATE")
fi

T0=$(date +%s)
STOPPED=""
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
"${DAEMON_CMD[@]}" >"$WORK/daemon.out" 2>"$WORK/daemon.err" &
DPID=$!
for _ in $(seq 150); do
	pdl req '{"cmd":"version"}' >"$WORK/version.json" 2>/dev/null && break
	kill -0 "$DPID" 2>/dev/null || die "proctraild exited: $(tail -n 5 "$WORK/daemon.err" | tr '\n' ' ')"
	sleep 0.1
done
grep -q '"protocol"' "$WORK/version.json" || die "proctraild did not answer version within 15 s"
VERSION=$(head -n 1 "$WORK/version.json")
log "proctraild $DPID ready after $(elapsed) s: $VERSION"
wait_idle

# ---- 1. RSS per retained processes ------------------------------------------------------
# on a fresh daemon, before anything else fills its table
pdl req '{"cmd":"status"}' | head -n 1 | tee "$WORK/status0.json" | raw status 0 when before-retain
RSS0=$(mem_kb "$DPID" VmRSS)
HWM0=$(mem_kb "$DPID" VmHWM)
storm "$RETAIN" 4 "$STATIC" ptdret
RET_RATE=$S_RATE
wait_idle
RSS1=$(mem_kb "$DPID" VmRSS)
HWM1=$(mem_kb "$DPID" VmHWM)
pdl req '{"cmd":"status"}' | head -n 1 | tee "$WORK/status1.json" | raw status 0 when after-retain
MEM0=$(jq -r '.mem // 0' "$WORK/status0.json" 2>/dev/null)
MEM1=$(jq -r '.mem // 0' "$WORK/status1.json" 2>/dev/null)
RETAINED=$(pdl ps -r 1 -a exited | jq -r '.records')
jq -nc --argjson r0 "${RSS0:-0}" --argjson h0 "${HWM0:-0}" --argjson r1 "${RSS1:-0}" \
	--argjson h1 "${HWM1:-0}" --argjson n "$RETAIN" --argjson ret "${RETAINED:-0}" \
	--argjson m0 "${MEM0:-0}" --argjson m1 "${MEM1:-0}" \
	--argjson rate "${RET_RATE:-null}" \
	'{rss0_kb: $r0, hwm0_kb: $h0, rss1_kb: $r1, hwm1_kb: $h1, storm_n: $n, retained: $ret,
	  storm_rate: $rate, status_mem0: $m0, status_mem1: $m1}' | raw rss 0
mem_point "after the retention storm"
log "RSS: $RSS0 kB -> $RSS1 kB (HWM $HWM1 kB) after $RETAIN processes; $RETAINED exited retained"

# ---- 2. ps with LIVE live processes -----------------------------------------------------
CLIENT=0
"$PROCTRAIL" ps --help 2>&1 | grep -q -- '--local' && CLIENT=1
[ "$CLIENT" = 1 ] || log "this proctrail has no 'ps --local': it is not a client of the daemon yet"
if time_left ps; then
	"$SLEEPERS" -n "$LIVE" -p "$WORK/sleepers.pids" >"$WORK/sleepers.out" 2>"$WORK/sleepers.err" &
	SLP=$!
	BG+=("$SLP")
	for _ in $(seq 600); do
		grep -q '"n"' "$WORK/sleepers.out" 2>/dev/null && break
		kill -0 "$SLP" 2>/dev/null || break
		sleep 0.1
	done
	log "sleepers: $(head -n 1 "$WORK/sleepers.out")"
	wait_idle
	mem_point "$LIVE sleepers started"
	timed() { # label cmd...: seconds of cmd with its output to a file, and its line count
		local a b lines rc
		a=$EPOCHREALTIME
		"${@:2}" >"$WORK/ps.$1.out" 2>"$WORK/ps.$1.err"
		rc=$?
		b=$EPOCHREALTIME
		[ "$rc" = 0 ] || log "$1: exit status $rc: $(head -c 200 "$WORK/ps.$1.err")"
		lines=$(wc -l <"$WORK/ps.$1.out")
		# pd-load prints one summary line: its records are the listing
		[ "$1" = socket ] && lines=$(jq -r '.records' "$WORK/ps.$1.out" 2>/dev/null)
		jq -nc --arg cmd "${*:2}" --argjson s "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.6f", b - a }')" \
			--argjson lines "${lines:-0}" --argjson rc "$rc" '{cmd: $cmd, seconds: $s, lines: $lines, rc: $rc}'
	}
	# which way the CLI answered, once, outside the timings
	PROCTRAIL_SOCKET=$SOCK "$PROCTRAIL" -v ps >/dev/null 2>"$WORK/ps.verbose"
	[ -s "$WORK/ps.verbose" ] || echo "(nothing)" >"$WORK/ps.verbose"
	VIA=$(head -c 300 "$WORK/ps.verbose" | tr '\n' ' ')
	PS_LABELS=(daemon-cli local procps socket)
	for rep in $(seq "$REPS"); do
		for j in 0 1 2 3; do
			# rotate the order every repetition
			l=${PS_LABELS[$(((j + rep - 1) % 4))]}
			case $l in
			daemon-cli)
				[ "$CLIENT" = 1 ] || continue
				# --daemon: an error rather than a snapshot when the daemon does not answer
				cmd=("$PROCTRAIL" ps --daemon "--socket=$SOCK") ;;
			local)
				if [ "$CLIENT" = 1 ]; then cmd=("$PROCTRAIL" ps --local)
				else cmd=(env PROCTRAIL_SOCKET=/nonexistent "$PROCTRAIL" ps); fi ;;
			procps) cmd=("$PS" -eo "pid,ppid,user,lstart,args") ;;
			socket) cmd=("$PD_LOAD" -s "$SOCK" ps -r 1) ;;
			esac
			timed "$l" "${cmd[@]}" | raw ps "$rep" what "$l"
		done
	done
	kill -TERM "$SLP" 2>/dev/null
	wait "$SLP"
	bg_forget "$SLP"
	log "sleepers: $(tail -n 1 "$WORK/sleepers.out")"
	wait_idle
	mem_point "after the ps timings, sleepers reaped"
fi

# ---- 3. events per second to 1 and to 10 subscribers -------------------------------------
EV_EVENTS="fork,exec,exit"
for rep in $(seq "$REPS"); do
	time_left events || break
	for j in 0 1; do
		[ $(((j + rep) % 2)) = 0 ] && nsub=1 || nsub=10
		tag="ptdev$$r${rep}n$nsub"
		"$PD_LOAD" -s "$SOCK" sub -n "$nsub" -e "$EV_EVENTS" -t "$tag" -x "$N" -d 120 >"$WORK/sub.json" 2>"$WORK/sub.err" &
		p=$!
		BG+=("$p")
		wait_ready_line "$p" "$WORK/sub.err" || { log "subscribers not ready: $(cat "$WORK/sub.err")"; finish "$p" 0; continue; }
		c0=$(ticks "$DPID")
		storm "$N" 4 "$STATIC" "$tag"
		finish "$p" 20
		c1=$(ticks "$DPID")
		jq -c --argjson rate "${S_RATE:-null}" --argjson cpu $(((c1 - c0) * 1000 / CLK_TCK)) \
			'. + {storm_rate: $rate, daemon_cpu_ms: $cpu}' "$WORK/sub.json" | raw events "$rep" subscribers "$nsub"
		log "events rep $rep, $nsub subscribers: $(jq -r '"\(.events_per_s) events/s in all, min tags \([.subs[].tags] | min)"' "$WORK/sub.json" 2>/dev/null)"
		wait_idle
	done
done

mem_point "after the subscriber runs"

# ---- 4. show latency: idle and during a storm --------------------------------------------
# a probe paced at 1 ms between requests, as a client asking often would: a probe in a tight
# loop would take a CPU of 2 from the storm and the daemon and measure its own load
SHOW_GAP=1000
# a storm long enough for a few thousand requests
SHOW_N=$((N * 3))
for rep in $(seq "$REPS"); do
	time_left show || break
	pdl show -d 2 -i "$SHOW_GAP" >"$WORK/show.json" 2>"$WORK/show.err"
	raw show "$rep" during idle <"$WORK/show.json"
	"$PD_LOAD" -s "$SOCK" show -d 120 -i "$SHOW_GAP" >"$WORK/show.json" 2>"$WORK/show.err" &
	p=$!
	BG+=("$p")
	wait_ready_line "$p" "$WORK/show.err"
	storm "$SHOW_N" 4 "$STATIC" "ptdsh$$r$rep"
	finish "$p" 0
	jq -c --argjson rate "${S_RATE:-null}" '. + {storm_rate: $rate}' "$WORK/show.json" | raw show "$rep" during storm
	log "show rep $rep: $(jq -r '"p50 \(.p50_us) us p99 \(.p99_us) us, \(.requests) requests"' "$WORK/show.json" 2>/dev/null) during the storm"
	wait_idle
done

mem_point "after the show runs"

# ---- 5. capture with and without a stalled subscriber -----------------------------------
# the stalled subscriber asks for the smallest queue the daemon allows, so it overflows
STALL_Q=65536
for rep in $(seq "$REPS"); do
	time_left capture || break
	for j in 0 1; do
		[ $(((j + rep) % 2)) = 0 ] && stalled=0 || stalled=1
		tag="ptdcap$$r${rep}s$stalled"
		"$PD_LOAD" -s "$SOCK" sub -n 1 -S "$stalled" -Q "$STALL_Q" -e exec,exit -t "$tag" -x "$N" -d 120 \
			>"$WORK/cap.json" 2>"$WORK/cap.err" &
		p=$!
		BG+=("$p")
		wait_ready_line "$p" "$WORK/cap.err" || { log "subscribers not ready: $(cat "$WORK/cap.err")"; finish "$p" 0; continue; }
		lost0=$(pdl req '{"cmd":"status"}' | head -n 1 | jq -r '.daemon.lost_slow_reader // 0')
		storm "$N" 4 "$STATIC" "$tag" "$WORK/cap.pids"
		wait_idle
		finish "$p" 10
		read -r table tbytes < <(pdl ps -r 1 -a all -t "$tag" -x "$N" | jq -r '"\(.tags) \(.bytes)"')
		lost1=$(pdl req '{"cmd":"status"}' | head -n 1 | jq -r '.daemon.lost_slow_reader // 0')
		jq -c --argjson rate "${S_RATE:-null}" --argjson table "${table:-0}" --argjson n "$N" \
			--argjson lost "$((lost1 - lost0))" --argjson tbytes "${tbytes:-0}" \
			'. + {storm_rate: $rate, table_tags: $table, table_reply_bytes: $tbytes, n: $n,
			      status_lost_slow_reader: $lost}' \
			"$WORK/cap.json" | raw capture "$rep" stalled "$stalled"
		log "capture rep $rep, stalled $stalled: table $table/$N, reader $(jq -r '.subs[0].tags' "$WORK/cap.json")/$N, stalled lost $(jq -r '[.subs[1:][].lost_count] | add // 0' "$WORK/cap.json"), status +$((lost1 - lost0))"
		wait_idle
	done
done

mem_point "after the capture runs"
pdl req '{"cmd":"status"}' | head -n 1 | raw status 0 when end
RSS_END=$(mem_kb "$DPID" VmRSS)
HWM_END=$(mem_kb "$DPID" VmHWM)
DCPU=$(($(ticks "$DPID") * 1000 / CLK_TCK))
stop_daemon
ELAPSED=$(elapsed)
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- report -----------------------------------------------------------------------------
# stats FMT < numbers: "median (min-max)"
stats() {
	sort -g | awk -v f="$1" '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		if (NR == 1 || v[1] == v[NR]) printf f "\n", m
		else printf f " (" f "-" f ")\n", m, v[1], v[NR] }'
}
med() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
sel() { jq -r "select(.section == \"$1\") | $2" "$RAW"; }

report() {
	local l m what
	echo "## ps with $LIVE live processes"
	echo
	echo "Seconds per listing, output to a file; median (min-max) of $REPS, the four interleaved."
	if [ -n "$VIA" ]; then
		echo "\`proctrail -v ps\` said: \`$VIA\`."
	fi
	case $VIA in
	*snapshot*) echo "**The daemon-cli row is not the daemon: this proctrail fell back to a local snapshot.**" ;;
	esac
	echo
	echo "| what | command | seconds | lines | vs procps | failed runs |"
	echo "|---|---|---|---|---|---|"
	PSMED=$(sel ps 'select(.what == "procps") | .seconds' | med)
	for l in daemon-cli local procps socket; do
		m=$(sel ps "select(.what == \"$l\") | .seconds" | med)
		[ -n "$m" ] || { echo "| $l | not run$([ "$l" = daemon-cli ] && echo ": proctrail is not a client of the daemon yet") | | | | |"; continue; }
		echo "| $l | \`$(sel ps "select(.what == \"$l\") | .cmd" | head -n 1)\` | $(sel ps "select(.what == \"$l\") | .seconds" | stats '%.3f') | $(sel ps "select(.what == \"$l\") | .lines" | stats '%d') | $(awk -v a="$m" -v b="$PSMED" 'BEGIN { if (b > 0) printf "%.2fx", a / b }') | $(sel ps "select(.what == \"$l\" and .rc != 0)" | grep -c '^{') |"
	done
	echo
	echo "\`socket\` is pd-load sending one ps request and reading the records, without formatting them."
	echo
	echo "## Events per second delivered"
	echo
	echo "A storm of $N processes (true-static, 4 in flight), events $EV_EVENTS, every subscriber reading;"
	echo "median (min-max) of $REPS runs. Per subscriber: its events / the time from its first to its last event."
	echo "The storm bounds the rate (about 3 events per process: fork, exec, exit; thread storms are not"
	echo "delivered, since the daemon reports processes): a subscriber near 3 x the storm rate keeps up."
	echo
	echo "| subscribers | events/s, all subscribers | events/s per subscriber (median of subscribers) | events per subscriber | exec tags seen (min over subscribers) / $N | lost (sum) | storm rate /s | daemon CPU ms |"
	echo "|---|---|---|---|---|---|---|---|"
	for l in 1 10; do
		what="select(.subscribers == \"$l\")"
		echo "| $l | $(sel events "$what | .events_per_s" | stats '%.0f') | $(sel events "$what | [.subs[] | .events_per_s] | sort | .[length / 2 | floor]" | stats '%.0f') | $(sel events "$what | [.subs[] | .events] | min" | stats '%d') | $(sel events "$what | [.subs[] | .tags] | min" | stats '%d') | $(sel events "$what | [.subs[] | .lost_count] | add" | stats '%d') | $(sel events "$what | .storm_rate" | stats '%.0f') | $(sel events "$what | .daemon_cpu_ms" | stats '%d') |"
	done
	echo
	echo "## show latency"
	echo
	echo "One show request at a time, $SHOW_GAP us apart, for a random pid from /proc (refreshed every 100 ms), one connection;"
	echo "microseconds from the request's write to its final line. Median (min-max) over $REPS runs."
	echo
	echo "| during | requests | found | not_found | p50 us | p90 us | p99 us | max us |"
	echo "|---|---|---|---|---|---|---|---|"
	for l in idle storm; do
		what="select(.during == \"$l\")"
		echo "| $l$([ "$l" = storm ] && echo " of $SHOW_N (true-static, K=4)") | $(sel show "$what | .requests" | stats '%d') | $(sel show "$what | .found" | stats '%d') | $(sel show "$what | .not_found" | stats '%d') | $(sel show "$what | .p50_us" | stats '%d') | $(sel show "$what | .p90_us" | stats '%d') | $(sel show "$what | .p99_us" | stats '%d') | $(sel show "$what | .max_us" | stats '%d') |"
	done
	echo
	echo "## Daemon memory"
	echo
	sel rss '"- fresh daemon: VmRSS \(.rss0_kb) kB, VmHWM \(.hwm0_kb) kB\n- after a storm of \(.storm_n) short-lived processes (\(.storm_rate)/s): VmRSS \(.rss1_kb) kB, VmHWM \(.hwm1_kb) kB; the table holds \(.retained) exited processes\n- **per 10,000 retained processes: \(if .retained > 0 then ((.rss1_kb - .rss0_kb) * 10000 / .retained / 1024 * 10 | round / 10 | tostring) + " MiB of VmRSS" else "n/a" end)** (VmRSS growth / retained exited processes)\n- the monitor\u0027s own accounting (status `mem`): \(.status_mem0) -> \(.status_mem1) bytes, **\(if .retained > 0 then ((.status_mem1 - .status_mem0) * 10000 / .retained / 1048576 * 10 | round / 10 | tostring) + " MiB" else "n/a" end) per 10,000 retained**"'
	echo "- at the end of the run: VmRSS $RSS_END kB, VmHWM $HWM_END kB; daemon CPU over the whole run $DCPU ms"
	echo
	echo "Through the run (status \`mem\` is the table's own accounting, in bytes):"
	echo
	echo "| after | VmRSS kB | VmHWM kB | status mem | alive | exited |"
	echo "|---|---|---|---|---|---|"
	sel mem '"| \(.what) | \(.rss_kb) | \(.hwm_kb) | \(.mem // "-") | \(.alive // "-") | \(.exited // "-") |"'
	echo
	echo "## Capture of a storm with and without a stalled subscriber"
	echo
	echo "A storm of $N processes (true-static, 4 in flight), one reading subscriber (events exec,exit),"
	echo "and for \`stalled 1\` one more that subscribes with \`\"queue\": $STALL_Q\` and never reads."
	echo "Table: distinct tags in \`ps\` with \`state: all\` afterwards (a reply of $(sel capture '.table_reply_bytes' | stats '%d') bytes,"
	echo "every retained process). Median (min-max) of $REPS."
	echo
	echo "| stalled | execs in the table / $N | execs seen by the reader / $N | lost told to the reader | lost told to the stalled one | status lost_slow_reader (delta) | storm rate /s |"
	echo "|---|---|---|---|---|---|---|"
	for l in 0 1; do
		what="select(.stalled == \"$l\")"
		echo "| $l | $(sel capture "$what | .table_tags" | stats '%d') | $(sel capture "$what | .subs[0].tags" | stats '%d') | $(sel capture "$what | .subs[0].lost_count" | stats '%d') | $([ "$l" = 1 ] && sel capture "$what | .subs[1].lost_count" | stats '%d') | $(sel capture "$what | .status_lost_slow_reader" | stats '%d') | $(sel capture "$what | .storm_rate" | stats '%.0f') |"
	done
}

REPORT=$(report)
echo
echo "$REPORT"
echo
echo "wall time $ELAPSED s; load average $LOAD0 at start, $LOAD1 at the end.${STOPPED:+ $STOPPED}"

if [ -n "$OUT" ]; then
	mkdir -p "$(dirname "$OUT")"
	{
		echo "# proctraild benchmark"
		echo
		echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "- machine: $(uname -r), $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, pid_max $PID_MAX"
		echo "- command: \`$CMDLINE\` (from the build directory, as $(id -un))"
		echo "- daemon: \`${DAEMON_CMD[*]}\` with the config below; version \`$VERSION\`"
		echo "- procps: \`$("$PS" --version 2>&1 | head -n 1)\`"
		echo "- wall time: $ELAPSED s${STOPPED:+ ($STOPPED)}; load average (1, 5, 15 min) $LOAD0 at the start, $LOAD1 at the end"
		echo
		echo "Config:"
		echo
		echo '```'
		cat "$CONF"
		echo '```'
		echo
		echo "$REPORT"
		echo
		echo "## Commands"
		echo
		echo "As run by daemon.sh (\$SOCK is the temporary socket, TAG a unique tag per run):"
		echo
		echo '```'
		echo "storm -q -n $RETAIN -k 4 -b true-static -t TAG                  # memory"
		echo "sleepers -n $LIVE -p PIDFILE                                     # ps: $LIVE live processes"
		echo "proctrail ps --daemon --socket=\$SOCK; proctrail ps --local; ps -eo pid,ppid,user,lstart,args"
		echo "pd-load -s \$SOCK ps -r 1                                        # ps: the socket alone"
		echo "pd-load -s \$SOCK sub -n 1|10 -e $EV_EVENTS -t TAG -x $N -d 120  # with: storm -q -n $N -k 4 -b true-static -t TAG"
		echo "pd-load -s \$SOCK show -d 2 -i $SHOW_GAP                           # idle"
		echo "pd-load -s \$SOCK show -d 120 -i $SHOW_GAP                         # stopped by SIGINT after: storm -q -n $SHOW_N -k 4 -b true-static -t TAG"
		echo "pd-load -s \$SOCK sub -n 1 -S 0|1 -Q $STALL_Q -e exec,exit -t TAG -x $N -d 120   # with: storm -q -n $N -k 4 -b true-static -t TAG -p PIDFILE"
		echo "pd-load -s \$SOCK ps -r 1 -a all -t TAG -x $N                     # the table's capture"
		echo "pd-load -s \$SOCK req '{\"cmd\":\"status\"}'                         # lost_slow_reader, mem"
		echo '```'
		echo
		echo "## Raw figures"
		echo
		echo "Every measurement as pd-load (or the script) printed it, one JSON line each."
		echo
		echo '```'
		cat "$RAW"
		echo '```'
	} >"$OUT"
	log "wrote $OUT"
fi
exit 0
