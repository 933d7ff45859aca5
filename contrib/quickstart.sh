#!/bin/sh
# proctrail quickstart: install what is missing (Debian/Ubuntu, as root),
# build, then either run `proctrail watch` (default) or the whole test suite.
#
#   contrib/quickstart.sh          install, build, run `proctrail watch`
#   contrib/quickstart.sh check    install, build, run every test (as CI does)
#
# Environment: BUILDDIR (default ./build), CONFIGURE_FLAGS (extra flags),
# SKIP_APT=1 to skip the package step, QUICKSTART_SANITIZE=0 to run the whole
# suite in the plain build instead of an ASan+UBSan one, QUICKSTART_PACKAGES=0 to skip
# the .deb and .rpm steps of `check`.
set -eu

mode=${1:-watch}
case "$mode" in
watch | check) ;;
*)
	echo "usage: $0 [watch|check]" >&2
	exit 2
	;;
esac

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${BUILDDIR:-$top/build}
jobs=$(nproc 2>/dev/null || echo 2)

# Build: autotools, compiler, libmnl (netlink tier), libbpf + libelf + clang +
# bpftool (bpf tier), Criterion (unit tests), libclang-rt-dev (libFuzzer for
# the fuzz targets; only recommended by clang, so named), jansson (JSON
# requests and records), libyaml (rule files), libcap-ng and libsystemd
# (proctraild), SQLite, libpq and zlib (the sinks). Tests: jq, sqlite3 (the history database by hand),
# postgresql (the server binaries the PostgreSQL tests start a cluster with),
# socat (the daemon's socket by hand), systemd (systemd-analyze), libcap2-bin
# (capsh, setpriv for unprivileged runs), util-linux (unshare). Benchmark
# comparisons: forkstat, extrace, libbpf-tools (execsnoop); strace (syscalls.sh,
# which bench-caps.sh runs). Packages (CI
# builds, checks and installs them): debhelper and dpkg-dev (dpkg-buildpackage;
# no fakeroot: Rules-Requires-Root: no), lintian, rpm (rpmbuild), man-db (man -w).
PKGS="build-essential autoconf automake libtool pkg-config libmnl-dev \
libbpf-dev libelf-dev zlib1g-dev clang llvm bpftool libcriterion-dev libclang-rt-dev \
libjansson-dev libyaml-dev libcap-ng-dev libsystemd-dev libsqlite3-dev libpq-dev sqlite3 postgresql \
socat systemd \
jq libcap2-bin util-linux procps git clang-format forkstat extrace libbpf-tools strace \
debhelper dpkg-dev lintian rpm man-db"

install_packages() {
	[ "${SKIP_APT:-0}" = 1 ] && return 0
	command -v apt-get >/dev/null || {
		echo "quickstart: no apt-get; install these yourself: $PKGS" >&2
		return 0
	}
	missing=""
	for p in $PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "quickstart: missing packages:$missing (run as root to install them)" >&2
		return 1
	fi
	echo "quickstart: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
}

build() {
	(cd "$top" && ./autogen.sh)
	mkdir -p "$builddir"
	cd "$builddir"
	# shellcheck disable=SC2086
	"$top/configure" --enable-werror ${CONFIGURE_FLAGS:-}
	make -j"$jobs"
}

t0=$(date +%s)
# What each step cost, for CI notes: seconds since the start.
step() { echo "quickstart: [$(($(date +%s) - t0)) s] $*"; }

install_packages
# The bpf tier's exec_failed event and the benchmark's execsnoop need tracefs
# (the syscall tracepoints); Debian mounts it only when something asks.
if [ "$mode" = check ] && [ "$(id -u)" = 0 ] && [ -d /sys/kernel/tracing ] &&
	! [ -e /sys/kernel/tracing/events ]; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null ||
		echo "quickstart: could not mount tracefs; exec-failed.sh will skip" >&2
fi
step "packages ready; building"
build
step "built"

if [ "$mode" = watch ]; then
	echo "quickstart: running ./proctrail watch (Ctrl-C to stop)"
	exec ./proctrail watch
fi

# Show why a suite failed: the summary log, else every test log there is.
show_logs() {
	if [ -f test-suite.log ]; then
		cat test-suite.log
	else
		find tests -name '*.log' -exec sh -c 'echo "== $1"; tail -30 "$1"' _ {} \;
	fi
}

# The whole suite: unit tests, integration tests (as root they all run),
# format check, then the suite under ASan+UBSan, the fuzzers, then distcheck.
# The tests marked "# serial:" (the benchmarks', and those that measure capture
# in a race with short-lived processes) run one at a time, alone on the
# machine; then the others, as many at once as there are CPUs, in the
# ASan+UBSan build. Their programs are built in parallel first: in this build
# only the integration tests' helpers, unless QUICKSTART_SANITIZE=0 (the unit
# tests and the fuzz targets' seed replays run in the ASan+UBSan build and, the
# unit tests, in distcheck; building them here too cost CI 53 s).
sanitize=${QUICKSTART_SANITIZE:-1}
if [ "$sanitize" = 1 ]; then
	helpers=$(make -s list-check-programs | grep -v -e '^tests/unit/' -e '^tests/fuzz/' | tr '\n' ' ')
	make -j"$jobs" $helpers >/dev/null
	set -- check_PROGRAMS="$helpers"
else
	make -j"$jobs" check TESTS= >/dev/null
	set --
fi
totals() { # the automake summary of a suite, as "pass fail skip"
	awk '/^# PASS:/ {p = $3} /^# FAIL:/ {f = $3} /^# ERROR:/ {f += $3} /^# SKIP:/ {s = $3}
		END {print p + 0, f + 0, s + 0}' "$1/test-suite.log"
}
all_tests=$(make -s list-tests)
serial_tests=$(cd "$top" && grep -l '^# serial:' $(echo "$all_tests" | grep '\.sh$') | tr '\n' ' ')
step "test programs built; running the serial tests: $serial_tests"
make check TESTS="$serial_tests" "$@" || { show_logs; exit 1; }
set -- $(totals .)
# The others run once, in the ASan+UBSan build below (also -O2), unless that
# is off: running them in both builds cost CI 311 s of its 30 minutes; the
# unit tests run unsanitized too, in distcheck.
if [ "$sanitize" != 1 ]; then
	step "serial tests passed; the others, $jobs at once"
	make -j"$jobs" check TESTS="$(echo "$all_tests" | grep -vxF "$(echo "$serial_tests" | tr ' ' '\n')" | tr '\n' ' ')" ||
		{ show_logs; exit 1; }
	set -- $(($1 + $(totals . | cut -d' ' -f1))) $2 $(($3 + $(totals . | cut -d' ' -f3)))
fi
step "suite passed"
make check-format
if [ "$sanitize" = 1 ]; then
	step "format checked; ASan+UBSan build and suite"
	sanbuild="$builddir-asan"
	mkdir -p "$sanbuild"
	# every test but the benchmarks' (tests/integration/bench-*: the bench
	# scripts at a tiny scale, whose code paths the other tests take too), as
	# many at once as there are CPUs: this run looks for memory errors and
	# runs the tests the unsanitized build left out; the "# serial:" tests
	# above alone on the machine measure the races (868 s -> 685 s in CI; the
	# tests mostly wait on processes and sockets)
	# -g1: line tables only, all the sanitizers' stack traces need (and 15%
	# less compile time than -g)
	(cd "$sanbuild" && "$top/configure" --enable-werror --enable-sanitizers \
		CFLAGS="-O2 -g1" ${CONFIGURE_FLAGS:-} >/dev/null && make -j"$jobs" >/dev/null &&
		make -j"$jobs" check TESTS= >/dev/null &&
		{ make -j"$jobs" check TESTS="$(make -s list-tests | grep -v '/bench-' | tr '\n' ' ')" ||
			{ show_logs; exit 1; }; })
	set -- $(($1 + $(totals "$sanbuild" | cut -d' ' -f1))) $2 \
		$(($3 + $(totals "$sanbuild" | cut -d' ' -f3)))
fi
# Every parser of untrusted bytes has a libFuzzer target; fuzz each for a while
# (QUICKSTART_FUZZ_SECONDS, default 10; 0 skips), one per CPU at a time. Their
# seeds are replayed by `make check` in the builds above.
fuzz_secs=${QUICKSTART_FUZZ_SECONDS:-10}
if [ "$fuzz_secs" -gt 0 ]; then
	step "libFuzzer build and ${fuzz_secs} s per target"
	fuzzbuild="$builddir-fuzz"
	mkdir -p "$fuzzbuild"
	(cd "$fuzzbuild" && "$top/configure" CC=clang CFLAGS="-O2 -gline-tables-only" \
		--enable-werror --enable-sanitizers \
		--enable-fuzzing --enable-bpf=no --without-criterion >/dev/null &&
		make -j"$jobs" $(cd "$top" && echo tests/fuzz/fuzz-*.c | sed 's/\.c//g') >/dev/null)
	"$top/tests/fuzz/run.sh" "$fuzzbuild" "$fuzz_secs" "$jobs"
fi
step "distcheck"
# xz's fastest level for the tarballs distcheck makes (twice) and the .rpm is
# built from: automake's default, -e, costs CI 8 s for no use here
XZ_OPT=${XZ_OPT:--0}
export XZ_OPT
# distcheck builds, installs, uninstalls and cleans the tarball, with no debug
# information (nothing reads it there) and no check programs: the unit tests
# ran above, in the ASan+UBSan build unless that is off (building and running them here too cost
# CI 60 s). What a test in the tarball would have caught, a file the tarball
# lacks, contrib/check-dist-files.sh catches for every file git tracks.
make -j"$jobs" distcheck DISTCHECK_CONFIGURE_FLAGS="--enable-werror CFLAGS=-O2" \
	TESTS= check_PROGRAMS= check_LTLIBRARIES=
rc=0
"$top/contrib/check-dist-files.sh" "proctrail-$(sed -n 's/^PACKAGE_VERSION = //p' Makefile).tar.xz" ||
	rc=$?
[ "$rc" = 0 ] || [ "$rc" = 77 ] || exit 1
# Packages: the .deb built from a clean copy of the tree, lintian errors fail
# (contrib/build-deb.sh); installed with apt-get, the installed programs, unit
# and man pages checked, then purged (contrib/check-deb-install.sh, as root);
# the .rpm built from the distcheck tarball (contrib/build-rpm.sh).
if [ "${QUICKSTART_PACKAGES:-1}" = 1 ]; then
	# the builds' output goes to a log, shown (its end) when they fail
	pkglog() {
		if "$@" >"$builddir/packages.log" 2>&1; then
			grep -e '^build-' -e '^[WEI]: ' -e '\.deb$' -e '\.rpm$' "$builddir/packages.log" || :
		else
			tail -150 "$builddir/packages.log"
			exit 1
		fi
	}
	step "Debian packages: build, lintian"
	rm -rf "$builddir/deb" "$builddir/rpm"
	# nocheck: the unit tests ran in the three builds above
	DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-nocheck}
	export DEB_BUILD_OPTIONS
	pkglog "$top/contrib/build-deb.sh" "$builddir/deb"
	step "Debian packages: install, check, purge"
	rc=0
	"$top/contrib/check-deb-install.sh" "$builddir/deb" || rc=$?
	[ "$rc" = 0 ] || [ "$rc" = 77 ] || exit "$rc"
	step "RPM packages: build"
	pkglog "$top/contrib/build-rpm.sh" \
		"proctrail-$(sed -n 's/^PACKAGE_VERSION = //p' Makefile).tar.xz" "$builddir/rpm"
fi
step "all checks passed"
echo "quickstart: $1 passed, $2 failed, $3 skipped"
