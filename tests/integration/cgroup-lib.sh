# Real cgroups for the container tests (sourced after lib.sh, POSIX sh).
#
# cg_detect: CG2, the cgroup2 mount (/sys/fs/cgroup on a pure v2 host,
# /sys/fs/cgroup/unified on a hybrid one), and CG1, a v1 hierarchy (pids, else
# name=systemd, else any) with CG1_LINE, how /proc/PID/cgroup names it
# ("pids", "name=systemd"); CG1 is "" on a pure v2 host. Skips (77) when not
# root or when no hierarchy can be written.
# cg_make DIR: mkdir -p, remembering every directory it created; the EXIT trap
# kills what is left in them and removes them, deepest first.
# cg_spawn "DIR..." CMD...: a process (sh) that writes its pid into
# DIR/cgroup.procs for each DIR, then execs CMD; its pid in SPAWNED (the exec
# keeps it). Before it moves, sh counts to 3000 (about 10 ms, and no exec):
# the monitor reads the cgroup of sh's own exec at once, but in CI's ASan
# stage (two tests at a time) sh's exec, which is on the host, once showed the
# container: most likely the monitor, busy with the other test's execs, read
# the cgroup after sh had moved.

CG_MADE=""

cg_cleanup() {
	set -f
	for d in $CG_MADE; do
		[ -d "$d" ] || continue
		i=0
		while ! rmdir "$d" 2>/dev/null; do
			# what is left in it is ours (only we made it)
			for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
			i=$((i + 1))
			[ $i -gt 50 ] && { echo "cgroup-lib: could not remove $d" >&2; break; }
			sleep 0.1
		done
	done
	set +f
	CG_MADE=""
}
trap 'cg_cleanup; cleanup' EXIT

# cg_test_init: what every container test needs first: jq, the tier
# (PT_CTR_TIER, default netlink) able to run, the hierarchies (cg_detect)
cg_test_init() {
	need_cmd jq
	TIER=${PT_CTR_TIER:-netlink}
	need_tier "$TIER"
	cg_detect
}

fs_type() { stat -fc %T "$1" 2>/dev/null; }

cg_detect() {
	need_root "creates cgroups"
	CG2="" CG1="" CG1_LINE=""
	if [ "$(fs_type /sys/fs/cgroup)" = cgroup2fs ]; then
		CG2=/sys/fs/cgroup
	elif [ "$(fs_type /sys/fs/cgroup/unified)" = cgroup2fs ]; then
		CG2=/sys/fs/cgroup/unified
	fi
	for want in pids name=systemd ""; do
		line=$(awk -v w="$want" '$3 == "cgroup" {
			n = split($4, o, ",")
			for (i = 1; i <= n; i++) if (w == "" || o[i] == w) { print $2 " " (w == "" ? o[n] : w); exit }
		}' /proc/self/mounts)
		[ -n "$line" ] || continue
		CG1=${line%% *}
		CG1_LINE=${line#* }
		break
	done
	CG1S=$(awk '$3 == "cgroup" && $4 ~ /(^|,)name=systemd(,|$)/ { print $2; exit }' /proc/self/mounts)
	[ -n "$CG2" ] || [ -n "$CG1" ] || skip "no cgroup hierarchy mounted under /sys/fs/cgroup"
	# can we make a cgroup and move a process into it, and does /proc/PID/cgroup
	# then show the path we wrote (not so when this test runs in a cgroup
	# namespace whose root is not the hierarchy's)?
	s1=$CG1S
	[ "$CG1S" = "$CG1" ] && s1=""
	for h in $CG2 $CG1 $s1; do
		d=$h/pt-itest-probe-$$
		mkdir "$d" 2>/dev/null || skip "cannot create a cgroup under $h"
		CG_MADE="$d $CG_MADE"
		sleep 5 &
		sp=$!
		echo $sp >"$d/cgroup.procs" 2>/dev/null || {
			kill $sp
			skip "cannot move a process into a cgroup under $h"
		}
		case $h in
		"$CG2") want="0::/pt-itest-probe-$$" ;;
		"$CG1") want=":$CG1_LINE:/pt-itest-probe-$$" ;;
		*) want=":name=systemd:/pt-itest-probe-$$" ;;
		esac
		grep -q -- "$want\$" /proc/$sp/cgroup || {
			kill $sp
			skip "/proc/PID/cgroup does not show the cgroup made under $h as /pt-itest-probe-$$: $(tr '\n' ' ' </proc/$sp/cgroup)"
		}
		kill $sp
		wait $sp 2>/dev/null
	done
	cg_cleanup
}

cg_make() {
	# one component at a time, so that only what we create is removed
	base=$(cg_root_of "$1")
	[ -n "$base" ] || fail "cg_make: $1 is in no hierarchy we know"
	p=$base
	rest=${1#"$base"/}
	set -f
	oldifs=$IFS
	IFS=/
	for c in $rest; do
		p=$p/$c
		if [ ! -d "$p" ]; then
			mkdir "$p" || {
				IFS=$oldifs
				set +f
				fail "mkdir $p"
			}
			CG_MADE="$p $CG_MADE"
		fi
	done
	IFS=$oldifs
	set +f
}

# cg_root_of DIR: the hierarchy (CG2 or CG1) DIR is under
cg_root_of() {
	case $1 in
	"$CG2"/*) echo "$CG2" ;;
	"$CG1"/*) echo "$CG1" ;;
	"$CG1S"/*) echo "$CG1S" ;;
	*) echo "" ;;
	esac
}

cg_spawn() {
	dirs=$1
	shift
	sh -c 'set -f; d=$1; shift; i=0; while [ $i -lt 3000 ]; do i=$((i + 1)); done
		for x in $d; do echo $$ >"$x/cgroup.procs" || exit 97; done; exec "$@"' \
		pt-cg "$dirs" "$@" &
	SPAWNED=$!
}

# stop_watch_json OUT ERR: stop_watch; the watch exited 0 and OUT is JSON lines
stop_watch_json() {
	stop_watch
	[ "$WATCH_RC" = 0 ] || fail "watch exited $WATCH_RC: $(tail -3 "$2")"
	jq -e . "$1" >/dev/null || fail "$1 is not valid JSON lines"
}

# bad MSG: a failed check, counted in BAD (the test fails at its end)
BAD=0
bad() {
	echo "FAIL: $*"
	BAD=$((BAD + 1))
}

rand_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
rand_uuid() { cat /proc/sys/kernel/random/uuid; }
