#!/bin/sh
# Enrichment end to end: a fake runtime state tree under --runtime-root (docker's
# config.v2.json, a containerd CRI bundle's config.json with its
# io.kubernetes.cri.* annotations, a cri-o one with io.kubernetes.pod.*), real
# cgroups named as those runtimes name them, and a process that lives ~2 ms in
# each: its exec event carries the container's name and image, the pod's name
# and namespace. A container without state says so ("missing":
# container_meta "not_found"); a hostile name stays valid JSON and is escaped in
# text output. `proctrail containers` lists a live one with its name.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/cgroup-lib.sh"
cg_test_init
[ -n "$CG2" ] || skip "no cgroup2 hierarchy (the shapes here are systemd-driver ones)"

R=$T/root
DID=$(rand_hex 32) CID=$(rand_hex 32) SBID=$(rand_hex 32) OID=$(rand_hex 32) NID=$(rand_hex 32)
EID=$(rand_hex 32)
POD=$(rand_uuid) OPOD=$(rand_uuid)
u_() { echo "$1" | tr - _; }
IMGID=sha256:$(rand_hex 32)

# docker: /var/lib/docker/containers/ID/config.v2.json (Name with its leading
# '/', Config.Image as the user gave it, Image the image id, Created) and
# hostconfig.json
mkdir -p "$R/var/lib/docker/containers/$DID"
cat >"$R/var/lib/docker/containers/$DID/config.v2.json" <<EOF
{"StreamConfig":{},"State":{"Running":true,"Paused":false,"Restarting":false,"OOMKilled":false,"Dead":false,"Pid":4242,"ExitCode":0,"Error":"","StartedAt":"2026-12-02T16:00:01.123456789Z","FinishedAt":"0001-01-01T00:00:00Z","Health":null},"ID":"$DID","Created":"2026-12-02T16:00:00.5Z","Managed":false,"Path":"nginx","Args":["-g","daemon off;"],"Config":{"Hostname":"${DID%"${DID#????????????}"}","Domainname":"","User":"","Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["nginx","-g","daemon off;"],"Image":"nginx:1.25","WorkingDir":"","Entrypoint":["/docker-entrypoint.sh"],"Labels":{"maintainer":"NGINX Docker Maintainers"}},"Image":"$IMGID","Driver":"overlay2","Name":"/pt-web","RestartCount":0,"HostnamePath":"/var/lib/docker/containers/$DID/hostname","HostsPath":"/var/lib/docker/containers/$DID/hosts","LogPath":"/var/lib/docker/containers/$DID/$DID-json.log","MountPoints":{},"AppArmorProfile":"docker-default","SeccompProfile":""}
EOF
cat >"$R/var/lib/docker/containers/$DID/hostconfig.json" <<EOF
{"Binds":null,"NetworkMode":"default","Privileged":true,"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"CgroupParent":""}
EOF
# a docker container whose name a hostile user chose: ESC, a quote, a backslash,
# a newline and a C1 control
mkdir -p "$R/var/lib/docker/containers/$EID"
printf '{"ID":"%s","Created":"2026-12-02T16:00:00Z","Config":{"Image":"evil:latest"},"Image":"sha256:00","Name":"/ev\\u001b[31mil\\"q\\\\b\\nn\\u0085x"}\n' \
	"$EID" >"$R/var/lib/docker/containers/$EID/config.v2.json"

# containerd CRI: the runtime v2 task bundle of namespace k8s.io
B=$R/run/containerd/io.containerd.runtime.v2.task/k8s.io
mkdir -p "$B/$CID" "$B/$SBID"
cat >"$B/$CID/config.json" <<EOF
{"ociVersion":"1.1.0","process":{"user":{"uid":0,"gid":0},"args":["redis-server"],"cwd":"/data"},"root":{"path":"rootfs"},"hostname":"",
"annotations":{"io.kubernetes.cri.container-name":"cache","io.kubernetes.cri.container-type":"container","io.kubernetes.cri.image-name":"docker.io/library/redis:7.2","io.kubernetes.cri.sandbox-id":"$SBID","io.kubernetes.cri.sandbox-name":"pt-pod-0","io.kubernetes.cri.sandbox-namespace":"pt-ns","io.kubernetes.cri.sandbox-uid":"$POD"},
"linux":{"cgroupsPath":"kubepods-burstable-pod$(u_ "$POD").slice:cri-containerd:$CID","namespaces":[{"type":"pid"},{"type":"mount"},{"type":"cgroup"}]}}
EOF
cat >"$B/$SBID/config.json" <<EOF
{"ociVersion":"1.1.0","process":{"args":["/pause"]},"root":{"path":"rootfs"},
"annotations":{"io.kubernetes.cri.container-type":"sandbox","io.kubernetes.cri.sandbox-id":"$SBID","io.kubernetes.cri.sandbox-name":"pt-pod-0","io.kubernetes.cri.sandbox-namespace":"pt-ns","io.kubernetes.cri.sandbox-uid":"$POD"}}
EOF

# cri-o: the container's userdata in containers/storage
O=$R/var/lib/containers/storage/overlay-containers/$OID/userdata
mkdir -p "$O"
cat >"$O/config.json" <<EOF
{"ociVersion":"1.0.2-dev","process":{"args":["/app"]},"root":{"path":"/var/lib/containers/storage/overlay/x/merged"},
"annotations":{"io.container.manager":"cri-o","io.kubernetes.container.name":"web","io.kubernetes.cri-o.ContainerType":"container","io.kubernetes.cri-o.ImageName":"quay.io/pt/app:v3","io.kubernetes.cri-o.Name":"k8s_web_pt-crio-pod_pt-crio-ns_${OPOD}_0","io.kubernetes.pod.name":"pt-crio-pod","io.kubernetes.pod.namespace":"pt-crio-ns","io.kubernetes.pod.uid":"$OPOD","io.kubernetes.cri-o.Created":"2026-12-02T16:00:00.000000000Z"}}
EOF

DDIR=$CG2/system.slice/docker-$DID.scope
CDIR=$CG2/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod$(u_ "$POD").slice/cri-containerd-$CID.scope
ODIR=$CG2/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod$(u_ "$OPOD").slice/crio-$OID.scope
NDIR=$CG2/system.slice/docker-$NID.scope
EDIR=$CG2/system.slice/docker-$EID.scope
for d in "$DDIR" "$CDIR" "$ODIR" "$NDIR" "$EDIR"; do cg_make "$d"; done

EV=$T/ev.json
start_watch "$EV" "$T/ev.err" --tier="$TIER" --json --events=exec --runtime-root="$R"
run2ms() { # DIR: pid of a process that lived ~2 ms in DIR, in P
	cg_spawn "$1" sleep 0.002
	P=$SPAWNED
	wait "$P" || fail "the process in $1 failed"
}
run2ms "$DDIR"
PD=$P
run2ms "$CDIR"
PC=$P
run2ms "$ODIR"
PO=$P
run2ms "$NDIR"
PN=$P
run2ms "$EDIR"
PE=$P
# a second process of the docker container: the state was read once (the cache)
run2ms "$DDIR"
PD2=$P
sleep 0.5
stop_watch_json "$EV" "$T/ev.err"

last_exec() { jq -c "select(.event == \"exec\" and .pid == $1)" "$EV" | tail -1; }
# check WHAT PID JQ-EXPR
check() {
	r=$(last_exec "$2")
	if [ -z "$r" ]; then
		bad "$1: no exec event for pid $2"
	elif ! printf "%s\n" "$r" | jq -e "$3" >/dev/null; then
		bad "$1: pid $2: not ($3): $(printf "%s\n" "$r" | jq -c 'del(.argv, .time, .key, .parent_key, .tid, .uid, .euid, .gid, .egid)')"
	fi
}

for p in $PD $PD2; do
	check "docker" "$p" ".container_id == \"$DID\" and .container_runtime == \"docker\" and
		.container_name == \"pt-web\" and .container_image == \"nginx:1.25\" and
		.container_image_repository == \"nginx\" and .container_image_tag == \"1.25\" and
		.container_image_id == \"$IMGID\" and .container_privileged == true and
		(.container_start_time | type == \"string\" and startswith(\"2026-12-02T16:00:00\")) and
		.k8s_pod_name == null and (.missing.container_meta == null)"
done
check "containerd CRI" "$PC" ".container_id == \"$CID\" and .container_runtime == \"containerd\" and
	.container_name == \"cache\" and .container_image == \"docker.io/library/redis:7.2\" and
	.container_image_repository == \"docker.io/library/redis\" and .container_image_tag == \"7.2\" and
	.k8s_pod_name == \"pt-pod-0\" and .k8s_ns_name == \"pt-ns\" and .k8s_pod_uid == \"$POD\" and
	.k8s_pod_qos == \"burstable\""
check "cri-o" "$PO" ".container_id == \"$OID\" and .container_runtime == \"cri-o\" and
	.container_name == \"web\" and .container_image == \"quay.io/pt/app:v3\" and
	.k8s_pod_name == \"pt-crio-pod\" and .k8s_ns_name == \"pt-crio-ns\" and .k8s_pod_uid == \"$OPOD\" and
	.k8s_pod_qos == \"besteffort\""
check "no runtime state" "$PN" ".container_id == \"$NID\" and .container_runtime == \"docker\" and
	.container_name == null and .container_image == null and .missing.container_meta == \"not_found\""
check "hostile name" "$PE" ".container_id == \"$EID\" and
	.container_name == \"ev\\u001b[31mil\\\"q\\\\b\\nn\\u0085x\""
[ $BAD = 0 ] || fail "$BAD enrichment checks failed (tier $TIER)"
ok "name, image, pod and namespace of 2 ms processes from docker, containerd CRI and cri-o state"

# text output: the hostile name escaped (no ESC or raw newline reaches the terminal)
start_watch "$T/txt.out" "$T/txt.err" --tier="$TIER" -o pid,container.name,container.image \
	--events=exec --runtime-root="$R"
run2ms "$EDIR"
PE2=$P
sleep 0.5
stop_watch
[ "$WATCH_RC" = 0 ] || fail "watch -o exited $WATCH_RC: $(tail -3 "$T/txt.err")"
line=$(grep "^ *$PE2 " "$T/txt.out" | tail -1)
[ -n "$line" ] || fail "text output: no line for pid $PE2: $(cat "$T/txt.out")"
printf '%s' "$line" | grep -q "$(printf '\033')" && fail "text output: a raw ESC from a container name"
echo "$line" | grep -q "evil:latest" || fail "text output without the image: $line"
ok "hostile container name escaped in text output: $line"

# proctrail containers: a live container with its name and one process
cg_spawn "$DDIR" sleep 30
LIVE=$SPAWNED
PIDS="$PIDS $LIVE"
sleep 0.2
"$PROCTRAIL" containers --json --local --runtime-root="$R" >"$T/ctr.json" 2>"$T/ctr.err" ||
	fail "proctrail containers exited $?: $(cat "$T/ctr.err")"
jq -e . "$T/ctr.json" >/dev/null || fail "proctrail containers --json: not JSON: $(head -c 300 "$T/ctr.json")"
# one object per line, or one array
n=$(jq -c 'if type == "array" then .[] else . end | select(.container_id == "'"$DID"'" or .id == "'"$DID"'")' "$T/ctr.json")
[ -n "$n" ] || fail "proctrail containers does not list $DID: $(head -c 600 "$T/ctr.json")"
printf "%s\n" "$n" | jq -e '(.container_name // .name) == "pt-web" and ((.processes // .count // .live) >= 1)' >/dev/null ||
	fail "proctrail containers: $n"
ok "proctrail containers lists the live docker container: $n"
kill "$LIVE"
wait "$LIVE" 2>/dev/null || : # killed: 143
