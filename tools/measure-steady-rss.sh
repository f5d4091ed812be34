#!/usr/bin/env bash
# Steady-state RSS and CPU per poll of `rolecall serve` under a set of Node flags: the emulator's
# `fast` scenario on loopback, ROLECALL_POLL_INTERVAL=2s, a /metrics scrape every 15 s, samples of
# VmRSS every 10 s. Prints one line per flag set. Used to choose the image's ENTRYPOINT flags
# (docs/deploy.md, "Node flags"). Loopback only; bounded by DURATION seconds per run.
#
#   NODE=/path/to/node DURATION=150 bash tools/measure-steady-rss.sh '' '--liftoff-only' ...
#
# BURST=N adds, after the run, N /metrics and N /healthz requests back to back (a scrape storm) and
# reports RSS and the peak after them.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE=${NODE:-node}
DURATION=${DURATION:-150}
[ -f dist/bin.js ] || npm run build --silent
[ "$#" -gt 0 ] || set -- ''
export AWS_EC2_METADATA_DISABLED=true
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
clk=$(getconf CLK_TCK)
metric() { curl -s "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m { print $2 }'; }
cpu_s() { awk -v c="$clk" '{ printf "%.3f", ($14 + $15) / c }' "/proc/$1/stat"; }

echo "node $("$NODE" --version), $(date -u +%Y-%m-%dT%H:%MZ), ${DURATION}s per run, $(nproc) cores"
for flags in "$@"; do
  "$NODE" dist/bin.js emulate --scenario fast > "$tmp/emu.env" &
  emu=$!
  for _ in $(seq 50); do grep -q ROLECALL_CONTAINER_HOST "$tmp/emu.env" 2>/dev/null && break; sleep 0.1; done
  # shellcheck disable=SC1091
  (
    set -a
    . <(grep '^export ' "$tmp/emu.env" | sed 's/^export //')
    set +a
    unset AWS_CONTAINER_CREDENTIALS_FULL_URI
    # shellcheck disable=SC2086 # flags are words on purpose
    ROLECALL_LISTEN=127.0.0.1:19577 ROLECALL_ADMIN_LISTEN=127.0.0.1:19578 ROLECALL_POLL_INTERVAL=2s \
      ROLECALL_POLL_TIMEOUT=1s ROLECALL_MIN_TTL=1s ROLECALL_LOG_LEVEL=warn \
      exec "$NODE" $flags dist/bin.js serve > /dev/null
  ) &
  rc=$!
  sleep 3
  start_cpu=$(cpu_s "$rc"); start_polls=$(metric 19577 rolecall_polls_total)
  samples=()
  for ((t = 10; t <= DURATION; t += 5)); do
    sleep 5
    (( t % 15 == 0 )) && curl -s -o /dev/null http://127.0.0.1:19577/metrics
    (( t % 10 == 0 )) && samples+=("$(awk '/VmRSS/ { print $2 }' "/proc/$rc/status")")
  done
  end_cpu=$(cpu_s "$rc"); polls=$(metric 19577 rolecall_polls_total)
  hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$rc/status")
  burst=""
  if [ "${BURST:-0}" -gt 0 ]; then
    for _ in $(seq "$BURST"); do
      curl -s -o /dev/null http://127.0.0.1:19577/metrics; curl -s -o /dev/null http://127.0.0.1:19577/healthz
    done
    burst=$(awk '/VmRSS/ { r = $2 } /VmHWM/ { h = $2 } END { printf " after_burst_rss=%.1fMiB after_burst_peak=%.1fMiB", r / 1024, h / 1024 }' "/proc/$rc/status")
  fi
  kill -TERM "$rc"; wait "$rc" || true
  kill -TERM "$emu"; wait "$emu" || true
  # steady state: median of the samples taken in the last third of the run
  n=${#samples[@]}; tail=("${samples[@]:$((n * 2 / 3))}")
  med=$(printf '%s\n' "${tail[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  awk -v f="${flags:-(none)}" -v med="$med" -v hwm="$hwm" -v p="$polls" -v p0="$start_polls" \
    -v c0="$start_cpu" -v c1="$end_cpu" -v s="${samples[*]}" -v b="$burst" 'BEGIN {
      dp = p - p0; printf "%-48s polls=%d steady_rss=%.1fMiB peak=%.1fMiB cpu_per_poll=%.2fms samples_MiB=", \
        f, p, med / 1024, hwm / 1024, (dp > 0 ? (c1 - c0) * 1000 / dp : 0)
      n = split(s, a, " "); for (i = 1; i <= n; i++) printf "%s%.0f", (i > 1 ? "," : ""), a[i] / 1024; print b }'
done
