#!/bin/sh
# The cgroup parsers against the corpus of other projects' tests, read from
# ../shared next to the source tree (skipped, 77, when it is not there).
exec "${top_builddir:-.}/tests/unit/test-cgroup-corpus" "$@"
