#!/bin/sh
# Generate configure and Makefile.in; none of these are kept in git.
set -e
cd "$(dirname "$0")"
autoreconf --force --install --symlink
# automake does not install its TAP driver by itself
mkdir -p build-aux
cp -f "$(automake --print-libdir)/tap-driver.sh" build-aux/tap-driver.sh
