#!/bin/bash
# syscalls.sh: the system calls a monitor makes per process of a storm, by name, counted with
# `strace -c -f` attached to the monitor (all its threads) from ready to drained, for proctrail's
# netlink tier (root, and as nobody with CAP_NET_ADMIN) and extrace (the same two), side by
# side in one run; prints one markdown table. Method: tests/bench/README.md.
set -u

usage() {
	cat <<EOF
usage: $0 [options]
  -n N        processes per storm (default 1000)
  -m LIST     monitors, comma separated (default netlink,netlink-cap,netlink-cap1,extrace,extrace-cap),
              started as run.sh starts them: netlink (root: one SCHED_FIFO reader), netlink-cap
              (nobody with CAP_NET_ADMIN: pinned readers), netlink-cap1 (the same,
              --readers=1), netlink-capptrace (nobody with CAP_NET_ADMIN + CAP_SYS_PTRACE),
              netlink-pin (root, --readers=NPROC), extrace (root), extrace-cap (nobody with
              CAP_NET_ADMIN), and run.sh's others (see run.sh -h)
  -c CFG      storm: static1 (true-static, 1 in flight: the default), static4, dyn1 (/bin/true),
              dyn4
  -B DIR      build directory holding proctrail and tests/bench/storm (default: current dir)
  -d SECS     minimum wait after the storm before strace detaches (default 1)
  -o FILE     also write the markdown results (date, kernel, command, table) to FILE
  -k          keep the raw outputs (their directory is printed)
Environment: PROCTRAIL, STORM, STATIC override the binaries; EXTRACE, FORKSTAT, EXECSNOOP the
tools.
EOF
}

N=1000
MONITORS="netlink,netlink-cap,netlink-cap1,extrace,extrace-cap"
CFG=static1
BUILD=""
DRAIN=1
OUT=""
KEEP=0
CMDLINE="$0 $*"

while getopts "n:m:c:B:d:o:kh" opt; do
	case $opt in
	n) N=$OPTARG ;;
	m) MONITORS=$OPTARG ;;
	c) CFG=$OPTARG ;;
	B) BUILD=$OPTARG ;;
	d) DRAIN=$OPTARG ;;
	o) OUT=$OPTARG ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }
for v in "$N" "$DRAIN"; do
	case $v in '' | *[!0-9]*) echo "syscalls.sh: not a number: '$v'" >&2; exit 2 ;; esac
done
[ "$N" -ge 1 ] || { echo "syscalls.sh: -n must be >= 1" >&2; exit 2; }

log() { printf 'syscalls.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
skip() { log "skipped: $*"; exit 77; }

[ -n "$BUILD" ] || BUILD=$PWD
STORM=${STORM:-$BUILD/tests/bench/storm}
STATIC=${STATIC:-$BUILD/tests/bench/true-static}
PROCTRAIL=${PROCTRAIL:-$BUILD/proctrail}
EXTRACE=${EXTRACE:-$(command -v extrace 2>/dev/null)}
FORKSTAT=${FORKSTAT:-$(command -v forkstat 2>/dev/null)}
EXECSNOOP=${EXECSNOOP:-}
case $CFG in
static[0-9]*) BIN=$STATIC K=${CFG#static} ;;
dyn[0-9]*) BIN=/bin/true K=${CFG#dyn} ;;
*) die "unknown configuration '$CFG'" ;;
esac
case $K in *[!0-9]*) die "unknown configuration '$CFG'" ;; esac
[ -x "$STORM" ] && [ -x "$STATIC" ] ||
	die "no storm or true-static under $BUILD: 'make tests/bench/storm tests/bench/true-static', or pass -B DIR"
[ "$(id -u)" = 0 ] || skip "needs root (strace attached to monitors run as root and as nobody)"
IS_ROOT=1
command -v strace >/dev/null || skip "strace is not installed"
command -v jq >/dev/null || skip "jq is not installed"
CLK_TCK=$(getconf CLK_TCK)
DEFSIG=()
# shellcheck disable=SC2054
env --default-signal=INT,QUIT true 2>/dev/null && DEFSIG=(env --default-signal=INT,QUIT)

WORK=$(mktemp -d /tmp/ptsys.XXXXXX) || die "mktemp failed"
MON_PID=""
STRACE_PID=""
STORM_PID=""

# stop_pid, as_nobody, mon_setup, normalize, cpu_ticks, wait_ready, wait_drained: the monitors
# are started as run.sh starts them
# shellcheck source=tests/bench/monitors.sh
. "$(dirname "$0")/monitors.sh"

cleanup() {
	trap - EXIT INT TERM HUP
	[ -n "$STORM_PID" ] && kill -TERM "$STORM_PID" 2>/dev/null
	# strace first: it detaches, and the monitor is then stopped untraced
	[ -n "$STRACE_PID" ] && stop_pid "$STRACE_PID"
	[ -n "$MON_PID" ] && stop_pid "$MON_PID"
	if [ "$KEEP" = 1 ]; then
		log "raw outputs kept in $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM HUP

# events PARSE WINDOW ERR: "execs tags" of a monitor's output: every exec event (the storm's and
# whatever else ran meanwhile), and the storm's tags seen in argv
events() {
	normalize "$1" "$2" "$3" | awk -v tag="$TAG-" -v n="$N" '
	$1 == "exec" {
		nexec++
		for (i = 3; i <= NF; i++) {
			if (index($i, tag) != 1) continue
			rest = substr($i, length(tag) + 1)
			if (rest ~ /^[0-9]+$/ && rest + 0 < n && !(rest in seen)) { seen[rest] = 1; ntag++ }
		}
	}
	END { printf "%d %d\n", nexec, ntag }'
}

# measure MON: WORK/MON.sum (strace -c: calls errors name) and a line of RESULTS
RESULTS=$WORK/results.tsv
: >"$RESULTS"
measure() {
	local mon=$1 out=$WORK/$1.out err=$WORK/$1.err sum=$WORK/$1.strace off c0 c1 execs tags
	TAG="pts$$$mon"
	TAG=${TAG//-/}
	mon_setup "$mon" || { printf '%s\tskip\t%s\n' "$mon" "$WHY" >>"$RESULTS"; log "$mon: $WHY"; return; }
	: >"$err"
	${DEFSIG[@]+"${DEFSIG[@]}"} "${CMD[@]}" >"$out" 2>"$err" &
	MON_PID=$!
	if ! wait_ready "$MON_PID" "$READY" "$out" "$err"; then
		printf '%s\tskip\tnot ready: %s\n' "$mon" "$(tail -n 1 "$err")" >>"$RESULTS"
		stop_pid "$MON_PID"
		MON_PID=""
		return
	fi
	# -f with -p attaches every thread of the monitor; the summary comes when strace is
	# interrupted and detaches
	${DEFSIG[@]+"${DEFSIG[@]}"} strace -c -f -U calls,errors,name -o "$sum" -p "$MON_PID" 2>"$WORK/$mon.strace.err" &
	STRACE_PID=$!
	if ! wait_ready "$STRACE_PID" "stderr:attached" /dev/null "$WORK/$mon.strace.err"; then
		printf '%s\tskip\tstrace did not attach: %s\n' "$mon" "$(tail -n 1 "$WORK/$mon.strace.err")" >>"$RESULTS"
		stop_pid "$STRACE_PID"; STRACE_PID=""
		stop_pid "$MON_PID"; MON_PID=""
		return
	fi
	sleep 0.5 # every thread attached
	off=$(stat -c %s "$out")
	c0=$(cpu_ticks "$MON_PID")
	timeout -s KILL $((120 + N / 20)) "$STORM" -q -n "$N" -k "$K" -b "$BIN" -t "$TAG" \
		>"$WORK/$mon.storm.json" 2>"$WORK/$mon.storm.err" &
	STORM_PID=$!
	wait "$STORM_PID"
	STORM_PID=""
	wait_drained "$MON_PID"
	c1=$(cpu_ticks "$MON_PID")
	stop_pid "$STRACE_PID"
	STRACE_PID=""
	stop_pid "$MON_PID"
	MON_PID=""
	tail -c +$((off + 1)) "$out" >"$WORK/$mon.window"
	read -r execs tags < <(events "$PARSE" "$WORK/$mon.window" "$err")
	printf '%s\tok\t%s\t%s\t%s\t%s\n' "$mon" "$execs" "$tags" "$(((c1 - c0) * 1000 / CLK_TCK))" \
		"$(jq -r '.rate // 0' "$WORK/$mon.storm.json" 2>/dev/null)" >>"$RESULTS"
	# "calls errors name" of each syscall (the total line is recomputed)
	awk '$NF != "total" && $NF != "syscall" && $1 ~ /^[0-9]+$/ {
		if (NF == 3) print $1, $2, $3; else print $1, 0, $2 }' "$sum" >"$WORK/$mon.sum"
	log "$mon: $(awk '{ s += $1 } END { print s + 0 }' "$WORK/$mon.sum") syscalls, $execs execs seen, argv $tags/$N"
}

IFS=, read -r -a MONLIST <<<"$MONITORS"
log "N=$N storm=$CFG ($BIN, K=$K) monitors=${MONLIST[*]}; work dir $WORK"
timeout -s KILL $((120 + N / 20)) "$STORM" -q -n "$N" -k "$K" -b "$BIN" -t ptswarm >/dev/null 2>&1 # warm-up
T0=$(date +%s)
for mon in "${MONLIST[@]}"; do
	measure "$mon"
done

# ---- report ------------------------------------------------------------------------------
table() {
	local mon names hdr sep
	hdr="| syscall"
	sep="|---"
	for mon in "${MONLIST[@]}"; do hdr="$hdr | $mon"; sep="$sep|---"; done
	echo "$hdr |"
	echo "$sep|"
	# syscalls ordered by their largest count per process over the monitors
	names=$(cat "$WORK"/*.sum 2>/dev/null | awk '{ if ($1 > m[$3]) m[$3] = $1 } END { for (s in m) print m[s], s }' |
		sort -k1,1nr -k2 | awk '{ print $2 }')
	for name in $names; do
		printf '| %s' "$name"
		for mon in "${MONLIST[@]}"; do
			if [ -f "$WORK/$mon.sum" ]; then
				awk -v s="$name" -v n="$N" '$3 == s { c = $1; e = $2 }
					END { if (c == "") printf " | -"; else if (e > 0) printf " | %.2f (%.2f err)", c / n, e / n; else printf " | %.2f", c / n }' "$WORK/$mon.sum"
			else
				printf ' | '
			fi
		done
		echo " |"
	done
	printf '| **total**'
	for mon in "${MONLIST[@]}"; do
		if [ -f "$WORK/$mon.sum" ]; then
			awk -v n="$N" '{ s += $1 } END { printf " | **%.2f**", s / n }' "$WORK/$mon.sum"
		else
			printf ' | %s' "$(awk -F'\t' -v m="$mon" '$1 == m && $2 == "skip" { print $3 }' "$RESULTS")"
		fi
	done
	echo " |"
	# the total over every exec the monitor saw: a machine busy with other work adds execs
	printf '| total / execs seen'
	for mon in "${MONLIST[@]}"; do
		if [ -f "$WORK/$mon.sum" ]; then
			awk -F'\t' -v m="$mon" '$1 == m && $2 == "ok" { print $3 }' "$RESULTS" |
				awk -v f="$WORK/$mon.sum" '{ e = $1 } END { while ((getline l < f) > 0) { split(l, a, " "); s += a[1] }
					if (e > 0) printf " | %.2f", s / e; else printf " | -" }'
		else
			printf ' | '
		fi
	done
	echo " |"
	for row in "execs seen in the window / N:3" "argv captured %:4" "monitor CPU ms (traced):5" "storm rate /s (traced):6"; do
		printf '| %s' "${row%:*}"
		for mon in "${MONLIST[@]}"; do
			awk -F'\t' -v m="$mon" -v f="${row##*:}" -v n="$N" '$1 == m && $2 == "ok" {
				if (f == 3) printf " | %.2f", $3 / n; else if (f == 4) printf " | %.1f", $4 * 100 / n
				else printf " | %s", $f; found = 1 }
				END { if (!found) printf " | " }' "$RESULTS"
		done
		echo " |"
	done
}

TABLE=$(table)
echo
echo "$TABLE"
echo
NOTE="System calls per storm process (count / N, N=$N, storm $CFG: $(basename "$BIN"), K=$K), all threads of the monitor, from ready to drained; the monitor sees every process of the machine, so what else ran meanwhile is counted too (execs seen / N tells how much). Under strace every syscall stops the monitor twice: capture and CPU are not those of an untraced run. Wall time $(($(date +%s) - T0)) s."
echo "$NOTE"
if [ -n "$OUT" ]; then
	mkdir -p "$(dirname "$OUT")"
	{
		echo "# syscalls per process"
		echo
		echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "- kernel: $(uname -r), $(nproc) CPUs"
		echo "- commit: $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null)"
		echo "- command: \`$CMDLINE\`"
		echo
		for mon in "${MONLIST[@]}"; do mon_setup "$mon" && echo "- $mon: \`${CMD[*]}\`"; done
		echo
		echo "$TABLE"
		echo
		echo "$NOTE"
	} >"$OUT"
	log "wrote $OUT"
fi
exit 0
