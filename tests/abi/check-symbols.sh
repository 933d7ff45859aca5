#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# libproctrail.sym names every exported symbol: each PT_EXPORT function is in it,
# each name in it is a PT_EXPORT function, and the built library exports exactly
# those names, each under a named version node.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
so="$top_builddir/src/lib/.libs/libproctrail.so"
# the library's objects: the convenience library libproctrail.la is linked from
objs=$(ls "$top_builddir"/src/lib/.libs/libproctrail_internal_la-*.o 2>/dev/null)
command -v readelf >/dev/null && command -v nm >/dev/null ||
	{ echo "SKIP: readelf/nm not installed"; exit 77; }
[ -f "$so" ] || { echo "SKIP: no shared build in $top_builddir"; exit 77; }
# a library without the objects this looks for: the check is out of date, not passed
[ -n "$objs" ] || { echo "FAIL: $so is built, but no src/lib/.libs/libproctrail_internal_la-*.o"; exit 1; }

tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

# the names in the script's global: lists, comments stripped
sed -e 's|/\*.*\*/||g' -e '/\/\*/,/\*\//d' "$top_srcdir/libproctrail.sym" |
	awk '/global:/ { g = 1; next } /local:/ { g = 0 } g && /;/ { gsub(/[ \t;]/, ""); print }' |
	sort >"$tmp/script"
# defined globals of default visibility in the library's objects: what PT_EXPORT marks
for o in $objs; do readelf -sW "$o"; done |
	awk '$5 == "GLOBAL" && $6 == "DEFAULT" && $7 != "UND" && ($4 == "FUNC" || $4 == "OBJECT") { print $8 }' |
	grep -v '^_' | sort -u >"$tmp/exported"
# what the shared library exports, and under which version
nm -D --defined-only "$so" | awk '$2 != "A" { print $3 }' | sort >"$tmp/dynamic"
sed 's/@.*//' "$tmp/dynamic" >"$tmp/dynamic-names"

fail=0
if ! diff -u "$tmp/exported" "$tmp/script" >"$tmp/d1"; then
	echo "FAIL: PT_EXPORT functions (-) and libproctrail.sym (+) differ:"
	cat "$tmp/d1"
	fail=1
fi
if ! diff -u "$tmp/script" "$tmp/dynamic-names" >"$tmp/d2"; then
	echo "FAIL: libproctrail.sym (-) and the symbols $so exports (+) differ:"
	cat "$tmp/d2"
	fail=1
fi
if grep -v '@@\?LIBPROCTRAIL_[0-9]' "$tmp/dynamic"; then
	echo "FAIL: the symbols above have no LIBPROCTRAIL_ version node"
	fail=1
fi
[ -s "$tmp/script" ] || { echo "FAIL: no names parsed from libproctrail.sym"; fail=1; }
echo "$(wc -l <"$tmp/script") symbols, $(sort -u "$tmp/dynamic" | sed 's/.*@//' | sort -u | tr '\n' ' ')"
exit $fail
