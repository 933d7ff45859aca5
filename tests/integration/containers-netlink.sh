#!/bin/sh
# Container attribution against real cgroups, on the netlink tier (PT_CTR_TIER=bpf
# runs the same on the BPF tier). For each runtime's naming of its cgroups
# (docker, containerd CRI with the kubelet's systemd and cgroupfs drivers and
# the literal "slice:cri-containerd:ID" directory, cri-o, podman, nerdctl,
# containerd namespaces, lxc, systemd-nspawn, garden, ECS, buildkit), a cgroup
# is made in the unified (v2) hierarchy and, for the shapes cgroupfs drivers
# use, in a v1 one (and in both at once, as those drivers do on a hybrid host);
# short-lived processes (/bin/true, ~1 ms; sleep 0.002) move themselves in and
# exec; their exec events must carry the container's id, runtime, pod uid and
# QoS class. What is not a container (services, sessions, .mount units, conmon)
# and the processes before they moved are "host". Every cgroup is removed at
# exit. The expected answers where projects disagree are the ones man/proctrail.1
# (CONTAINERS) documents.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/cgroup-lib.sh"
cg_test_init
echo "cgroup2 at ${CG2:-(none)}; v1 hierarchy ${CG1:-(none)} ($CG1_LINE); name=systemd at ${CG1S:-(none)}"

ID1=$(rand_hex 32) ID2=$(rand_hex 32) ID3=$(rand_hex 32) ID4=$(rand_hex 32) ID5=$(rand_hex 32)
ID6=$(rand_hex 32) ID7=$(rand_hex 32) ID8=$(rand_hex 32) ID9=$(rand_hex 32) ID10=$(rand_hex 32)
ID11=$(rand_hex 32) ID12=$(rand_hex 32) ID13=$(rand_hex 32) ID14=$(rand_hex 32) ID15=$(rand_hex 32)
OUTER=$(rand_hex 32) INNER=$(rand_hex 32)
POD1=$(rand_uuid) POD2=$(rand_uuid) POD3=$(rand_uuid) POD4=$(rand_uuid) POD5=$(rand_uuid)
POD6=$(rand_uuid) POD7=$(rand_uuid)
u_() { echo "$1" | tr - _; }
# a static pod's uid: the 32-hex config hash, no dashes
SPOD=$(rand_hex 16)
TASK=$(rand_uuid)
TASK32=$(rand_hex 16)
FARGATE=$(rand_hex 16)-$(printf '4%09d' $(($(od -An -N4 -tu4 /dev/urandom | tr -d ' ') % 1000000000)))
GARDEN=$(rand_hex 4)-$(rand_hex 2)-$(rand_hex 2)-$(rand_hex 2)-$(rand_hex 2)
BK=$(od -An -N25 -tu1 /dev/urandom | tr -s ' ' '\n' | grep . | awk '{ printf "%c", substr("abcdefghijklmnopqrstuvwxyz0123456789", $1 % 36 + 1, 1) }')
NAME=ptctr$$

# (names differ between runtimes: a name is an id, and one id is one container)
# name | where (comma list of runs: v2, v1 = a v1 controller hierarchy (pids), v1s =
# name=systemd, both = v2 and v1 at once) | path | runtime | id | pod uid | qos | outer ids
# "-" for none; runtime "host" for what is not a container.
SHAPES=$T/shapes
cat >"$SHAPES" <<EOF
docker-systemd|v2|/system.slice/docker-$ID1.scope|docker|$ID1|-|-|-
docker-cgroupfs|v2,v1,both|/docker/$ID2|docker|$ID2|-|-|-
docker-subcgroup|v2|/system.slice/docker-$ID1.scope/sub/leaf|docker|$ID1|-|-|-
docker-nested|v2,v1|/docker/$OUTER/docker/$INNER|docker|$INNER|-|-|$OUTER
cri-containerd-systemd|v2|/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod$(u_ "$POD1").slice/cri-containerd-$ID3.scope|containerd|$ID3|$POD1|burstable|-
cri-containerd-guaranteed|v2|/kubepods.slice/kubepods-pod$(u_ "$POD2").slice/cri-containerd-$ID4.scope|containerd|$ID4|$POD2|guaranteed|-
cri-containerd-static-pod|v2|/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod$SPOD.slice/cri-containerd-$ID5.scope|containerd|$ID5|$SPOD|besteffort|-
kubepods-cgroupfs|v2,v1,both|/kubepods/besteffort/pod$POD3/$ID6|containerd|$ID6|$POD3|besteffort|-
kubepods-cgroupfs-guaranteed|v2,v1|/kubepods/pod$POD7/$ID7|containerd|$ID7|$POD7|guaranteed|-
cri-containerd-colon|v2,v1|/kubepods-burstable-pod$(u_ "$POD4").slice:cri-containerd:$ID8|containerd|$ID8|$POD4|burstable|-
cri-containerd-colon-service|v1,v1s|/system.slice/containerd.service/kubepods-burstable-pod$(u_ "$POD4").slice:cri-containerd:$ID9|containerd|$ID9|$POD4|burstable|-
crio-systemd|v2|/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod$(u_ "$POD5").slice/crio-$ID10.scope|cri-o|$ID10|$POD5|besteffort|-
crio-cgroupfs-noscope|v2,v1|/kubepods/burstable/pod$POD6/crio-$ID11|cri-o|$ID11|$POD6|burstable|-
podman|v2|/machine.slice/libpod-$ID12.scope|podman|$ID12|-|-|-
podman-container-child|v2|/machine.slice/libpod-$ID12.scope/container|podman|$ID12|-|-|-
podman-split|v2|/system.slice/pt-itest.service/libpod-payload-$ID13|podman|$ID13|-|-|-
nerdctl|v2|/system.slice/nerdctl-$ID14.scope|containerd|$ID14|-|-|-
containerd-namespace|v2,v1s|/default/${NAME}c|containerd|${NAME}c|-|-|-
lxc|v2|/lxc.payload.${NAME}l|lxc|${NAME}l|-|-|-
nspawn|v2|/machine.slice/machine-${NAME}n.scope|systemd-nspawn|${NAME}n|-|-|-
garden|v2,v1|/garden/$GARDEN|garden|$GARDEN|-|-|-
ecs|v2,v1|/ecs/$TASK/$ID15|ecs|$ID15|-|-|-
ecs-fargate|v2,v1|/ecs/$TASK32/$FARGATE|ecs|$FARGATE|-|-|-
buildkit|v2,v1|/docker/buildkit/$BK|buildkit|$BK|-|-|-
not-service|v2|/system.slice/pt-itest-$$.service|host|-|-|-|-
not-session|v2|/user.slice/user-0.slice/session-pt$$.scope|host|-|-|-|-
not-mount-unit|v2|/system.slice/var-lib-docker-containers-$ID1-mounts-shm.mount|host|-|-|-|-
not-crio-conmon|v2|/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod$(u_ "$POD5").slice/crio-conmon-$ID10.scope|host|-|-|-|-
not-libpod-conmon|v2|/machine.slice/libpod-conmon-$ID12.scope|host|-|-|-|-
EOF

EV=$T/ev.json
RUNS=$T/runs
: >"$RUNS"
start_watch "$EV" "$T/ev.err" --tier="$TIER" --json --events=exec

# host processes, before any container: sh, then the static true
sh -c 'exec /bin/true' &
HOST1=$!
wait $HOST1
nshapes=0
while IFS='|' read -r name where path rt id pod qos outer; do
	nshapes=$((nshapes + 1))
	set -f
	for mode in $(echo "$where" | tr , ' '); do
		case $mode in
		v2) [ -n "$CG2" ] || continue; dirs=$CG2$path ;;
		v1) [ -n "$CG1" ] || continue; dirs=$CG1$path ;;
		v1s) [ -n "$CG1S" ] && [ "$CG1S" != "$CG1" ] || continue; dirs=$CG1S$path ;;
		both)
			[ -n "$CG2" ] && [ -n "$CG1" ] || continue
			dirs="$CG2$path $CG1$path"
			;;
		esac
		for d in $dirs; do cg_make "$d"; done
		ino=-
		case $mode in v2 | both) ino=$(stat -c %i "$CG2$path") ;; esac
		for cmd in /bin/true "sleep 0.002"; do
			# shellcheck disable=SC2086
			cg_spawn "$dirs" $cmd
			wait $SPAWNED
			rc=$?
			[ $rc = 0 ] || fail "$name ($mode): the process in $dirs exited $rc"
			echo "$SPAWNED|$name ($mode, ${cmd%% *})|$path|$rt|$id|$pod|$qos|$outer|$ino|$mode" >>"$RUNS"
		done
	done
	set +f
done <"$SHAPES"
sh -c 'exec /bin/true' &
HOST2=$!
wait $HOST2
sleep 0.5
stop_watch_json "$EV" "$T/ev.err"


# attrs PID [first|last]: "id runtime pod_uid qos outer_ids" of PID's first or last exec
exec_of() { jq -c "select(.event == \"exec\" and .pid == $1)" "$EV" | if [ "$2" = first ]; then head -1; else tail -1; fi; }
attrs() {
	printf "%s\n" "$1" | jq -r '[.container_id, .container_runtime, .k8s_pod_uid, .k8s_pod_qos,
		(.container_outer_ids // [] | join(","))] | map(if . == null or . == "" then "-" else . end) | join(" ")'
}

b0=$BAD
for h in $HOST1 $HOST2; do
	r=$(exec_of $h last)
	[ -n "$r" ] || { bad "host: no exec event for pid $h"; continue; }
	got=$(attrs "$r")
	[ "$got" = "host - - - -" ] || bad "host process $h: got '$got', want 'host - - - -' ($(printf "%s\n" "$r" | jq -c '{cgroup, missing}'))"
done
[ $BAD = "$b0" ] && ok "host processes: container_id \"host\", no runtime, no pod"

nruns=0
while IFS='|' read -r pid name path rt id pod qos outer ino mode; do
	nruns=$((nruns + 1))
	# before it moved itself: sh, on the host
	r=$(exec_of "$pid" first)
	if [ -z "$r" ]; then
		bad "$name: no exec event for pid $pid"
		continue
	fi
	got=$(attrs "$r")
	[ "$(printf "%s\n" "$r" | jq -r .comm)" = sh ] && [ "$got" != "host - - - -" ] &&
		bad "$name: pid $pid before it moved (sh): got '$got', want host"
	r=$(exec_of "$pid" last)
	[ "$(printf "%s\n" "$r" | jq -r .comm)" = sh ] && {
		bad "$name: pid $pid: only sh's exec was seen"
		continue
	}
	if [ "$rt" = host ]; then
		want="host - - - -"
	else
		want="$id $rt $pod $qos $outer"
	fi
	got=$(attrs "$r")
	if [ "$got" != "$want" ]; then
		bad "$name: pid $pid in $path: got '$got', want '$want' ($(printf "%s\n" "$r" | jq -c '{comm, cgroup, cgroup_id, missing}'))"
		continue
	fi
	# the record's cgroup is the line the container was found on; its id the
	# v2 directory's inode
	if [ "$rt" != host ] || [ "$mode" = v2 ]; then
		cg=$(printf "%s\n" "$r" | jq -r '.cgroup // "-"')
		[ "$cg" = - ] || [ "$cg" = "$path" ] || bad "$name: pid $pid: cgroup '$cg', want '$path'"
	fi
	if [ "$ino" != - ]; then
		cid=$(printf "%s\n" "$r" | jq -r '.cgroup_id // "-"')
		[ "$cid" = - ] || [ "$cid" = "$ino" ] || bad "$name: pid $pid: cgroup_id $cid, want $ino"
	fi
done <"$RUNS"
[ "$nruns" -ge "$nshapes" ] || fail "only $nruns runs for $nshapes shapes"
n_cg=$(jq -c 'select(.event == "exec" and .cgroup != null)' "$EV" | wc -l)
n_id=$(jq -c 'select(.event == "exec" and .cgroup_id != null)' "$EV" | wc -l)
echo "exec events with cgroup: $n_cg, with cgroup_id: $n_id (checked where present)"
[ $BAD = 0 ] || fail "$BAD wrong attributions among $nruns processes (tier $TIER)"
ok "$nruns short-lived processes in $nshapes cgroup shapes attributed (tier $TIER)"
