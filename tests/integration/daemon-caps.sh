#!/bin/sh
# proctraild's least privilege (pd_caps_drop), in a process of its own:
# started as root it keeps only its tier's capabilities (CapEff == CapPrm ==
# that set), clears the bounding and ambient sets, sets no_new_privs; with
# user = nobody it also runs as nobody:nogroup without supplementary groups
# and still holds the kept set; started without root it keeps what it has of
# the set and drops the rest; a thread started before the drop is reported.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_root "to start pd_caps_drop as root and to switch users"
need_cmd setpriv
CAPS_TEST=$top_builddir/tests/integration/pd-caps-test
[ -x "$CAPS_TEST" ] || fail "$CAPS_TEST not built"
grep -q 'HAVE_LIBCAPNG 1' "$top_builddir/config.h" ||
	skip "built without libcap-ng: pd_caps_drop drops nothing"
NOBODY_UID=$(id -u nobody) || skip "no user nobody"
NOBODY_GID=$(id -g nobody)

# field FILE NAME: the value of NAME: in a /proc status dump
field() { awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print; exit }' "$1"; }

# run NAME ARGS...: pd-caps-test ARGS > $T/NAME.out, log in $T/NAME.err; ret must be 0
run() {
	name=$1
	shift
	"$@" >"$T/$name.out" 2>"$T/$name.err" || fail "$name: exit $?: $(cat "$T/$name.err")"
	[ "$(field "$T/$name.out" ret)" = 0 ] || fail "$name: $(cat "$T/$name.out" "$T/$name.err")"
}

# expect NAME CAPEFF: CapEff and CapPrm are exactly CAPEFF, nothing inheritable,
# no ambient, no_new_privs
expect() {
	for f in CapEff CapPrm; do
		[ "$(field "$T/$1.out" $f)" = "$2" ] ||
			fail "$1: $f $(field "$T/$1.out" $f), want $2: $(cat "$T/$1.err")"
	done
	[ "$(field "$T/$1.out" CapInh)" = 0000000000000000 ] || fail "$1: CapInh not empty"
	[ "$(field "$T/$1.out" CapAmb)" = 0000000000000000 ] || fail "$1: CapAmb not empty"
	[ "$(field "$T/$1.out" NoNewPrivs)" = 1 ] || fail "$1: no_new_privs not set"
}

# cap_net_admin 12, cap_sys_nice 23, cap_sys_ptrace 19, cap_perfmon 38, cap_bpf 39
PTRACE=0000000000080000
NETLINK=0000000000081000
OPEN_ALL=000000c000881000
OPEN_ALL_NO_RT=000000c000081000

# ---- as root, each tier ----------------------------------------------------------
run netlink "$CAPS_TEST" netlink
expect netlink $NETLINK
[ "$(field "$T/netlink.out" CapBnd)" = 0000000000000000 ] || fail "netlink: bounding set not cleared"
[ "$(field "$T/netlink.out" Uid)" = "0 0 0 0" ] || fail "netlink: uid changed without user"
grep -q '^<5>caps: kept cap_net_admin: ' "$T/netlink.err" || fail "netlink: no reason for cap_net_admin"
grep -q '^<5>caps: kept cap_sys_ptrace: ' "$T/netlink.err" || fail "netlink: no reason for cap_sys_ptrace"
grep -q '^<5>caps: dropped .*cap_sys_admin' "$T/netlink.err" || fail "netlink: drop not logged"
grep -q 'cap_dac_read_search' "$T/netlink.err" || fail "netlink: cap_dac_read_search not listed"
ok "netlink as root: kept cap_net_admin + cap_sys_ptrace, bounding cleared, no_new_privs"

for t in bpf inotify poll none; do
	run $t "$CAPS_TEST" $t
	expect $t $PTRACE
	[ "$(field "$T/$t.out" CapBnd)" = 0000000000000000 ] || fail "$t: bounding set not cleared"
done
ok "bpf, inotify, poll, none as root: only cap_sys_ptrace once open"

run auto "$CAPS_TEST" auto
expect auto $OPEN_ALL
run auto_nort "$CAPS_TEST" auto "" 0
expect auto_nort $OPEN_ALL_NO_RT
ok "before open (auto): what opening any tier needs; no cap_sys_nice with realtime = no"

# ---- as root, switching to nobody ----------------------------------------------
run user "$CAPS_TEST" netlink nobody
expect user $NETLINK
[ "$(field "$T/user.out" Uid)" = "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID" ] ||
	fail "user: Uid $(field "$T/user.out" Uid)"
[ "$(field "$T/user.out" Gid)" = "$NOBODY_GID $NOBODY_GID $NOBODY_GID $NOBODY_GID" ] ||
	fail "user: Gid $(field "$T/user.out" Gid)"
[ -z "$(field "$T/user.out" Groups)" ] || fail "user: supplementary groups $(field "$T/user.out" Groups)"
[ "$(field "$T/user.out" CapBnd)" = 0000000000000000 ] || fail "user: bounding set not cleared"
grep -q 'running as user nobody' "$T/user.err" || fail "user: switch not logged"
ok "netlink, user = nobody: uid/gid nobody, no groups, kept set intact"

# the kept capability works for the new user: another user's /proc/PID/exe
setpriv --reuid=1234 --regid=1234 --clear-groups sleep 30 &
SLEEPER=$!
PIDS="$PIDS $SLEEPER"
sleep 0.2
setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups \
	readlink "/proc/$SLEEPER/exe" >/dev/null 2>&1 &&
	skip "nobody reads another user's /proc/PID/exe without privilege here"
PD_CAPS_READLINK=$SLEEPER "$CAPS_TEST" poll nobody >"$T/exe.out" 2>"$T/exe.err"
[ "$(field "$T/exe.out" exe)" = ok ] || fail "user nobody with cap_sys_ptrace: exe $(field "$T/exe.out" exe)"
PD_CAPS_READLINK=$SLEEPER setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups \
	--inh-caps=+net_admin --ambient-caps=+net_admin "$CAPS_TEST" poll >"$T/noexe.out" 2>"$T/noexe.err"
[ "$(field "$T/noexe.out" exe)" = "Permission denied" ] ||
	fail "without cap_sys_ptrace: exe $(field "$T/noexe.out" exe)"
ok "kept cap_sys_ptrace reads another user's /proc/PID/exe as nobody; without it, denied"

"$CAPS_TEST" poll nosuchuser-pt >"$T/nouser.out" 2>"$T/nouser.err"
[ "$(field "$T/nouser.out" ret)" = -2 ] || fail "unknown user: $(cat "$T/nouser.out")"
grep -q "caps: user 'nosuchuser-pt': no such user" "$T/nouser.err" || fail "unknown user not logged"
[ "$(field "$T/nouser.out" NoNewPrivs)" = 0 ] || fail "unknown user: privileges changed anyway"
ok "an unknown user is an error, with nothing changed"

# ---- a thread started before the drop --------------------------------------------
run thread "$CAPS_TEST" netlink "" 1 --thread
grep -q '^<4>caps: thread [0-9]* started before the drop and keeps CapEff' "$T/thread.err" ||
	fail "thread keeping root's capabilities not reported: $(cat "$T/thread.err")"
run thread_user "$CAPS_TEST" netlink nobody --thread
grep -q '^<4>caps: thread [0-9]* started before the drop and holds only CapEff 0000000000000000' \
	"$T/thread_user.err" || fail "thread without capabilities not reported: $(cat "$T/thread_user.err")"
ok "threads started before the drop are reported"

# ---- as proctraild does it: before open (auto), reader started, after open ----
run seq "$CAPS_TEST" auto+netlink nobody --reader
expect seq $NETLINK
[ "$(field "$T/seq.out" Uid)" = "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID" ] ||
	fail "seq: Uid $(field "$T/seq.out" Uid)"
grep -q "^<5>caps: thread [0-9]* keeps CapEff $OPEN_ALL from before the monitor opened" \
	"$T/seq.err" || fail "seq: reader's capabilities not reported: $(cat "$T/seq.err")"
grep -q '^<4>' "$T/seq.err" && fail "seq: warnings in the recommended order: $(grep '^<4>' "$T/seq.err")"
grep -q '^<5>caps: dropped cap_sys_nice cap_perfmon cap_bpf; bounding set already within' \
	"$T/seq.err" || fail "seq: second drop: $(cat "$T/seq.err")"
ok "auto then netlink as nobody: the reader holds the open set, the main thread the run set"

# ---- the real monitor opens as nobody after the first drop, runs after the second
for t in bpf netlink inotify poll; do
	"$PROCTRAIL" probe | awk -v t=$t '$1 == t && $2 == "yes" { f = 1 } END { exit !f }' || {
		echo "note: tier $t cannot run here; not opened"
		continue
	}
	run open_$t "$CAPS_TEST" auto+$t nobody --open
	[ "$(field "$T/open_$t.out" open)" = "0 $t" ] ||
		fail "open $t as nobody: $(field "$T/open_$t.out" open): $(cat "$T/open_$t.err")"
	case $(field "$T/open_$t.out" run) in
	[0-9]*) ;;
	*) fail "run $t after the drop: $(field "$T/open_$t.out" run): $(cat "$T/open_$t.err")" ;;
	esac
	[ $t = netlink ] && want=$NETLINK || want=$PTRACE
	expect open_$t $want
done
if [ -f "$T/open_netlink.err" ]; then
	grep -q 'netlink: 1 exec reader at SCHED_FIFO' "$T/open_netlink.err" ||
		fail "netlink reader not SCHED_FIFO after the first drop: $(cat "$T/open_netlink.err")"
fi
ok "each tier opens as nobody with the open set and runs with its own"

# ---- not root at start: keep what is held and needed, drop the rest ----------------
setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups \
	--inh-caps=+net_admin,+sys_admin --ambient-caps=+net_admin,+sys_admin \
	"$CAPS_TEST" netlink >"$T/unpriv.out" 2>"$T/unpriv.err" || fail "unpriv: exit $?"
[ "$(field "$T/unpriv.out" ret)" = 0 ] || fail "unpriv: $(cat "$T/unpriv.out" "$T/unpriv.err")"
expect unpriv 0000000000001000
grep -q '^<4>caps: cap_sys_ptrace not held, not kept: ' "$T/unpriv.err" ||
	fail "unpriv: missing cap_sys_ptrace not logged"
grep -q '^<5>caps: dropped cap_sys_admin; bounding set left (needs CAP_SETPCAP)' "$T/unpriv.err" ||
	fail "unpriv: $(cat "$T/unpriv.err")"
setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups \
	"$CAPS_TEST" netlink daemon >"$T/unpriv_user.out" 2>"$T/unpriv_user.err"
[ "$(field "$T/unpriv_user.out" ret)" = -1 ] || fail "unpriv user switch: $(cat "$T/unpriv_user.out")"
grep -q "switching to user 'daemon' needs CAP_SETUID and CAP_SETGID" "$T/unpriv_user.err" ||
	fail "unpriv user switch not explained"
ok "not root: keeps cap_net_admin, drops cap_sys_admin, refuses a user switch"
