#!/bin/sh
# tests/bench/containers.sh on a tiny scale: what it measures that is
# correctness rather than speed. Every exec of the storm in the kubepods-named
# container is attributed to the container (none wrong, none unknown), every
# exec of the host storm to the host; the memory measurement runs (the daemon
# takes --runtime-root and lists the containers); no cgroup is left behind.
# serial: a benchmark: other tests' processes would be in its figures (contrib/quickstart.sh)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_root "creates cgroups and runs the netlink tier"
need_cmd jq
need_cmd bash
need_tier netlink
[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] ||
	[ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] || skip "no cgroup2 hierarchy"
before=$(find /sys/fs/cgroup -name 'cri-containerd-*' -o -name 'docker-*.scope' 2>/dev/null | sort)
bash "$top_srcdir/tests/bench/containers.sh" -B "$top_builddir" -n 300 -r 1 -M 20 -m netlink \
	-c dyn1 -d 0 -o "$T/out.md" >"$T/stdout" 2>"$T/stderr" || {
	cat "$T/stderr"
	fail "containers.sh exited $?"
}
cat "$T/stdout"
after=$(find /sys/fs/cgroup -name 'cri-containerd-*' -o -name 'docker-*.scope' 2>/dev/null | sort)
# only new ones count: another test's cgroup may have gone in the meantime
left=$(echo "$after" | grep -vxF "$before")
[ -z "$left" ] || fail "cgroups left behind: $(echo "$left" | head -3)"
# raw runs: cfg tier where rep rate cpu seen tags right wrong unknown
runs=$(sed -n '/^```$/,/^```$/p' "$T/out.md" | grep -v '^```')
[ "$(echo "$runs" | wc -l)" = 2 ] || fail "expected 2 runs (host, container): $runs"
echo "$runs" | while IFS='	' read -r cfg tier where rep rate cpu seen tags right wrong unknown; do
	[ "$seen" = 300 ] || fail "$where storm: $seen of 300 execs seen"
	[ "$right" = "$seen" ] && [ "$wrong" = 0 ] && [ "$unknown" = 0 ] ||
		fail "$where storm: $right attributed right, $wrong wrong, $unknown unknown of $seen"
done || exit 1
ok "300 execs in a kubepods container and 300 on the host, all attributed right"
grep -q '^| VmRSS (KiB) |' "$T/out.md" || fail "memory per container not measured: $(grep -A2 'Memory per cached' "$T/out.md" | tail -1)"
grep -q 'Containers the daemon listed afterwards (`proctrail containers --json`): [1-9]' "$T/out.md" ||
	fail "the daemon listed no container: $(grep 'Containers the daemon listed' "$T/out.md")"
ok "memory per cached container measured: $(grep '^| VmRSS' "$T/out.md")"
