#!/bin/sh
# Build proctrail's Debian packages from a clean copy of this tree, then
# check them with lintian.
#
#   contrib/build-deb.sh [OUTDIR]      (default OUTDIR: ./deb-out)
#
# The copy holds the files git tracks, as they are in the working tree (or,
# outside a git checkout, an unpacked `make dist` tarball's files), with
# contrib/debian as debian/ and a debian/changelog written for the version in
# configure.ac's AC_INIT (revision DEB_REVISION, default 1). Then
# `dpkg-buildpackage -b -uc -us` (the build dependencies must be installed:
# contrib/quickstart.sh installs them) and `lintian --fail-on error` on the
# .changes. The .deb, .changes and .buildinfo files go to OUTDIR, whose .deb
# files are printed, one a line, at the end.
#
# Environment: DEB_BUILD_OPTIONS as dpkg-buildpackage takes it (nocheck skips
# the unit tests), LINTIAN=0 to skip lintian, KEEP=1 to keep the build copy.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-deb-out}
mkdir -p "$out"
out=$(cd "$out" && pwd)

version=$(sed -n 's/^AC_INIT(\[proctrail\], *\[\([^]]*\)\].*/\1/p' "$top/configure.ac")
[ -n "$version" ] || { echo "build-deb: no version in $top/configure.ac's AC_INIT" >&2; exit 1; }
debversion="$version-${DEB_REVISION:-1}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/proctrail-deb.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$tmp"' EXIT
src="$tmp/proctrail-$version"
mkdir "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# tracked files only: no build trees, no generated files
	(cd "$top" && git ls-files -z | tar --null --no-recursion -T - -cf -) | tar -xf - -C "$src"
else
	(cd "$top" && tar -cf - --exclude='./build*' --exclude='./debian' --exclude='./deb-out' .) |
		tar -xf - -C "$src"
fi
cp -R "$src/contrib/debian" "$src/debian"
# dpkg-parsechangelog's date: the last commit's, else now; reproducible builds
# take SOURCE_DATE_EPOCH from it
when=$(git -C "$top" log -1 --format=%cD 2>/dev/null || date -R)
cat >"$src/debian/changelog" <<CHANGELOG
proctrail ($debversion) unstable; urgency=medium

  * Release $version: packages built by contrib/build-deb.sh from
    configure.ac's version.

 -- proctrail maintainers <maintainers@users.noreply.b-seed-53064918.example>  $when
CHANGELOG

echo "build-deb: building proctrail $debversion in $src"
(cd "$src" && dpkg-buildpackage -b -uc -us)

arch=$(dpkg-architecture -qDEB_HOST_ARCH)
changes="$tmp/proctrail_${debversion}_$arch.changes"
if [ "${LINTIAN:-1}" = 1 ]; then
	echo "build-deb: lintian $changes"
	lintian --fail-on error "$changes"
fi

# the files the .changes names, and the .changes itself
files=$(awk '/^Files:/ { f = 1; next } /^[^ ]/ { f = 0 } f { print $5 }' "$changes")
for f in $files; do cp "$tmp/$f" "$out/"; done
cp "$changes" "$out/"
echo "build-deb: packages in $out:"
for f in $files; do
	case "$f" in *.deb) echo "$out/$f" ;; esac
done
