#!/usr/bin/env bash
# Peak RSS and CPU of one health check: the static client (dist/healthcheck) against
# `node dist/bin.js healthcheck --live` and curl, each run N times against a real `rolecall serve`
# on loopback (emulator, steady scenario). Prints medians (GNU time: %M peak RSS, %U+%S CPU).
#
#   NODE=/path/to/node N=20 bash tools/measure-healthcheck.sh
set -euo pipefail
cd "$(dirname "$0")/.."
NODE=${NODE:-node}
N=${N:-20}
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 1; }
[ -f dist/bin.js ] || npm run build --silent
[ -x dist/healthcheck ] || npm run build:healthcheck --silent
export AWS_EC2_METADATA_DISABLED=true
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
"$NODE" dist/bin.js emulate --scenario steady > "$tmp/emu.env" &
for _ in $(seq 50); do grep -q ROLECALL_CONTAINER_HOST "$tmp/emu.env" 2>/dev/null && break; sleep 0.1; done
set -a
# shellcheck disable=SC1090
. <(grep '^export ' "$tmp/emu.env" | grep -v FULL_URI | sed 's/^export //')
set +a
export ROLECALL_LISTEN=127.0.0.1:19677 ROLECALL_ADMIN_LISTEN=127.0.0.1:19678 ROLECALL_LOG_LEVEL=warn
"$NODE" dist/bin.js serve > /dev/null &
for _ in $(seq 100); do ./dist/healthcheck --healthz > /dev/null && break; sleep 0.1; done

i=0
measure() {
  local name=$1 out="$tmp/run$((i += 1))"; shift
  for _ in $(seq "$N"); do
    /usr/bin/time -f '%M %U %S %e %x' -a -o "$out" "$@" > /dev/null 2>&1 || true
  done
  awk -v n="$name" '{ rss[NR] = $1; cpu[NR] = ($2 + $3) * 1000; wall[NR] = $4 * 1000; bad += ($5 != 0) }
    function med(a, k, i, j, t) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return a[int((k + 1) / 2)] }
    END { printf "%-40s runs=%d failed=%d peak_rss=%.1fMiB cpu=%.0fms wall=%.0fms (medians)", n, NR, bad, med(rss, NR) / 1024, med(cpu, NR), med(wall, NR) }' "$out"
  # GNU time counts CPU in 10 ms ticks: the CPU of N checks in one loop, divided by N, is finer.
  /usr/bin/time -f '%U %S' -o "$out.loop" sh -c 'for _ in $(seq "$0"); do "$@" > /dev/null 2>&1; done' "$N" "$@"
  awk -v n="$N" '{ printf "; loop: %.2f ms CPU per check\n", ($1 + $2) * 1000 / n }' "$out.loop"
}
echo "node $("$NODE" --version), $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores; GNU time has 10 ms CPU resolution"
measure "dist/healthcheck (static C, /livez)" ./dist/healthcheck
measure "node dist/bin.js healthcheck --live" "$NODE" dist/bin.js healthcheck --live
if command -v curl > /dev/null; then
  measure "curl -fsS (/livez)" curl -fsS -o /dev/null "http://$ROLECALL_LISTEN/livez"
fi
# /usr/bin/time -v of one static check, for its context-switch and page-fault counts
/usr/bin/time -v ./dist/healthcheck 2>&1 | grep -E 'Maximum resident|User time|System time|Minor|Exit status' | sed 's/^\s*/  static: /'
