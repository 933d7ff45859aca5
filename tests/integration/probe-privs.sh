#!/bin/sh
# `proctrail probe` says, per tier, the fidelity the capabilities held give,
# and the one command that gives full fidelity: as root, as nobody with no
# capability, with CAP_NET_ADMIN only, and with all three the command grants.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd jq
need_root "to drop to nobody"
need_cmd setpriv

# as nobody, with the ambient capabilities given (none: "")
as_nobody() {
	caps=$1
	shift
	if [ -n "$caps" ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps="$caps" \
			--ambient-caps="$caps" "$@"
	else
		setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "$@"
	fi
}

# tier_field FILE TIER KEY
tier_field() { jq -r --arg t "$2" ".tiers[] | select(.tier == \$t) | .$3" "$1"; }
cap_held() { jq -r --arg c "$2" '.capabilities[] | select(.name == $c) | .held' "$1"; }

# the text format: a fidelity line under every tier, the capability table
check_text() {
	for t in bpf netlink inotify poll; do
		awk -v t="$t" '$1 == t {f = 1; next} f && /^ *fidelity: (full|partial|none): / {print; exit}
			f && /^[a-z]/ {exit}' "$1" | grep -q . || fail "$2: no fidelity line under $t"
	done
	grep -q '^CAPABILITY  *HELD TIERS  *BUYS$' "$1" || fail "$2: no capability table"
	for c in cap_net_admin cap_sys_ptrace cap_sys_nice cap_bpf cap_perfmon; do
		grep -qE "^$c +(yes|no) " "$1" || fail "$2: $c not in the table"
	done
	grep -q '^full fidelity: ' "$1" || fail "$2: no full fidelity line"
}

"$PROCTRAIL" probe >"$T/root.txt" || fail "probe as root failed"
"$PROCTRAIL" probe --json >"$T/root.json" || fail "probe --json as root failed"
cat "$T/root.txt"
check_text "$T/root.txt" root
# root with every capability (not in a container that dropped some)
eff=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
if [ "$(printf '%d' "$((0x$eff >> 12 & 1))$((0x$eff >> 19 & 1))$((0x$eff >> 23 & 1))")" = 111 ]; then
	jq -e '.full_fidelity == true and .setcap == null' "$T/root.json" >/dev/null ||
		fail "root with CAP_NET_ADMIN, CAP_SYS_PTRACE, CAP_SYS_NICE: not full fidelity"
	grep -q '^full fidelity: yes$' "$T/root.txt" || fail "root: text does not say full fidelity"
	[ "$(tier_field "$T/root.json" netlink fidelity)" = full ] || fail "root: netlink fidelity not full"
	ok "root: full fidelity"
fi
for t in inotify poll; do
	[ "$(tier_field "$T/root.json" $t fidelity)" = partial ] || fail "root: $t fidelity not partial"
done

# nobody, no capability
as_nobody "" "$PROCTRAIL" probe >"$T/none.txt"
as_nobody "" "$PROCTRAIL" probe --json >"$T/none.json"
cat "$T/none.txt"
check_text "$T/none.txt" nobody
for c in cap_net_admin cap_sys_ptrace cap_sys_nice cap_bpf cap_perfmon; do
	[ "$(cap_held "$T/none.json" $c)" = false ] || fail "nobody: $c held"
done
jq -e '.full_fidelity == false' "$T/none.json" >/dev/null || fail "nobody: full fidelity claimed"
[ "$(tier_field "$T/none.json" bpf fidelity)" = none ] || fail "nobody: bpf fidelity not none"
nl=$(tier_field "$T/none.json" netlink available)
# this kernel may refuse unprivileged listeners: then the command grants CAP_NET_ADMIN
if [ "$nl" = false ]; then
	want='sudo setcap cap_net_admin,cap_sys_ptrace,cap_sys_nice+ep '
	unit='AmbientCapabilities=CAP_NET_ADMIN CAP_SYS_PTRACE CAP_SYS_NICE'
	[ "$(tier_field "$T/none.json" netlink fidelity)" = none ] || fail "nobody: netlink fidelity"
else
	want='sudo setcap cap_sys_ptrace,cap_sys_nice+ep '
	unit='AmbientCapabilities=CAP_SYS_PTRACE CAP_SYS_NICE'
	[ "$(tier_field "$T/none.json" netlink fidelity)" = partial ] || fail "nobody: netlink fidelity"
fi
# the build tree's wrapper runs .libs/lt-proctrail: the command names the installed binary
jq -e '.build_tree == true' "$T/none.json" >/dev/null || fail "nobody: build tree not recognised"
setcap_cmd=$(jq -r .setcap "$T/none.json")
case "$setcap_cmd" in
"$want"*/bin/proctrail) ;;
*) fail "nobody: command is '$setcap_cmd', want '$want.../bin/proctrail'" ;;
esac
case "$setcap_cmd" in *.libs*) fail "nobody: command names the build tree: $setcap_cmd" ;; esac
[ "$(jq -r .unit "$T/none.json")" = "$unit" ] || fail "nobody: unit setting $(jq -r .unit "$T/none.json")"
grep -qxF "  $setcap_cmd" "$T/none.txt" || fail "nobody: text does not show the command"
grep -qxF "  $unit" "$T/none.txt" || fail "nobody: text does not show the unit setting"
grep -q '^note: .*build tree' "$T/none.txt" || fail "nobody: no build tree note"
for t in inotify poll; do
	tier_field "$T/none.json" $t fidelity_detail | grep -q "this user's processes only" ||
		fail "nobody: $t does not say exe and cwd are limited"
	tier_field "$T/none.json" $t raise | grep -qF "$setcap_cmd" || fail "nobody: $t raise"
done
ok "nobody: $setcap_cmd"

# nobody with CAP_NET_ADMIN only: netlink runs, pinned readers, no exe of others
as_nobody +net_admin "$PROCTRAIL" probe --json >"$T/na.json" || fail "probe with net_admin failed"
as_nobody +net_admin "$PROCTRAIL" probe >"$T/na.txt"
check_text "$T/na.txt" net_admin
[ "$(cap_held "$T/na.json" cap_net_admin)" = true ] || fail "net_admin: not held"
[ "$(cap_held "$T/na.json" cap_sys_ptrace)" = false ] || fail "net_admin: ptrace held"
[ "$(tier_field "$T/na.json" netlink available)" = true ] || fail "net_admin: netlink does not run"
[ "$(tier_field "$T/na.json" netlink fidelity)" = partial ] || fail "net_admin: netlink not partial"
tier_field "$T/na.json" netlink fidelity_detail | grep -q "no cap_sys_nice" ||
	fail "net_admin: netlink does not say why (SCHED_FIFO)"
[ "$(jq -r .setcap "$T/na.json")" = "$(jq -r .setcap "$T/none.json" | sed 's/setcap cap_sys/setcap cap_net_admin,cap_sys/')" ] ||
	fail "net_admin: command $(jq -r .setcap "$T/na.json")"
[ "$(tier_field "$T/na.json" netlink raise)" = "$(jq -r .setcap "$T/na.json")" ] ||
	fail "net_admin: netlink raise is not the command"
ok "net_admin only: netlink partial, $(jq -r .setcap "$T/na.json")"

# nobody with what the command grants: full fidelity, nothing to raise
as_nobody +net_admin,+sys_ptrace,+sys_nice "$PROCTRAIL" probe --json >"$T/all.json" ||
	fail "probe with the three capabilities failed"
jq -e '.full_fidelity == true and .setcap == null' "$T/all.json" >/dev/null ||
	fail "nobody with the command's capabilities: not full fidelity"
[ "$(tier_field "$T/all.json" netlink fidelity)" = full ] || fail "three caps: netlink not full"
[ "$(tier_field "$T/all.json" netlink raise)" = null ] || fail "three caps: netlink still raisable"
ok "nobody with cap_net_admin,cap_sys_ptrace,cap_sys_nice: full fidelity"

# an installed binary is named by its own path, one shell word
bin=$top_builddir/.libs/lt-proctrail
[ -x "$bin" ] || bin=$top_builddir/.libs/proctrail
if [ -x "$bin" ] && [ -d "$top_builddir/src/lib/.libs" ]; then
	d="$T/in st'x"
	mkdir -p "$d" && cp "$bin" "$d/proctrail" && chmod -R a+rX "$T"
	LD_LIBRARY_PATH=$top_builddir/src/lib/.libs as_nobody "" "$d/proctrail" probe --json >"$T/inst.json" ||
		fail "probe from a copied binary failed"
	q=$(printf '%s' "$d/proctrail" | sed "s/'/'\\\\''/g")
	case "$(jq -r .setcap "$T/inst.json")" in
	*" '$q'") ;;
	*) fail "copied binary: command $(jq -r .setcap "$T/inst.json"), want the path '$q'" ;;
	esac
	jq -e '.build_tree == false' "$T/inst.json" >/dev/null || fail "copied binary: build tree"
	ok "a binary elsewhere: $(jq -r .setcap "$T/inst.json")"
fi

# proctrail(1) PRIVILEGES carries the same capabilities
man1=$top_srcdir/man/proctrail.1
sed -n '/^\.SH PRIVILEGES/,/^\.SH /p' "$man1" >"$T/privs.man"
[ -s "$T/privs.man" ] || fail "proctrail(1) has no PRIVILEGES section"
for c in $(jq -r '.capabilities[].name' "$T/root.json"); do
	C=$(echo "$c" | tr a-z A-Z)
	grep -q "^$C[	 ]" "$T/privs.man" || grep -q "+ $C[	 ]" "$T/privs.man" ||
		fail "proctrail(1) PRIVILEGES does not list $C"
done
# the command and the unit setting probe gives where the kernel asks for CAP_NET_ADMIN
grep -qF 'sudo setcap cap_net_admin,cap_sys_ptrace,cap_sys_nice+ep ' "$T/privs.man" ||
	fail "proctrail(1) PRIVILEGES does not show probe's command"
grep -qF 'AmbientCapabilities=CAP_NET_ADMIN CAP_SYS_PTRACE CAP_SYS_NICE' "$T/privs.man" ||
	fail "proctrail(1) PRIVILEGES does not show the unit setting"
ok "proctrail(1) PRIVILEGES lists every capability and the command"
