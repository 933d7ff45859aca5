#!/bin/sh
# contrib/systemd: the unit as built (@sbindir@ filled in) passes
# `systemd-analyze verify` with no message at all about it (verify exits 0
# on unknown keys and bad values, printing them), keeps the hardening and
# capability lines the service relies on; the sysusers.d file creates the
# group `proctrail` and the tmpfiles.d file /run/proctrail, in a scratch root.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_cmd systemd-analyze
UNIT=$top_builddir/contrib/systemd/proctraild.service
[ -f "$UNIT" ] || fail "$UNIT not built (make check builds it)"

# the binary ExecStart names must exist for verify: the built proctraild,
# else a stand-in (this branch may not build proctraild yet)
: "${PROCTRAILD:=$top_builddir/proctraild}"
if [ ! -x "$PROCTRAILD" ]; then
	echo "note: $PROCTRAILD not built; verifying with a stand-in binary"
	PROCTRAILD=$T/proctraild
	printf '#!/bin/sh\nexit 0\n' >"$PROCTRAILD"
	chmod +x "$PROCTRAILD"
fi
grep -q '@[a-z]*dir@' "$UNIT" && fail "unsubstituted path in $UNIT: $(grep '@[a-z]*dir@' "$UNIT")"
exec_start=$(sed -n 's/^ExecStart=//p' "$UNIT")
case "$exec_start" in
/*/proctraild) ;;
*) fail "ExecStart=$exec_start is not an absolute path to proctraild" ;;
esac
mkdir "$T/unit"
sed "s|^ExecStart=[^ ]*|ExecStart=$PROCTRAILD|" "$UNIT" >"$T/unit/proctraild.service"
systemd-analyze verify --man=no "$T/unit/proctraild.service" >"$T/verify.out" 2>&1 ||
	fail "systemd-analyze verify: $(cat "$T/verify.out")"
if grep 'proctraild\.service' "$T/verify.out"; then
	fail "systemd-analyze verify complained about the unit"
fi
ok "systemd-analyze verify: no message about proctraild.service"

# the check above must be able to fail: a misspelt key is reported
mkdir "$T/bad"
sed 's/^ProtectHome=/ProtectHom=/' "$T/unit/proctraild.service" >"$T/bad/proctraild.service"
systemd-analyze verify --man=no "$T/bad/proctraild.service" 2>&1 | grep -q "Unknown key 'ProtectHom'" ||
	fail "systemd-analyze verify does not report an unknown key here"

for line in Type=notify 'ExecReload=/bin/kill -HUP $MAINPID' NoNewPrivileges=yes \
	ProtectSystem=strict ProtectHome=yes RuntimeDirectory=proctrail RuntimeDirectoryMode=0755 \
	StateDirectory=proctrail StateDirectoryMode=0750 UMask=0027 LogsDirectory=proctrail \
	Group=proctrail \
	'CapabilityBoundingSet=CAP_NET_ADMIN CAP_SYS_PTRACE CAP_SYS_NICE' \
	'#CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_SYS_PTRACE' \
	'#AmbientCapabilities=CAP_NET_ADMIN CAP_SYS_PTRACE CAP_SYS_NICE' '#User=proctrail'; do
	grep -qxF "$line" "$UNIT" || fail "unit lacks: $line"
done
# settings that would break a tier must stay unset
for key in PrivateNetwork PrivateUsers ProtectProc ProcSubset RestrictRealtime; do
	grep -q "^$key=" "$UNIT" && fail "unit sets $key=, which breaks a tier"
done
ok "unit: Type=notify, hardening, per-tier capabilities"

if systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
	systemd-analyze security --offline=true --no-pager "$T/unit/proctraild.service" \
		>"$T/security.out" 2>&1 || true
	grep 'Overall exposure level' "$T/security.out" | sed 's/^/note: /'
fi

# sysusers.d and tmpfiles.d, into a scratch root
if command -v systemd-sysusers >/dev/null && command -v systemd-tmpfiles >/dev/null; then
	mkdir -p "$T/root/etc"
	systemd-sysusers --root="$T/root" "$top_builddir/contrib/systemd/sysusers.d/proctrail.conf" \
		>"$T/sysusers.out" 2>&1 || fail "systemd-sysusers: $(cat "$T/sysusers.out")"
	grep -q '^proctrail:x:[0-9]*:' "$T/root/etc/group" || fail "no group proctrail created"
	grep -q '^proctrail:x:[0-9]*:[0-9]*:.*:/usr/sbin/nologin$' "$T/root/etc/passwd" ||
		fail "no system user proctrail created: $(cat "$T/root/etc/passwd")"
	gid=$(awk -F: '$1 == "proctrail" { print $3 }' "$T/root/etc/group")
	systemd-tmpfiles --root="$T/root" --create \
		"$top_builddir/contrib/systemd/tmpfiles.d/proctrail.conf" >"$T/tmpfiles.out" 2>&1 ||
		fail "systemd-tmpfiles: $(cat "$T/tmpfiles.out")"
	[ "$(stat -c '%a %u %g' "$T/root/run/proctrail")" = "755 0 $gid" ] ||
		fail "/run/proctrail: $(stat -c '%a %u %g' "$T/root/run/proctrail"), want 755 0 $gid"
	ok "sysusers.d creates group and user proctrail; tmpfiles.d /run/proctrail 0755 root:proctrail"
	# the sinks' state directory: the group may read history.db, nobody else
	[ "$(stat -c '%a %u %g' "$T/root/var/lib/proctrail")" = "750 0 $gid" ] ||
		fail "/var/lib/proctrail: $(stat -c '%a %u %g' "$T/root/var/lib/proctrail"), want 750 0 $gid"
	ok "tmpfiles.d: /var/lib/proctrail 0750 root:proctrail"
else
	echo "note: systemd-sysusers or systemd-tmpfiles missing: their files not checked"
fi
