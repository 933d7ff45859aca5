#!/bin/sh
# `make install` grants no capability; `make install-caps` gives the installed
# binary (not a libtool wrapper) what full fidelity needs, optionally for one
# group only; without setcap it fails with one line saying so.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"
need_root "setcap"
need_cmd getcap
need_cmd make
[ -f "$top_builddir/Makefile" ] || skip "no build tree at $top_builddir"
setcap=$(sed -n 's/^SETCAP = //p' "$top_builddir/Makefile")
[ -n "$setcap" ] || skip "configure found no setcap"
caps='cap_net_admin,cap_sys_ptrace,cap_sys_nice=ep'
M="make -s -C $top_builddir"

# not installed yet: says so
$M install-caps DESTDIR="$T/none" >"$T/none.out" 2>&1 && fail "install-caps without make install succeeded"
grep -q 'run make install first' "$T/none.out" || fail "install-caps before install: $(cat "$T/none.out")"

$M install DESTDIR="$T/inst" >"$T/install.out" 2>&1 || { cat "$T/install.out"; fail "make install failed"; }
bin=$(find "$T/inst" -path '*/bin/proctrail' -type f)
[ -n "$bin" ] || fail "make install put no bin/proctrail"
[ -z "$(getcap "$bin")" ] || fail "make install set capabilities: $(getcap "$bin")"
head -c 4 "$bin" | grep -q ELF || fail "installed proctrail is not an ELF binary (a libtool wrapper?)"
ok "make install: $bin, no capabilities"

$M install-caps DESTDIR="$T/inst" >"$T/caps.out" 2>&1 || { cat "$T/caps.out"; fail "make install-caps failed"; }
cat "$T/caps.out"
getcap "$bin" | grep -q " $caps\$" || fail "install-caps: getcap says '$(getcap "$bin")', want $caps"
ok "install-caps: $(getcap "$bin")"

# a group only: chgrp and 0750 first (chgrp clears file capabilities, so before setcap)
grp=$(id -gn nobody 2>/dev/null)
[ -n "$grp" ] || grp=nogroup
if getent group "$grp" >/dev/null; then
	$M install-caps DESTDIR="$T/inst" PROCTRAIL_GROUP="$grp" >"$T/grp.out" 2>&1 ||
		{ cat "$T/grp.out"; fail "install-caps PROCTRAIL_GROUP=$grp failed"; }
	[ "$(stat -c '%a %G' "$bin")" = "750 $grp" ] || fail "PROCTRAIL_GROUP: $(stat -c '%a %G' "$bin")"
	getcap "$bin" | grep -q " $caps\$" || fail "PROCTRAIL_GROUP: capabilities lost: $(getcap "$bin")"
	ok "install-caps PROCTRAIL_GROUP=$grp: mode 0750, $(getcap "$bin")"
fi

# no setcap: one clear line, failure
$M install-caps DESTDIR="$T/inst" SETCAP= >"$T/nosetcap.out" 2>&1 && fail "install-caps without setcap succeeded"
grep -q '^install-caps: setcap not found' "$T/nosetcap.out" || fail "no setcap: $(cat "$T/nosetcap.out")"
ok "install-caps without setcap: $(grep '^install-caps' "$T/nosetcap.out")"
