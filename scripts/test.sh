#!/usr/bin/env bash
# scripts/test.sh [ctest options...]: set up, build with AddressSanitizer +
# UndefinedBehaviorSanitizer, and run the whole test suite with CTest; then
# the tests labelled release-only in the Release build. At the end it lists
# every test that was skipped and why (the test's last line), so that a skip
# is never mistaken for a pass.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh all
rc=0
ctest --test-dir build/asan --output-on-failure -j "$(nproc 2>/dev/null || echo 2)" \
  --output-junit junit.xml "$@" || rc=$?
# Tests that need the Release build (valgrind cannot run ASan binaries).
ctest --test-dir build/release --output-on-failure -L release-only --output-junit junit.xml || rc=$?
for dir in build/asan build/release; do
  [ -f "$dir/junit.xml" ] || continue
  python3 - "$dir" <<'PY'
import sys
import xml.etree.ElementTree as ET
d = sys.argv[1]
for tc in ET.parse(d + "/junit.xml").getroot().iter("testcase"):
    if tc.find("skipped") is not None:
        out = (tc.findtext("system-out") or "").strip().splitlines()
        print(f"skipped ({d}): {tc.get('name')}: {out[-1] if out else 'no reason printed'}")
PY
done
exit $rc
