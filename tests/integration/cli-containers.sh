#!/bin/sh
# Containers in the CLI against a daemon: a cgroup in the unified hierarchy
# named as docker names its containers, a sleeping process moved into it, and
# a fixture runtime state tree (--runtime-root) with the container's name and
# image. `proctrail containers` lists it with one process, its name and image;
# `ps --container` shows only that process, by name and by id prefix;
# `ps --host-only` hides it; the CONTAINER column shows its short id; the
# local snapshot (--runtime-root) agrees.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_root "creates cgroups and runs proctraild"
need_cmd jq
[ -x "${PROCTRAILD:-$top_builddir/proctraild}" ] || skip "proctraild is not built"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/daemon-lib.sh"
unset PROCTRAIL_SOCKET

# the unified (v2) hierarchy: /sys/fs/cgroup on a pure-v2 host, else the
# hybrid host's /sys/fs/cgroup/unified
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	V2=/sys/fs/cgroup
elif [ -f /sys/fs/cgroup/unified/cgroup.controllers ]; then
	V2=/sys/fs/cgroup/unified
else
	skip "no cgroup2 hierarchy mounted"
fi
ID=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
[ ${#ID} = 64 ] || fail "no random id"
SHORT=$(printf %.12s "$ID")
NAME=pt-web-$$
SLICE=$V2/system.slice
CG=$SLICE/docker-$ID.scope
MADE_SLICE=
[ -d "$SLICE" ] || { mkdir "$SLICE" || skip "cannot create $SLICE"; MADE_SLICE=1; }
mkdir "$CG" || skip "cannot create $CG"
# on a hybrid host, the same name in each v1 hierarchy where this test's own
# process is not at the root (a v1 line naming another container, as a
# sandbox's memory cgroup does, would compete with the v2 one)
V1=
if [ "$V2" != /sys/fs/cgroup ]; then
	for line in $(grep -v '^0::' /proc/self/cgroup); do
		ctl=${line#*:}
		ctl=${ctl%%:*}
		path=${line#*:*:}
		[ "$path" = / ] && continue
		dir=/sys/fs/cgroup/${ctl#name=}
		[ -d "$dir" ] || continue
		mkdir -p "$dir/system.slice/docker-$ID.scope" 2>/dev/null && V1="$V1 $dir"
	done
fi
SP=
ctr_cleanup() {
	[ -n "$SP" ] && kill "$SP" 2>/dev/null && wait "$SP" 2>/dev/null
	rmdir "$CG" 2>/dev/null
	[ -n "$MADE_SLICE" ] && rmdir "$SLICE" 2>/dev/null
	for dir in $V1; do
		rmdir "$dir/system.slice/docker-$ID.scope" 2>/dev/null
	done
	cleanup
}
trap ctr_cleanup EXIT
# into_ctr PID: into the container's cgroups, v2 and v1
into_ctr() {
	echo "$1" >"$CG/cgroup.procs" || return 1
	for dir in $V1; do
		echo "$1" >"$dir/system.slice/docker-$ID.scope/cgroup.procs" || return 1
	done
}

# docker's state for it, under a fixture root
RT=$T/rt
mkdir -p "$RT/var/lib/docker/containers/$ID"
cat >"$RT/var/lib/docker/containers/$ID/config.v2.json" <<EOJ
{"ID":"$ID","Name":"/$NAME","Image":"sha256:5d0da3dc976460b72c77d94c8a1ad043720b0416bfc16c52c45d4847e53fadb6","Created":"2026-12-02T09:00:00.123456789Z","Config":{"Image":"nginx:1.25","Labels":{}},"State":{"Running":true}}
EOJ

# a process in the container before the daemon starts: its first scan sees it there
sleep 300 &
SP=$!
into_ctr "$SP" || fail "cannot move $SP into $CG"
grep -q "docker-$ID.scope" "/proc/$SP/cgroup" || fail "$SP is not in $CG"

# the netlink tier re-reads the cgroup of a process at its exec (a runtime
# moves a process between fork and exec); the bpf tier's attribution in the
# kernel is bpf-containers.sh's
need_tier netlink
start_daemon --runtime-root="$RT" --tier=netlink
D="--daemon --socket=$SOCK"

# ---- containers ----
"$PROCTRAIL" containers $D --json >"$T/c.json" 2>"$T/e" || { cat "$T/e"; fail "containers --json"; }
jq -c --arg id "$ID" 'select(.id == $id)' "$T/c.json" >"$T/mine.json"
[ -s "$T/mine.json" ] ||
	fail "containers does not list $ID: $(cat "$T/c.json")"
[ "$(jq .live "$T/mine.json")" = 1 ] || fail "live is not 1: $(cat "$T/mine.json")"
[ "$(jq -r .runtime "$T/mine.json")" = docker ] || fail "runtime: $(cat "$T/mine.json")"
[ "$(jq -r .name "$T/mine.json")" = "$NAME" ] || fail "name: $(cat "$T/mine.json")"
[ "$(jq -r .image "$T/mine.json")" = nginx:1.25 ] || fail "image: $(cat "$T/mine.json")"
"$PROCTRAIL" containers $D >"$T/c.txt" || fail "containers"
head -1 "$T/c.txt" | grep -q '^CONTAINER  *RUNTIME  *PROCS  *NAME  *IMAGE  *POD  *NAMESPACE  *FIRST_SEEN$' ||
	fail "containers: header: $(head -1 "$T/c.txt")"
grep -Eq "^$SHORT +docker +1 +$NAME +nginx:1.25 +- +- +[0-9:]+$" "$T/c.txt" ||
	fail "containers: no aligned line for $SHORT: $(cat "$T/c.txt")"
"$PROCTRAIL" containers $D -q -o name,live >"$T/c2.txt" || fail "containers -q -o"
grep -Eq "^$NAME +1$" "$T/c2.txt" || fail "containers -o name,live: $(cat "$T/c2.txt")"
ok "containers lists $SHORT with 1 process, its name and image (daemon)"

# ---- ps filters, through the daemon ----
"$PROCTRAIL" ps $D --container="$NAME" -q -o pid >"$T/p" || fail "ps --container=NAME"
[ "$(tr -d ' ' <"$T/p")" = "$SP" ] || fail "ps --container=$NAME: $(cat "$T/p")"
"$PROCTRAIL" ps $D --container="$(printf %.5s "$ID")" -q -o pid >"$T/p" || fail "ps --container=ID"
[ "$(tr -d ' ' <"$T/p")" = "$SP" ] || fail "ps --container=ID prefix: $(cat "$T/p")"
"$PROCTRAIL" ps $D --container=nosuch-$$ -q -o pid >"$T/p" || fail "ps --container=nosuch"
[ -s "$T/p" ] && fail "ps --container=nosuch lists: $(cat "$T/p")"
"$PROCTRAIL" ps $D --host-only -q -o pid >"$T/p" || fail "ps --host-only"
grep -qx " *$SP" "$T/p" && fail "ps --host-only shows $SP"
grep -qx " *1" "$T/p" || fail "ps --host-only does not show init"
"$PROCTRAIL" ps $D --container=host -q -o pid >"$T/p"
grep -qx " *$SP" "$T/p" && fail "ps --container=host shows $SP"
grep -qx " *1" "$T/p" || fail "ps --container=host does not show init"
"$PROCTRAIL" ps $D --container="$NAME" >"$T/p.txt" || fail "ps --container text"
head -1 "$T/p.txt" | grep -q 'START    CONTAINER    COMM' || fail "no CONTAINER column: $(cat "$T/p.txt")"
grep -Eq "^ *$SP .* $SHORT sleep " "$T/p.txt" || fail "the column: $(cat "$T/p.txt")"
"$PROCTRAIL" ps $D --host-only | head -1 | grep -q CONTAINER &&
	fail "a CONTAINER column without a container row"
ok "ps --container (name, id prefix), --host-only, the CONTAINER column (daemon)"

# ---- the local snapshot with the fixture root ----
"$PROCTRAIL" containers --runtime-root="$RT" --json >"$T/l.json" || fail "local containers"
[ "$(jq -r --arg id "$ID" 'select(.id == $id) | "\(.live) \(.name) \(.image)"' "$T/l.json")" = \
	"1 $NAME nginx:1.25" ] || fail "local containers: $(cat "$T/l.json")"
"$PROCTRAIL" ps --runtime-root="$RT" --container="$NAME" -q -o pid >"$T/p" || fail "local ps --container"
[ "$(tr -d ' ' <"$T/p")" = "$SP" ] || fail "local ps --container: $(cat "$T/p")"
ok "a snapshot with --runtime-root says the same"

# ---- watch --container on the daemon's stream: an exec in the container ----
start_watch "$T/w.json" "$T/w.err" $D --json --container="$NAME" --ancestors=2
# a shell that waits, moved into the container, then execs
mkfifo "$T/go"
sh -c "echo \$\$ >'$T/self'; read x <'$T/go'; exec /bin/true pt-in-ctr-$$" &
SH=$!
i=0
while [ ! -s "$T/self" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
into_ctr "$SH" || fail "cannot move the shell into the container"
echo go >"$T/go"
wait "$SH"
/bin/true pt-on-host-$$
sleep 1
stop_watch
grep -q "pt-in-ctr-$$" "$T/w.json" || fail "watch --container missed the exec in it: $(cat "$T/w.err")"
grep -q "pt-on-host-$$" "$T/w.json" && fail "watch --container shows a host exec"
[ "$(grep "pt-in-ctr-$$" "$T/w.json" | jq -c '[.event, (.ancestors | length), .ancestors[0].pid]' |
	head -1)" = "[\"exec\",2,$$]" ] || fail "--ancestors=2: $(grep "pt-in-ctr-$$" "$T/w.json")"
ok "watch --container on the daemon's stream, with --ancestors"

# ---- lineage through exited parents: a sleep whose parent and grandparent exited ----
sh -c "sh -c 'sleep 60 & echo \$! >$T/orphan' & wait"
ORPHAN=$(cat "$T/orphan")
PIDS="$PIDS $ORPHAN"
sleep 0.3
"$PROCTRAIL" lineage $D "$ORPHAN" >"$T/l.txt" || fail "lineage"
[ "$(sed -n 2p "$T/l.txt" | awk '{print $1}')" = "$ORPHAN" ] || fail "lineage: $(cat "$T/l.txt")"
[ "$(grep -c ' (exited)$' "$T/l.txt")" = 2 ] || fail "lineage: not two exited: $(cat "$T/l.txt")"
[ "$(sed -n 5p "$T/l.txt" | awk '{print $1}')" = "$$" ] ||
	fail "lineage: the test's shell is not the third ancestor: $(cat "$T/l.txt")"
ok "lineage through two exited ancestors (daemon)"
stop_daemon
