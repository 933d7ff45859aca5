#!/bin/sh
# BPF tier and privilege: a non-root user with only CAP_BPF + CAP_PERFMON
# (ambient) runs it and sees a storm completely; without them, or with only
# one, probe says why, --tier=bpf fails with that reason and --tier=auto
# falls back to netlink.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq
need_root "to drop to user 65534 with chosen capabilities"
need_cmd setpriv
need_cmd capsh
need_tier bpf
N=${STORM_N:-500}
USR="setpriv --reuid=65534 --regid=65534 --clear-groups"
CAPS="$USR --inh-caps=+bpf,+perfmon --ambient-caps=+bpf,+perfmon"
NOCAPS="$USR --inh-caps=-all"
REAL=$(readlink -f "$TRUE_STATIC") || fail "cannot resolve $TRUE_STATIC"
SELF=$(readlink -f "$STORM") || fail "cannot resolve $STORM"

# The setup itself: exactly the capabilities asked for, as uid 65534.
$CAPS capsh --is-uid=65534 --has-p=cap_bpf --has-p=cap_perfmon --has-a=cap_bpf \
	--has-a=cap_perfmon >"$T/capsh.out" 2>&1 ||
	skip "setpriv cannot grant ambient CAP_BPF + CAP_PERFMON here: $(cat "$T/capsh.out")"
$CAPS capsh --has-p=cap_sys_admin >/dev/null 2>&1 && fail "setup: CAP_SYS_ADMIN is permitted"
$NOCAPS capsh --has-p=cap_bpf >/dev/null 2>&1 && fail "setup: CAP_BPF is permitted without caps"
$NOCAPS capsh --has-p=cap_perfmon >/dev/null 2>&1 && fail "setup: CAP_PERFMON is permitted without caps"

# bpf_probe PROBE_JSON: available and reason of the bpf tier
bpf_probe() { jq -r '.tiers[] | select(.tier == "bpf") | "\(.available) \(.reason)"' "$1"; }

# ---- with CAP_BPF + CAP_PERFMON ---------------------------------------------
$CAPS "$PROCTRAIL" probe --json >"$T/probe-caps.json" || fail "probe with caps failed"
r=$(bpf_probe "$T/probe-caps.json")
case "$r" in true*) ;; *) fail "probe with CAP_BPF + CAP_PERFMON: bpf $r" ;; esac

$CAPS "$PROCTRAIL" watch --tier=bpf --json --events=exec,exit >"$T/u.json" 2>"$T/u.err" &
WATCH_PID=$!
PIDS="$PIDS $WATCH_PID"
wait_for_line "$T/u.err" ready 20 || { cat "$T/u.err"; fail "watch with caps not ready"; }
grep -q 'ready (tier bpf)' "$T/u.err" || fail "watch with caps: $(cat "$T/u.err")"
# the watcher really is uid 65534 holding just those two capabilities
st=/proc/$WATCH_PID/status
grep -q '^Uid:[[:space:]]*65534[[:space:]]*65534[[:space:]]*65534[[:space:]]*65534$' "$st" ||
	fail "watcher is not uid 65534: $(grep ^Uid "$st")"
eff=$(sed -n 's/^CapEff:[[:space:]]*//p' "$st")
[ "$(capsh --decode="$eff")" = "0x$eff=cap_perfmon,cap_bpf" ] ||
	fail "watcher's effective capabilities: $(capsh --decode="$eff")"
"$STORM" -q -n "$N" -k 2 -b "$TRUE_STATIC" -t ptcaps >"$T/storm.out" &
SP=$!
wait $SP || fail "storm failed: $(cat "$T/storm.out")"
sleep 0.5
stop_watch
[ "$WATCH_RC" = 0 ] || fail "watch with caps exited $WATCH_RC: $(cat "$T/u.err")"
# the storm's children that exec'd (a sanitizer build's storm also forks a
# LeakSanitizer helper that never execs)
mine=".ppid == $SP and .exe != \$self"
execs=$(jq -c --arg self "$SELF" "select(.event == \"exec\" and $mine)" "$T/u.json" | wc -l)
exits=$(jq -c --arg self "$SELF" "select(.event == \"exit\" and $mine)" "$T/u.json" | wc -l)
tags=$(count_tagged "$T/u.json" exec ptcaps-)
exe=$(jq -c --arg real "$REAL" "select(.event == \"exec\" and .ppid == $SP and .exe == \$real)" \
	"$T/u.json" | wc -l)
lost=$(summary_field "$T/u.err" lost)
echo "with caps: execs $execs exits $exits argv $tags exe $exe of $N, lost $lost"
[ "$lost" = 0 ] || fail "with caps: $lost events lost"
[ "$execs" = "$N" ] || fail "with caps: $execs of $N execs"
[ "$exits" = "$N" ] || fail "with caps: $exits of $N exits"
[ "$tags" = "$N" ] || fail "with caps: argv for $tags of $N"
[ "$exe" = "$N" ] || fail "with caps: exe $REAL for $exe of $N"
ok "uid 65534 with CAP_BPF + CAP_PERFMON: bpf tier, all $N execs, exits, argv and exe"

# ---- without them, or with one only -----------------------------------------
# check_denied NAME SETPRIV-COMMAND WANT...: probe says no naming each WANT
# capability, and --tier=bpf fails with status 1 and that reason
check_denied() {
	name=$1 priv=$2
	shift 2
	$priv "$PROCTRAIL" probe --json >"$T/probe-$name.json" || fail "$name: probe failed"
	r=$(bpf_probe "$T/probe-$name.json")
	case "$r" in false*) ;; *) fail "$name: probe says bpf $r" ;; esac
	reason=${r#false }
	for c in "$@"; do
		case "$reason" in *"$c"*) ;; *) fail "$name: probe's bpf reason does not name $c: $reason" ;; esac
	done
	$priv "$PROCTRAIL" probe >"$T/probe-$name.txt" || fail "$name: probe (text) failed"
	grep '^bpf  *no ' "$T/probe-$name.txt" | grep -qF "$reason" ||
		fail "$name: probe text: $(grep ^bpf "$T/probe-$name.txt")"

	rc=0
	timeout 20 $priv "$PROCTRAIL" watch --tier=bpf --json >"$T/w-$name.out" 2>"$T/w-$name.err" || rc=$?
	[ "$rc" = 1 ] || fail "$name: watch --tier=bpf exited $rc, expected 1: $(cat "$T/w-$name.err")"
	[ ! -s "$T/w-$name.out" ] || fail "$name: watch --tier=bpf printed events"
	grep -q ready "$T/w-$name.err" && fail "$name: watch --tier=bpf said ready"
	grep -qF "$reason" "$T/w-$name.err" ||
		fail "$name: watch --tier=bpf does not give the reason '$reason': $(cat "$T/w-$name.err")"
	ok "$name: probe and watch --tier=bpf (status 1) say: $reason"
}

check_denied nocaps "$NOCAPS" CAP_BPF CAP_PERFMON
check_denied bpfonly "$USR --inh-caps=+bpf --ambient-caps=+bpf" CAP_PERFMON
check_denied perfmononly "$USR --inh-caps=+perfmon --ambient-caps=+perfmon" CAP_BPF

# ---- --tier=auto falls back, and says why -----------------------------------
want=$(jq -r .auto "$T/probe-nocaps.json")
if jq -e '.tiers[] | select(.tier == "netlink") | .available' "$T/probe-nocaps.json" >/dev/null; then
	[ "$want" = netlink ] || fail "no caps: probe's auto is $want, netlink is available"
fi
reason=$(bpf_probe "$T/probe-nocaps.json")
reason=${reason#false }
rc=0
timeout 30 $NOCAPS "$PROCTRAIL" -v watch --tier=auto --json --duration=1 >"$T/auto.out" 2>"$T/auto.err" || rc=$?
[ "$rc" = 0 ] || fail "watch --tier=auto without caps exited $rc: $(cat "$T/auto.err")"
grep -q "ready (tier $want)" "$T/auto.err" || fail "watch --tier=auto: not tier $want: $(cat "$T/auto.err")"
grep 'bpf' "$T/auto.err" | grep -qF "$reason" ||
	fail "watch --tier=auto -v does not log why bpf was passed over: $(cat "$T/auto.err")"
[ "$(summary_field "$T/auto.err" tier)" = "$want" ] || fail "watch --tier=auto: summary tier"
ok "no caps: --tier=auto runs tier $want and logs the bpf reason"
