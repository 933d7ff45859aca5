#!/bin/sh
# watch's options: --filter, --events, --duration, --quiet, and usage errors.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq

"$PROCTRAIL" watch --filter='proc.name = sh and proc.nam = sh' >/dev/null 2>"$T/e1"
[ $? = 2 ] || fail "an unknown field does not exit 2"
grep -q "watch: invalid --filter: .*'proc.nam'.* at 19" "$T/e1" ||
	fail "no message naming the unknown field and its place: $(cat "$T/e1")"
"$PROCTRAIL" watch --filter='bogus=1' >/dev/null 2>"$T/e1"
[ $? = 2 ] || fail "an unknown old filter key does not exit 2"
grep -q "unknown filter key 'bogus' at 0" "$T/e1" || fail "no message for an unknown filter key"
"$PROCTRAIL" watch --filter='argv' >/dev/null 2>&1
[ $? = 2 ] || fail "a bare word (a macro: there are none) does not exit 2"
"$PROCTRAIL" watch --filter='proc.name = (' >/dev/null 2>&1
[ $? = 2 ] || fail "a condition that does not parse does not exit 2"
"$PROCTRAIL" watch --events=fork,nonsense >/dev/null 2>&1
[ $? = 2 ] || fail "unknown event does not exit 2"
"$PROCTRAIL" watch --tier=bogus >/dev/null 2>&1
[ $? = 2 ] || fail "unknown tier does not exit 2"
"$PROCTRAIL" watch --duration=-1 >/dev/null 2>&1
[ $? = 2 ] || fail "negative duration does not exit 2"
"$PROCTRAIL" watch --args-max=3 >/dev/null 2>&1
[ $? = 2 ] || fail "--args-max below 16 does not exit 2"
"$PROCTRAIL" watch extra >/dev/null 2>&1
[ $? = 2 ] || fail "a stray argument does not exit 2"
"$PROCTRAIL" bogus >/dev/null 2>&1
[ $? = 2 ] || fail "an unknown command does not exit 2"
"$PROCTRAIL" watch --readers=many >/dev/null 2>&1
[ $? = 2 ] || fail "--readers=many does not exit 2"
"$PROCTRAIL" watch --readers=65 >/dev/null 2>"$T/e2"
[ $? = 2 ] || fail "--readers above 64 does not exit 2"
grep -q -- "--readers" "$T/e2" || fail "no message naming --readers"
ok "usage errors exit 2 with a message"

# --readers: the inotify tier's reader threads, as many as asked (0: none,
# the watch's own thread reads). Either way a process living 0.4 s is seen
# with its argv; with readers, a /bin/true (~1 ms) too.
if "$PROCTRAIL" probe --json | jq -e '.tiers[] | select(.tier == "inotify") | .available' >/dev/null; then
	# the CPUs this test may run on, e.g. "0 1" from Cpus_allowed_list "0-1"
	cpus=$(awk '/^Cpus_allowed_list/ { n = split($2, r, ","); for (i = 1; i <= n; i++) {
		split(r[i], b, "-"); for (c = b[1]; c <= (b[2] == "" ? b[1] : b[2]); c++) print c } }' \
		/proc/self/status)
	cpus_list=$(awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status)
	set -- $cpus
	ncpu=$#
	for n in 0 1 3; do
		start_watch "$T/r$n.json" "$T/r$n.err" --tier=inotify --readers=$n --json \
			--events=exec --duration=30
		threads=$(cat /proc/"$WATCH_PID"/task/*/comm 2>/dev/null | grep -c '^proctrail-ino')
		[ "$threads" = "$n" ] || fail "--readers=$n: $threads reader threads running"
		# each reader is pinned to a CPU; a process on the lone reader's own
		# CPU runs to its end before the reader does: spread them over the CPUs
		# (the shell moves, so that /bin/true is its own first exec)
		for i in 1 2 3 4 5; do
			eval "cpu=\${$((i % ncpu + 1))}"
			taskset -pc "$cpu" $$ >/dev/null
			/bin/true "pt-readers-$n-$i"
		done
		taskset -pc "$cpus_list" $$ >/dev/null
		sleep "0.4$n"
		stop_watch
		json_has "$T/r$n.json" ".argv == [\"sleep\",\"0.4$n\"]" ||
			fail "--readers=$n: the exec of sleep 0.4$n was not seen"
		got=$(count_tagged "$T/r$n.json" exec "pt-readers-$n-")
		# one reader shares its CPU with the process at times; two or more
		# (on 2 CPUs) catch nearly all
		case $n in
		1) [ "$got" -ge 1 ] || fail "--readers=1: none of 5 /bin/true seen with argv" ;;
		3) [ "$got" -ge 4 ] || fail "--readers=3: $got of 5 /bin/true seen with argv" ;;
		esac
	done
	ok "--readers=0, 1 and 3: that many reader threads, execs seen"
else
	echo "note: the inotify tier cannot run here: --readers not exercised"
fi

# the best tier that runs here: the stream options are the tier's business
auto=$("$PROCTRAIL" probe --json | jq -r .auto)
[ "$auto" != null ] || skip "no tier can run here"
case $auto in inotify | poll) skip "tier $auto: too coarse for exact event checks" ;; esac

start_watch "$T/f.json" "$T/f.err" --json --events=exec,exit --duration=30 \
	--filter='proc.args contains pt-filter-yes and not user.ruid = 12345'
/bin/true pt-filter-yes
/bin/true pt-filter-no
sh -c 'exit 0' pt-filter-yes-sh
sleep 0.5
stop_watch
[ "$WATCH_RC" = 0 ] || fail "watch exited $WATCH_RC"
n=$(jq -c 'select(.event == "exec")' "$T/f.json" | wc -l)
[ "$n" = 2 ] || fail "--filter: $n execs printed, expected 2: $(cat "$T/f.json")"
json_has "$T/f.json" '.argv == ["/bin/true","pt-filter-yes"]' || fail "--filter dropped a match"
json_has "$T/f.json" '.argv[1] == "pt-filter-no"' && fail "--filter let a non-match through"
n=$(jq -c 'select(.event != "exec" and .event != "exit" and .event != "lost")' "$T/f.json" | wc -l)
[ "$n" = 0 ] || fail "--events=exec,exit printed $n other events"
# the summary counts what was printed, and says how many --filter left out
[ "$(summary_field "$T/f.err" events.exec)" = 2 ] ||
	fail "summary counts $(summary_field "$T/f.err" events.exec) execs, 2 were printed"
[ "$(summary_field "$T/f.err" filtered)" -ge 1 ] || fail "summary does not count what --filter left out"
ok "--filter and --events"

# -o: the chosen fields only, by condition or JSON name, text and JSON
start_watch "$T/o.out" "$T/o.err" -o evt.type,proc.pid,args --events=exec --duration=30
/bin/true pt-o-text
sleep 0.5
stop_watch
[ "$WATCH_RC" = 0 ] || fail "watch -o exited $WATCH_RC"
head -1 "$T/o.out" | grep -q '^EVENT  *PID  *ARGS$' || fail "watch -o header: $(head -1 "$T/o.out")"
grep -q '^exec  *[0-9][0-9]* /bin/true pt-o-text$' "$T/o.out" ||
	fail "watch -o: no 'exec PID /bin/true pt-o-text' line: $(grep pt-o "$T/o.out")"
start_watch "$T/oj.json" "$T/oj.err" --json -o event,pid,proc.argv --events=exec --duration=30
/bin/true pt-o-json
sleep 0.5
stop_watch
json_has "$T/oj.json" '.event == "exec" and .argv == ["/bin/true","pt-o-json"] and (keys | length) == 3' ||
	fail "watch -o --json: no 3-key object for the exec: $(grep pt-o "$T/oj.json")"
ok "watch -o, text and JSON"

# --duration ends it on its own (timeout only guards against a hang), with
# the summary; --quiet drops the summary
timeout 60 "$PROCTRAIL" watch --duration=1 --quiet >"$T/d.out" 2>"$T/d.err"
rc=$?
[ $rc = 124 ] && fail "--duration=1 did not end watch"
[ $rc = 0 ] || fail "--duration run exited $rc"
grep -q summary "$T/d.err" && fail "--quiet still printed the summary"
head -1 "$T/d.out" | grep -q "TIME" && fail "--quiet still printed the header"
timeout 60 "$PROCTRAIL" watch --duration=0.5 >"$T/t.out" 2>"$T/t.err" || fail "text watch failed"
secs=$(summary_field "$T/t.err" seconds)
[ "$(awk -v s="$secs" 'BEGIN {print (s >= 0.5)}')" = 1 ] ||
	fail "--duration=0.5 stopped after $secs s"
head -1 "$T/t.out" | grep -q "TIME *EVENT *PID *PPID" || fail "text header missing"
grep -q "^proctrail: summary {" "$T/t.err" || fail "summary missing"
ok "--duration, --quiet, text header and summary"
