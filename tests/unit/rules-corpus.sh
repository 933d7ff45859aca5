#!/bin/sh
# Falco's stock rules files against the rules engine, read from ../shared next
# to the source tree (skipped, 77, when it is not there).
exec "${top_builddir:-.}/tests/unit/test-rules-corpus" "$@"
