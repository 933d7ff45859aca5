#!/bin/sh
# Every file git tracks is in the `make dist` tarball, but the few that are
# only for the repository: a file missing from EXTRA_DIST or a _SOURCES list
# breaks a build, a test or a package made from the tarball, and distcheck
# sees it only when that build or test runs there. CI runs this after
# distcheck (contrib/quickstart.sh check).
#
#   contrib/check-dist-files.sh TARBALL
#
# Left out on purpose: .ci/ (CI's entry point), .gitignore and m4/.gitkeep.
# Exit 0: all there; 1: some missing (named, one a line); 2: usage;
# 77: this tree is not a git checkout (an unpacked tarball has nothing to check).
set -eu

[ $# = 1 ] || { echo "usage: $0 TARBALL" >&2; exit 2; }
[ -f "$1" ] || { echo "check-dist-files: $1: no such file" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
if ! git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	echo "check-dist-files: SKIP: $top is not a git checkout"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/proctrail-dist.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# the tarball's files without its top directory (proctrail-VERSION/)
tar -tf "$1" | sed -n 's|^[^/]*/||p' | grep -v '/$' | sort -u >"$tmp/dist"
git -C "$top" ls-files | grep -v -e '^\.ci/' -e '^\.gitignore$' -e '^m4/\.gitkeep$' |
	sort -u >"$tmp/git"
comm -23 "$tmp/git" "$tmp/dist" >"$tmp/missing"
if [ -s "$tmp/missing" ]; then
	echo "check-dist-files: tracked by git, missing from $1:" >&2
	sed 's/^/  /' "$tmp/missing" >&2
	exit 1
fi
echo "check-dist-files: $(wc -l <"$tmp/git") tracked files, all in $(basename "$1")"
