#!/usr/bin/env bash
# The admin endpoint as Prometheus sees it:
#   1. `promtool check metrics` on the /metrics output;
#   2. a real Prometheus on loopback scrapes the endpoint every second (with the bearer token),
#      and membound_memory_level reads back through its HTTP query API; the shipped alert rules
#      (docs/membound-alerts.yml) load into it.
# Exit 77 (ctest: skipped) where prometheus/promtool are not installed.
#   prometheus_scrape_test.sh <admin_demo_server> <http_get> <alert rules file>
set -euo pipefail
server="$1"
http_get="$2"
rules="$3"
for tool in prometheus promtool; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIPPED: $tool is not installed (scripts/install-deps.sh --test installs prometheus)"
    exit 77
  fi
done
tmp="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

token="scrape-$$-$RANDOM"
"$server" --port-file "$tmp/port" --seconds 300 --token "$token" >"$tmp/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [[ -s "$tmp/port" ]] && break; sleep 0.1; done
[[ -s "$tmp/port" ]] || { echo "FAIL: the admin server did not start"; exit 1; }
port="$(cat "$tmp/port")"

# 1. promtool on what /metrics serves.
"$http_get" "$port" /metrics "$token" >"$tmp/metrics.txt"
if ! promtool check metrics <"$tmp/metrics.txt"; then
  echo "FAIL: promtool check metrics"
  exit 1
fi
echo "promtool check metrics: OK ($(grep -c '^membound_' "$tmp/metrics.txt") samples)"

# 2. A real Prometheus scraping it.
prom_port="$("$http_get" --free-port)"
cp "$rules" "$tmp/rules.yml"
cat >"$tmp/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $tmp/rules.yml
scrape_configs:
  - job_name: membound
    scrape_interval: 1s
    authorization:
      type: Bearer
      credentials: $token
    static_configs:
      - targets: ['127.0.0.1:$port']
YAML
promtool check config "$tmp/prometheus.yml"
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" --log.level=warn >"$tmp/prometheus.log" 2>&1 &
pids+=($!)

# Waiting on an external process (Prometheus start-up and its first scrapes): bounded deadline.
deadline=$((SECONDS + 90))
value=""
while ((SECONDS < deadline)); do
  if body="$("$http_get" "$prom_port" '/api/v1/query?query=membound_memory_level' 2>/dev/null)"; then
    value="$(grep -o '"value":\[[^]]*\]' <<<"$body" | head -1 || true)"
    [[ -n "$value" ]] && break
  fi
  sleep 0.5
done
echo "membound_memory_level through Prometheus: ${value:-<none>}"
if [[ "$value" != *'"2"]' ]]; then
  echo "FAIL: expected membound_memory_level 2 (high) from Prometheus"
  tail -20 "$tmp/prometheus.log"
  exit 1
fi
# The target is healthy (the token worked) and the alert rules loaded.
targets="$("$http_get" "$prom_port" /api/v1/targets)"
grep -q '"health":"up"' <<<"$targets" || { echo "FAIL: target not up: $targets"; exit 1; }
rules_loaded="$("$http_get" "$prom_port" /api/v1/rules)"
grep -q 'MemboundMemoryCritical\|MemboundMemoryHigh' <<<"$rules_loaded" ||
  { echo "FAIL: alert rules not loaded: $rules_loaded"; exit 1; }
echo "OK"
