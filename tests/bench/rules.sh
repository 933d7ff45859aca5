#!/bin/bash
# rules.sh: what evaluating Falco rules costs proctrail, side by side in one run
# (issue 14). The same storm of N short-lived processes, with K triggering
# processes (`find /etc -perm -4000 -type f`) started among them, under a fresh
# `proctrail watch --tier=TIER --json --events=exec,exit` with:
#   none    no rules
#   find    contrib/rules/find.yaml (2 rules)
#   stock   the three stock Falco files (../shared/corpus/falco, read in place;
#           the process rules among them are loaded and evaluated) + find.yaml
#   synth   S synthetic rules that never match but cost evaluation (written to a
#           temporary directory at run time) + find.yaml
# Per run: the monitor's CPU (utime + stime, all threads, /proc/PID/stat), the
# storm's execs seen and argv captured, the rules' own figures from watch's
# summary (execs evaluated, eval_ns: thread CPU time in rules_eval), and the
# alerts for the triggering processes against the triggers started.
# Method: /work/shared/BENCH-METHOD.md and tests/bench/README.md. Run as root.
set -u

usage() {
	cat <<EOF
usage: $0 [options]
  -n N        processes per storm (default 3000)
  -r R        repetitions (default 3)
  -K K        triggering processes per storm (default 20)
  -S S        synthetic rules (default 1000)
  -m LIST     tiers, comma separated (default netlink,bpf; one that cannot run is listed
              with the reason)
  -c LIST     configurations (default static1,dyn1): static = true-static, dyn = /bin/true,
              the digit is the processes in flight
  -R LIST     rule sets (default none,find,stock,synth)
  -C DIR      the stock Falco files (default SRCDIR/../shared/corpus/falco)
  -o FILE     also write the results as markdown to FILE
  -B DIR      build directory (default: current directory)
  -d SECS     minimum wait after a storm before the monitor is stopped (default 1)
  -T SECS     start no new run after this long (default 1800)
  -k          keep the work directory
EOF
}

SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
N=3000
REPS=3
KTRIG=20
NSYN=1000
TIERS="netlink,bpf"
CONFIGS="static1,dyn1"
SETS="none,find,stock,synth"
CORPUS=$SRCDIR/../shared/corpus/falco
OUT=""
BUILD=""
DRAIN=1
MAXTIME=1800
KEEP=0
CMDLINE="$0 $*"
while getopts "n:r:K:S:m:c:R:C:o:B:d:T:kh" opt; do
	case $opt in
	n) N=$OPTARG ;;
	r) REPS=$OPTARG ;;
	K) KTRIG=$OPTARG ;;
	S) NSYN=$OPTARG ;;
	m) TIERS=$OPTARG ;;
	c) CONFIGS=$OPTARG ;;
	R) SETS=$OPTARG ;;
	C) CORPUS=$OPTARG ;;
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
for v in "$N" "$REPS" "$KTRIG" "$NSYN" "$DRAIN" "$MAXTIME"; do
	case $v in '' | *[!0-9]*) echo "rules.sh: not a number: '$v'" >&2; exit 2 ;; esac
done
[ "$N" -ge 1 ] && [ "$REPS" -ge 1 ] || { echo "rules.sh: -n and -r must be >= 1" >&2; exit 2; }

log() { printf 'rules.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (the proc connector, BPF)"
[ -n "$BUILD" ] || BUILD=$PWD
STORM=${STORM:-$BUILD/tests/bench/storm}
STATIC=${STATIC:-$BUILD/tests/bench/true-static}
PROCTRAIL=${PROCTRAIL:-$BUILD/proctrail}
FIND_RULES=$SRCDIR/contrib/rules/find.yaml
DYNAMIC=/bin/true
for b in "$STORM" "$STATIC" "$PROCTRAIL"; do [ -x "$b" ] || die "not built: $b (or pass -B DIR)"; done
command -v jq >/dev/null || die "needs jq"
[ -r "$FIND_RULES" ] || die "no $FIND_RULES"
CLK_TCK=$(getconf CLK_TCK)
FIND=$(command -v find) || die "needs find"
STOCK=(falco_rules.yaml falco-incubating_rules.yaml falco-sandbox_rules.yaml)

WORK=$(mktemp -d /tmp/ptbench-rules.XXXXXX) || die "mktemp"
MON_PID="" STORM_PID="" TRIG_PID=""
stop_pid() {
	local pid=$1 i
	kill -INT "$pid" 2>/dev/null || return 0
	for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && { kill -TERM "$pid"; sleep 1; kill -KILL "$pid" 2>/dev/null; }
	wait "$pid" 2>/dev/null
	return 0
}
cleanup() {
	trap - EXIT INT TERM HUP
	[ -n "$STORM_PID" ] && kill -TERM "$STORM_PID" 2>/dev/null
	[ -n "$TRIG_PID" ] && kill -TERM "$TRIG_PID" 2>/dev/null
	[ -n "$MON_PID" ] && stop_pid "$MON_PID"
	wait 2>/dev/null
	if [ "$KEEP" = 1 ]; then log "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM HUP

# ---- the rule sets --------------------------------------------------------------------------
# synth_rules S FILE: S rules on distinct names, arguments, paths and ancestors that
# never match anything (every string holds "ptsyn-I-" and a marker no process has),
# shaped so that their first tests pass for the storm's processes and evaluation
# goes on to the string tests: names the storm uses, the storm's parents as ancestors,
# uid 0. Five shapes in turn, with lists and macros as Falco files use them.
synth_rules() {
	local s=$1 f=$2 i k
	{
		echo "# $s synthetic rules for tests/bench/rules.sh: they never match"
		echo "- macro: spawned_process"
		echo "  condition: (evt.type in (execve, execveat))"
		echo "- list: ptsyn_storm_names"
		echo "  items: [true-static, \"true\", sh, bash, find, sleep]"
		echo "- list: ptsyn_storm_parents"
		echo "  items: [storm, bash, sh, timeout, make, sudo, flock]"
		for ((i = 0; i < s; i++)); do
			k=$((i % 5))
			printf -- '- list: ptsyn_list_%d\n  items: [ptsyn-%d-a, ptsyn-%d-b, ptsyn-%d-c, ptsyn-%d-d]\n' \
				"$i" "$i" "$i" "$i" "$i"
			printf -- '- macro: ptsyn_macro_%d\n' "$i"
			case $k in
			0) printf '  condition: (proc.name in (ptsyn_storm_names) and proc.args contains "--ptsyn-%d-never")\n' "$i" ;;
			1) printf '  condition: (proc.aname[1] in (ptsyn_storm_parents) and proc.cmdline startswith "ptsyn-%d-never")\n' "$i" ;;
			2) printf '  condition: (not proc.pname in (ptsyn_list_%d) and proc.exe endswith "/ptsyn-%d-never")\n' "$i" "$i" ;;
			3) printf '  condition: (user.uid = 0 and proc.args glob "*ptsyn-%d-[0-9]*never*")\n' "$i" ;;
			4) printf '  condition: (proc.aname in (ptsyn_list_%d) or proc.pcmdline contains "ptsyn-%d-never")\n' "$i" "$i" ;;
			esac
			printf -- '- rule: Synthetic rule %d\n' "$i"
			printf '  desc: never matches (tests/bench/rules.sh)\n'
			printf '  condition: spawned_process and ptsyn_macro_%d and not proc.name in (ptsyn_list_%d)\n' "$i" "$i"
			printf '  output: synthetic %d (command=%%proc.cmdline user=%%user.name parent=%%proc.pname)\n' "$i"
			printf '  priority: NOTICE\n'
			printf '  tags: [synthetic, ptsyn_%d]\n' "$k"
		done
	} >"$f"
}

# set_args SET: RARGS (array) for watch; 1 when the set cannot be had (WHY)
set_args() {
	local g
	RARGS=()
	WHY=""
	case $1 in
	none) ;;
	find) RARGS=(--rules "$FIND_RULES") ;;
	stock)
		for g in "${STOCK[@]}"; do
			[ -r "$CORPUS/$g" ] || { WHY="no $CORPUS/$g"; return 1; }
			RARGS+=(--rules "$CORPUS/$g")
		done
		RARGS+=(--rules "$FIND_RULES")
		;;
	synth) RARGS=(--rules "$WORK/synth.yaml" --rules "$FIND_RULES") ;;
	*) WHY="unknown rule set"; return 1 ;;
	esac
	return 0
}
synth_rules "$NSYN" "$WORK/synth.yaml"

tier_ok() {
	local line
	line=$("$PROCTRAIL" probe 2>/dev/null | awk -v t="$1" '$1 == t')
	case "$line" in *" yes "* | *" yes") return 0 ;; esac
	WHY="cannot run here: ${line:-not in proctrail probe}"
	return 1
}

# ---- one run ------------------------------------------------------------------------------
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

RESULTS=$WORK/results.tsv
: >"$RESULTS"
RUN=0
# run_one CFG TIER SET REP BINARY K
# results.tsv: cfg tier set rep rate execs tags cpu_ms loaded evaluated eval_ns alerts
#              trig_alerts ntrig lost
run_one() {
	local cfg=$1 tier=$2 set=$3 rep=$4 bin=$5 k=$6 tag out err pids tp c0 c1 rate i sum
	local execs tags loaded evaluated evalns alerts talerts ntrig lost gap
	RUN=$((RUN + 1))
	tag=ptr$$r$RUN
	out=$WORK/$cfg.$tier.$set.$rep.json
	err=$WORK/$cfg.$tier.$set.$rep.err
	pids=$WORK/$cfg.$tier.$set.$rep.pids
	tp=$WORK/$cfg.$tier.$set.$rep.trig
	set_args "$set" || return 1
	"$PROCTRAIL" watch --tier="$tier" --json --events=exec,exit "${RARGS[@]}" >"$out" 2>"$err" &
	MON_PID=$!
	for i in $(seq 300); do
		grep -q 'ready' "$err" 2>/dev/null && break
		kill -0 "$MON_PID" 2>/dev/null || break
		sleep 0.1
	done
	grep -q ready "$err" || { log "$tier/$set did not start: $(tail -3 "$err" | tr '\n' ' ')"; stop_pid "$MON_PID"; MON_PID=""; return 1; }
	c0=$(cpu_ticks "$MON_PID")
	timeout -s KILL $((120 + N / 50)) "$STORM" -q -n "$N" -k "$k" -b "$bin" -t "$tag" -p "$pids" \
		>"$WORK/storm.json" 2>"$WORK/storm.err" &
	STORM_PID=$!
	# the triggers, spread over the storm: a find, then a pause
	gap=$(awk -v n="$N" -v k="$KTRIG" 'BEGIN { g = n / 3000 / (k + 1); if (g > 0.2) g = 0.2; printf "%.3f", g }')
	: >"$tp"
	(
		for ((i = 0; i < KTRIG; i++)); do
			sleep "$gap"
			"$FIND" /etc -perm -4000 -type f >/dev/null 2>&1 &
			echo $! >>"$tp"
			wait $!
		done
	) &
	TRIG_PID=$!
	wait "$STORM_PID"
	STORM_PID=""
	wait "$TRIG_PID"
	TRIG_PID=""
	rate=$(jq -r .rate "$WORK/storm.json" 2>/dev/null)
	wait_drained "$MON_PID"
	c1=$(cpu_ticks "$MON_PID")
	stop_pid "$MON_PID"
	MON_PID=""
	[ -n "$rate" ] || { log "storm failed: $(head -c 300 "$WORK/storm.err")"; return 1; }
	# the storm's children with an exec event, and argv tags
	read -r execs tags < <(jq -r --arg tag "$tag-" 'select(.event == "exec") |
		"\(.pid) \((.argv // [])[1] // "" | startswith($tag))"' "$out" |
		awk -v pidf="$pids" 'BEGIN { while ((getline p < pidf) > 0) mine[p] = 1 }
			$1 in mine && !seen[$1]++ { n++; t += ($2 == "true") }
			END { printf "%d %d\n", n, t }')
	sum=$(grep '^proctrail: summary ' "$err" | sed 's/^proctrail: summary //')
	[ -n "$sum" ] || sum='{}'
	read -r loaded evaluated evalns alerts lost < <(printf '%s\n' "$sum" | jq -r '
		"\(.rules.loaded // 0) \(.rules.evaluated // 0) \(.rules.eval_ns // 0) \(.alerts // 0) \(.lost // 0)"' 2>/dev/null)
	ntrig=$(wc -l <"$tp")
	talerts=$(jq -c --slurpfile p "$tp" 'select(.event == "alert" and .rule == "Setuid binary search" and
		(.pid as $x | $p | index($x) != null))' "$out" | wc -l)
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cfg" "$tier" "$set" "$rep" \
		"$rate" "$execs" "$tags" "$(((c1 - c0) * 1000 / CLK_TCK))" "${loaded:-0}" "${evaluated:-0}" \
		"${evalns:-0}" "${alerts:-0}" "$talerts" "$ntrig" "${lost:-?}" >>"$RESULTS"
	log "$(printf '%-8s %-8s %-6s rep %d: ' "$cfg" "$tier" "$set" "$rep")$(tail -1 "$RESULTS" | cut -f5- | tr '\t' ' ')"
}

IFS=, read -r -a TLIST <<<"$TIERS"
IFS=, read -r -a CLIST <<<"$CONFIGS"
IFS=, read -r -a SLIST <<<"$SETS"
ACTIVE=()
declare -A SKIP SSKIP
for t in "${TLIST[@]}"; do
	if tier_ok "$t"; then ACTIVE+=("$t"); else SKIP[$t]=$WHY; log "$t: $WHY"; fi
done
[ ${#ACTIVE[@]} -gt 0 ] || die "no tier can run here"
SACTIVE=()
for s in "${SLIST[@]}"; do
	if set_args "$s"; then SACTIVE+=("$s"); else SSKIP[$s]=$WHY; log "rule set $s: $WHY"; fi
done
for cfg in "${CLIST[@]}"; do
	case $cfg in static[0-9]* | dyn[0-9]*) ;; *) die "unknown configuration '$cfg'" ;; esac
done
# what each rule set loads, from `rules check` (and the load time)
declare -A LOADINFO
for s in "${SACTIVE[@]}"; do
	[ "$s" = none ] && { LOADINFO[$s]="-"; continue; }
	set_args "$s"
	files=()
	for ((i = 1; i < ${#RARGS[@]}; i += 2)); do files+=("${RARGS[$i]}"); done
	t0=$(date +%s%N)
	"$PROCTRAIL" rules check "${files[@]}" >"$WORK/check.$s" 2>&1
	rc=$?
	t1=$(date +%s%N)
	LOADINFO[$s]="$(grep -E '^[0-9]+ rules: ' "$WORK/check.$s" | tail -1) (rules check exit $rc, $(((t1 - t0) / 1000000)) ms)"
	log "rule set $s: ${LOADINFO[$s]}"
done

log "N=$N K=$KTRIG R=$REPS S=$NSYN configs=$CONFIGS tiers=${ACTIVE[*]} sets=${SACTIVE[*]}; work $WORK"
T0=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
STOPPED=""
for cfg in "${CLIST[@]}"; do
	case $cfg in static*) bin=$STATIC ;; dyn*) bin=$DYNAMIC ;; esac
	k=${cfg#static}
	k=${k#dyn}
	"$STORM" -q -n "$N" -k "$k" -b "$bin" -t ptrwarm >/dev/null 2>&1
	for rep in $(seq "$REPS"); do
		for t in "${ACTIVE[@]}"; do
			ns=${#SACTIVE[@]}
			for ((j = 0; j < ns; j++)); do
				# the order of the rule sets rotated each repetition
				s=${SACTIVE[$(((j + rep - 1) % ns))]}
				if [ $(($(date +%s) - T0)) -ge "$MAXTIME" ]; then
					STOPPED="time limit of $MAXTIME s reached: results are partial"
					break 4
				fi
				run_one "$cfg" "$t" "$s" "$rep" "$bin" "$k"
			done
		done
	done
done
ELAPSED=$(($(date +%s) - T0))
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- report -------------------------------------------------------------------------------
stats() {
	sort -g | awk -v f="$1" '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		if (NR == 1 || v[1] == v[NR]) printf f "\n", m
		else printf f " (" f "-" f ")\n", m, v[1], v[NR] }'
}
col() { awk -F'\t' -v c="$1" -v t="$2" -v s="$3" -v n="$N" '$1 == c && $2 == t && $3 == s { print '"$4"' }' "$RESULTS"; }
# the CPU of a run minus the CPU of the same repetition's run without rules, per exec
delta() {
	awk -F'\t' -v c="$1" -v t="$2" -v s="$3" '$1 == c && $2 == t { cpu[$3 " " $4] = $8; ex[$3 " " $4] = $6 }
		END { for (k in cpu) { split(k, a, " "); if (a[1] == s && ("none " a[2]) in cpu && ex[k] > 0)
			print (cpu[k] - cpu["none " a[2]]) * 1000 / ex[k] } }' "$RESULTS"
}
table() {
	echo "| config | tier | rules | rules loaded | execs seen % | argv captured % | monitor CPU ms | CPU µs per exec | CPU µs per exec over no rules | eval ns per exec (rules_eval) | execs evaluated | alerts for triggers / triggers | other alerts | lost | storm rate /s |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	for cfg in "${CLIST[@]}"; do
		for t in "${TLIST[@]}"; do
			if [ -n "${SKIP[$t]:-}" ]; then
				echo "| $cfg | $t | ${SKIP[$t]} | | | | | | | | | | | | |"
				continue
			fi
			for s in "${SLIST[@]}"; do
				if [ -n "${SSKIP[$s]:-}" ]; then
					echo "| $cfg | $t | $s | ${SSKIP[$s]} | | | | | | | | | | | |"
					continue
				fi
				[ -n "$(col "$cfg" "$t" "$s" 1)" ] || { echo "| $cfg | $t | $s | no run | | | | | | | | | | | |"; continue; }
				over="-"
				[ "$s" != none ] && over=$(delta "$cfg" "$t" "$s" | stats '%.1f')
				evalpe="-"
				[ "$s" != none ] && evalpe=$(col "$cfg" "$t" "$s" '($10 > 0 ? $11 / $10 : 0)' | stats '%.0f')
				echo "| $cfg | $t | $s | $(col "$cfg" "$t" "$s" '$9' | stats '%d') | $(col "$cfg" "$t" "$s" '$6 * 100 / n' | stats '%.1f') | $(col "$cfg" "$t" "$s" '$7 * 100 / n' | stats '%.1f') | $(col "$cfg" "$t" "$s" '$8' | stats '%.0f') | $(col "$cfg" "$t" "$s" '($6 > 0 ? $8 * 1000 / $6 : 0)' | stats '%.1f') | $over | $evalpe | $(col "$cfg" "$t" "$s" '$10' | stats '%d') | $(col "$cfg" "$t" "$s" '$13 "/" $14' | sort | uniq -c | awk '{ printf "%s%s x%d", (NR > 1 ? ", " : ""), $2, $1 }') | $(col "$cfg" "$t" "$s" '$12 - $13' | stats '%d') | $(col "$cfg" "$t" "$s" '$15' | stats '%s') | $(col "$cfg" "$t" "$s" '$5' | stats '%.0f') |"
			done
		done
	done
}
TABLE=$(table)
SETSTXT=$(for s in "${SACTIVE[@]}"; do echo "- $s: ${LOADINFO[$s]}"; done)
echo
echo "$TABLE"
echo
echo "$SETSTXT"
echo
echo "N=$N, K=$KTRIG triggers per storm, median (min-max) of $REPS runs; wall time $ELAPSED s.${STOPPED:+ $STOPPED}"
if [ -n "$OUT" ]; then
	mkdir -p "$(dirname "$OUT")"
	{
		echo "# proctrail rules benchmark"
		echo
		echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "- kernel: $(uname -r), $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo))"
		echo "- commit: $(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null || echo '?')"
		echo "- command: \`$CMDLINE\` (from the build directory, as $(id -un))"
		echo "- storms: $N processes each (static = true-static, dyn = /bin/true, the digit = processes in flight), $KTRIG × \`find /etc -perm -4000 -type f\` started among them; a fresh \`proctrail watch --tier=TIER --json --events=exec,exit [--rules ...]\` per run; rule sets in an order rotated each repetition"
		echo "- wall time: $ELAPSED s${STOPPED:+ ($STOPPED)}; load average $LOAD0 at the start, $LOAD1 at the end"
		echo
		echo "Rule sets (\`proctrail rules check\` on the same files):"
		echo
		echo "$SETSTXT"
		echo
		echo "$TABLE"
		echo
		echo "Columns: tests/bench/README.md (rules.sh). Cells: median (min-max)."
		echo
		echo "Raw runs (cfg, tier, rules, rep, rate, execs, argv tags, cpu ms, loaded, evaluated, eval ns, alerts, trigger alerts, triggers, lost):"
		echo
		echo '```'
		cat "$RESULTS"
		echo '```'
	} >"$OUT"
	log "wrote $OUT"
fi
exit 0
