#!/usr/bin/env bash
# scripts/test.sh [ctest options...]: set up, build with AddressSanitizer +
# UndefinedBehaviorSanitizer, and run the whole test suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh all
ctest --test-dir build/asan --output-on-failure -j "$(nproc 2>/dev/null || echo 2)" "$@"
