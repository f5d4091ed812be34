#!/usr/bin/env bash
# The suites that need tools beyond Node and npm: promtool and a real Prometheus, botocore (the
# pyenv/system python3 with botocore >= 1.43), and Node 24. `npm test` never needs them; CI
# installs them and runs this. A missing tool is a failure here, never a skip.
#
# Runs test/tools/*.test.ts on this Node. Each file checks the tools it uses and fails loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
missing=()
command -v promtool >/dev/null 2>&1 || missing+=("promtool (Debian: apt-get install prometheus)")
command -v prometheus >/dev/null 2>&1 || missing+=("prometheus (Debian: apt-get install prometheus)")
python3 -c 'import botocore, sys; v = tuple(int(x) for x in botocore.__version__.split(".")[:2]); sys.exit(v < (1, 43))' \
  >/dev/null 2>&1 || missing+=("python3 with botocore >= 1.43 (pip install botocore)")
if [ "${#missing[@]}" -gt 0 ]; then
  printf 'scripts/test-tools.sh: missing tools:\n' >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 1
fi
files=(test/tools/*.test.ts)
if [ "${#files[@]}" -eq 0 ]; then
  echo "scripts/test-tools.sh: no test files found under test/tools/" >&2
  exit 1
fi
echo "scripts/test-tools.sh: node $(node --version), ${#files[@]} test files"
[ -f dist/bin.js ] || npm run build --silent
out=$(mktemp)
trap 'rm -f "$out"' EXIT
node --import tsx --test --test-concurrency=2 --test-reporter=spec "${files[@]}" | tee "$out"
if ! grep -Eq '^ℹ tests [1-9]' "$out"; then
  echo "scripts/test-tools.sh: no test ran" >&2
  exit 1
fi
