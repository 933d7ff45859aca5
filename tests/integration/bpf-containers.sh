#!/bin/sh
# BPF tier and containers: a process that lives ~2 ms in a cgroup named as a
# runtime names it (containerd under a Kubernetes pod, docker, and one in a
# pid namespace of its own) is attributed from the cgroup id the program read
# in the kernel, although /proc has forgotten it when the monitor looks: the
# monitor is stopped (SIGSTOP) while the processes run and exit, so it cannot
# read /proc in time. `watch --tier=bpf --json` must show the container id,
# runtime and pod uid, and with -o also the pod QoS, the cgroup path and id
# (= stat -c %i of the directory), and vpid/vpgid. The cgroups are made in the cgroup v2 hierarchy
# (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host) and removed at
# the end.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq
need_root "creating cgroups and moving processes into them"
need_tier bpf

if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
	V2=/sys/fs/cgroup
elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
	V2=/sys/fs/cgroup/unified
else
	skip "no cgroup v2 hierarchy at /sys/fs/cgroup or /sys/fs/cgroup/unified"
fi

hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# the cgroups this test made, deepest last; removed deepest first
MADE=""
mk() {
	[ -d "$1" ] && return 0
	mkdir "$1" || fail "cannot create cgroup $1"
	MADE="$MADE $1"
}
rm_cgroups() {
	for d in $(echo "$MADE" | tr ' ' '\n' | sed '/^$/d' | sort -r); do
		rmdir "$d" 2>/dev/null || echo "warning: cannot remove cgroup $d"
	done
}
W1="" W2=""
trap 'for w in $W1 $W2; do kill -CONT "$w" 2>/dev/null; done; rm_cgroups; cleanup' EXIT

CRI_ID=$(hex 32)
DOCKER_ID=$(hex 32)
NS_ID=$(hex 32)
U=$(hex 16)
POD_UID=$(echo "$U" | sed 's/^\(.\{8\}\)\(.\{4\}\)\(.\{4\}\)\(.\{4\}\)\(.\{12\}\)$/\1-\2-\3-\4-\5/')
POD_SLICE=kubepods-burstable-pod$(echo "$POD_UID" | tr - _).slice

mk "$V2/kubepods.slice"
mk "$V2/kubepods.slice/kubepods-burstable.slice"
mk "$V2/kubepods.slice/kubepods-burstable.slice/$POD_SLICE"
CRI=/kubepods.slice/kubepods-burstable.slice/$POD_SLICE/cri-containerd-$CRI_ID.scope
mk "$V2$CRI"

# each workload under a name of its own, so its exec is told apart by exe
for n in cri docker pidns; do
	cp /bin/sleep "$T/ctr-$n" || fail "cannot copy /bin/sleep"
done

# the fields by name: they are read from the event's process as it is emitted
F=event,pid,exe,cgroup,cgroup_id,container_id,container_runtime,k8s_pod_uid,k8s_pod_qos,vpid,vpgid
start_watch "$T/ev.json" "$T/ev.err" --tier=bpf --json -o "$F"
grep -q 'ready (tier bpf)' "$T/ev.err" || fail "not the bpf tier: $(cat "$T/ev.err")"
W1=$WATCH_PID
# and the events as they are: they carry the container's id, runtime and pod
start_watch "$T/plain.json" "$T/plain.err" --tier=bpf --json --events=exec
W2=$WATCH_PID

# made after the monitor mapped the hierarchy: found by handle, or a new walk
mk "$V2/system.slice"
DOCKER=/system.slice/docker-$DOCKER_ID.scope
mk "$V2$DOCKER"
NS=/system.slice/docker-$NS_ID.scope
mk "$V2$NS"

kill -STOP $W1 $W2
# move in (0: the writer itself), then exec something that lives 2 ms
sh -c 'echo 0 >"$1/cgroup.procs" && exec "$2" 0.002' sh "$V2$CRI" "$T/ctr-cri" ||
	fail "cannot run in $CRI"
sh -c 'echo 0 >"$1/cgroup.procs" && exec "$2" 0.002' sh "$V2$DOCKER" "$T/ctr-docker" ||
	fail "cannot run in $DOCKER"
if unshare --pid --fork true 2>/dev/null; then
	unshare --pid --fork sh -c 'echo 0 >"$1/cgroup.procs" && exec "$2" 0.002' sh "$V2$NS" \
		"$T/ctr-pidns" || fail "cannot run in $NS in a pid namespace"
	PIDNS=1
else
	echo "note: no unshare --pid here: the pid namespace case is left out"
	PIDNS=0
fi
kill -CONT $W1 $W2

# exec event of exe $1 (in the plain events with $2 = plain)
exec_of() {
	jq -c --arg exe "$1" 'select(.event == "exec" and .exe == $exe)' "$T/${2:-ev}.json"
}
wait_exec() {
	i=0
	while [ -z "$(exec_of "$1" | head -1)" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.1
	done
}
for n in cri docker; do
	wait_exec "$T/ctr-$n" || fail "no exec event of $T/ctr-$n: $(tail -5 "$T/ev.err")"
done
[ $PIDNS = 1 ] && { wait_exec "$T/ctr-pidns" || fail "no exec event of $T/ctr-pidns"; }
sleep 0.5
for w in $W2 $W1; do
	WATCH_PID=$w
	stop_watch
	[ "$WATCH_RC" = 0 ] || fail "watch $w exited $WATCH_RC: $(tail -20 "$T/ev.err" "$T/plain.err")"
done

# check NAME CGROUP ID RUNTIME: the exec's attribution
check() {
	e=$(exec_of "$T/ctr-$1" | head -1)
	want_cgid=$(stat -c %i "$V2$2")
	echo "$1: $e" | cut -c1-600
	got=$(echo "$e" | jq -r '.container_id // "null"')
	[ "$got" = "$3" ] || fail "$1: container_id $got, want $3"
	got=$(echo "$e" | jq -r '.container_runtime // "null"')
	[ "$got" = "$4" ] || fail "$1: container_runtime $got, want $4"
	got=$(echo "$e" | jq -r '.cgroup_id // "null"')
	[ "$got" = "$want_cgid" ] || fail "$1: cgroup_id $got, want $want_cgid (stat -c %i)"
	got=$(echo "$e" | jq -r '.cgroup // "null"')
	[ "$got" = "$2" ] || fail "$1: cgroup $got, want $2"
	e=$(exec_of "$T/ctr-$1" plain | head -1)
	echo "$1 (plain): $e" | cut -c1-600
	got=$(echo "$e" | jq -r '"\(.container_id) \(.container_runtime)"')
	[ "$got" = "$3 $4" ] || fail "$1: plain event: container_id and runtime $got, want $3 $4"
	ok "$1: $3 ($4), cgroup id $want_cgid"
}

check cri "$CRI" "$CRI_ID" containerd
e=$(exec_of "$T/ctr-cri" | head -1)
got=$(echo "$e" | jq -r '.k8s_pod_uid // "null"')
[ "$got" = "$POD_UID" ] || fail "cri: k8s_pod_uid $got, want $POD_UID"
got=$(echo "$e" | jq -r '.k8s_pod_qos // "null"')
[ "$got" = burstable ] || fail "cri: k8s_pod_qos $got, want burstable"
got=$(exec_of "$T/ctr-cri" plain | head -1 | jq -r '.k8s_pod_uid // "null"')
[ "$got" = "$POD_UID" ] || fail "cri: plain event: k8s_pod_uid $got, want $POD_UID"
got=$(echo "$e" | jq -r '"\(.vpid) \(.pid)"')
[ "${got% *}" = "${got#* }" ] || fail "cri: vpid and pid differ in the initial pid namespace: $got"
ok "cri: pod $POD_UID, burstable, vpid = pid"

check docker "$DOCKER" "$DOCKER_ID" docker
got=$(exec_of "$T/ctr-docker" | head -1 | jq -r '.k8s_pod_uid // "none"')
[ "$got" = none ] || fail "docker: k8s_pod_uid $got, not in a pod"

if [ $PIDNS = 1 ]; then
	check pidns "$NS" "$NS_ID" docker
	got=$(exec_of "$T/ctr-pidns" | head -1 | jq -r '"\(.vpid) \(.vpgid) \(.pid)"')
	set -- $got
	[ "$1" = 1 ] || fail "pidns: vpid $1, want 1 (the first process of its namespace)"
	[ "$2" = 0 ] || fail "pidns: vpgid $2, want 0 (its group is led from outside)"
	[ "$3" != 1 ] || fail "pidns: pid 1 is the host's init"
	ok "pidns: vpid 1, vpgid 0, pid $3"
fi
exit 0
