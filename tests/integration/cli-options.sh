#!/bin/sh
# Option handling of every command: each error is one line on stderr naming
# `proctrail` (never a libtool path), with exit status 2 and the range where
# there is one; --debug, --fields, -o, -q, --realtime, and show of a thread.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq

# usage_err WHAT PATTERN ARGS...: exit 2, one line on stderr matching PATTERN
usage_err() {
	what=$1 pat=$2
	shift 2
	"$PROCTRAIL" "$@" >"$T/u.out" 2>"$T/u.err"
	rc=$?
	[ $rc = 2 ] || fail "$what: exit $rc, not 2 ($(cat "$T/u.err"))"
	[ "$(wc -l <"$T/u.err")" = 1 ] || fail "$what: not one line on stderr: $(cat "$T/u.err")"
	grep -q '^proctrail: ' "$T/u.err" || fail "$what: the line does not start 'proctrail: ': $(cat "$T/u.err")"
	grep -q '\.libs' "$T/u.err" && fail "$what: a libtool path in the message"
	grep -q -e "$pat" "$T/u.err" || fail "$what: message '$(cat "$T/u.err")' does not say '$pat'"
	[ -s "$T/u.out" ] && fail "$what: printed on stdout"
	return 0
}

usage_err "unknown global option" "unknown option '--bogus'" --bogus
usage_err "unknown short global option" "unknown option '-x'" -x
usage_err "no command" "no command" 
usage_err "unknown command" "unknown command 'bogus'" bogus
usage_err "unknown watch option" "watch: unknown option '--bogus'" watch --bogus
usage_err "missing value" "option '--tier' needs a value" watch --tier
usage_err "unknown ps option" "ps: unknown option '--bogus'" ps --bogus
usage_err "--readers range" "(0 to 64)" watch --readers=65
usage_err "--interval range" "(1 to 3600000)" watch --interval=0
usage_err "--args-max range" "(16 to " watch --args-max=3
usage_err "--duration=nan" "invalid --duration 'nan'" watch --duration=nan
usage_err "--duration=inf" "invalid --duration 'inf'" watch --duration=inf
usage_err "--duration=-1" "invalid --duration" watch --duration=-1
usage_err "--duration=0" "invalid --duration" watch --duration=0
usage_err "--ring-size=0" "4096 to" watch --ring-size=0
usage_err "--ring-size not a power of two" "power of two" watch --ring-size=12345
usage_err "--watch-dir missing" "No such file or directory" watch --watch-dir="$T/none"
touch "$T/file"
usage_err "--watch-dir on a file" "not a directory" watch --watch-dir="$T/file"
usage_err "-o unknown field" "unknown field 'bogus'" ps -o pid,bogus
usage_err "-o event field for ps" "not a field of a process" ps -o pid,evt.type
usage_err "-o process field unknown to watch" "unknown field 'nope'" watch -o pid,nope
usage_err "show of pid 0" "PID" show 0
# containers (issue 13)
usage_err "--ancestors without --json" "--ancestors adds a member to --json" watch --ancestors=2
usage_err "--ancestors range" "(0 to 64)" watch --json --ancestors=65
usage_err "--host-only and --container" "exclude each other" watch --host-only --container=x
usage_err "--host-only and --pod" "exclude each other" ps --host-only --pod=x
usage_err "--container empty" "--container needs a value" ps --container=
usage_err "--pod empty" "--pod needs a value" watch --pod=
# a value with blanks or quotes is a value: quoted in the condition
"$PROCTRAIL" ps --local --container='a" or proc.pid > 0 or "' >"$T/ctr.out" 2>&1 ||
	fail "--container with a quote: $(cat "$T/ctr.out")"
[ "$(wc -l <"$T/ctr.out")" -le 1 ] || fail "--container with a quote matched: $(cat "$T/ctr.out")"
usage_err "ps --filter" "unknown field 'proc.nam' at 0" ps --filter='proc.nam = 1'
usage_err "--filter of lineage" "--filter is an option of ps, watch and replay" lineage --filter='proc.pid = 1' 1
usage_err "--container twice" "--container given twice" watch --container=a --container=b
usage_err "--container of lineage" "options of ps and watch" lineage --container=a 1
usage_err "--runtime-root missing" "No such file or directory" ps --runtime-root="$T/none"
usage_err "--runtime-root with --daemon" "--runtime-root reads a snapshot" containers --runtime-root="$T" --daemon
usage_err "--runtime-root and --socket" "--socket names the daemon" containers --runtime-root="$T" --socket=/x
usage_err "containers -o bogus" "unknown member 'bogus'" containers -o id,bogus
usage_err "containers takes no argument" "containers takes no arguments" containers x

ok "usage errors: one line, exit 2, the range"

# --debug, in the usage text, is accepted and logs at debug level
"$PROCTRAIL" --help | grep -q -- --debug || fail "--debug not in the usage"
"$PROCTRAIL" --debug ps >/dev/null 2>"$T/dbg.err" || fail "--debug ps failed: $(cat "$T/dbg.err")"
ok "--debug accepted"

# --fields and the fields command: the registry, by both names
"$PROCTRAIL" --fields >"$T/fields" || fail "--fields failed"
grep -q '^proc\.pid  *pid  *int' "$T/fields" || fail "--fields does not list proc.pid / pid / int"
grep -q '^user\.name  *user  *string' "$T/fields" || fail "--fields does not list user.name"
"$PROCTRAIL" fields | cmp -s - "$T/fields" || fail "fields and --fields differ"
ok "--fields lists the registry"

# ps -o as procps users write it, condition and JSON names alike
"$PROCTRAIL" ps -o pid,ppid,user,args >"$T/o.out" || fail "ps -o failed"
head -1 "$T/o.out" | grep -q '^ *PID  *PPID  *USER  *ARGS$' || fail "ps -o header: $(head -1 "$T/o.out")"
sleep 27 &
S=$!
PIDS="$PIDS $S"
sleep 0.2
grep -q "^ *$S  *$$ .*sleep 27\$" "$T/o.out" ||
	"$PROCTRAIL" ps -o pid,ppid,user,args | grep -q "^ *$S  *$$  *[a-z0-9]*  *sleep 27\$" ||
	fail "ps -o pid,ppid,user,args has no line for sleep $S"
"$PROCTRAIL" ps -o proc.pid,proc.ppid,proc.name --json >"$T/o.json" || fail "ps -o --json failed"
json_has "$T/o.json" ".pid == $S and .ppid == $$ and .comm == \"sleep\" and (keys | length) == 3" ||
	fail "ps -o proc.pid,proc.ppid,proc.name --json: no 3-key object for $S"
"$PROCTRAIL" ps -q -o pid >"$T/q.out" || fail "ps -q failed"
grep -q PID "$T/q.out" && fail "ps -q printed the header"
ok "ps -o by condition and JSON names, text and JSON"

# show of a thread id: the process it belongs to, said on stderr
"$top_builddir/tests/integration/helper-threads" 2 3000 &
H=$!
PIDS="$PIDS $H"
sleep 0.3
tid=$(ls /proc/$H/task | grep -v "^$H\$" | head -1)
[ -n "$tid" ] || fail "helper-threads has no thread"
"$PROCTRAIL" show "$tid" >"$T/t.out" 2>"$T/t.err" || fail "show of thread $tid failed: $(cat "$T/t.err")"
grep -q "^pid: *$H\$" "$T/t.out" || fail "show $tid does not show process $H"
grep -q "thread of process $H" "$T/t.err" || fail "show $tid does not say it is a thread of $H"
ok "show of a thread id shows its process"

# watch -q: no notices about the tiers passed over. Unprivileged, auto passes
# over bpf, which is a notice.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	asuser() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"; }
	asuser "$PROCTRAIL" watch --duration=0.3 >/dev/null 2>"$T/nq.err" || fail "unprivileged watch failed"
	grep -q "unavailable" "$T/nq.err" || skip "no tier passed over unprivileged: -q not testable"
	asuser "$PROCTRAIL" watch -q --duration=0.3 >/dev/null 2>"$T/q.err" || fail "watch -q failed"
	grep -q "unavailable" "$T/q.err" && fail "-q still printed a skipped tier: $(cat "$T/q.err")"
	ok "-q: no notices of skipped tiers"

	# --realtime without CAP_SYS_NICE and with RLIMIT_RTPRIO 0 fails (exit 1)
	asuser prlimit --rtprio=0 "$PROCTRAIL" watch --realtime --duration=0.3 >/dev/null 2>"$T/rt.err"
	rc=$?
	[ $rc = 1 ] || fail "--realtime without the privilege exited $rc: $(cat "$T/rt.err")"
	grep -q -- "--realtime" "$T/rt.err" || fail "--realtime failure does not say why: $(cat "$T/rt.err")"
	grep -q "ready" "$T/rt.err" && fail "--realtime without the privilege became ready"
	ok "--realtime without the privilege fails"
else
	echo "note: needs root and setpriv to run unprivileged: -q and --realtime not tested"
fi
