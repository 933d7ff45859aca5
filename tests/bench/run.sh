#!/bin/bash
# run.sh: run the same process storms under proctrail and the tools users would pick instead
# (extrace, forkstat, libbpf-tools execsnoop), side by side in one run, and print one table.
# Method: /work/shared/BENCH-METHOD.md, summarised in tests/bench/README.md.
set -u

usage() {
	cat <<EOF
usage: $0 [options]
  -n N        processes per storm (default 3000)
  -r R        repetitions of each configuration (default 3)
  -m LIST     monitors, comma separated (default netlink,bpf,extrace,forkstat,execsnoop);
              also inotify,poll (proctrail's unprivileged tiers, run as nobody, dynamic
              binary only), bpf-all (the bpf tier with every event type but fork: the
              connector socket, task_rename and the exec_failed tracepoints);
              netlink-cap (the netlink tier as nobody with only CAP_NET_ADMIN, ambient),
              netlink-cap1 (the same with --readers=1), netlink-capptrace (nobody with
              CAP_NET_ADMIN + CAP_SYS_PTRACE), netlink-pin (--readers=NPROC: pinned readers
              where netlink has its single SCHED_FIFO one), extrace-cap (extrace as nobody
              with CAP_NET_ADMIN), extrace-l, extrace-capl (the same two with -l, which
              prints the executable's path); "all" = every one but the capability columns
  -C          add the capability columns netlink-cap,netlink-cap1,netlink-capptrace,
              extrace-cap to the monitors
  -u          add inotify,poll to the monitors
  -c LIST     configurations (default static1,static4,dyn1,dyn4): static = true-static,
              dyn = /bin/true, the digit is K, the processes in flight
  -o FILE     also write the results as markdown (date, kernel, CPUs, command) to FILE,
              e.g. tests/bench/results/latest.md
  -B DIR      build directory holding proctrail and tests/bench/storm (default: current dir)
  -d SECS     minimum wait after the storm before stopping a monitor (default 1)
  -T SECS     stop starting new runs after SECS seconds in total (default 3600)
  -S          leave kernel.bpf_stats_enabled alone (no in-kernel BPF cost column)
  -k          keep the raw monitor outputs (their directory is printed)
Environment: PROCTRAIL, STORM, STATIC override the binaries; EXTRACE, FORKSTAT, EXECSNOOP the
tools.
EOF
}

N=3000
REPS=3
MONITORS="netlink,bpf,extrace,forkstat,execsnoop"
CONFIGS="static1,static4,dyn1,dyn4"
OUT=""
BUILD=""
DRAIN=1
MAXTIME=3600
BPFSTATS=1
KEEP=0
UNPRIV=0
CAPS=0
CMDLINE="$0 $*"

while getopts "n:r:m:c:o:B:d:T:SkuCh" opt; do
	case $opt in
	n) N=$OPTARG ;;
	r) REPS=$OPTARG ;;
	m) MONITORS=$OPTARG ;;
	c) CONFIGS=$OPTARG ;;
	o) OUT=$OPTARG ;;
	B) BUILD=$OPTARG ;;
	d) DRAIN=$OPTARG ;;
	T) MAXTIME=$OPTARG ;;
	S) BPFSTATS=0 ;;
	k) KEEP=1 ;;
	u) UNPRIV=1 ;;
	C) CAPS=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }
for v in "$N" "$REPS" "$DRAIN" "$MAXTIME"; do
	case $v in '' | *[!0-9]*) echo "run.sh: not a number: '$v'" >&2; exit 2 ;; esac
done
[ "$N" -ge 1 ] && [ "$REPS" -ge 1 ] || { echo "run.sh: -n and -r must be >= 1" >&2; exit 2; }
[ "$MONITORS" = all ] && MONITORS="netlink,bpf,bpf-all,inotify,poll,extrace,forkstat,execsnoop"
[ "$UNPRIV" = 1 ] && MONITORS="$MONITORS,inotify,poll"
[ "$CAPS" = 1 ] && MONITORS="$MONITORS,netlink-cap,netlink-cap1,netlink-capptrace,extrace-cap"

log() { printf 'run.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# ---- binaries ---------------------------------------------------------------------------
[ -n "$BUILD" ] || BUILD=$PWD
STORM=${STORM:-$BUILD/tests/bench/storm}
STATIC=${STATIC:-$BUILD/tests/bench/true-static}
PROCTRAIL=${PROCTRAIL:-$BUILD/proctrail}
DYNAMIC=/bin/true
[ -x "$STORM" ] || die "no storm at $STORM: run from your build dir after 'make tests/bench/storm tests/bench/true-static', or pass -B DIR"
command -v jq >/dev/null || die "jq is needed to read proctrail's JSON (apt-get install jq)"
CLK_TCK=$(getconf CLK_TCK)
DEFSIG=()
# shellcheck disable=SC2054
env --default-signal=INT,QUIT true 2>/dev/null && DEFSIG=(env --default-signal=INT,QUIT)
IS_ROOT=0
[ "$(id -u)" = 0 ] && IS_ROOT=1

find_execsnoop() {
	local c
	for c in ${EXECSNOOP:-} /usr/sbin/execsnoop /usr/sbin/bpf-execsnoop /usr/sbin/libbpf-execsnoop \
		"$(command -v execsnoop 2>/dev/null)"; do
		[ -n "$c" ] && [ -x "$c" ] || continue
		# BCC's Python execsnoop has a different CLI and cost; only libbpf-tools' is compared
		"$c" --help 2>&1 | grep -q libbpf-tools && { echo "$c"; return 0; }
	done
	return 1
}
EXTRACE=${EXTRACE:-$(command -v extrace 2>/dev/null)}
FORKSTAT=${FORKSTAT:-$(command -v forkstat 2>/dev/null)}
EXECSNOOP=$(find_execsnoop)

# ---- state and cleanup ------------------------------------------------------------------
WORK=$(mktemp -d /tmp/ptbench.XXXXXX) || die "mktemp failed"
MON_PID=""
STORM_PID=""
OLD_BPFSTATS=""
MOUNTED_TRACEFS=""

# stop_pid, as_nobody, mon_setup, normalize, cpu_ticks, wait_ready, wait_drained
# shellcheck source=tests/bench/monitors.sh
. "$(dirname "$0")/monitors.sh"

cleanup() {
	trap - EXIT INT TERM HUP
	# timeout(1) passes SIGTERM on to the storm
	[ -n "$STORM_PID" ] && kill -TERM "$STORM_PID" 2>/dev/null
	[ -n "$MON_PID" ] && stop_pid "$MON_PID"
	[ -n "$OLD_BPFSTATS" ] && sysctl -qw kernel.bpf_stats_enabled="$OLD_BPFSTATS" 2>/dev/null
	[ -n "$MOUNTED_TRACEFS" ] && umount "$MOUNTED_TRACEFS" 2>/dev/null
	if [ "$KEEP" = 1 ]; then
		log "raw outputs kept in $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM HUP

# count PIDFILE TAG N EXE < normalized: "tags execs exits lost_events lost_reports exes", where
# exes counts the storm children whose exec told EXE as the executable
count_events() {
	awk -v tag="$2-" -v n="$3" -v exe="$4" '
	FNR == NR { child[$1] = 1; next }
	$1 == "exe" {
		if (($2 in child) && !($2 in xe) && substr($0, length($1 $2) + 3) == exe) { xe[$2] = 1; nexe++ }
		next
	}
	$1 == "exec" {
		if (($2 in child) && !($2 in ex)) { ex[$2] = 1; nexec++ }
		for (i = 3; i <= NF; i++) {
			if (index($i, tag) != 1) continue
			rest = substr($i, length(tag) + 1)
			if (rest ~ /^[0-9]+$/ && rest + 0 < n && !(rest in seen)) { seen[rest] = 1; ntag++ }
		}
		next
	}
	$1 == "exit" { if (($2 in child) && !($2 in ez)) { ez[$2] = 1; nexit++ }; next }
	$1 == "lost" { lost += $2; nlost++ }
	END { printf "%d %d %d %d %d %d\n", ntag, nexec, nexit, lost, nlost, nexe }' "$1" -
}

bpf_stats() { # "run_time_ns run_cnt" summed over the BPF programs PID holds (prog or link fds)
	local ids id
	ids=$(cat /proc/"$1"/fdinfo/* 2>/dev/null | awk '$1 == "prog_id:" { print $2 }' | sort -un)
	[ -n "$ids" ] || { echo "0 0"; return; }
	for id in $ids; do
		bpftool prog show id "$id" --json 2>/dev/null | jq -r '"\(.run_time_ns // 0) \(.run_cnt // 0)"'
	done | awk '{ ns += $1; cnt += $2 } END { printf "%d %d\n", ns, cnt }'
}

# run_storm BINARY K TAG PIDFILE: sets S_RATE and S_FAILED; returns 1 when the storm failed
run_storm() {
	S_RATE=""
	S_FAILED=""
	: >"$WORK/storm.json"
	timeout -s KILL $((120 + N / 50)) "$STORM" -q -n "$N" -k "$2" -b "$1" -t "$3" ${4:+-p "$4"} \
		>"$WORK/storm.json" 2>"$WORK/storm.err" &
	STORM_PID=$!
	wait "$STORM_PID"
	STORM_PID=""
	read -r S_RATE S_FAILED < <(jq -r '"\(.rate) \(.failed)"' "$WORK/storm.json" 2>/dev/null)
	if [ -z "$S_RATE" ]; then
		log "storm failed: $(head -c 300 "$WORK/storm.err")"
		return 1
	fi
	[ "$S_FAILED" = 0 ] || log "storm: $S_FAILED children failed"
	return 0
}

has_exe() { # MON: whether the monitor prints the executable's path (proctrail's exe, extrace -l)
	case $1 in netlink* | bpf | bpf-all | inotify | poll | extrace-l | extrace-capl) return 0 ;; esac
	return 1
}

pct() { awk -v a="$1" -v n="$N" 'BEGIN { printf "%5.1f", a * 100 / n }'; }

# ---- one measured run -------------------------------------------------------------------
# results.tsv: cfg mon rep base_rate rate tags execs exits lost nlost cpu_ms bpf_ns bpf_cnt exes
# base_after: base_rate is the storm without monitor just before, base_after the one just after
# (the next run's, or the closing one of the configuration); the slowdown uses their mean.
PENDING=""
RESULTS=$WORK/results.tsv
: >"$RESULTS"
RUN=0

flush_pending() { # base_after
	[ -n "$PENDING" ] || return 0
	printf '%s%s\n' "$PENDING" "$1" >>"$RESULTS"
	PENDING=""
}

# run_one CFG MON REP BINARY K
run_one() {
	local cfg=$1 mon=$2 rep=$3 bin=$4 k=$5 tag out err pids base rate c0 c1 cpu_ms
	local b0ns b0cnt b1ns b1cnt tags execs exits lost nlost exes
	RUN=$((RUN + 1))
	tag="ptb$$r$RUN"
	out=$WORK/$cfg.$mon.$rep.out
	err=$WORK/$cfg.$mon.$rep.err
	pids=$WORK/$cfg.$mon.$rep.pids

	# A: the same storm without a monitor, just before B
	run_storm "$bin" "$k" "${tag}a" "" || return 1
	base=$S_RATE
	flush_pending "$base"

	# B: under the monitor
	mon_setup "$mon" || return 1
	# a script's background jobs start with SIGINT ignored; give the monitor the default
	# disposition, as in a terminal (extrace relies on it to stop)
	${DEFSIG[@]+"${DEFSIG[@]}"} "${CMD[@]}" >"$out" 2>"$err" &
	MON_PID=$!
	if ! wait_ready "$MON_PID" "$READY" "$out" "$err"; then
		log "$mon did not become ready: $(tail -n 2 "$err" | tr '\n' ' ')"
		stop_pid "$MON_PID"
		MON_PID=""
		printf '%s\t%s\t%s\tfailed\n' "$cfg" "$mon" "$rep" >>"$RESULTS"
		return 1
	fi
	if [ -n "$OLD_BPFSTATS" ] && [ "$(sysctl -n kernel.bpf_stats_enabled)" = 0 ]; then
		log "kernel.bpf_stats_enabled was turned off by someone else: enabling it again"
		sysctl -qw kernel.bpf_stats_enabled=1
	fi
	c0=$(cpu_ticks "$MON_PID")
	read -r b0ns b0cnt < <(bpf_stats "$MON_PID")
	run_storm "$bin" "$k" "$tag" "$pids"
	rate=$S_RATE
	wait_drained "$MON_PID"
	if ! kill -0 "$MON_PID" 2>/dev/null; then
		# its CPU time went with it: the run does not count
		wait "$MON_PID"
		log "$mon exited during the storm (status $?): $(tail -n 2 "$err" | tr '\n' ' ')"
		MON_PID=""
		printf '%s\t%s\t%s\tfailed\n' "$cfg" "$mon" "$rep" >>"$RESULTS"
		return 1
	fi
	c1=$(cpu_ticks "$MON_PID")
	read -r b1ns b1cnt < <(bpf_stats "$MON_PID")
	stop_pid "$MON_PID"
	MON_PID=""
	[ -n "$rate" ] || return 1

	# the executable as /proc/PID/exe tells it (/bin/true is /usr/bin/true on a merged /usr)
	read -r tags execs exits lost nlost exes < <(normalize "$PARSE" "$out" "$err" |
		count_events "$pids" "$tag" "$N" "$(readlink -f "$bin")")
	cpu_ms=$(((c1 - c0) * 1000 / CLK_TCK))
	PENDING=$(printf '%s\t' "$cfg" "$mon" "$rep" "$base" "$rate" "$tags" "$execs" "$exits" \
		"$lost" "$nlost" "$cpu_ms" "$((b1ns - b0ns))" "$((b1cnt - b0cnt))" "$exes")
	log "$(printf '%-8s %-17s rep %d: argv %s%% exe %s exec %s%% exit %s%% cpu %5d ms rate %7.1f/s (none %7.1f/s)' \
		"$cfg" "$mon" "$rep" "$(pct "$tags")" "$(has_exe "$mon" && echo "$(pct "$exes")%" || echo "  n/a ")" \
		"$(pct "$execs")" "$(pct "$exits")" "$cpu_ms" \
		"$rate" "$base")"
}

# ---- plan -------------------------------------------------------------------------------
cfg_binary() { case $1 in static*) echo "$STATIC" ;; dyn*) echo "$DYNAMIC" ;; esac; }
cfg_k() { echo "${1#static}" | sed 's/^dyn//'; }

IFS=, read -r -a MONLIST <<<"$MONITORS"
IFS=, read -r -a CFGLIST <<<"$CONFIGS"
for cfg in "${CFGLIST[@]}"; do
	case $cfg in static[0-9]* | dyn[0-9]*) ;; *) die "unknown configuration '$cfg'" ;; esac
	k=$(cfg_k "$cfg")
	case $k in *[!0-9]*) die "unknown configuration '$cfg'" ;; esac
done
[ -x "$STATIC" ] || die "no true-static at $STATIC"

ACTIVE=()
declare -A SKIP
for mon in "${MONLIST[@]}"; do
	if mon_setup "$mon"; then
		ACTIVE+=("$mon")
	else
		SKIP[$mon]=$WHY
		log "$mon: $WHY"
	fi
done
[ ${#ACTIVE[@]} -gt 0 ] || die "no monitor can run here"
[ "$IS_ROOT" = 1 ] || log "not root: only proctrail's unprivileged tiers can run (most monitors need root)"

for mon in "${ACTIVE[@]}"; do
	case $mon in
	execsnoop)
		# libbpf-tools execsnoop attaches syscall tracepoints, which need tracefs
		if [ ! -d /sys/kernel/tracing/events ] && [ ! -d /sys/kernel/debug/tracing/events ]; then
			mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null &&
				MOUNTED_TRACEFS=/sys/kernel/tracing &&
				log "mounted tracefs on /sys/kernel/tracing for execsnoop (unmounted at exit)"
		fi
		;;
	esac
	case $mon in
	bpf | bpf-all | execsnoop)
		if [ "$BPFSTATS" = 1 ] && [ -z "$OLD_BPFSTATS" ] && command -v bpftool >/dev/null; then
			OLD_BPFSTATS=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null)
			sysctl -qw kernel.bpf_stats_enabled=1 2>/dev/null || OLD_BPFSTATS=""
		fi
		;;
	esac
done

log "N=$N R=$REPS configs=${CONFIGS} monitors=${ACTIVE[*]} storm=$STORM; work dir $WORK"
T0=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
STOPPED=""
for cfg in "${CFGLIST[@]}"; do
	bin=$(cfg_binary "$cfg")
	k=$(cfg_k "$cfg")
	log "$cfg: warm-up ($bin, K=$k)"
	run_storm "$bin" "$k" "ptbwarm" ""
	for rep in $(seq "$REPS"); do
		nmon=${#ACTIVE[@]}
		for i in $(seq 0 $((nmon - 1))); do
			# rotate the order each repetition so no monitor always runs first
			mon=${ACTIVE[$(((i + rep - 1) % nmon))]}
			case $mon:$cfg in inotify:static* | poll:static*) continue ;; esac
			if [ $(($(date +%s) - T0)) -ge "$MAXTIME" ]; then
				STOPPED="time limit of $MAXTIME s reached: results are partial"
				break 3
			fi
			run_one "$cfg" "$mon" "$rep" "$bin" "$k"
		done
	done
	# the storm after the last monitored one
	if [ -n "$PENDING" ]; then
		run_storm "$bin" "$k" "ptbend" "" && flush_pending "$S_RATE"
		flush_pending ""
	fi
done
flush_pending ""
ELAPSED=$(($(date +%s) - T0))
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
[ -n "$STOPPED" ] && log "$STOPPED"

# ---- report -----------------------------------------------------------------------------
# stats: "median (min-max)" of the values on stdin, with a printf format
stats() {
	sort -g | awk -v f="$1" '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		if (NR == 1 || v[1] == v[NR]) printf f "\n", m
		else printf f " (" f "-" f ")\n", m, v[1], v[NR] }'
}
col() { # cfg mon awk-expression-over-fields
	awk -F'\t' -v c="$1" -v m="$2" -v n="$N" '$1 == c && $2 == m && $4 != "failed" { print '"$3"' }' "$RESULTS"
}

table() {
	local cfg mon nruns nfail lost bpf exitcol execol
	echo "| config | monitor | argv captured % | exe captured % | exec seen % | exit seen % | loss reported | monitor CPU ms | BPF in-kernel ms | BPF ns/run | storm rate /s | rate vs no monitor |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
	for cfg in "${CFGLIST[@]}"; do
		echo "| $cfg | (none) | | | | | | | | | $(awk -F'\t' -v c="$cfg" '$1 == c && $4 != "failed" { print $4 }' "$RESULTS" | stats '%.0f') | 1 |"
		for mon in "${MONLIST[@]}"; do
			if [ -n "${SKIP[$mon]:-}" ]; then
				echo "| $cfg | $mon | ${SKIP[$mon]} | | | | | | | | | |"
				continue
			fi
			case $mon:$cfg in inotify:static* | poll:static*) continue ;; esac
			nruns=$(col "$cfg" "$mon" '1' | wc -l)
			nfail=$(awk -F'\t' -v c="$cfg" -v m="$mon" '$1 == c && $2 == m && $4 == "failed"' "$RESULTS" | wc -l)
			if [ "$nruns" = 0 ]; then
				echo "| $cfg | $mon | no run ($nfail failed) | | | | | | | | | |"
				continue
			fi
			case $mon in
			extrace* | forkstat | netlink* | bpf | bpf-all | inotify | poll) exitcol=$(col "$cfg" "$mon" '$8 * 100 / n' | stats '%.1f') ;;
			*) exitcol="n/a" ;;
			esac
			execol="n/a"
			has_exe "$mon" && execol=$(col "$cfg" "$mon" '$14 * 100 / n' | stats '%.1f')
			case $mon in
			bpf | bpf-all | execsnoop)
				# run_cnt stays 0 when someone turned bpf_stats_enabled off meanwhile
				bpf="$(col "$cfg" "$mon" '($13 > 0 ? $12 / 1e6 : "")' | grep . | stats '%.1f') | $(col "$cfg" "$mon" '($13 > 0 ? $12 / $13 : "")' | grep . | stats '%.0f')"
				[ "$BPFSTATS" = 1 ] || bpf="| "
				;;
			*) bpf="| " ;;
			esac
			case $mon in
			extrace*) lost="none (silent)" ;;
			forkstat) lost="ENOBUFS x $(col "$cfg" "$mon" '$10' | stats '%d')" ;;
			*) lost=$(col "$cfg" "$mon" '$9' | stats '%d') ;;
			esac
			[ "$nfail" -gt 0 ] && lost="$lost; $nfail runs failed"
			echo "| $cfg | $mon | $(col "$cfg" "$mon" '$6 * 100 / n' | stats '%.1f') | $execol | $(col "$cfg" "$mon" '$7 * 100 / n' | stats '%.1f') | $exitcol | $lost | $(col "$cfg" "$mon" '$11' | stats '%.0f') | $bpf | $(col "$cfg" "$mon" '$5' | stats '%.0f') | $(col "$cfg" "$mon" '($15 == "" ? $5 / $4 : 2 * $5 / ($4 + $15))' | stats '%.2f') |"
		done
	done
}

invocations() {
	local mon
	for mon in "${ACTIVE[@]}"; do
		mon_setup "$mon"
		echo "- $mon: \`${CMD[*]}\`"
	done
}

TABLE=$(table)
echo
echo "$TABLE"
echo
echo "N=$N per storm, median (min-max) of $REPS runs; wall time $ELAPSED s; load average $LOAD0 at start, $LOAD1 at the end.${STOPPED:+ $STOPPED}"

if [ -n "$OUT" ]; then
	mkdir -p "$(dirname "$OUT")"
	{
		echo "# proctrail storm benchmark"
		echo
		echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "- kernel: $(uname -r), $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo))"
		echo "- command: \`$CMDLINE\` (run from the build directory, as $(id -un))"
		echo "- storms: $N processes each, static = \`$(basename "$STATIC")\` (static, exits at once), dyn = \`$DYNAMIC\`; K = processes in flight"
		echo "- repetitions: $REPS, after one warm-up storm per configuration; a storm without monitor runs just before each monitored one"
		echo "- wall time of the whole benchmark: $ELAPSED s${STOPPED:+ ($STOPPED)}"
		echo "- load average (1, 5, 15 min): $LOAD0 at the start, $LOAD1 at the end"
		[ "$BPFSTATS" = 1 ] && [ -n "$OLD_BPFSTATS" ] && echo "- kernel.bpf_stats_enabled=1 during the run (BPF in-kernel column)"
		echo
		echo "Monitors as invoked:"
		echo
		invocations
		echo
		echo "$TABLE"
		echo
		echo "Cells: median (min-max). Columns are explained in tests/bench/README.md."
	} >"$OUT"
	log "wrote $OUT"
fi
exit 0
