#!/usr/bin/env bash
# Ingest bench (issue 27): `opsassist serve` (the default SQLite store, durable: a 2xx only
# after the batch's commit with synchronous=FULL) against Debian's prometheus-alertmanager
# (in memory), on loopback, under the same closed-loop wrk load: 32 connections, one new alert
# per request, ROUNDS rounds alternating, DURATION each. Prints alerts/s, p99, RSS after each
# run and the ratios; then restarts serve on the store the runs filled and prints its start-up
# time and RSS with that many incidents stored.
#
#   benches/wrk/serve_vs_alertmanager.sh [OPSASSIST_BIN]    (default target/release/opsassist)
#   env: DURATION=8s ROUNDS=2 CONNECTIONS=32 THREADS=2 STORE_KIND=sqlite (or files: the
#   legacy JSONL inbox, for a before/after with the same binary)
# Needs: wrk, prometheus-alertmanager (apt).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-$here/../../target/release/opsassist}"
am=/usr/bin/prometheus-alertmanager
duration="${DURATION:-8s}"
rounds="${ROUNDS:-2}"
conns="${CONNECTIONS:-32}"
threads="${THREADS:-2}"
kind="${STORE_KIND:-sqlite}"
for need in wrk "$am" "$bin"; do
  command -v "$need" >/dev/null 2>&1 || [ -x "$need" ] || { echo "missing: $need" >&2; exit 2; }
done
root="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$root"; }
trap cleanup EXIT

token="bench-token-0123456789abcdef0123456789"
mkdir -p "$root/config"
printf '%s\n' "$token" > "$root/token"; chmod 600 "$root/token"
printf '[intake]\ntoken_file = "%s"\nrate_per_client = 0\ninbox_capacity = 100000000\nqueue_capacity = 100000\n' \
  "$root/token" > "$root/config/config.toml"
printf '[store]\nkind = "%s"\n' "$kind" >> "$root/config/config.toml"
export OPSASSIST_DATA_DIR="$root/data" OPSASSIST_CONFIG_DIR="$root/config"
printf 'route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n' > "$root/am.yml"

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

start_serve() {
  local out="$root/serve.out"
  : > "$out"
  local t0; t0=$(date +%s.%N)
  "$bin" serve --listen 127.0.0.1:0 > "$out" 2>"$root/serve.err" &
  serve_pid=$!
  pids+=("$serve_pid")
  until grep -q "receiving alerts on" "$out"; do
    kill -0 "$serve_pid" 2>/dev/null || { cat "$root/serve.err" >&2; exit 1; }
    sleep 0.01
  done
  serve_start=$(echo "$(date +%s.%N) - $t0" | bc)
  serve_url=$(sed -n 's/.*receiving alerts on \(http:\/\/[^/]*\).*/\1/p' "$out" | head -1)
}

start_am() {
  "$am" --config.file="$root/am.yml" --storage.path="$root/am" \
    --web.listen-address=127.0.0.1:19093 --cluster.listen-address= \
    --log.level=error > /dev/null 2>&1 &
  am_pid=$!
  pids+=("$am_pid")
  until curl -sf http://127.0.0.1:19093/-/ready > /dev/null; do sleep 0.05; done
}

# run NAME URL FORMAT ROUND PID -> prints a row, sets rate and p99 (ms)
run() {
  local name=$1 url=$2 format=$3 round=$4 pid=$5
  local out
  out=$(FORMAT=$format TOKEN=$token RUN="r$round" wrk -t"$threads" -c"$conns" -d"$duration" \
    --latency -s "$here/new_alert.lua" "$url")
  rate=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' <<<"$out")
  local bad; bad=$(awk '/Non-2xx/ {print $5}' <<<"$out"); bad=${bad:-0}
  local errors; errors=$(awk '/Socket errors/ {print $0}' <<<"$out")
  local rss; rss=$(rss_kb "$pid")
  printf '%-28s round %s  %10.0f alerts/s  p99 %8.2f ms  RSS %7.1f MB  non-2xx %s %s\n' \
    "$name" "$round" "$rate" "$p99" "$(echo "$rss/1024" | bc -l)" "$bad" "$errors"
}

echo "load: wrk -t$threads -c$conns -d$duration, one new alert per request; $(nproc) cores; loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
start_serve
start_am
for round in $(seq 1 "$rounds"); do
  run "opsassist serve ($kind)" "$serve_url" opsassist "$round" "$serve_pid"; s_rate=$rate; s_p99=$p99
  s_rss=$(rss_kb "$serve_pid")
  run "alertmanager $($am --version 2>&1 | awk 'NR==1 {print $3}')" "http://127.0.0.1:19093" alertmanager "$round" "$am_pid"
  a_rate=$rate; a_p99=$p99; a_rss=$(rss_kb "$am_pid")
  printf '  ratio opsassist/alertmanager: rate %.2fx, p99 %.2fx, RSS %.2fx\n' \
    "$(echo "$s_rate/$a_rate" | bc -l)" "$(echo "$s_p99/$a_p99" | bc -l)" "$(echo "$s_rss/$a_rss" | bc -l)"
done
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true
incidents=$("$bin" incidents list --json | wc -l)
db_mb=$(du -sm "$root/data" | cut -f1)
start_serve
sleep 1
printf 'restart on %s incidents (data dir %s MB): start-up %.2f s, RSS %.1f MB\n' \
  "$incidents" "$db_mb" "$serve_start" "$(echo "$(rss_kb "$serve_pid")/1024" | bc -l)"
