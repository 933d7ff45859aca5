#!/bin/bash
# containers.sh: the cost of container attribution, side by side in one run.
# 1. A storm of N short-lived processes inside a cgroup named like a kubepods
#    container (containerd CRI, systemd driver: cri-containerd-ID.scope under a
#    burstable pod slice, in the cgroup2 hierarchy and, on a hybrid host, in a v1
#    one too) against the same storm on the host, each under a fresh
#    `proctrail watch --json --events=exec` of each tier, interleaved and
#    repeated. Per run: the monitor's CPU (utime + stime) per 1000 execs, the
#    storm's execs seen, and the attribution: execs of the storm's children with
#    the container's id (container storm) or "host" (host storm), and those
#    attributed wrongly or left unknown.
# 2. Memory per cached container: a daemon (proctraild, netlink tier, a fake
#    runtime root so each container is enriched from a config.v2.json), M
#    short-lived processes on the host, then M more each in a container of its
#    own; the growth of VmRSS and of the status members that count memory,
#    (container batch - host batch) / M.
# The monitors, the daemon and the storms run in one cgroup namespace rooted at this
# script's own cgroups (unshare --cgroup, entered with nsenter): the host storm then
# reads as the host wherever the script runs, also when it runs in a v1 cgroup of
# its own that a runtime's layout could name (a sandbox's /process_api/ID memory
# cgroup reads as containerd's namespace layout, for one). Nothing outside this
# script's cgroups is touched.
# Method: /work/shared/BENCH-METHOD.md and tests/bench/README.md. Run as root.
set -u

usage() {
	cat <<EOF
usage: $0 [options]
  -n N        processes per storm (default 3000)
  -r R        repetitions (default 3)
  -m LIST     tiers, comma separated (default netlink,bpf; a tier that cannot run is listed
              with the reason)
  -c LIST     configurations (default static1,dyn1): static = true-static, dyn = /bin/true,
              the digit is K, the processes in flight
  -M M        containers for the memory measurement (default 500; 0: skip it)
  -o FILE     also write the results as markdown to FILE
  -B DIR      build directory (default: current directory)
  -d SECS     minimum wait after a storm before the monitor is stopped (default 1)
  -T SECS     start no new run after this long (default 1200)
  -k          keep the work directory
EOF
}

N=3000
REPS=3
TIERS="netlink,bpf"
CONFIGS="static1,dyn1"
MCTR=500
OUT=""
BUILD=""
DRAIN=1
MAXTIME=1200
KEEP=0
CMDLINE="$0 $*"
while getopts "n:r:m:c:M:o:B:d:T:kh" opt; do
	case $opt in
	n) N=$OPTARG ;;
	r) REPS=$OPTARG ;;
	m) TIERS=$OPTARG ;;
	c) CONFIGS=$OPTARG ;;
	M) MCTR=$OPTARG ;;
	o) OUT=$OPTARG ;;
	B) BUILD=$OPTARG ;;
	d) DRAIN=$OPTARG ;;
	T) MAXTIME=$OPTARG ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }
for v in "$N" "$REPS" "$MCTR" "$DRAIN" "$MAXTIME"; do
	case $v in '' | *[!0-9]*) echo "containers.sh: not a number: '$v'" >&2; exit 2 ;; esac
done

log() { printf 'containers.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (cgroups, the proc connector)"
[ -n "$BUILD" ] || BUILD=$PWD
STORM=${STORM:-$BUILD/tests/bench/storm}
STATIC=${STATIC:-$BUILD/tests/bench/true-static}
PROCTRAIL=${PROCTRAIL:-$BUILD/proctrail}
PROCTRAILD=${PROCTRAILD:-$BUILD/proctraild}
PDLOAD=${PDLOAD:-$BUILD/tests/bench/pd-load}
DYNAMIC=/bin/true
for b in "$STORM" "$STATIC" "$PROCTRAIL"; do [ -x "$b" ] || die "not built: $b (or pass -B DIR)"; done
command -v jq >/dev/null || die "needs jq"
CLK_TCK=$(getconf CLK_TCK)

WORK=$(mktemp -d /tmp/ptbench-ctr.XXXXXX) || die "mktemp"
MON_PID="" DPID="" NSPID="" CG_MADE=()
stop_pid() {
	local pid=$1 i
	kill -INT "$pid" 2>/dev/null || return 0
	for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && { kill -TERM "$pid"; sleep 1; kill -KILL "$pid" 2>/dev/null; }
	wait "$pid" 2>/dev/null
	return 0
}
cg_rm_all() {
	local i d p
	for ((i = ${#CG_MADE[@]} - 1; i >= 0; i--)); do
		d=${CG_MADE[$i]}
		for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		for _ in $(seq 30); do rmdir "$d" 2>/dev/null && break; [ -d "$d" ] || break; sleep 0.1; done
		[ -d "$d" ] && log "could not remove $d"
	done
	CG_MADE=()
}
cleanup() {
	trap - EXIT INT TERM HUP
	[ -n "$MON_PID" ] && stop_pid "$MON_PID"
	[ -n "$DPID" ] && { kill -TERM "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; }
	[ -n "$NSPID" ] && { kill "$NSPID" 2>/dev/null; wait "$NSPID" 2>/dev/null; }
	cg_rm_all
	if [ "$KEEP" = 1 ]; then log "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM HUP

# ---- cgroups --------------------------------------------------------------------------------
CG2="" CG1=""
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
	CG2=/sys/fs/cgroup
elif [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
	CG2=/sys/fs/cgroup/unified
	CG1=$(awk '$3 == "cgroup" && $4 ~ /(^|,)pids(,|$)/ { print $2; exit }' /proc/self/mounts)
fi
[ -n "$CG2" ] || die "no cgroup2 hierarchy"
cg_make() { # DIR: mkdir -p, remembering what it made
	local base=$1 rest c p
	case $1 in "$CG2"/*) base=$CG2 ;; *) base=$CG1 ;; esac
	p=$base
	rest=${1#"$base"/}
	IFS=/ read -r -a parts <<<"$rest"
	for c in "${parts[@]}"; do
		p=$p/$c
		[ -d "$p" ] && continue
		mkdir "$p" || die "mkdir $p"
		CG_MADE+=("$p")
	done
}
rand_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
CID=$(rand_hex 32)
POD=$(cat /proc/sys/kernel/random/uuid)
CPATH=/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD//-/_}.slice/cri-containerd-$CID.scope
CDIRS=("$CG2$CPATH")
[ -n "$CG1" ] && CDIRS+=("$CG1$CPATH")
for d in "${CDIRS[@]}"; do cg_make "$d"; done
# the cgroup namespace everything runs in (see the top)
unshare --cgroup sleep 100000 &
NSPID=$!
sleep 0.1
IN=(nsenter --cgroup="/proc/$NSPID/ns/cgroup")
"${IN[@]}" true || die "cannot enter a cgroup namespace of our own (nsenter --cgroup)"
OWN=$(grep -v ':/$' /proc/self/cgroup | tr '\n' ' ')

# ---- one run --------------------------------------------------------------------------------
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
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
tier_ok() { # TIER: 0 when proctrail probe says it runs, else WHY
	local line
	line=$("$PROCTRAIL" probe 2>/dev/null | awk -v t="$1" '$1 == t')
	case "$line" in *" yes "* | *" yes") return 0 ;; esac
	WHY="cannot run here: ${line:-not built}"
	return 1
}

RESULTS=$WORK/results.tsv
: >"$RESULTS"
RUN=0
# run_one CFG TIER WHERE(host|ctr) REP BINARY K
run_one() {
	local cfg=$1 tier=$2 where=$3 rep=$4 bin=$5 k=$6 tag out err pids c0 c1 rate i stats
	RUN=$((RUN + 1))
	tag=ptc$$r$RUN
	out=$WORK/$cfg.$tier.$where.$rep.json
	err=$WORK/$cfg.$tier.$where.$rep.err
	pids=$WORK/$cfg.$tier.$where.$rep.pids
	"${IN[@]}" "$PROCTRAIL" watch --tier="$tier" --json --events=exec >"$out" 2>"$err" &
	MON_PID=$!
	for i in $(seq 150); do
		grep -q ready "$err" 2>/dev/null && break
		kill -0 "$MON_PID" 2>/dev/null || break
		sleep 0.1
	done
	grep -q ready "$err" || { log "$tier did not start: $(tail -2 "$err")"; stop_pid "$MON_PID"; MON_PID=""; return 1; }
	c0=$(cpu_ticks "$MON_PID")
	if [ "$where" = ctr ]; then
		timeout -s KILL $((120 + N / 50)) "${IN[@]}" sh -c 'for d in $1; do echo $$ >"$d/cgroup.procs" || exit 97; done
			shift; exec "$@"' sh "${CDIRS[*]}" \
			"$STORM" -q -n "$N" -k "$k" -b "$bin" -t "$tag" -p "$pids" >"$WORK/storm.json" 2>"$WORK/storm.err"
	else
		timeout -s KILL $((120 + N / 50)) "${IN[@]}" "$STORM" -q -n "$N" -k "$k" -b "$bin" -t "$tag" -p "$pids" \
			>"$WORK/storm.json" 2>"$WORK/storm.err"
	fi
	rate=$(jq -r .rate "$WORK/storm.json" 2>/dev/null)
	wait_drained "$MON_PID"
	c1=$(cpu_ticks "$MON_PID")
	stop_pid "$MON_PID"
	MON_PID=""
	[ -n "$rate" ] || { log "storm failed: $(head -c 300 "$WORK/storm.err")"; return 1; }
	# the storm's children by pid (the storm itself is not counted): exec events seen, argv
	# tags, attributed right, wrong, unknown
	want=host
	[ "$where" = ctr ] && want=$CID
	stats=$(jq -r --arg tag "$tag-" --arg want "$want" 'select(.event == "exec") |
		[.pid, ((.argv // [])[1] // "" | startswith($tag)), (.container_id // "?")] | @tsv' "$out" |
		awk -F'\t' -v want="$want" -v pidf="$pids" '
			BEGIN { while ((getline p < pidf) > 0) mine[p] = 1 }
			$1 in mine && !seen[$1]++ { n++; tags += ($2 == "true");
				if ($3 == want) ok++; else if ($3 == "?") unk++; else bad++ }
			END { printf "%d\t%d\t%d\t%d\t%d\n", n, tags, ok, bad, unk }')
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cfg" "$tier" "$where" "$rep" "$rate" \
		"$(((c1 - c0) * 1000 / CLK_TCK))" "$stats" >>"$RESULTS"
	log "$(printf '%-8s %-8s %-4s rep %d: %s' "$cfg" "$tier" "$where" "$rep" "$(tail -1 "$RESULTS" | cut -f5-)")"
}

IFS=, read -r -a TLIST <<<"$TIERS"
IFS=, read -r -a CLIST <<<"$CONFIGS"
ACTIVE=()
declare -A SKIP
for t in "${TLIST[@]}"; do
	if tier_ok "$t"; then ACTIVE+=("$t"); else SKIP[$t]=$WHY; log "$t: $WHY"; fi
done
[ ${#ACTIVE[@]} -gt 0 ] || die "no tier can run here"
log "N=$N R=$REPS configs=$CONFIGS tiers=${ACTIVE[*]} container cgroup $CPATH in ${CDIRS[*]%%$CPATH}; work $WORK"
T0=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
STOPPED=""
for cfg in "${CLIST[@]}"; do
	case $cfg in static*) bin=$STATIC ;; dyn*) bin=$DYNAMIC ;; *) die "unknown configuration $cfg" ;; esac
	k=${cfg#static}
	k=${k#dyn}
	"$STORM" -q -n "$N" -k "$k" -b "$bin" -t ptcwarm >/dev/null 2>&1
	for rep in $(seq "$REPS"); do
		# host and container alternate, the order rotated each repetition
		order=(host ctr)
		[ $((rep % 2)) = 0 ] && order=(ctr host)
		for t in "${ACTIVE[@]}"; do
			for where in "${order[@]}"; do
				if [ $(($(date +%s) - T0)) -ge "$MAXTIME" ]; then
					STOPPED="time limit of $MAXTIME s reached: results are partial"
					break 4
				fi
				run_one "$cfg" "$t" "$where" "$rep" "$bin" "$k"
			done
		done
	done
done
ELAPSED=$(($(date +%s) - T0))

# ---- memory per cached container ---------------------------------------------------------------
MEMTXT="(not measured: -M 0)"
if [ "$MCTR" -gt 0 ]; then
	MEMTXT=""
	if [ ! -x "$PROCTRAILD" ] || [ ! -x "$PDLOAD" ]; then
		MEMTXT="(not measured: proctraild or tests/bench/pd-load not built)"
	else
		R=$WORK/root
		SOCK=$WORK/sock
		mkdir -p "$R" "$WORK/state"
		"${IN[@]}" "$PROCTRAILD" --socket="$SOCK" --state-dir="$WORK/state" --tier=netlink --no-db \
			--runtime-root="$R" -v 2>"$WORK/daemon.log" &
		DPID=$!
		for _ in $(seq 150); do grep -q "notice: ready" "$WORK/daemon.log" && break; sleep 0.1; done
		if ! grep -q "notice: ready" "$WORK/daemon.log"; then
			MEMTXT="(not measured: proctraild did not start: $(tail -2 "$WORK/daemon.log" | tr '\n' ' '))"
		else
			status() { "$PDLOAD" -s "$SOCK" req '{"cmd":"status"}' | head -1; }
			rss() { awk '/^VmRSS/ { print $2 }' "/proc/$DPID/status"; }
			idle() { wait_drained "$DPID"; }
			# numeric members of status whose path names memory or containers, flattened
			memkeys() { jq -r '[paths(numbers) as $p | select(($p | map(tostring) | join(".")) |
				test("mem|container|ctr|bytes"; "i") and (test("config") | not)) | {key: ($p | map(tostring) | join(".")),
				value: getpath($p)}] | from_entries' ; }
			# everything the container batch needs is made first: between two
			# measurements only the measured processes run (one each, the same
			# shape: sh moves itself, then execs the static binary)
			ids=()
			for i in $(seq "$MCTR"); do
				id=$(rand_hex 32)
				ids+=("$id")
				mkdir -p "$R/var/lib/docker/containers/$id"
				printf '{"ID":"%s","Created":"2026-12-02T16:00:00.000000000Z","Name":"/ptmem-%d","Image":"sha256:%s","Config":{"Image":"registry.example.com/team/app-%d:1.%d","Labels":{}},"State":{"Running":true}}\n' \
					"$id" "$i" "$(rand_hex 32)" "$i" "$i" >"$R/var/lib/docker/containers/$id/config.v2.json"
				cg_make "$CG2/system.slice/docker-$id.scope"
			done
			MV='echo $$ >"$1/cgroup.procs" && exec "$2" "$3"'
			idle
			s0=$(status | memkeys) r0=$(rss)
			# the host's: sh writes itself into the cgroup it is in (the root)
			for i in $(seq "$MCTR"); do "${IN[@]}" sh -c "$MV" sh "$CG2" "$STATIC" ptcmem-h-$i; done
			idle
			s1=$(status | memkeys) r1=$(rss)
			for i in $(seq "$MCTR"); do
				"${IN[@]}" sh -c "$MV" sh "$CG2/system.slice/docker-${ids[$((i - 1))]}.scope" \
					"$STATIC" "ptcmem-c-$i"
			done
			idle
			s2=$(status | memkeys) r2=$(rss)
			ncached=$("$PROCTRAIL" containers --json --daemon --socket="$SOCK" 2>/dev/null |
				jq -s 'if length == 1 and (.[0] | type) == "array" then .[0] else . end | length' 2>/dev/null)
			MEMTXT=$(
				echo "| measure | start | after $MCTR host processes | after $MCTR container processes | per container: ((c - h) - (h - s)) / M |"
				echo "|---|---|---|---|---|"
				awk -v s="$r0" -v h="$r1" -v c="$r2" -v m="$MCTR" 'BEGIN {
					printf "| VmRSS (KiB) | %d | %d | %d | %.0f bytes |\n", s, h, c, ((c - h) - (h - s)) * 1024 / m }'
				jq -rn --argjson s "$s0" --argjson h "$s1" --argjson c "$s2" --argjson m "$MCTR" '
					($s + $h + $c | keys_unsorted | unique)[] as $k |
					"| status \($k) | \($s[$k] // "-") | \($h[$k] // "-") | \($c[$k] // "-") | " +
					(if ($s[$k] and $h[$k] and $c[$k]) then
						"\((((($c[$k] - $h[$k]) - ($h[$k] - $s[$k])) / $m) * 10 | round / 10))"
					else "-" end) + " |"'
				echo
				echo "Containers the daemon listed afterwards (\`proctrail containers --json\`): ${ncached:-?}."
			)
		fi
		kill -TERM "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
		DPID=""
		cg_rm_all
		for d in "${CDIRS[@]}"; do cg_make "$d"; done
	fi
fi

# ---- report ------------------------------------------------------------------------------------
stats() {
	sort -g | awk -v f="$1" '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		if (NR == 1 || v[1] == v[NR]) printf f "\n", m
		else printf f " (" f "-" f ")\n", m, v[1], v[NR] }'
}
# results.tsv: cfg tier where rep rate cpu_ms seen tags ok bad unknown
col() { awk -F'\t' -v c="$1" -v t="$2" -v w="$3" -v n="$N" '$1 == c && $2 == t && $3 == w { print '"$4"' }' "$RESULTS"; }
table() {
	echo "| config | tier | storm | execs seen % | argv captured % | attributed right % | wrong | unknown | monitor CPU ms | CPU ms per 1000 execs | ctr / host CPU | storm rate /s |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
	for cfg in "${CLIST[@]}"; do
		for t in "${TLIST[@]}"; do
			if [ -n "${SKIP[$t]:-}" ]; then
				echo "| $cfg | $t | ${SKIP[$t]} | | | | | | | | | |"
				continue
			fi
			for where in host ctr; do
				[ -n "$(col "$cfg" "$t" "$where" 1)" ] || { echo "| $cfg | $t | $where | no run | | | | | | | | |"; continue; }
				ratio="1"
				[ "$where" = ctr ] && ratio=$(awk -F'\t' -v c="$cfg" -v t="$t" '$1 == c && $2 == t {
					cpu[$3 " " $4] = $6 } END { for (k in cpu) { split(k, a, " "); if (a[1] == "ctr" && ("host " a[2]) in cpu && cpu["host " a[2]] > 0) print cpu[k] / cpu["host " a[2]] } }' "$RESULTS" | stats '%.2f')
				echo "| $cfg | $t | $where | $(col "$cfg" "$t" "$where" '$7 * 100 / n' | stats '%.1f') | $(col "$cfg" "$t" "$where" '$8 * 100 / n' | stats '%.1f') | $(col "$cfg" "$t" "$where" '$9 * 100 / n' | stats '%.1f') | $(col "$cfg" "$t" "$where" '$10' | stats '%d') | $(col "$cfg" "$t" "$where" '$11' | stats '%d') | $(col "$cfg" "$t" "$where" '$6' | stats '%.0f') | $(col "$cfg" "$t" "$where" '$6 * 1000 / n' | stats '%.1f') | $ratio | $(col "$cfg" "$t" "$where" '$5' | stats '%.0f') |"
			done
		done
	done
}
TABLE=$(table)
echo
echo "$TABLE"
echo
echo "$MEMTXT"
echo
echo "N=$N, median (min-max) of $REPS runs; wall time $ELAPSED s.${STOPPED:+ $STOPPED}"
if [ -n "$OUT" ]; then
	mkdir -p "$(dirname "$OUT")"
	{
		echo "# proctrail container attribution benchmark"
		echo
		echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "- kernel: $(uname -r), $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo))"
		echo "- command: \`$CMDLINE\` (from the build directory, as $(id -un))"
		echo "- cgroups: cgroup2 at $CG2${CG1:+, v1 pids at $CG1 (hybrid)}; the container storm runs in \`$CPATH\` (in ${#CDIRS[@]} hierarch$([ ${#CDIRS[@]} = 1 ] && echo y || echo ies)); monitors, daemon and storms in a cgroup namespace rooted at the script's cgroups${OWN:+ (its own: $OWN)}"
		echo "- storms: $N processes each, static = true-static, dyn = /bin/true, K in flight; host and container storms alternate (order rotated each repetition), a fresh monitor per storm: \`proctrail watch --tier=TIER --json --events=exec\`"
		echo "- wall time: $ELAPSED s${STOPPED:+ ($STOPPED)}; load average $LOAD0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
		echo
		echo "## Cost of attribution per exec"
		echo
		echo "$TABLE"
		echo
		echo "Execs seen, attributed, wrong and unknown count the storm's children (by pid) in the monitor's exec events;"
		echo "right = \`container_id\` is the container's id (container storm) or \"host\" (host storm); unknown = no"
		echo "\`container_id\` (the attribution was missing). ctr / host CPU: the container storm's monitor CPU over the"
		echo "host storm's of the same repetition. Cells: median (min-max)."
		echo
		echo "## Memory per cached container"
		echo
		echo "proctraild --tier=netlink --no-db --runtime-root=FIXTURES; $MCTR short-lived processes on the host, then $MCTR"
		echo "each in a container of its own (\`/system.slice/docker-ID.scope\`, enriched from a config.v2.json of about"
		echo "400 bytes); the containers are still cached (within their linger) when measured."
		echo
		echo "$MEMTXT"
		echo
		echo "Raw runs (cfg, tier, storm, rep, rate, cpu ms, seen, tags, right, wrong, unknown):"
		echo
		echo '```'
		cat "$RESULTS"
		echo '```'
	} >"$OUT"
	log "wrote $OUT"
fi
exit 0
