#!/usr/bin/env bash
# Runs a command as on a fresh machine with only Node and npm: promtool, prometheus, python and
# pip are hidden from PATH (a directory of links to everything else on it), and a python reached by
# absolute path cannot import botocore or yaml. Fails before running anything if a tool is still
# visible. CI runs `bash scripts/without-tools.sh npm test` to keep the README's promise true.
set -euo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: bash scripts/without-tools.sh <command> [args...]" >&2
  exit 2
fi
bin=$(mktemp -d)
py=$(mktemp -d)
trap 'rm -rf "$bin" "$py"' EXIT
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
  [ -d "$d" ] || continue
  for f in "$d"/*; do
    n=${f##*/}
    case "$n" in
      promtool | prometheus | python | python[0-9]* | pip | pip[0-9]* | pyenv) continue ;;
    esac
    if [ -x "$f" ] && [ ! -d "$f" ] && [ ! -e "$bin/$n" ]; then ln -s "$f" "$bin/$n"; fi
  done
done
for m in botocore yaml; do
  mkdir "$py/$m"
  echo "raise ImportError('$m is hidden: this run must not need it')" >"$py/$m/__init__.py"
done
export PATH="$bin"
export PYTHONPATH="$py${PYTHONPATH:+:$PYTHONPATH}"
for t in promtool prometheus python3 python; do
  if command -v "$t" >/dev/null 2>&1; then
    echo "scripts/without-tools.sh: $t is still on PATH ($(command -v "$t"))" >&2
    exit 1
  fi
done
for p in /usr/bin/python3 /usr/local/bin/python3; do
  if [ -x "$p" ] && "$p" -c 'import botocore' >/dev/null 2>&1; then
    echo "scripts/without-tools.sh: $p can still import botocore" >&2
    exit 1
  fi
done
echo "scripts/without-tools.sh: hidden: promtool, prometheus, python*, pip*; botocore and yaml not importable"
"$@"
