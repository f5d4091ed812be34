#!/usr/bin/env bash
# Runs every test file under test/{unit,integration,e2e}. Node 20's --test takes no globs and a bare
# directory finds no .ts files, so files are listed here at a fixed depth; no files is a failure.
#
# TEST_ONLY=1 skips the type check, lint and build (CI sets it for its second run of the same tree
# on Node 24, after the first run has done them).
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
files=(test/unit/*.test.ts test/integration/*.test.ts test/e2e/*.test.ts)
if [ "${#files[@]}" -eq 0 ]; then
  echo "scripts/test.sh: no test files found under test/" >&2
  exit 1
fi
echo "scripts/test.sh: node $(node --version), ${#files[@]} test files"
if [ "${TEST_ONLY:-}" != "1" ]; then
  npx tsc -p tsconfig.json --noEmit
  npx biome check .
  npm run build --silent
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
node --import tsx --test --test-concurrency=2 --test-reporter=spec "${files[@]}" | tee "$out"
# The spec reporter ends with "ℹ tests N"; zero tests ran is a failure, not a pass.
if ! grep -Eq '^ℹ tests [1-9]' "$out"; then
  echo "scripts/test.sh: no test ran" >&2
  exit 1
fi
