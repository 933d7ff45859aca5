#!/bin/sh
# The bpf and netlink tiers give the same uid, sid, comm, ptrace and coredump
# events: a setuid helper, setsid, a prctl rename (and the exit line shows the
# new name), a ptrace attach and detach, a core dump. Each tier that can run
# here is checked the same way; the bpf tier also with its raw_tp programs
# ("bpfraw": PROCTRAIL_BPF_ATTACH=raw_tp).
# serial: measures capture in a race with short-lived processes (contrib/quickstart.sh)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq
need_root "setuid, ptrace and core_pattern"
H=$top_builddir/tests/integration/helper-parity

# core dumps go to a file under $T, and core_pattern is put back however we end
OLD_PATTERN=$(cat /proc/sys/kernel/core_pattern) || skip "cannot read core_pattern"
restore_core() { printf '%s\n' "$OLD_PATTERN" >/proc/sys/kernel/core_pattern; }
trap 'restore_core; cleanup' EXIT
printf '%s\n' "$T/core.%p" >/proc/sys/kernel/core_pattern || skip "cannot set core_pattern"

tiers=""
for t in bpf netlink; do
	line=$("$PROCTRAIL" probe | awk -v t="$t" '$1 == t')
	case "$line" in *" yes "* | *" yes") tiers="$tiers $t" ;; esac
done
case "$tiers" in *bpf*) tiers="$tiers bpfraw" ;; esac
[ -n "$tiers" ] || skip "neither the bpf nor the netlink tier runs here"

# run_tier T: events of the five cases into $T/T.json, the pids into $T/T.pids
run_tier() {
	J=$T/$1.json
	tier=$1
	attach=
	[ "$1" = bpfraw ] && tier=bpf attach=raw_tp
	export PROCTRAIL_BPF_ATTACH="$attach"
	start_watch "$J" "$T/$1.err" --tier="$tier" --json \
		--events=uid,gid,sid,comm,ptrace,coredump,exit
	unset PROCTRAIL_BPF_ATTACH
	grep -q "ready (tier $tier)" "$T/$1.err" || fail "not the $tier tier: $(cat "$T/$1.err")"
	{
		echo "uid $("$H" setuid 65534)"
		echo "sid $("$H" setsid)"
		echo "comm $("$H" rename pt-renamed)"
		echo "ptrace $("$H" ptrace)"
		echo "segv $(ulimit -c unlimited && "$H" segv 2>/dev/null)"
	} >"$T/$1.pids"
	sleep 0.5 # the bpf tier batches its wakeups (< 5 ms); the side channel is immediate
	stop_watch
	[ "$WATCH_RC" = 0 ] || fail "$1: watch exited $WATCH_RC: $(cat "$T/$1.err")"
}

pid_of() { awk -v k="$2" '$1 == k {print $2}' "$T/$1.pids"; }

# check T: every case gave its event, with the netlink tier's content
check() {
	J=$T/$1.json
	p=$(pid_of "$1" uid)
	json_has "$J" ".event == \"uid\" and .pid == $p and .uid == 65534 and .euid == 65534" ||
		fail "$1: no uid event for the setuid helper $p"
	p=$(pid_of "$1" sid)
	json_has "$J" ".event == \"sid\" and .pid == $p and .tid == $p" ||
		fail "$1: no sid event for $p"
	p=$(pid_of "$1" comm)
	# netlink: the exec's /proc read can lose the race against the rename;
	# the old name is then unknown (null), never the parent's stale one
	old='.old_comm == "helper-parity"'
	[ "$1" = netlink ] && old='(.old_comm == "helper-parity" or .old_comm == null)'
	json_has "$J" ".event == \"comm\" and .pid == $p and .comm == \"pt-renamed\" and $old" ||
		fail "$1: no comm event for $p"
	json_has "$J" ".event == \"exit\" and .pid == $p and .comm == \"pt-renamed\"" ||
		fail "$1: the exit of $p does not show its new name: $(jq -c "select(.pid == $p)" "$J")"
	# one comm event only: the helper's own exec renamed it too, which is no comm event
	[ "$(jq -c "select(.event == \"comm\" and .pid == $p)" "$J" | wc -l)" = 1 ] ||
		fail "$1: more than one comm event for $p: $(jq -c "select(.pid == $p)" "$J")"
	set -- "$1" $(awk '$1 == "ptrace" {print $2, $3}' "$T/$1.pids")
	json_has "$J" ".event == \"ptrace\" and .pid == $2 and .tracer_pid == $3" ||
		fail "$1: no ptrace attach of $2 by $3"
	json_has "$J" ".event == \"ptrace\" and .pid == $2 and .tracer_pid == 0" ||
		fail "$1: no ptrace detach of $2"
	p=$(pid_of "$1" segv)
	json_has "$J" ".event == \"coredump\" and .pid == $p" || fail "$1: no coredump event for $p"
	json_has "$J" ".event == \"exit\" and .pid == $p and .signal == 11 and .core_dumped == true" ||
		fail "$1: the exit of $p is not SIGSEGV with a core"
	[ -e "$T/core.$p" ] || fail "$1: no core file for $p (core_pattern $T/core.%p)"
	# nothing is missing: the tier said it would deliver all of them
	[ "$(summary_field "$T/$1.err" missing_events)" = "[]" ] ||
		fail "$1: the summary says events are missing: $(grep summary "$T/$1.err")"
	ok "$1: uid, sid, comm (and the exit's name), ptrace attach and detach, coredump"
}

# the same projection of each case's event on every tier
shape() {
	J=$T/$1.json
	{
		jq -c "select(.event == \"uid\" and .pid == $(pid_of "$1" uid)) | [.event, .uid, .euid]" "$J"
		jq -c "select(.event == \"sid\" and .pid == $(pid_of "$1" sid)) | [.event]" "$J"
		jq -c "select(.event == \"comm\" and .pid == $(pid_of "$1" comm)) | [.event, .comm, .old_comm]" "$J"
		jq -c "select(.event == \"ptrace\" and .pid == $(pid_of "$1" ptrace)) | [.event, .tracer_pid != 0]" "$J"
		jq -c "select(.event == \"coredump\" and .pid == $(pid_of "$1" segv)) | [.event]" "$J"
	} | sort
}

for t in $tiers; do
	run_tier "$t"
	check "$t"
	shape "$t" >"$T/$t.shape"
done
case "$tiers" in
*bpf*netlink*)
	for b in bpf bpfraw; do
		cmp -s "$T/$b.shape" "$T/netlink.shape" || {
			diff "$T/$b.shape" "$T/netlink.shape"
			fail "the $b and netlink tiers differ"
		}
	done
	ok "bpf (tp_btf and raw_tp) and netlink give the same events"
	;;
*) echo "only$tiers ran here: nothing to compare" ;;
esac
