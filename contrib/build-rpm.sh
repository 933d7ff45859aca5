#!/bin/sh
# Build proctrail's RPM packages with `rpmbuild -bb contrib/rpm/proctrail.spec`
# from a `make dist` tarball, in a temporary _topdir.
#
#   contrib/build-rpm.sh TARBALL [OUTDIR]     (default OUTDIR: ./rpm-out)
#   make rpm                                  (in a build tree: make dist, then this)
#
# The spec's Version must be the tarball's (configure.ac's AC_INIT). Where the
# rpm database is not the system's package database (Debian, with the rpm
# package), BuildRequires cannot be checked: --nodeps is passed when
# /etc/debian_version exists (RPM_NODEPS=0/1 decides otherwise), and the
# libraries come from Debian's packages (contrib/quickstart.sh's PKGS).
# The unit tests run in %check only with RPM_CHECK=1 (contrib/build-deb.sh
# runs them already; this keeps CI's rpm step to the build). No debuginfo
# packages (Debian's rpm has no find-debuginfo). The .rpm files go to OUTDIR
# and are printed, one a line.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 TARBALL [OUTDIR]" >&2; exit 2; }
tarball=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
out=${2:-rpm-out}
spec="$top/contrib/rpm/proctrail.spec"
command -v rpmbuild >/dev/null || { echo "build-rpm: rpmbuild not installed (Debian: rpm)" >&2; exit 1; }

specversion=$(sed -n 's/^Version: *//p' "$spec")
case "$(basename "$tarball")" in
"proctrail-$specversion.tar.xz") ;;
*)
	echo "build-rpm: $tarball is not proctrail-$specversion.tar.xz (the spec's Version)" >&2
	exit 1
	;;
esac

nodeps=${RPM_NODEPS:-}
[ -n "$nodeps" ] || { [ -f /etc/debian_version ] && nodeps=1 || nodeps=0; }
set --
[ "$nodeps" = 1 ] && set -- "$@" --nodeps
[ "${RPM_CHECK:-0}" = 1 ] || set -- "$@" --without check

mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/proctrail-rpm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/SOURCES"
cp "$tarball" "$tmp/SOURCES/"

rpmbuild -bb "$@" --define "_topdir $tmp" --define "debug_package %{nil}" "$spec"

echo "build-rpm: packages in $out:"
find "$tmp/RPMS" -name '*.rpm' | sort | while read -r f; do
	cp "$f" "$out/"
	echo "$out/$(basename "$f")"
done
