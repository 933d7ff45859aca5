#!/bin/bash
# sinks.sh: the sinks benchmark. A storm recorded once with `proctrail watch --json` is scaled
# up (jsonl-scale: every process distinct) and fed by `proctrail replay`, which waits for sink
# room instead of dropping, so its wall time is the sink's throughput and the figure does not
# depend on this machine's fork rate. Per sink (file, file with compression, SQLite,
# PostgreSQL COPY and INSERT) and batch size: events/s with no loss (lines/rows counted
# against the input), bytes on disk per process; then proctraild's CPU per 1000 processes of
# a real storm with each sink, next to no sink. See tests/bench/README.md.
set -u
export LC_ALL=C

usage() {
	cat <<EOF
usage: $0 [options]
  -B DIR    build directory holding proctrail, proctraild and tests/bench/{storm,true-static,
            jsonl-scale} (default: current directory)
  -o FILE   also write the results as markdown, e.g. tests/bench/results/sinks-\$(date +%F).md
  -r R      repetitions of every measurement (default 3)
  -b LIST   batch sizes (default 1,10,100,1000)
  -s LIST   sinks (default file,file-gz,sqlite,pg-copy,pg-insert; also file-nofsync)
  -t SECS   aimed length of one replay run (default 3): warm-up runs, from the first -w lines,
            measure each sink and batch size, and the stream is made that long
  -w N      lines of the first warm-up run, and of the stream of a sink too slow for one copy
            of the recording in 2 x SECS (default 1500)
  -P N      at most N processes in one replay stream (default 300000)
  -n N      processes of the recorded storm (default 2000)
  -i FILE   replay this recording (proctrail watch --json lines) instead of recording one;
            with -g TAG, only the processes that exec'd TAG-* (default: every process)
  -g TAG    see -i
  -N N      processes per storm for the daemon's CPU (default 10000)
  -z MB     rotation size of the compressed file sink (default 16)
  -D        skip the daemon's CPU measurement
  -T SECS   start no new measurement after SECS (default 900); the report says so
  -k        keep the work directory; its path is printed
Environment: PROCTRAIL, PROCTRAILD, STORM, STATIC, JSONL_SCALE override the binaries; PGBIN
the PostgreSQL server binaries' directory (default the newest /usr/lib/postgresql/*/bin).
Run it as root, under the shared lock: flock /tmp/pt-heavy.lock $0 ...
EOF
}

WARM_LINES=1500
REPS=3
BATCHES=1,10,100,1000
SINKS=none,file,file-gz,sqlite,pg-copy,pg-insert
TARGET=3
MAXPROCS=300000
RECN=2000
INPUT=""
INTAG=""
DN=10000
GZ_MB=16
DAEMON=1
MAXTIME=900
OUT=""
BUILD=""
KEEP=0
CMDLINE="$0 $*"
while getopts "B:o:r:b:s:t:w:P:n:i:g:N:z:DT:kh" opt; do
	case $opt in
	B) BUILD=$OPTARG ;;
	o) OUT=$OPTARG ;;
	r) REPS=$OPTARG ;;
	b) BATCHES=$OPTARG ;;
	s) SINKS=$OPTARG ;;
	t) TARGET=$OPTARG ;;
	w) WARM_LINES=$OPTARG ;;
	P) MAXPROCS=$OPTARG ;;
	n) RECN=$OPTARG ;;
	i) INPUT=$OPTARG ;;
	g) INTAG=$OPTARG ;;
	N) DN=$OPTARG ;;
	z) GZ_MB=$OPTARG ;;
	D) DAEMON=0 ;;
	T) MAXTIME=$OPTARG ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { usage >&2; exit 2; }
for v in "$REPS" "$TARGET" "$WARM_LINES" "$MAXPROCS" "$RECN" "$DN" "$GZ_MB" "$MAXTIME" ${BATCHES//,/ }; do
	case $v in '' | *[!0-9]*) echo "sinks.sh: not a number: '$v'" >&2; exit 2 ;; esac
done
[ "$REPS" -ge 1 ] && [ "$RECN" -ge 1 ] && [ "$DN" -ge 1 ] && [ "$GZ_MB" -ge 1 ] ||
	{ echo "sinks.sh: -r, -n, -N and -z must be >= 1" >&2; exit 2; }
for s in ${SINKS//,/ }; do
	case $s in none | file | file-gz | file-nofsync | sqlite | pg-copy | pg-insert) ;;
	*) echo "sinks.sh: unknown sink '$s'" >&2; exit 2 ;;
	esac
done

log() { printf 'sinks.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[ -n "$BUILD" ] || BUILD=$PWD
PROCTRAIL=${PROCTRAIL:-$BUILD/proctrail}
PROCTRAILD=${PROCTRAILD:-$BUILD/proctraild}
STORM=${STORM:-$BUILD/tests/bench/storm}
STATIC=${STATIC:-$BUILD/tests/bench/true-static}
JSONL_SCALE=${JSONL_SCALE:-$BUILD/tests/bench/jsonl-scale}
PD_LOAD=${PD_LOAD:-$BUILD/tests/bench/pd-load}
for b in "$PROCTRAIL" "$STORM" "$STATIC" "$JSONL_SCALE"; do
	[ -x "$b" ] || die "no $b: run from the build directory after 'make proctrail proctraild tests/bench/storm tests/bench/true-static tests/bench/jsonl-scale', or pass -B DIR"
done
command -v jq >/dev/null || die "jq is needed (apt-get install jq)"
IS_ROOT=0
[ "$(id -u)" = 0 ] && IS_ROOT=1
[ -n "$INPUT" ] || [ "$IS_ROOT" = 1 ] || die "recording a storm needs root (or pass -i FILE)"
CLK_TCK=$(getconf CLK_TCK)

# ---- state and cleanup ------------------------------------------------------------------
WORK=$(mktemp -d /tmp/ptsinks.XXXXXX) || die "mktemp failed"
RAW=$WORK/raw.jsonl
: >"$RAW"
RUN=$WORK/run
BGPID=""
DPID=""
PGDIR=""
PGUP=0

cleanup() {
	trap - EXIT INT TERM
	[ -n "$BGPID" ] && kill -TERM "$BGPID" 2>/dev/null && wait "$BGPID" 2>/dev/null
	stop_daemon
	pg_stop
	[ -n "$PGDIR" ] && rm -rf "$PGDIR"
	if [ "$KEEP" = 1 ]; then
		log "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT TERM

# raw SECTION REP [KEY VALUE ...] < json: appends the line with the section and labels
raw() {
	local s=$1 r=$2 args=()
	shift 2
	while [ $# -ge 2 ]; do args+=(--arg "$1" "$2"); shift 2; done
	jq -c --arg section "$s" --arg rep "$r" ${args[@]+"${args[@]}"} \
		'. + $ARGS.named + {rep: ($rep | tonumber)}' 2>/dev/null >>"$RAW"
}

ticks() { # utime + stime of a process (all its threads)
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	s=${s##*) }
	set -- $s
	echo $((${12} + ${13}))
}

elapsed() { echo $(($(date +%s) - T0)); }
STOPPED=""
time_left() {
	[ "$(elapsed)" -lt "$MAXTIME" ] && return 0
	[ -n "$STOPPED" ] || STOPPED="time limit of $MAXTIME s reached before '$1': results are partial"
	log "$STOPPED"
	return 1
}

# storm N TAG [PIDFILE]: true-static, 4 in flight; sets S_RATE (empty when it failed)
storm() {
	S_RATE=""
	timeout -s KILL $((60 + $1 / 50)) "$STORM" -q -n "$1" -k 4 -b "$STATIC" -t "$2" ${3:+-p "$3"} \
		>"$WORK/storm.json" 2>"$WORK/storm.err"
	S_RATE=$(jq -r '.rate' "$WORK/storm.json" 2>/dev/null)
	[ -n "$S_RATE" ] || log "storm failed: $(head -c 300 "$WORK/storm.err")"
}

# until PID used at most one tick in 0.5 s, max 15 s
wait_idle() {
	local _ a b
	a=$(ticks "$1")
	for _ in $(seq 30); do
		sleep 0.5
		b=$(ticks "$1")
		[ $((b - a)) -le 1 ] && return 0
		a=$b
	done
	log "pid $1 still busy after 15 s"
}

wait_file_line() { # FILE REGEX SECS PID: 0 once FILE has a line matching REGEX; 1 when PID died
	local _
	for _ in $(seq $(($3 * 10))); do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		kill -0 "$4" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

fsize() { # total apparent bytes of the files given (0 when none)
	local f t=0
	for f in "$@"; do [ -f "$f" ] && t=$((t + $(stat -c %s "$f"))); done
	echo $t
}

# ---- PostgreSQL: a throwaway cluster, UNIX socket only, as an unprivileged user ----------
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PGWHY=""
PGUSER_OS=""
# a port of our own: the socket lock files are per directory, but be safe
PGPORT=$((40000 + $$ % 20000))
as_pg() {
	if [ -n "$PGUSER_OS" ]; then
		setpriv --reuid="$PGUSER_OS" --regid="$(id -g "$PGUSER_OS")" --init-groups -- "$@"
	else
		"$@"
	fi
}
pg_start() {
	[ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ] && [ -x "$PGBIN/pg_ctl" ] ||
		{ PGWHY="no PostgreSQL server binaries (initdb, pg_ctl; set PGBIN)"; return 1; }
	command -v psql >/dev/null || { PGWHY="no psql"; return 1; }
	if [ "$IS_ROOT" = 1 ]; then
		# initdb refuses root: the cluster runs as postgres, else nobody
		PGUSER_OS=postgres
		id postgres >/dev/null 2>&1 || PGUSER_OS=nobody
	fi
	PGDIR=$(mktemp -d /tmp/ptsinks-pg.XXXXXX) || { PGWHY="mktemp failed"; return 1; }
	chmod 755 "$PGDIR"
	[ -n "$PGUSER_OS" ] && chown "$PGUSER_OS" "$PGDIR"
	if ! as_pg "$PGBIN/initdb" -D "$PGDIR/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync \
		>"$WORK/initdb.log" 2>&1; then
		PGWHY="initdb failed: $(tail -n 3 "$WORK/initdb.log" | tr '\n' ' ')"
		return 1
	fi
	# defaults (fsync, synchronous_commit on) but for where it listens
	if ! as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w -t 60 \
		-o "-c listen_addresses='' -k $PGDIR -p $PGPORT" start >"$WORK/pgctl.log" 2>&1; then
		PGWHY="the server did not start: $(tail -n 3 "$PGDIR/log" | tr '\n' ' ')"
		return 1
	fi
	PGUP=1
	PGVERSION=$(psqlq postgres -c 'show server_version')
	log "PostgreSQL $PGVERSION on $PGDIR/.s.PGSQL.$PGPORT"
}
pg_stop() {
	[ "$PGUP" = 1 ] || return 0
	as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w -t 30 stop >/dev/null 2>&1
	PGUP=0
}
psqlq() { # DB ARGS...: psql, unaligned, tuples only
	local db=$1
	shift
	psql -X -q -At -h "$PGDIR" -p "$PGPORT" -U postgres -d "$db" "$@" 2>>"$WORK/psql.err"
}
pg_uri() { echo "postgresql:///$1?host=$PGDIR&port=$PGPORT&user=postgres"; }
PGDB=0
pg_newdb() { # a fresh database, named in SINK_DB (not in a subshell: PGDB counts)
	PGDB=$((PGDB + 1))
	SINK_DB=bench$PGDB
	psqlq postgres -c "create database $SINK_DB" >/dev/null
}
pg_dropdb() { psqlq postgres -c "drop database if exists $1" >/dev/null; }
pg_bytes() { # DB: bytes of the tables, their indexes and toast
	psqlq "$1" -c "select coalesce(sum(pg_total_relation_size(c.oid)), 0) from pg_class c
		join pg_namespace n on n.oid = c.relnamespace
		where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema')"
}

# ---- the sinks ----------------------------------------------------------------------------
# sink_args SINK BATCH: the replay options, sink files under $RUN, the database SINK_DB for pg
# (made by the caller: this runs in a command substitution)
SINK_DB=""
sink_args() {
	local b="--batch-size=$2"
	case $1 in
	none) echo "$b" ;;
	file) echo "--output=$RUN/out.jsonl --output-max-size-mb=0 $b" ;;
	file-nofsync) echo "--output=$RUN/out.jsonl --output-max-size-mb=0 --output-fsync=no $b" ;;
	file-gz) echo "--output=$RUN/out.jsonl --output-compress --output-max-size-mb=$GZ_MB --output-max-backups=$GZ_BACKUPS $b" ;;
	sqlite) echo "--sqlite=$RUN/history.db $b" ;;
	pg-copy | pg-insert)
		echo "--pg=$(pg_uri "$SINK_DB") --pg-write=${1#pg-} --spool-dir=$RUN/spool $b" ;;
	esac
}

# sink_count SINK: "events processes lost bytes files gz_files gz_bytes gz_lines" in what the
# sink wrote
sink_count() {
	local f ev=0 lost=0 pr=null by=0 files=() nf=null ngz=null gzb=null gzl=null
	case $1 in
	none) ev=null lost=null by=null ;;
	file*)
		for f in "$RUN"/out.jsonl*; do
			[ -f "$f" ] || continue
			files+=("$f")
			case $f in
			*.gz) gzip -dc "$f" ;;
			*) cat "$f" ;;
			esac
		done >"$RUN/all.lines" 2>"$RUN/gz.err"
		[ -s "$RUN/gz.err" ] && log "$1: $(head -c 200 "$RUN/gz.err")"
		ev=$(wc -l <"$RUN/all.lines")
		lost=$(grep -c '"event":"lost"' "$RUN/all.lines")
		ev=$((ev - lost))
		pr=$(grep -o '"key":"[^"]*"' "$RUN/all.lines" | sort -u | wc -l)
		rm -f "$RUN/all.lines"
		by=$(fsize ${files[@]+"${files[@]}"})
		nf=${#files[@]}
		ngz=0 gzb=0 gzl=0
		for f in "$RUN"/out.jsonl*.gz; do
			[ -f "$f" ] || continue
			ngz=$((ngz + 1))
			gzb=$((gzb + $(stat -c %s "$f")))
			gzl=$((gzl + $(gzip -dc "$f" 2>/dev/null | wc -l)))
		done
		;;
	sqlite)
		command -v sqlite3 >/dev/null || { echo "null null null $(fsize "$RUN"/history.db*) null null null null"; return; }
		read -r ev lost pr < <(sqlite3 -separator ' ' "$RUN/history.db" \
			"select (select count(*) from events where event != 'lost'),
			        (select count(*) from events where event = 'lost'),
			        (select count(*) from processes)" 2>>"$WORK/sqlite.err")
		by=$(fsize "$RUN"/history.db "$RUN"/history.db-wal "$RUN"/history.db-shm)
		;;
	pg-*)
		read -r ev lost pr < <(psqlq "$SINK_DB" -F ' ' -c \
			"select (select count(*) from events where event != 'lost'),
			        (select count(*) from events where event = 'lost'),
			        (select count(*) from processes)")
		by=$(pg_bytes "$SINK_DB")
		;;
	esac
	echo "${ev:-null} ${pr:-null} ${lost:-null} ${by:-null} $nf $ngz $gzb $gzl"
}

# replay_run SINK BATCH STREAM LINES PROCS: one replay into a fresh sink; one JSON line
replay_run() {
	local sink=$1 b=$2 stream=$3 lines=$4 procs=$5 args a z rc ev pr lost by dropped nf ngz gzb gzl
	rm -rf "$RUN"
	mkdir -p "$RUN"
	SINK_DB=""
	case $sink in pg-*) pg_newdb ;; esac
	args=$(sink_args "$sink" "$b")
	a=$EPOCHREALTIME
	# shellcheck disable=SC2086
	"$PROCTRAIL" replay -q $args "$stream" >"$WORK/replay.out" 2>"$WORK/replay.err"
	rc=$?
	z=$EPOCHREALTIME
	[ "$rc" = 0 ] || log "$sink batch $b: replay exited $rc: $(head -c 300 "$WORK/replay.err" | tr '\n' ' ')"
	read -r ev pr lost by nf ngz gzb gzl < <(sink_count "$sink")
	# what the sinks say they dropped, when replay prints a summary with them
	dropped=$(sed -n 's/^proctrail: summary //p' "$WORK/replay.err" | jq '[.sinks[]?.dropped // 0] | add // null' 2>/dev/null)
	[ -n "$SINK_DB" ] && pg_dropdb "$SINK_DB"
	jq -nc --arg sink "$sink" --argjson batch "$b" --argjson lines "$lines" --argjson procs "$procs" \
		--argjson s "$(awk -v a="$a" -v z="$z" 'BEGIN { printf "%.6f", z - a }')" --argjson rc "$rc" \
		--argjson ev "$ev" --argjson pr "$pr" --argjson lost "$lost" --argjson by "$by" \
		--argjson nf "$nf" --argjson ngz "$ngz" --argjson gzb "$gzb" --argjson gzl "$gzl" \
		--argjson dropped "${dropped:-null}" --arg err "$(head -c 300 "$WORK/replay.err")" \
		'{sink: $sink, batch: $batch, lines: $lines, processes: $procs, seconds: $s, rc: $rc,
		  events_per_s: ($lines / $s), written: $ev, process_rows: $pr, lost_lines: $lost,
		  bytes: $by, files: $nf, gz_files: $ngz, gz_bytes: $gzb, gz_lines: $gzl, dropped: $dropped,
		  ok: ($rc == 0 and ($sink == "none" or $ev == $lines) and ($lost // 0) == 0 and (($dropped // 0) == 0)),
		  stderr: $err}'
}

# ---- 0. what can run --------------------------------------------------------------------
T0=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A WHY
HAVE_REPLAY=1
if ! "$PROCTRAIL" replay --help >"$WORK/replay-help" 2>&1; then
	HAVE_REPLAY=0
	REPLAY_WHY="\`proctrail replay\` is not in this build: $(head -n 1 "$WORK/replay-help")"
	log "$REPLAY_WHY"
fi
NEED_PG=0
case ",$SINKS," in *,pg-*) NEED_PG=1 ;; esac
if [ "$NEED_PG" = 1 ] && ! pg_start; then
	log "PostgreSQL: $PGWHY"
fi
for s in ${SINKS//,/ }; do
	case $s in
	pg-*) [ "$PGUP" = 1 ] || WHY[$s]="PostgreSQL: $PGWHY" ;;
	sqlite) command -v sqlite3 >/dev/null || WHY[$s]="no sqlite3 to count the rows" ;;
	esac
done

# ---- 1. the recording ---------------------------------------------------------------------
REC=$WORK/rec.jsonl
if [ -n "$INPUT" ]; then
	cp "$INPUT" "$REC" || die "cannot read $INPUT"
	RECTAG=$INTAG
	REC_CMD="(given: $INPUT)"
else
	RECTAG="ptsk$$"
	REC_CMD="proctrail watch --local --json during: storm -q -n $RECN -k 4 -b true-static -t $RECTAG"
	"$PROCTRAIL" watch --local --json >"$REC" 2>"$WORK/rec.err" &
	BGPID=$!
	wait_file_line "$WORK/rec.err" '^proctrail: ready' 20 "$BGPID" || die "proctrail watch did not get ready: $(head -c 300 "$WORK/rec.err")"
	storm "$RECN" "$RECTAG"
	REC_RATE=$S_RATE
	wait_idle "$BGPID"
	kill -INT "$BGPID"
	wait "$BGPID"
	BGPID=""
	log "recorded $(wc -l <"$REC") lines during a storm of $RECN ($REC_RATE/s)"
fi
"$JSONL_SCALE" ${RECTAG:+-t "$RECTAG"} -c 1 -s "$WORK/one.sum" "$REC" >"$WORK/one.jsonl" ||
	die "jsonl-scale failed on the recording"
LPC=$(jq -r .lines_per_copy "$WORK/one.sum")
PPC=$(jq -r .processes_per_copy "$WORK/one.sum")
[ "$PPC" -ge 1 ] || die "no process in the recording"
EPP=$(awk -v l="$LPC" -v p="$PPC" 'BEGIN { printf "%.3f", l / p }')
log "one copy: $LPC events of $PPC processes ($EPP events per process)"
MAXCOPIES=$((MAXPROCS / PPC))
[ "$MAXCOPIES" -ge 1 ] || MAXCOPIES=1
LPB=$(awk -v b="$(stat -c %s "$WORK/one.jsonl")" -v l="$LPC" 'BEGIN { printf "%d", b / l + 1 }')
GZ_BACKUPS=$((MAXCOPIES * LPC * LPB / (GZ_MB * 1048576) + 10))

# stream COPIES: the path of a stream of COPIES copies (made once); 0: the warm-up lines
stream() {
	local f=$WORK/stream-$1.jsonl
	[ "$1" = 0 ] && f=$WORK/warm.jsonl
	[ -f "$f" ] || "$JSONL_SCALE" ${RECTAG:+-t "$RECTAG"} -c "$1" "$REC" >"$f" || die "jsonl-scale -c $1 failed"
	echo "$f"
}
head -n "$WARM_LINES" "$WORK/one.jsonl" >"$WORK/warm.jsonl"
WARM_N=$(wc -l <"$WORK/warm.jsonl")
WARM_P=$(grep -o '"key":"[^"]*"' "$WORK/warm.jsonl" | sort -u | wc -l)
stream_lines() { if [ "$1" = 0 ]; then echo "$WARM_N"; else echo $(($1 * LPC)); fi; }
stream_procs() { if [ "$1" = 0 ]; then echo "$WARM_P"; else echo $(($1 * PPC)); fi; }

# ---- 2. replay into each sink, by batch size -------------------------------------------------
declare -A COPIES
SINKLIST=()
for s in ${SINKS//,/ }; do [ -z "${WHY[$s]:-}" ] && SINKLIST+=("$s"); done
if [ "$HAVE_REPLAY" = 1 ]; then
	# warm-up and calibration: the stream so that one run lasts about TARGET seconds: first
	# the warm-up lines, then (at most twice more) the copies that rate promises, until a run
	# lasts TARGET/2 or more. 0 copies: the warm-up lines (one copy would last 2 x TARGET)
	for b in ${BATCHES//,/ }; do
		for s in ${SINKLIST[@]+"${SINKLIST[@]}"}; do
			c=0
			for try in 1 2 3; do
				time_left "warm-up $s $b" || break 3
				replay_run "$s" "$b" "$(stream "$c")" "$(stream_lines "$c")" "$(stream_procs "$c")" >"$WORK/warm.json"
				raw warmup 0 try "$try" <"$WORK/warm.json"
				read -r rate secs < <(jq -r '"\(.events_per_s) \(.seconds)"' "$WORK/warm.json")
				nc=$(awk -v r="$rate" -v t="$TARGET" -v l="$LPC" -v m="$MAXCOPIES" 'BEGIN {
					if (r * t * 2 < l) { print 0; exit }
					c = int(r * t / l + 0.5); if (c < 1) c = 1; if (c > m) c = m
					# a power of 2, so that few streams are made
					p = 1; while (p * 2 <= c) p *= 2; print p }')
				log "warm-up $s batch $b, $(stream_procs "$c") processes: $(jq -r '"\(.events_per_s | floor) events/s in \(.seconds) s, ok \(.ok)"' "$WORK/warm.json")"
				done_cal=$(awk -v s="$secs" -v t="$TARGET" 'BEGIN { print (s * 2 >= t) ? 1 : 0 }')
				[ "$nc" = "$c" ] || [ "$done_cal" = 1 ] && { c=$nc; break; }
				c=$nc
			done
			COPIES[$s,$b]=$c
			log "$s batch $b: $(stream_procs "$c") processes per run"
		done
	done
	for rep in $(seq "$REPS"); do
		for b in ${BATCHES//,/ }; do
			n=${#SINKLIST[@]}
			for j in $(seq 0 $((n - 1))); do
				# rotate the sinks' order every repetition
				s=${SINKLIST[$(((j + rep - 1) % n))]}
				[ -n "${COPIES[$s,$b]:-}" ] || continue
				time_left "replay $s $b" || break 3
				c=${COPIES[$s,$b]}
				replay_run "$s" "$b" "$(stream "$c")" "$(stream_lines "$c")" "$(stream_procs "$c")" >"$WORK/run.json"
				raw replay "$rep" <"$WORK/run.json"
				log "rep $rep $s batch $b: $(jq -r '"\(.events_per_s | floor) events/s (\(.lines) events in \(.seconds) s), written \(.written), ok \(.ok)"' "$WORK/run.json")"
			done
		done
	done
fi
# the streams are large
rm -f "$WORK"/stream-*.jsonl

# ---- 3. the daemon's CPU per 1000 processes, with each sink and with none ------------------
DCONFS=()
if [ "$DAEMON" = 1 ] && [ -x "$PROCTRAILD" ]; then
	DCONFS=(none)
	for s in ${SINKS//,/ }; do
		[ -z "${WHY[$s]:-}" ] && [ "$s" != file-nofsync ] && [ "$s" != none ] && DCONFS+=("$s")
	done
elif [ "$DAEMON" = 1 ]; then
	DAEMON_WHY="no proctraild at $PROCTRAILD"
fi
[ "$IS_ROOT" = 1 ] || { DCONFS=(); DAEMON_WHY="not root: the daemon's monitor needs root"; }
DSTATE=$WORK/dstate
DSOCK=$WORK/pd.sock

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

# dconf SINK: the daemon's config for SINK (sets SINK_DB for pg)
dconf() {
	echo "# written by tests/bench/sinks.sh"
	echo "socket = $DSOCK"
	echo "state_dir = $DSTATE"
	echo "retention = 30m"
	getent group proctrail >/dev/null || echo 'socket_group = ""'
	case $1 in
	none) echo "sqlite = none" ;;
	file) printf 'sqlite = none\noutput = %s\noutput_max_size_mb = 0\n' "$RUN/out.jsonl" ;;
	file-gz) printf 'sqlite = none\noutput = %s\noutput_compress = yes\noutput_max_size_mb = 1\noutput_max_backups = 1000\n' "$RUN/out.jsonl" ;;
	sqlite) echo "# sqlite: the default, \$state_dir/history.db" ;;
	pg-*) printf 'sqlite = none\npg = %s\npg_write = %s\nspool_dir = %s\n' "$(pg_uri "$SINK_DB")" "${1#pg-}" "$RUN/spool" ;;
	esac
}

# daemon_run SINK REP: one storm of DN under a fresh daemon with SINK; one JSON line
daemon_run() {
	local sink=$1 tag="ptskd$$r${2}${1//-/}" c0 c1 cpu ev pr lost by tags=null
	rm -rf "$RUN" "$DSTATE"
	mkdir -p "$RUN" "$DSTATE"
	SINK_DB=""
	case $sink in pg-*) pg_newdb ;; esac
	dconf "$sink" >"$WORK/proctrail.conf"
	if ! "$PROCTRAILD" "--config=$WORK/proctrail.conf" --check-config >"$WORK/check.out" 2>&1; then
		jq -nc --arg sink "$sink" --arg why "proctraild --check-config refused: $(head -c 300 "$WORK/check.out" | tr '\n' ' ')" \
			'{sink: $sink, error: $why}'
		[ -n "$SINK_DB" ] && pg_dropdb "$SINK_DB"
		return
	fi
	"$PROCTRAILD" "--config=$WORK/proctrail.conf" -v >"$WORK/daemon.out" 2>"$WORK/daemon.err" &
	DPID=$!
	if ! wait_file_line "$WORK/daemon.err" 'notice: ready' 30 "$DPID"; then
		jq -nc --arg sink "$sink" --arg why "proctraild did not get ready: $( (grep -E "error|fatal" "$WORK/daemon.err" || tail -n 2 "$WORK/daemon.err") | tail -n 2 | tr "\n" " ")" \
			'{sink: $sink, error: $why}'
		stop_daemon
		return
	fi
	wait_idle "$DPID"
	c0=$(ticks "$DPID")
	storm "$DN" "$tag"
	# at least one flush interval (1 s), then until the daemon is idle
	sleep 1.5
	wait_idle "$DPID"
	c1=$(ticks "$DPID")
	if ! kill -0 "$DPID" 2>/dev/null; then
		wait "$DPID"
		jq -nc --arg sink "$sink" --arg why "proctraild exited $? during the storm: $( (grep -E "error|fatal" "$WORK/daemon.err" || tail -n 2 "$WORK/daemon.err") | tail -n 2 | tr "\n" " ")" \
			'{sink: $sink, error: $why}'
		DPID=""
		[ -n "$SINK_DB" ] && pg_dropdb "$SINK_DB"
		return
	fi
	# what the daemon says of its sinks, before it stops
	SINKST=null
	[ -x "$PD_LOAD" ] && SINKST=$(timeout 10 "$PD_LOAD" -s "$DSOCK" req '{"cmd":"status"}' 2>/dev/null |
		head -n 1 | jq -c '[.sinks[]? | {type, state, written, dropped, errors, last_error}]' 2>/dev/null)
	stop_daemon
	cpu=$(((c1 - c0) * 1000 / CLK_TCK))
	# the storm's execs that reached the sink (after the daemon's stop: flushed)
	case $sink in
	none) ;;
	file*)
		tags=$(for f in "$RUN"/out.jsonl*; do
			[ -f "$f" ] || continue
			case $f in *.gz) gzip -dc "$f" ;; *) cat "$f" ;; esac
		done | grep '"event":"exec"' | grep -o "\"$tag-[0-9]*\"" | sort -u | wc -l) ;;
	sqlite)
		tags=$(sqlite3 "$DSTATE/history.db" "select count(distinct argv) from execs where argv like '%\"$tag-%'" 2>>"$WORK/sqlite.err") ;;
	pg-*)
		tags=$(psqlq "$SINK_DB" -c "select count(distinct argv) from execs where argv::text like '%\"$tag-%'") ;;
	esac
	[ "$sink" = sqlite ] && by=$(fsize "$DSTATE"/history.db "$DSTATE"/history.db-wal) || by=null
	[ -n "$SINK_DB" ] && pg_dropdb "$SINK_DB"
	jq -nc --arg sink "$sink" --argjson n "$DN" --argjson cpu "$cpu" --argjson rate "${S_RATE:-null}" \
		--argjson tags "${tags:-null}" --argjson st "${SINKST:-null}" \
		'{sink: $sink, n: $n, cpu_ms: $cpu, cpu_ms_per_1000: ($cpu * 1000 / $n), storm_rate: $rate,
		  sink_tags: $tags, sinks: $st}'
}

if [ ${#DCONFS[@]} -gt 0 ]; then
	for rep in $(seq "$REPS"); do
		n=${#DCONFS[@]}
		for j in $(seq 0 $((n - 1))); do
			s=${DCONFS[$(((j + rep - 1) % n))]}
			time_left "daemon $s" || break 2
			daemon_run "$s" "$rep" >"$WORK/drun.json"
			raw daemon "$rep" <"$WORK/drun.json"
			log "daemon rep $rep $s: $(jq -r 'if .error then .error else "\(.cpu_ms) ms for \(.n) processes, storm \(.storm_rate)/s, in the sink \(.sink_tags)" end' "$WORK/drun.json")"
		done
	done
fi
pg_stop
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

# the machine's process creation rate: the storms with no sink, else the recording's
MACHINE_RATE=$(sel daemon 'select(.sink == "none") | .storm_rate // empty' | sort -g | tail -n 1)
RATE_FROM="the fastest storm of $DN without a sink in this run"
if [ -z "$MACHINE_RATE" ]; then
	MACHINE_RATE=${REC_RATE:-}
	RATE_FROM="the recorded storm"
fi

report() {
	local s b what m
	echo "## Events per second into each sink, by batch size"
	echo
	echo "\`proctrail replay -q SINK --batch-size=B STREAM\`; STREAM is the recorded storm's $PPC processes"
	echo "($LPC events, $EPP per process) copied with new pids, starts, keys and times, so every"
	echo "process is distinct. Replay waits for sink room, so its wall time (start to exit: open, schema,"
	echo "drain, close included) is the sink's. Median (min-max) of $REPS runs, sinks interleaved."
	echo "**no loss** = every run wrote exactly the input's events (lines or rows of \`events\`), no \`lost\`"
	echo "line or row, and the sink's dropped count (replay's summary, when it prints one) 0."
	echo "\`none\` is replay with no sink (\`proctrail replay -q STREAM\`): the ceiling replay itself sets (reading,"
	echo "importing into the table, rendering each event again)."
	if [ -n "$MACHINE_RATE" ]; then
		echo "Margin = the sink's processes/s (events/s / $EPP) / the machine's process creation rate,"
		echo "$(printf '%.0f' "$MACHINE_RATE")/s ($RATE_FROM). Target: 10x."
	fi
	echo
	if [ "$HAVE_REPLAY" = 0 ]; then
		echo "**Not measured: $REPLAY_WHY.**"
		echo
	fi
	echo "| sink | batch | processes per run | events/s | processes/s | margin | no loss |"
	echo "|---|---|---|---|---|---|---|"
	for s in ${SINKS//,/ }; do
		if [ -n "${WHY[$s]:-}" ]; then
			echo "| $s | | not measured: ${WHY[$s]} | | | | |"
			continue
		fi
		for b in ${BATCHES//,/ }; do
			what="select(.sink == \"$s\" and .batch == $b)"
			[ -n "$(sel replay "$what | .lines" | head -n 1)" ] || { echo "| $s | $b | not run | | | | |"; continue; }
			m=$(sel replay "$what | .events_per_s" | med)
			echo "| $s | $b | $(sel replay "$what | .processes" | stats '%d') | $(sel replay "$what | .events_per_s" | stats '%.0f') | $(awk -v m="$m" -v e="$EPP" 'BEGIN { printf "%.0f", m / e }') | $(awk -v m="$m" -v e="$EPP" -v r="${MACHINE_RATE:-0}" 'BEGIN { if (r > 0) printf "%.1fx", m / e / r; else print "-" }') | $([ "$s" = none ] && echo "-" || sel replay "$what | .ok" | sort | uniq -c | awk '{ c[$2] = $1 } END { if (c["false"]) printf "**NO: %d of %d runs**", c["false"], c["false"] + c["true"]; else print "yes" }') |"
		done
	done
	echo
	echo "## COPY against INSERT (PostgreSQL)"
	echo
	echo "Median events/s of each, and copy / insert, by batch size (same runs as above)."
	echo
	echo "| batch | COPY events/s | INSERT events/s | COPY / INSERT |"
	echo "|---|---|---|---|"
	for b in ${BATCHES//,/ }; do
		local cm im
		cm=$(sel replay "select(.sink == \"pg-copy\" and .batch == $b) | .events_per_s" | med)
		im=$(sel replay "select(.sink == \"pg-insert\" and .batch == $b) | .events_per_s" | med)
		echo "| $b | ${cm:+$(printf '%.0f' "$cm")} | ${im:+$(printf '%.0f' "$im")} | $(awk -v c="${cm:-0}" -v i="${im:-0}" 'BEGIN { if (c > 0 && i > 0) printf "%.2f", c / i; else print "-" }') |"
	done
	echo
	echo "## Bytes on disk per process"
	echo
	echo "From the largest run of each sink (its biggest batch size, last repetition): file sizes"
	echo "(every file of the file sinks, rotated and compressed ones included; SQLite's database, -wal"
	echo "and -shm after replay exited), for PostgreSQL pg_total_relation_size() of the tables with"
	echo "their indexes and TOAST (no WAL). For file-gz, \"rotated .gz\" counts only the compressed files: their"
	echo "bytes / their lines x $EPP events per process (the file being written is not compressed yet)."
	echo
	echo "| sink | processes | bytes | bytes per process | bytes per event | process rows | rotated .gz: bytes per process |"
	echo "|---|---|---|---|---|---|---|"
	for s in ${SINKS//,/ }; do
		jq -s -r --arg s "$s" --argjson e "$EPP" '[.[] | select(.section == "replay" and .sink == $s and .bytes != null)]
			| sort_by(.processes, .batch, .rep) | last // empty
			| "| \($s) | \(.processes) | \(.bytes) | \(.bytes / .processes | floor) | \(.bytes / .lines | floor) | \(.process_rows) | \(if (.gz_lines // 0) > 0 then (.gz_bytes / .gz_lines * $e | floor | tostring) else "-" end) |"' "$RAW"
	done
	echo
	echo "## proctraild's CPU per 1000 processes, by sink"
	echo
	echo "A fresh proctraild (temporary socket and state_dir, retention 30m, the sink below) per run;"
	echo "utime + stime of the daemon (all threads, /proc/PID/stat) from idle before a storm of $DN"
	echo "processes (true-static, 4 in flight) to idle after it (at least 1.5 s: one flush interval),"
	echo "per 1000 processes. Median (min-max) of $REPS, configurations interleaved. \"in the sink\":"
	echo "distinct storm tags in the sink's exec lines/rows after the daemon stopped."
	echo
	if [ ${#DCONFS[@]} -eq 0 ]; then
		echo "**Not measured: ${DAEMON_WHY:-skipped (-D)}.**"
		echo
	fi
	echo "| sink | CPU ms per 1000 processes | more than no sink, ms per 1000 | vs no sink | in the sink / $DN | storm rate /s | errors |"
	echo "|---|---|---|---|---|---|---|"
	local none
	none=$(sel daemon 'select(.sink == "none") | .cpu_ms_per_1000 // empty' | med)
	for s in ${DCONFS[@]+"${DCONFS[@]}"}; do
		what="select(.sink == \"$s\")"
		m=$(sel daemon "$what | .cpu_ms_per_1000 // empty" | med)
		echo "| $s | $(sel daemon "$what | .cpu_ms_per_1000 // empty" | stats '%.1f') | $(awk -v m="$m" -v n="$none" 'BEGIN { if (m != "" && n != "") printf "%+.1f", m - n; else print "-" }') | $(awk -v m="${m:-0}" -v n="${none:-0}" 'BEGIN { if (m > 0 && n > 0) printf "%.2fx", m / n; else print "-" }') | $([ "$s" = none ] && echo "-" || sel daemon "$what | .sink_tags // empty" | stats '%d') | $(sel daemon "$what | .storm_rate // empty" | stats '%.0f') | $(sel daemon "$what | .error // empty" | head -n 1) |"
	done
	echo
	echo "## Not measured"
	echo
	{
		[ "$HAVE_REPLAY" = 0 ] && echo "- every replay figure: $REPLAY_WHY"
		for s in ${SINKS//,/ }; do
			[ -n "${WHY[$s]:-}" ] && echo "- $s: ${WHY[$s]}"
		done
		[ "$DAEMON" = 1 ] && [ ${#DCONFS[@]} -eq 0 ] && echo "- the daemon's CPU: ${DAEMON_WHY:-}"
		sel daemon 'select(.error) | "- the daemon with \(.sink), repetition \(.rep): \(.error)"' | sort -u
		sel replay 'select(.ok == false) | "- \(.sink) batch \(.batch), repetition \(.rep): loss or error: read \(.lines), wrote \(.written), lost lines \(.lost_lines), dropped \(.dropped), exit \(.rc): \(.stderr | gsub("\n"; " ") | .[0:200])"'
		[ -n "$STOPPED" ] && echo "- $STOPPED"
	} >"$WORK/notmeasured"
	if [ -s "$WORK/notmeasured" ]; then cat "$WORK/notmeasured"; else echo "Nothing: every sink, batch size and daemon configuration asked for ran."; fi
}

REPORT=$(report)
echo
echo "$REPORT"
echo
echo "wall time $ELAPSED s; load average $LOAD0 at start, $LOAD1 at the end.${STOPPED:+ $STOPPED}"

if [ -n "$OUT" ]; then
	mkdir -p "$(dirname "$OUT")"
	{
		echo "# proctrail sinks benchmark"
		echo
		echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "- machine: $(uname -r), $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
		echo "- command: \`$CMDLINE\` (from the build directory, as $(id -un))"
		echo "- source: \`$(git -C "$(dirname "$0")" describe --always --dirty 2>/dev/null || echo unknown)\` (git describe of the script's tree)"
		echo "- proctrail: \`$("$PROCTRAIL" --version 2>&1 | head -n 1)\`; PostgreSQL: ${PGVERSION:-not run${PGWHY:+ ($PGWHY)}}; SQLite: $(sqlite3 --version 2>/dev/null | cut -d' ' -f1)"
		echo "- recording: $REC_CMD: $PPC processes, $LPC events"
		echo "- wall time: $ELAPSED s${STOPPED:+ ($STOPPED)}; load average (1, 5, 15 min) $LOAD0 at the start, $LOAD1 at the end"
		echo
		echo "$REPORT"
		echo
		echo "## Commands"
		echo
		echo '```'
		echo "jsonl-scale -t TAG -c COPIES rec.jsonl > STREAM"
		for s in ${SINKS//,/ }; do
			echo "proctrail replay -q $(RUN='$RUN' GZ_BACKUPS=$GZ_BACKUPS; case $s in pg-*) echo "--pg=postgresql:///DB?host=SOCKDIR&port=$PGPORT&user=postgres --pg-write=${s#pg-} --spool-dir=\$RUN/spool --batch-size=B";; *) sink_args "$s" B;; esac) STREAM   # $s"
		done
		echo "proctraild --config=CONF -v   # with: storm -q -n $DN -k 4 -b true-static -t TAG"
		echo '```'
		echo
		echo "PostgreSQL: a throwaway cluster, \`initdb -U postgres --auth=trust\` as an unprivileged user,"
		echo "server defaults (fsync and synchronous_commit on) but \`listen_addresses=''\` and its UNIX socket"
		echo "in the temporary directory; a new database per run."
		echo
		echo "## Raw figures"
		echo
		echo '```'
		jq -c 'del(.stderr)' "$RAW"
		echo '```'
	} >"$OUT"
	log "wrote $OUT"
fi
exit 0
