#!/bin/sh
# Containers seen across cgroup namespaces.
# 1. /proc/PID/cgroup shows only "/" (0::/): proctrail runs in a cgroup namespace
#    of its own (unshare --cgroup), rooted where this test is; each workload runs
#    in another one rooted at the same cgroups, so every path it shows us is "/".
#    Its mount namespace tells the container, as a runtime's would: a bind mount
#    of .../containers/ID/hostname on /etc/hostname, or a cgroup2 mount whose
#    root is the container's cgroup. The mountinfo fallback must attribute it;
#    this test's own processes, and one with namespaces of its own but no
#    container's mounts, are the host or unknown (never a container).
# 2. Relative paths: proctrail runs in a cgroup namespace rooted at a sub-cgroup,
#    so a container's process shows 0::/../system.slice/docker-ID.scope and a
#    host process in the root 0::/..; the first is the container, the second
#    the host.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/cgroup-lib.sh"
need_cmd unshare
cg_test_init
[ -n "$CG2" ] || skip "no cgroup2 hierarchy"
unshare --cgroup --mount true 2>/dev/null || skip "unshare --cgroup --mount fails here"

# start_watch_in PREFIX OUT ERR ARGS...: start_watch with proctrail run by a
# prefix command (a shell word list, execs proctrail in the same pid)
start_watch_in() {
	prefix=$1 out=$2 err=$3
	shift 3
	: >"$err"
	# shellcheck disable=SC2086
	$prefix "$PROCTRAIL" watch "$@" >"$out" 2>"$err" &
	WATCH_PID=$!
	PIDS="$PIDS $WATCH_PID"
	wait_for_line "$err" "ready" 20 || {
		cat "$err"
		fail "proctrail watch did not become ready"
	}
}

# expect EV WHAT PID JQ: PID's last exec event in EV satisfies JQ
expect() {
	r=$(jq -c "select(.event == \"exec\" and .pid == $3)" "$1" | tail -1)
	if [ -z "$r" ]; then
		bad "$2: no exec event for pid $3"
	elif ! printf "%s\n" "$r" | jq -e "$4" >/dev/null; then
		bad "$2: pid $3: not ($4): $(printf "%s\n" "$r" | jq -c '{comm, container_id, container_runtime, cgroup, missing}')"
	else
		echo "ok: $2: $(printf "%s\n" "$r" | jq -c '{comm, container_id, container_runtime, cgroup}')"
	fi
}
HOST='.container_id == "host" and .container_runtime == null'
# what cannot be told from outside: a process whose paths all read "/" in a
# cgroup namespace that is not ours, and whose mounts name no container, is the
# host or unknown ("missing": container "not_found"), never a container
NOCTR='(.container_id == "host" or (.container_id == null and .missing.container == "not_found")) and
	.container_runtime == null'

# ---- 1. 0::/ and mountinfo -------------------------------------------------------------
HID=$(rand_hex 32) GID=$(rand_hex 32)
HN=$T/var/lib/docker/containers/$HID/hostname
mkdir -p "$(dirname "$HN")"
echo "${HID%"${HID#????????????}"}" >"$HN"
GDIR=$CG2/system.slice/docker-$GID.scope
cg_make "$GDIR"

EV=$T/ns.json
start_watch_in "unshare --cgroup" "$EV" "$T/ns.err" --tier="$TIER" --json --events=exec

# a: the hostname bind mount; L lives 0.3 s, S ~2 ms
# the host, from the watch's view: this test's process (the host's cgroup
# namespace), and one in a private cgroup and mount namespace with no
# container's mounts (both live 0.3 s: a process gone before its mountinfo is
# read is unknown, not the host)
sleep 0.3 &
H1=$!
wait $H1
unshare --cgroup --mount sleep 0.3 &
H3=$!
wait $H3
WL='mount --bind "$1" /etc/hostname || exit 97; shift; exec "$@"'
unshare --cgroup --mount sh -c "$WL" sh "$HN" sleep 0.3 &
AL=$!
sleep 0.1
# what proctrail reads for it: "/" on every line
seen=$(nsenter --cgroup=/proc/$WATCH_PID/ns/cgroup cat /proc/$AL/cgroup | tr '\n' ' ')
[ -z "$(echo "$seen" | tr ' ' '\n' | grep . | grep -v ':/$')" ] || fail "setup: proctrail would read $seen"
echo "proctrail reads $seen"
wait $AL || fail "hostname bind mount workload failed ($?)"
unshare --cgroup --mount sh -c "$WL" sh "$HN" sleep 0.002 &
AS=$!
wait $AS || fail "hostname bind mount workload failed ($?)"
# b: the cgroup2 mount's root is the container's cgroup (the container's own
# /sys/fs/cgroup, seen from outside)
# /sys/fs/cgroup of a container with a private cgroup namespace: one cgroup2
# mount, the host's gone from its mount table (bind the container's cgroup
# aside, unmount the host's, move it in place)
mkdir "$T/cgmnt"
WG='mount --bind "$1" "$3" && umount -l "$2" && mount --move "$3" "$2" || exit 97
shift 3; exec "$@"'
unshare --cgroup --mount sh -c "$WG" sh "$GDIR" "$CG2" "$T/cgmnt" sleep 0.3 &
GL=$!
sleep 0.1
seen=$(grep cgroup2 /proc/$GL/mountinfo)
[ "$(echo "$seen" | wc -l)" = 1 ] && echo "$seen" | grep -q " /system.slice/docker-$GID.scope $CG2 " ||
	fail "setup: the workload's cgroup2 mounts: $seen"
wait $GL || fail "cgroup2 mount workload failed ($?)"
unshare --cgroup --mount sh -c "$WG" sh "$GDIR" "$CG2" "$T/cgmnt" sleep 0.3 &
GL2=$!
wait $GL2 || fail "cgroup2 mount workload failed ($?)"
unshare --cgroup --mount sh -c "$WG" sh "$GDIR" "$CG2" "$T/cgmnt" sleep 0.002 &
GS=$!
wait $GS || fail "cgroup2 mount workload failed ($?)"
sleep 0.5
stop_watch_json "$EV" "$T/ns.err"

expect "$EV" "host process, same cgroups, the host's cgroup namespace" $H1 "$NOCTR"
expect "$EV" "host process, cgroup and mount namespaces of its own, 0::/" $H3 "$NOCTR"
for p in $AL $AS; do
	expect "$EV" "hostname bind mount, 0::/" $p ".container_id == \"$HID\" and .container_runtime == \"docker\""
done
for p in $GL $GL2 $GS; do
	expect "$EV" "cgroup2 mount root, 0::/" $p ".container_id == \"$GID\" and .container_runtime == \"docker\""
done

# ---- 2. relative paths --------------------------------------------------------------------
RID=$(rand_hex 32)
MON=$CG2/pt-itest-mon-$$
RDIR=$CG2/system.slice/docker-$RID.scope
cg_make "$MON"
cg_make "$RDIR"
EV2=$T/rel.json
# proctrail moves itself into MON, then gets a cgroup namespace rooted there
cat >"$T/monwrap.sh" <<EOF
echo \$\$ >"$MON/cgroup.procs" || exit 97
exec unshare --cgroup "\$@"
EOF
start_watch_in "sh $T/monwrap.sh" "$EV2" "$T/rel.err" --tier="$TIER" --json --events=exec
# seen_by_watch PID: PID's /proc/PID/cgroup as proctrail reads it, on one line
seen_by_watch() { nsenter --cgroup=/proc/$WATCH_PID/ns/cgroup cat /proc/$1/cgroup | tr '\n' ' '; }
case " $(seen_by_watch $WATCH_PID)" in
*" 0::/ "*) ;;
*) fail "proctrail is not at the root of its cgroup namespace: $(seen_by_watch $WATCH_PID)" ;;
esac
cg_spawn "$RDIR" sleep 0.3
RL=$SPAWNED
sleep 0.1
# what proctrail reads for it
seen=$(seen_by_watch $RL | tr ' ' '\n' | grep '^0::')
[ "$seen" = "0::/../system.slice/docker-$RID.scope" ] || fail "setup: proctrail would read '$seen'"
echo "proctrail reads $seen"
wait $RL
cg_spawn "$RDIR" sleep 0.002
RS=$SPAWNED
wait $RS
sleep 0.3 &
H2=$!
seen=$(seen_by_watch $H2 | tr ' ' '\n' | grep '^0::')
[ "$seen" = "0::/.." ] || fail "setup: proctrail would read '$seen' for a host process"
wait $H2
sleep 0.5
stop_watch_json "$EV2" "$T/rel.err"
for p in $RL $RS; do
	expect "$EV2" "relative path 0::/../system.slice/docker-ID.scope" $p \
		".container_id == \"$RID\" and .container_runtime == \"docker\""
done
expect "$EV2" "host process seen as 0::/.." $H2 "$HOST"

[ $BAD = 0 ] || fail "$BAD checks failed across cgroup namespaces (tier $TIER)"
ok "0::/ with mountinfo (hostname bind mount, cgroup2 mount root) and relative paths attributed"
