# shellcheck shell=bash disable=SC2034
# monitors.sh: how the storm benchmarks start, watch and stop a monitor, sourced by run.sh and
# syscalls.sh (bash). Uses PROCTRAIL, EXTRACE, FORKSTAT, EXECSNOOP (the binaries), IS_ROOT,
# DRAIN (minimum wait after a storm, s) and log(); sets CMD, READY, PARSE, AS, WHY.

stop_pid() { # pid: SIGINT, then SIGTERM, then SIGKILL; never waits more than ~7 s
	local pid=$1 i
	kill -INT "$pid" 2>/dev/null || return 0
	# a monitor whose SIGINT handler restarts its blocking read stops only at the next event
	/bin/true
	for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then
		log "pid $pid ignored SIGINT for 5 s: SIGTERM"
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

# ---- monitors ---------------------------------------------------------------------------
# as_nobody [CAP,...]: sets AS, the command prefix that runs a monitor as nobody:nogroup with
# no supplementary groups and, when given, these capabilities as ambient ones (kept across
# execve, as `setcap CAPS+ep` on the binary would give them); returns 1 with WHY set when
# this script cannot switch users
as_nobody() {
	local caps=""
	AS=()
	[ "$IS_ROOT" = 1 ] || { WHY="needs root (to run it as nobody${1:+ with $1})"; return 1; }
	[ -n "${1:-}" ] && caps=$(echo "+$1" | sed 's/,/,+/g')
	AS=(setpriv --reuid=65534 --regid=65534 --clear-groups ${caps:+--inh-caps="$caps" --ambient-caps="$caps"})
}

# mon_setup NAME: sets CMD (array), READY (stderr:REGEX | stdout:REGEX | sleep) and PARSE,
# or returns 1 with WHY set.
mon_setup() {
	WHY=""
	CMD=()
	AS=()
	case $1 in
	netlink | netlink-cap | netlink-cap1 | netlink-capptrace | netlink-pin | bpf | bpf-all | inotify | poll)
		[ -x "$PROCTRAIL" ] || { WHY="not built ($PROCTRAIL)"; return 1; }
		tier=${1%%-*}
		CMD=("$PROCTRAIL" watch --tier="$tier" --json "--events=exec,exit")
		# bpf-all: every event type but fork (which no other row prints), so every
		# program and the connector side channel are attached
		[ "$1" = bpf-all ] && CMD=("$PROCTRAIL" watch --tier=bpf --json \
			"--events=exec,exit,uid,gid,sid,comm,ptrace,coredump,exec_failed")
		# single unpinned reader, where nobody without CAP_SYS_NICE gets pinned ones
		[ "$1" = netlink-cap1 ] && CMD+=(--readers=1)
		# pinned readers, where root gets a single SCHED_FIFO one
		[ "$1" = netlink-pin ] && CMD+=(--readers="$(nproc)")
		case $1 in
		inotify | poll)
			# the unprivileged tiers are measured unprivileged
			[ "$IS_ROOT" = 1 ] && as_nobody
			;;
		# the netlink tier as installed with `setcap cap_net_admin+ep` (and cap_sys_ptrace)
		netlink-cap | netlink-cap1) as_nobody net_admin || return 1 ;;
		netlink-capptrace) as_nobody net_admin,sys_ptrace || return 1 ;;
		bpf | bpf-all)
			[ "$IS_ROOT" = 1 ] || { WHY="needs root (CAP_BPF+CAP_PERFMON)"; return 1; }
			;;
		esac
		CMD=(${AS[@]+"${AS[@]}"} "${CMD[@]}")
		WHY=$(${AS[@]+"${AS[@]}"} "$PROCTRAIL" probe --json 2>/dev/null |
			jq -r --arg t "$tier" '.tiers[]? | select(.tier == $t and .available == false) | .reason' 2>/dev/null)
		[ -z "$WHY" ] || { WHY="tier unavailable: $WHY"; return 1; }
		READY='stderr:^proctrail: ready'
		PARSE=proctrail
		;;
	extrace | extrace-cap | extrace-l | extrace-capl)
		[ -n "$EXTRACE" ] || { WHY="not installed"; return 1; }
		[ "$IS_ROOT" = 1 ] || { WHY="needs root (CAP_NET_ADMIN)"; return 1; }
		# extrace as installed with `setcap cap_net_admin+ep`
		case $1 in extrace-cap*) as_nobody net_admin || return 1 ;; esac
		# -f flat (no ancestry indentation), -t also exits; argv is printed in full
		# (extrace reads up to 32 KiB of /proc/PID/cmdline)
		CMD=(${AS[@]+"${AS[@]}"} "$EXTRACE" -f -t)
		PARSE=extrace
		# -l: the executable's path (readlink of /proc/PID/exe) in place of argv[0]
		case $1 in *l) CMD+=(-l) PARSE=extrace-l ;; esac
		READY="sleep"
		;;
	forkstat)
		[ -n "$FORKSTAT" ] || { WHY="not installed"; return 1; }
		[ "$IS_ROOT" = 1 ] || { WHY="needs root"; return 1; }
		# default long command lines (not -s/-c); -l: line-buffered, so nothing is lost in a
		# stdio buffer at exit; the heading is printed once it listens
		CMD=("$FORKSTAT" -e "exec,exit" -l)
		READY='stdout:^Time +Event'
		PARSE=forkstat
		;;
	execsnoop)
		[ -n "$EXECSNOOP" ] || { WHY="not installed"; return 1; }
		[ "$IS_ROOT" = 1 ] || { WHY="needs root"; return 1; }
		# default --max-args 20 (128 bytes each) is far above our 2 arguments; stdbuf makes
		# the header (printed once attached) and events appear as they happen
		CMD=(stdbuf -oL "$EXECSNOOP")
		READY='stdout:^PCOMM'
		PARSE=execsnoop
		;;
	*)
		WHY="unknown monitor"; return 1 ;;
	esac
	return 0
}

# normalize PARSE OUT ERR: one line per event: "exec PID ARGV..." | "exit PID" | "lost COUNT",
# and "exe PID PATH" after an exec line when the monitor tells the executable's path
normalize() {
	case $1 in
	proctrail)
		jq -R -r 'fromjson? | select(type == "object") |
			if .event == "exec" then "exec \(.pid) \((.argv // []) | map(tostring) | join(" "))",
				(select(.exe != null) | "exe \(.pid) \(.exe)")
			elif .event == "exit" then "exit \(.pid)"
			elif .event == "lost" then "lost \(.count // 0)"
			else empty end' "$2"
		;;
	extrace)
		# "PID+ argv..." (exec with -t), "PID argv..." (exec), "PID- ... exited" (exit)
		awk '$1 ~ /^[0-9]+\+?$/ { sub(/\+$/, "", $1); print "exec", $0; next }
		     $1 ~ /^[0-9]+-$/ { sub(/-$/, "", $1); print "exit", $1 }' "$2"
		;;
	extrace-l)
		# -l: "PID+ EXE args..." where EXE is the readlink of /proc/PID/exe, '' when
		# unreadable (another user's process without CAP_SYS_PTRACE)
		awk '$1 ~ /^[0-9]+\+?$/ { sub(/\+$/, "", $1); print "exec", $0; print "exe", $1, $2; next }
		     $1 ~ /^[0-9]+-$/ { sub(/-$/, "", $1); print "exit", $1 }' "$2"
		;;
	forkstat)
		# exit lines repeat the cached command line: tags are only counted on exec lines
		awk '$2 == "exec" { print "exec", $3, $0; next }
		     $2 == "exit" { print "exit", $3; next }
		     $2 == "recv" && $4 == "nobufs" { print "lost 0" }' "$2"
		;;
	execsnoop)
		awk '$1 != "PCOMM" && NF >= 4 { print "exec", $2, $0 }' "$2"
		grep -o 'Lost [0-9]* events' "$3" | awk '{ print "lost", $2 }'
		;;
	esac
}

cpu_ticks() { # utime + stime of the whole process (all its threads)
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	s=${s##*) }
	set -- $s
	echo $(( ${12} + ${13} ))
}

wait_ready() { # pid ready out err: 0 when ready, 1 when it died or timed out (15 s)
	local pid=$1 how=$2 out=$3 err=$4 i file
	if [ "$how" = sleep ]; then
		sleep 1
		kill -0 "$pid" 2>/dev/null
		return
	fi
	file=$out
	[ "${how%%:*}" = stderr ] && file=$err
	for i in $(seq 150); do
		grep -Eq "${how#*:}" "$file" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# wait at least DRAIN s, then until the monitor used <= 1 tick in 0.5 s (drained), max 10 s
wait_drained() {
	local pid=$1 a b
	sleep "$DRAIN"
	a=$(cpu_ticks "$pid")
	for _ in $(seq 20); do
		sleep 0.5
		b=$(cpu_ticks "$pid")
		[ $((b - a)) -le 1 ] && return 0
		a=$b
	done
	log "monitor $pid still busy 10 s after the storm"
}
