#!/usr/bin/env bash
# The suites that need tools beyond Node and npm: promtool and a real Prometheus, botocore (the
# pyenv/system python3 with botocore >= 1.43), a C compiler and GNU time (the static health
# check), Terraform with the AWS provider in a local plugin directory (the alarms module), and
# Node 24 from npm (the standalone binary). `npm test` never needs them; CI installs what Debian
# packages and runs this. A missing tool is a failure here, never a skip.
#
# Runs test/tools/*.test.ts on this Node. Each file checks the tools it uses and fails loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
missing=()
command -v promtool >/dev/null 2>&1 || missing+=("promtool (Debian: apt-get install prometheus)")
command -v prometheus >/dev/null 2>&1 || missing+=("prometheus (Debian: apt-get install prometheus)")
python3 -c 'import botocore, sys; v = tuple(int(x) for x in botocore.__version__.split(".")[:2]); sys.exit(v < (1, 43))' \
  >/dev/null 2>&1 || missing+=("python3 with botocore >= 1.43")
command -v cc >/dev/null 2>&1 || missing+=("cc (Debian: apt-get install gcc libc6-dev)")
[ -x /usr/bin/time ] || missing+=("/usr/bin/time (Debian: apt-get install time)")
command -v terraform >/dev/null 2>&1 || missing+=("terraform")
[ -d "${TF_PLUGIN_DIR:-/opt/tf-plugins}/registry.terraform.io/hashicorp/aws" ] ||
  missing+=("the Terraform AWS provider under ${TF_PLUGIN_DIR:-/opt/tf-plugins} (TF_PLUGIN_DIR)")
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
npm run build --silent
out=$(mktemp)
trap 'rm -f "$out"' EXIT
node --import tsx --test --test-concurrency=2 --test-reporter=spec "${files[@]}" | tee "$out"
if ! grep -Eq '^ℹ tests [1-9]' "$out"; then
  echo "scripts/test-tools.sh: no test ran" >&2
  exit 1
fi
