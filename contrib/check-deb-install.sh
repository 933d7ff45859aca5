#!/bin/sh
# Install the Debian packages contrib/build-deb.sh built, check them as
# installed, then purge them and leave the machine as it was. CI runs this
# (contrib/quickstart.sh check); as root, on a Debian-like host.
#
#   contrib/check-deb-install.sh DIR       (DIR holds the .deb files)
#
# Checks: apt-get installs the packages with their dependencies; proctrail and
# proctraild are on PATH at /usr/bin and /usr/sbin; `proctrail probe` and
# `proctraild --check-config` (also with the shipped example configuration)
# succeed; the installed proctraild.service passes `systemd-analyze verify`
# with no message about it, and postinst enabled it (and started it only where
# systemd runs); postinst created the user and group proctrail (sysusers.d)
# and /var/lib/proctrail (tmpfiles.d); the man pages are found by man(1); a
# program builds against the installed library with pkg-config and runs.
# Then purge; the packages, /etc/proctrail, the state directories, and
# the user and group (when this script's install created them) are gone.
# Exit 77: not root, or no apt-get/dpkg.
set -eu

dir=${1:?usage: $0 DIR}
dir=$(cd "$dir" && pwd)
pkgs="proctrail libproctrail1 libproctrail-dev"
[ "$(id -u)" = 0 ] || { echo "check-deb-install: SKIP: needs root"; exit 77; }
if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
	echo "check-deb-install: SKIP: no apt-get/dpkg"
	exit 77
fi

fail() { echo "check-deb-install: FAIL: $*" >&2; exit 1; }
ok() { echo "check-deb-install: ok: $*"; }
installed() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q ' installed$'; }

for p in $pkgs; do
	installed "$p" && fail "$p is installed already; this check would purge it"
done
debs=""
for p in $pkgs; do
	f=$(find "$dir" -maxdepth 1 -name "${p}_*.deb" | sort | tail -1)
	[ -n "$f" ] || fail "no ${p}_*.deb in $dir"
	debs="$debs $f"
done
had_user=0 had_group=0
getent passwd proctrail >/dev/null && had_user=1
getent group proctrail >/dev/null && had_group=1

tmp=$(mktemp -d)
cleanup() {
	rc=$?
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq $pkgs >"$tmp/purge.out" 2>&1 ||
		{ cat "$tmp/purge.out"; rc=1; }
	[ "$had_user" = 1 ] || userdel proctrail 2>/dev/null || :
	[ "$had_group" = 1 ] || ! getent group proctrail >/dev/null || groupdel proctrail || :
	rm -rf "$tmp"
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $debs \
	>"$tmp/install.out" 2>&1 || { cat "$tmp/install.out"; fail "apt-get install"; }
for p in $pkgs; do installed "$p" || fail "$p not installed"; done
ok "apt-get installed$debs"

[ "$(command -v proctrail)" = /usr/bin/proctrail ] ||
	fail "proctrail on PATH is $(command -v proctrail), not /usr/bin/proctrail"
[ -x /usr/sbin/proctraild ] || fail "no /usr/sbin/proctraild"
(cd / && /usr/bin/proctrail probe) >"$tmp/probe.out" 2>&1 ||
	{ cat "$tmp/probe.out"; fail "proctrail probe"; }
grep -v "^ " "$tmp/probe.out" | sed 's/^/  probe: /'
ok "/usr/bin/proctrail probe"
/usr/sbin/proctraild --check-config >"$tmp/check.out" 2>&1 ||
	{ cat "$tmp/check.out"; fail "proctraild --check-config"; }
/usr/sbin/proctraild --check-config --config=/etc/proctrail/proctrail.conf.example \
	>>"$tmp/check.out" 2>&1 ||
	{ cat "$tmp/check.out"; fail "proctraild --check-config --config=...example"; }
sed 's/^/  check-config: /' "$tmp/check.out"
ok "/usr/sbin/proctraild --check-config, default and example configuration"

unit=$(dpkg -L proctrail | grep '/systemd/system/proctraild\.service$') ||
	fail "proctrail ships no proctraild.service"
grep -qx 'ExecStart=/usr/sbin/proctraild' "$unit" || fail "$unit: ExecStart is not /usr/sbin/proctraild"
systemd-analyze verify --man=no "$unit" >"$tmp/verify.out" 2>&1 ||
	{ cat "$tmp/verify.out"; fail "systemd-analyze verify $unit"; }
grep 'proctraild\.service' "$tmp/verify.out" && fail "systemd-analyze verify complained about $unit"
[ -L /etc/systemd/system/multi-user.target.wants/proctraild.service ] ||
	fail "postinst did not enable proctraild.service"
ok "systemd-analyze verify $unit; enabled (started at boot)"
# Where systemd runs, postinst started the service (Type=notify: it is active
# once ready) with the unit's capabilities; the CLI queries it over the socket.
if [ -d /run/systemd/system ]; then
	systemctl is-active --quiet proctraild.service ||
		fail "proctraild.service is not active: $(systemctl status --no-pager proctraild.service 2>&1)"
	(cd / && /usr/bin/proctrail ps --daemon >/dev/null) ||
		fail "proctrail ps --daemon: the running service does not answer"
	ok "proctraild.service is active; proctrail ps --daemon asks it"
else
	echo "check-deb-install: note: systemd is not running here: the service was not started"
fi

getent group proctrail >/dev/null || fail "postinst created no group proctrail"
getent passwd proctrail >/dev/null || fail "postinst created no user proctrail"
[ "$(stat -c '%a %U %G' /var/lib/proctrail 2>&1)" = "750 root proctrail" ] ||
	fail "/var/lib/proctrail: $(stat -c '%a %U %G' /var/lib/proctrail 2>&1), want 750 root proctrail"
ok "user and group proctrail, /var/lib/proctrail 0750 root:proctrail"

for m in "1 proctrail" "8 proctraild" "5 proctrail.conf" "3 libproctrail"; do
	# shellcheck disable=SC2086
	man -w $m >/dev/null 2>&1 || fail "man -w $m finds nothing"
done
ok "man -w proctrail, proctraild(8), proctrail.conf(5), libproctrail(3)"

cat >"$tmp/embed.c" <<'C'
#include <proctrail/proctrail.h>
#include <stdio.h>
int main(void)
{
	printf("%s\n", pt_version());
	return 0;
}
C
# shellcheck disable=SC2046
cc -o "$tmp/embed" "$tmp/embed.c" $(pkg-config --cflags --libs libproctrail) ||
	fail "cc against the installed libproctrail"
v=$("$tmp/embed") || fail "a program linked with the installed libproctrail does not run"
[ "$v" = "$(pkg-config --modversion libproctrail)" ] ||
	fail "pt_version() says $v, libproctrail.pc $(pkg-config --modversion libproctrail)"
ok "built and ran a program against the installed libproctrail $v (pkg-config)"

# purge, as the trap does, then check it left nothing
trap - EXIT
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq $pkgs >"$tmp/purge.out" 2>&1 ||
	{ cat "$tmp/purge.out"; fail "apt-get purge"; }
[ "$had_user" = 1 ] || userdel proctrail 2>/dev/null || :
[ "$had_group" = 1 ] || ! getent group proctrail >/dev/null || groupdel proctrail || :
for p in $pkgs; do ! installed "$p" || fail "$p still installed after purge"; done
for f in /usr/bin/proctrail /usr/sbin/proctraild /etc/proctrail /var/lib/proctrail "$unit" \
	/etc/systemd/system/multi-user.target.wants/proctraild.service; do
	[ ! -e "$f" ] || fail "$f is left after purge"
done
rm -rf "$tmp"
ok "purged: no package, file or directory of proctrail left"
