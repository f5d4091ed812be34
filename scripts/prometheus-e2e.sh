#!/usr/bin/env bash
# A real Prometheus scraping a real rolecall, end to end, on 127.0.0.1 only:
#
#   emulator (scenario "fast": 6 s credentials, a new set every 3 s, task metadata v4)
#     <- rolecall serve (polls every 1 s)  <- Prometheus (Debian's, scrapes every 1 s, loads
#        deploy/prometheus/rules.yml)      <- checks through the HTTP API
#
# Checks: expiry present and in the future, identity_info carries the role /whoami reports,
# increase() of the rotations counter > 0, task_info present, every alert and recording rule
# evaluates without error (the expiring-credentials alert goes pending on the short-lived
# credentials, carrying family and task_arn), every dashboard expression runs (the main panels
# return data), and
# `promtool check metrics` is clean on rolecall's /metrics. Everything started is stopped on exit;
# the whole run is bounded (about a minute; hard limit E2E_DEADLINE seconds, default 110).
#
# Needs: node, `prometheus` and `promtool` (Debian: apt-get install -y prometheus).
# E2E_SKIP_BUILD=1 skips `npm run build` when dist/ is fresh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEADLINE=$((SECONDS + ${E2E_DEADLINE:-110}))

for tool in node prometheus promtool; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "prometheus-e2e: $tool not found on PATH (Debian: apt-get install -y prometheus)" >&2
    exit 1
  fi
done

tmp=$(mktemp -d)
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$status" -ne 0 ]; then
    for f in emulator.out rolecall.log prometheus.log; do
      [ -s "$tmp/$f" ] && { echo "--- $f (last 20 lines)" >&2; tail -n 20 "$tmp/$f" >&2; }
    done
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "prometheus-e2e: FAIL: $*" >&2
  exit 1
}
# wait_for <what> <command...>: retries every 200 ms until the command succeeds or the deadline.
wait_for() {
  local what=$1
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$DEADLINE" ] || fail "timed out waiting for $what"
    sleep 0.2
  done
}
free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
http_ok() { node -e 'fetch(process.argv[1],{signal:AbortSignal.timeout(1000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$1"; }

if [ "${E2E_SKIP_BUILD:-0}" != 1 ]; then npm run build --silent; fi
echo "prometheus-e2e: $(prometheus --version 2>&1 | head -n 1)"

# 1. The emulator: it prints the export lines that point rolecall at it.
node dist/bin.js emulate --scenario fast --port 0 >"$tmp/emulator.out" 2>&1 &
pids+=($!)
wait_for "the emulator's export lines" grep -q '^export ECS_CONTAINER_METADATA_URI_V4=' "$tmp/emulator.out"
emulator_env=()
while IFS= read -r line; do emulator_env+=("${line#export }"); done < <(grep '^export ' "$tmp/emulator.out")

# 2. rolecall, polling every second, both listeners on free loopback ports.
listen_port=$(free_port)
admin_port=$(free_port)
env "${emulator_env[@]}" \
  ROLECALL_LISTEN="127.0.0.1:$listen_port" ROLECALL_ADMIN_LISTEN="127.0.0.1:$admin_port" \
  ROLECALL_POLL_INTERVAL=1s ROLECALL_POLL_TIMEOUT=500ms ROLECALL_MIN_TTL=1s ROLECALL_LOG_LEVEL=warn \
  node dist/bin.js serve >"$tmp/rolecall.log" 2>&1 &
pids+=($!)
wait_for "rolecall /healthz" http_ok "http://127.0.0.1:$listen_port/healthz"

# 3. Prometheus, scraping every second, with the shipped alert rules.
prom_port=$(free_port)
cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
rule_files:
  - $ROOT/deploy/prometheus/rules.yml
scrape_configs:
  - job_name: rolecall
    static_configs:
      - targets: ['127.0.0.1:$listen_port']
EOF
promtool check config "$tmp/prometheus.yml" >/dev/null || fail "promtool check config on the e2e config"
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
  --web.listen-address="127.0.0.1:$prom_port" --log.level=warn >"$tmp/prometheus.log" 2>&1 &
pids+=($!)
wait_for "Prometheus /-/ready" http_ok "http://127.0.0.1:$prom_port/-/ready"

# 4. promtool check metrics on rolecall's own output.
node -e 'fetch(process.argv[1]).then(r=>r.text()).then(t=>process.stdout.write(t))' \
  "http://127.0.0.1:$listen_port/metrics" >"$tmp/metrics.txt"
grep -q '^rolecall_credentials_expiration_timestamp_seconds ' "$tmp/metrics.txt" ||
  fail "rolecall /metrics has no expiration timestamp"
# prom-client's default metrics include three gauges named *_total (nodejs_active_handles_total,
# nodejs_active_requests_total, nodejs_active_resources_total), which promtool's linter flags.
# They are upstream names (rolecall keeps prom-client's defaults unchanged), so exactly those three lines
# are reported, not failed; any other finding, and any finding on a rolecall_* metric, fails.
upstream='^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$'
lint=$(promtool check metrics <"$tmp/metrics.txt" 2>&1) || true
other=$(printf '%s\n' "$lint" | grep -Ev "$upstream" | grep -v '^$' || true)
[ -z "$other" ] || fail "promtool check metrics is not clean:
$other"
known=$(printf '%s\n' "$lint" | grep -Ec "$upstream" || true)
echo "prometheus-e2e: ok   promtool check metrics: no findings on rolecall's metrics ($known known prom-client default-metric names reported)"

# 5. The checks through Prometheus' HTTP API, bounded by the same deadline.
cat >"$tmp/check.mjs" <<'EOF'
import { readFileSync } from 'node:fs';
const [prom, admin, dashboardFile, deadlineMs] = process.argv.slice(2);
const deadline = Number(deadlineMs);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function query(expr) {
  const url = `${prom}/api/v1/query?query=${encodeURIComponent(expr)}`;
  const body = await (await fetch(url, { signal: AbortSignal.timeout(2000) })).json();
  if (body.status !== 'success') throw new Error(`${expr}: ${body.errorType}: ${body.error}`);
  return body.data.result;
}
/** Re-runs `expr` until `ok(result)` holds; fails with `what` at the deadline. */
async function until(what, expr, ok = (r) => r.length > 0) {
  let last;
  while (Date.now() < deadline) {
    last = await query(expr);
    if (ok(last)) {
      console.log(`prometheus-e2e: ok   ${what}`);
      return last;
    }
    await sleep(500);
  }
  throw new Error(`timed out: ${what}\n  ${expr}\n  last result: ${JSON.stringify(last)}`);
}

await until('rolecall is up', 'up{job="rolecall"} == 1');
await until(
  'expiry timestamp present and in the future',
  'rolecall_credentials_expiration_timestamp_seconds{job="rolecall"} - time() > 0',
);
const whoami = await (await fetch(`${admin}/whoami`, { signal: AbortSignal.timeout(2000) })).json();
const arn = whoami.role?.arn;
if (typeof arn !== 'string' || !/^arn:aws:iam::\d{12}:role\/.+/.test(arn)) {
  throw new Error(`/whoami has no role ARN: ${JSON.stringify(whoami.role)}`);
}
const [identity] = await until(
  `identity_info carries the role /whoami reports (${arn})`,
  `rolecall_identity_info{job="rolecall", source="container-role", role_arn="${arn}"} == 1`,
);
if (!arn.endsWith(`/${identity.metric.role_name}`) || !/^\d{12}$/.test(identity.metric.account_id)) {
  throw new Error(`identity_info labels disagree with the ARN: ${JSON.stringify(identity.metric)}`);
}
await until('task_info from task metadata v4', 'rolecall_task_info{job="rolecall", family!=""}');
await until(
  'a rotation seen by increase(rolecall_credentials_rotations_total[30s]) > 0',
  'increase(rolecall_credentials_rotations_total{job="rolecall"}[30s]) > 0',
);
await until(
  'rolecall:task_labels carries family, a short cluster name and task_arn',
  'rolecall:task_labels{job="rolecall", family!="", task_arn=~"arn:aws:ecs:.+", cluster!~"arn:.*|"}',
);
await until(
  'RolecallCredentialsExpiringSoon goes pending on 6-second credentials, with the task labels',
  'ALERTS{alertname="RolecallCredentialsExpiringSoon", job="rolecall", family!="", task_arn!=""}',
);

// Every rule of deploy/prometheus/rules.yml evaluates without error.
const rules = await (await fetch(`${prom}/api/v1/rules`)).json();
const all = rules.data.groups.flatMap((g) => g.rules);
const bad = all.filter((r) => r.health !== 'ok');
if (all.length < 10 || bad.length > 0) {
  throw new Error(`rules not healthy (${all.length} loaded): ${JSON.stringify(bad)}`);
}
console.log(`prometheus-e2e: ok   all ${all.length} rules evaluate without error`);

// Every dashboard expression runs; the main panels have data.
const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8'));
const mustHaveData = new Set([
  'Credential expiry timeline (time left)',
  'Credential age',
  'Fleet by task family',
  'Identity per task',
  'Scrape up',
  'Targets up',
]);
let exprs = 0;
for (const panel of dashboard.panels) {
  for (const t of panel.targets) {
    const expr = t.expr
      .replaceAll('$__rate_interval', '30s')
      .replaceAll('$__range', '5m')
      .replaceAll('$job', 'rolecall')
      .replaceAll('$task', '.*')
      .replaceAll('$cluster', '.*')
      .replaceAll('$family', '.*');
    const result = await query(expr);
    exprs++;
    if (mustHaveData.has(panel.title) && t.refId === 'A' && result.length === 0) {
      throw new Error(`dashboard panel "${panel.title}" has no data: ${expr}`);
    }
  }
}
console.log(`prometheus-e2e: ok   all ${exprs} dashboard expressions run; main panels have data`);
EOF
node "$tmp/check.mjs" "http://127.0.0.1:$prom_port" "http://127.0.0.1:$admin_port" \
  "$ROOT/deploy/grafana/rolecall.json" "$(($(date +%s%3N) + (DEADLINE - SECONDS) * 1000))" ||
  fail "Prometheus API checks"
echo "prometheus-e2e: PASS in ${SECONDS}s"
