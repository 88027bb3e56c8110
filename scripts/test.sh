#!/usr/bin/env bash
# scripts/test.sh [ctest options...]: set up, build with AddressSanitizer +
# UndefinedBehaviorSanitizer, and run the whole test suite with CTest; then
# the tests labelled release-only in the Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh all
ctest --test-dir build/asan --output-on-failure -j "$(nproc 2>/dev/null || echo 2)" "$@"
# Tests that need the Release build (valgrind cannot run ASan binaries).
ctest --test-dir build/release --output-on-failure -L release-only
