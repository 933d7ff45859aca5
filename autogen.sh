#!/bin/sh
# Generate configure and Makefile.in; none of these are kept in git.
set -e
cd "$(dirname "$0")"
mkdir -p build-aux
# automake installs neither test driver when LOG_DRIVER is set: copy both
libdir=$(automake --print-libdir)
cp -f "$libdir/tap-driver.sh" "$libdir/test-driver" build-aux/
autoreconf --force --install --symlink
