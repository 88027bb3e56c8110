#!/usr/bin/env bash
# scripts/format.sh [--check]: format every C file of the tree with the
# project's .clang-format (clang-format 14, Debian's clang-format package),
# or with --check only list the files that differ (exit 1 if any). The test
# tree_format runs the check. tests/tree/fixture/ is left alone (it holds
# deliberately broken files for the include checker's own test).
set -euo pipefail
cd "$(dirname "$0")/.."
cf=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$cf" ]; then
  echo "format: clang-format not found (scripts/setup.sh installs Debian's clang-format)" >&2
  exit 77
fi
ver=$("$cf" --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
if [ "$ver" != 14 ]; then
  echo "format: $cf is version $ver; the project's style is defined for clang-format 14" >&2
  exit 77
fi
mapfile -t files < <(git ls-files '*.c' '*.h' | grep -v '^tests/tree/fixture/')
if [ "${1:-}" = "--check" ]; then
  bad=0
  for f in "${files[@]}"; do
    if ! "$cf" --dry-run -Werror "$f" >/dev/null 2>&1; then
      echo "not formatted: $f (scripts/format.sh fixes it)"
      bad=1
    fi
  done
  [ $bad = 0 ] && echo "format: ${#files[@]} files match .clang-format"
  exit $bad
fi
"$cf" -i "${files[@]}"
