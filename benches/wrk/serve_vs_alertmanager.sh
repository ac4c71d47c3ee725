#!/usr/bin/env bash
# Ingest bench (issue 27): `opsassist serve` (durable: a 2xx only after the batch's commit)
# against Debian's prometheus-alertmanager (in memory), on loopback, under the same load, ROUNDS
# rounds alternating, DURATION each. Prints alerts/s, p99, RSS after each run and the ratios
# (and for serve how busy its writer was, from its /metrics);
# then restarts serve on the store the runs filled and prints its start-up time and RSS.
#
#   benches/wrk/serve_vs_alertmanager.sh [OPSASSIST_BIN]    (default target/release/opsassist)
#
# env (defaults in brackets):
#   DURATION [8s]  ROUNDS [2]  CONNECTIONS [32]  THREADS [2] (wrk's, or the generator's)
#   GROUP [1]        alerts per request. 1: opsassist's generic JSON to /v1/alerts and a
#                    one-alert array to Alertmanager's /api/v2/alerts; N > 1: an Alertmanager
#                    webhook (version 4) of N new alerts to /v1/alerts/alertmanager, and an
#                    N-alert array to /api/v2/alerts. alerts/s = requests/s x GROUP.
#   KEYS [0]         0: every alert is new. N: each wrk thread sends the same N requests over
#                    and over (N x GROUP alerts, the same in every round), so after its first
#                    pass every alert repeats an open incident (as Alertmanager re-sends its
#                    groups every group_interval). Closed loop only.
#   RATE             unset: closed loop (wrk, CONNECTIONS connections). A number: open loop at
#                    RATE requests/s (RATE x GROUP alerts/s) offered to each receiver by
#                    benches/open_loop.rs, latency from each request's scheduled send time;
#                    at most CAP [1000] requests in flight.
#   SEED [0]         first fill serve's store with SEED new incidents through its receiver
#                    (Alertmanager webhooks of SEED_BATCH [1000] alerts, SEED_CONNECTIONS [2]
#                    at a time), print how long that took, restart serve and print its
#                    start-up time and RSS after 1 s idle; then run the rounds on top
#                    (Alertmanager is not seeded: it keeps its alerts in memory).
#                    Seeding stops early if serve's RSS passes MAX_RSS_MB [6000] (a start-up
#                    that passes it is stopped too, exit 3).
#   STORE_KIND [sqlite]  or postgres: a throwaway PostgreSQL cluster on 127.0.0.1 (Debian's
#                    /usr/lib/postgresql/*/bin, run as user opsassist-pg when root, trust
#                    auth, fsync on), serve's [store] url pointing at it; removed on exit.
#   OPEN_LOOP_BIN    a built benches/open_loop.rs (default: built with `cargo bench --bench
#                    open_loop --no-run`, which the first time builds the crate in the bench
#                    profile: minutes).
# Needs: wrk, prometheus-alertmanager, curl, bc (apt); cargo for RATE/SEED; postgresql for
# STORE_KIND=postgres. Every process and temp dir it made is removed on exit and on Ctrl-C.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bin="${1:-$repo/target/release/opsassist}"
am=/usr/bin/prometheus-alertmanager
duration="${DURATION:-8s}"
rounds="${ROUNDS:-2}"
conns="${CONNECTIONS:-32}"
threads="${THREADS:-2}"
kind="${STORE_KIND:-sqlite}"
group="${GROUP:-1}"
offered="${RATE:-}"
cap="${CAP:-1000}"
seed="${SEED:-0}"
seed_batch="${SEED_BATCH:-1000}"
seed_conns="${SEED_CONNECTIONS:-2}"
max_rss_mb="${MAX_RSS_MB:-6000}"

die() { echo "serve_vs_alertmanager: $*" >&2; exit 2; }
missing() { echo "missing: $*" >&2; exit 2; }
for v in rounds conns threads group cap seed seed_batch seed_conns max_rss_mb; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v must be a whole number, not '${!v}'"
done
[[ -z "$offered" || "$offered" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "RATE must be a number of requests/s, not '$offered'"
[[ "$duration" =~ ^[0-9]+(\.[0-9]+)?(s|m)?$ ]] || die "DURATION must be like 8s, 1m or 8, not '$duration'"
[ "$group" -ge 1 ] || die "GROUP must be at least 1"
case "$kind" in sqlite|postgres) ;; *) die "STORE_KIND must be sqlite or postgres, not '$kind'" ;; esac
if [ "$seed" -gt 0 ]; then
  [ "$seed_batch" -ge 1 ] && [ "$seed_batch" -le 20000 ] || die "SEED_BATCH must be 1..20000 (a webhook must stay under limits.max_alert_bytes)"
  [ "$seed_batch" -le "$seed" ] || seed_batch=$seed
  [ $((seed % seed_batch)) -eq 0 ] || die "SEED ($seed) must be a multiple of SEED_BATCH ($seed_batch)"
fi
# wrk's duration, and seconds for the open-loop generator.
secs=${duration%s}; [[ "$secs" == *m ]] && secs=$(echo "${secs%m} * 60" | bc)
[[ "$duration" =~ [sm]$ ]] || duration="${duration}s"

for need in curl bc awk; do command -v "$need" >/dev/null 2>&1 || missing "$need (apt install $need)"; done
[ -x "$am" ] || missing "$am (apt install prometheus-alertmanager)"
[ -x "$bin" ] || missing "$bin (cargo build --release --bin opsassist, or pass the binary)"
[ -n "$offered" ] || command -v wrk >/dev/null 2>&1 || missing "wrk (apt install wrk)"
if [ "$kind" = postgres ]; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  for t in initdb pg_ctl pg_isready psql; do
    [ -n "$pg_bin" ] && [ -x "$pg_bin/$t" ] || missing "/usr/lib/postgresql/*/bin/$t (apt install postgresql)"
  done
  if [ "$(id -u)" = 0 ]; then
    for t in runuser useradd; do command -v "$t" >/dev/null 2>&1 || missing "$t (util-linux / passwd)"; done
  fi
fi

root="$(mktemp -d)"
serve_pid="" am_pid="" child="" pg_dir="" pg_as=()
cleanup() {
  local p
  for p in "$child" "$serve_pid" "$am_pid"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "$child" "$serve_pid" "$am_pid"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  if [ -n "$pg_dir" ]; then
    "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
  rm -rf "$root"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Run a command in the background and wait for it, so a signal reaches the traps at once
# (cleanup kills it); its stdout goes to $root/child.out.
in_child() {
  "$@" > "$root/child.out" &
  child=$!
  local rc=0
  wait "$child" || rc=$?
  child=""
  return "$rc"
}

# A port no one listens on, below the ephemeral range (where a client socket, e.g. one of wrk's,
# may hold it without listening).
free_port() {
  local p lo
  lo=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  [ "$lo" -gt 11000 ] || lo=32768
  for _ in $(seq 1 200); do
    p=$((10000 + RANDOM % (lo - 10000)))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  die "no free port found on 127.0.0.1"
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# CPU seconds a process has used (user + system, all its threads): fields 14 and 15 of
# /proc/PID/stat, counted after the command name (which may hold spaces).
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{sub(/^.*\) /, ""); print ($12 + $13) / hz}' "/proc/$1/stat"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
mb() { echo "$1/1024" | bc -l; }
now() { date +%s.%N; }

# The open-loop generator (benches/open_loop.rs), built once in release (bench) mode.
gen_bin="${OPEN_LOOP_BIN:-}"
if [ -z "$gen_bin" ] && { [ -n "$offered" ] || [ "$seed" -gt 0 ]; }; then
  command -v cargo >/dev/null 2>&1 || missing "cargo (to build benches/open_loop.rs; or set OPEN_LOOP_BIN)"
  echo "building benches/open_loop.rs (cargo bench --bench open_loop --no-run)" >&2
  gen_bin=$(cd "$repo" && CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}" cargo bench --bench open_loop --no-run \
      --message-format=json-render-diagnostics 2>/dev/null \
    | sed -n 's/.*"executable":"\([^"]*open_loop[^"]*\)".*/\1/p' | tail -1) || true
  [ -n "$gen_bin" ] || die "could not build benches/open_loop.rs: run cargo bench --bench open_loop --no-run to see why"
fi
[ -z "$gen_bin" ] || [ -x "$gen_bin" ] || missing "$gen_bin (OPEN_LOOP_BIN)"

token="bench-token-0123456789abcdef0123456789"
mkdir -p "$root/config"
printf '%s\n' "$token" > "$root/token"; chmod 600 "$root/token"
# No rate limit, room for every incident, many connections from one client (open loop).
printf '[intake]\ntoken_file = "%s"\nrate_per_client = 0\ninbox_capacity = 100000000\nqueue_capacity = 1000000\nmax_connections_per_client = 0\n' \
  "$root/token" > "$root/config/config.toml"
export OPSASSIST_DATA_DIR="$root/data" OPSASSIST_CONFIG_DIR="$root/config"

start_pg() {
  if [ "$(id -u)" = 0 ]; then
    id opsassist-pg >/dev/null 2>&1 \
      || useradd --system --no-create-home --shell /usr/sbin/nologin opsassist-pg 2>/dev/null \
      || id opsassist-pg >/dev/null 2>&1 || die "cannot create user opsassist-pg"
    pg_as=(runuser -u opsassist-pg --)
  fi
  pg_dir="$(mktemp -d /tmp/opsassist-bench-pg.XXXXXX)"
  [ "$(id -u)" != 0 ] || chown opsassist-pg: "$pg_dir"
  if ! "${pg_as[@]}" env LC_ALL=C "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres -E UTF8 \
      --no-sync > "$pg_dir/initdb.log" 2>&1; then
    cat "$pg_dir/initdb.log" >&2; die "initdb failed"
  fi
  pg_port=$(free_port)
  # The test suite's settings (tests/support/postgres.rs); fsync on: commits are durable.
  if ! "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -w -t 60 -l "$pg_dir/postgres.log" \
      -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=32MB -c fsync=on" \
      start > /dev/null; then
    cat "$pg_dir/postgres.log" >&2; die "postgres did not start"
  fi
  "$pg_bin/psql" -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -c "CREATE DATABASE opsassist"
  pg_version=$("$pg_bin/postgres" --version | awk '{print $3}')
}

if [ "$kind" = postgres ]; then
  start_pg
  printf '[store]\nurl = "postgres://postgres@127.0.0.1:%s/opsassist?sslmode=disable"\n' "$pg_port" >> "$root/config/config.toml"
  store_name="postgres $pg_version"
else
  printf '[store]\nkind = "%s"\n' "$kind" >> "$root/config/config.toml"
  store_name="$kind"
fi

# start_serve: sets serve_pid, serve_url and serve_start (seconds until it printed its
# address); returns 1 (serve stopped) if its RSS passed MAX_RSS_MB before that.
start_serve() {
  local out="$root/serve.out"
  : > "$out"
  local t0; t0=$(now)
  "$bin" serve --listen 127.0.0.1:0 > "$out" 2>"$root/serve.err" &
  serve_pid=$!
  until grep -q "receiving alerts on" "$out"; do
    kill -0 "$serve_pid" 2>/dev/null || { cat "$root/serve.err" >&2; die "opsassist serve exited"; }
    if [ "$(rss_kb "$serve_pid" || echo 0)" -gt $((max_rss_mb * 1024)) ]; then
      printf 'opsassist serve passed MAX_RSS_MB=%s after %.1f s of start-up: stopped it\n' \
        "$max_rss_mb" "$(echo "$(now) - $t0" | bc)"
      stop_serve
      return 1
    fi
    sleep 0.01
  done
  serve_start=$(echo "$(now) - $t0" | bc)
  serve_url=$(sed -n 's/.*receiving alerts on \(http:\/\/[^/]*\).*/\1/p' "$out" | head -1)
}

# CPU seconds the PostgreSQL cluster has used: the postmaster and its children (the
# backends serve keeps open, the WAL writer, the checkpointer).
pg_cpu_s() {
  local pm total=0 p
  pm=$(head -1 "$pg_dir/data/postmaster.pid" 2>/dev/null) || { echo 0; return; }
  for p in "$pm" $(pgrep -P "$pm"); do
    total=$(echo "$total + $(cpu_s "$p" 2>/dev/null || echo 0)" | bc -l)
  done
  echo "$total"
}

stop_serve() { kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true; serve_pid=""; }

start_am() {
  am_port=$(free_port)
  printf 'route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n' > "$root/am.yml"
  "$am" --config.file="$root/am.yml" --storage.path="$root/am" \
    --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= \
    --log.level=error > "$root/am.log" 2>&1 &
  am_pid=$!
  until curl -sf "http://127.0.0.1:$am_port/-/ready" > /dev/null; do
    kill -0 "$am_pid" 2>/dev/null || { cat "$root/am.log" >&2; die "prometheus-alertmanager exited"; }
    sleep 0.05
  done
  am_url="http://127.0.0.1:$am_port"
}

# writer_counts: serve's requests, writer transactions and seconds in them (its /metrics).
writer_counts() {
  { curl -s --max-time 5 "$serve_url/metrics" || true; } | awk '
    $1 == "opsassist_intake_requests_total" {r = $2}
    $1 == "opsassist_intake_writes_total" {w = $2}
    $1 == "opsassist_intake_write_seconds_total" {s = $2}
    END {print r + 0, w + 0, s + 0}'
}

# closed NAME URL FORMAT ROUND PID: one wrk run; prints a row, sets rate (alerts/s) and p99 (ms).
closed() {
  local name=$1 url=$2 format=$3 round=$4 pid=$5
  local cpu0 db0=0 w0="" t0; cpu0=$(cpu_s "$pid")
  [ -z "$pg_dir" ] || [ "$pid" != "$serve_pid" ] || db0=$(pg_cpu_s)
  if [ "$pid" = "$serve_pid" ]; then w0=$(writer_counts); t0=$(now); fi
  FORMAT=$format TOKEN=$token RUN="r$round" GROUP=$group KEYS=${KEYS:-0} in_child wrk -t"$threads" -c"$conns" \
    -d"$duration" --latency -s "$here/new_alert.lua" "$url"
  local out; out=$(cat "$root/child.out")
  rate=$(awk -v g="$group" '/^Requests\/sec/ {print $2 * g}' <<<"$out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' <<<"$out")
  local bad; bad=$(awk '/Non-2xx/ {print $5}' <<<"$out"); bad=${bad:-0}
  local errors; errors=$(awk '/Socket errors/ {print $0}' <<<"$out")
  # The receiver's CPU per alert: less noisy than the rate when the two compete for cores.
  local alerts; alerts=$(awk -v g="$group" '/requests in/ {print $1 * g}' <<<"$out")
  local cpu; cpu=$(echo "$(cpu_s "$pid") - $cpu0" | bc -l)
  printf '%-28s round %s  %10.0f alerts/s  p99 %8.2f ms  RSS %7.1f MB  CPU %6.2f us/alert  non-2xx %s %s\n' \
    "$name" "$round" "$rate" "$p99" "$(mb "$(rss_kb "$pid")")" \
    "$(echo "$cpu * 1000000 / ($alerts + (${alerts:-0} == 0))" | bc -l)" "$bad" "$errors"
  if [ -n "$pg_dir" ] && [ "$pid" = "$serve_pid" ]; then
    printf '%-28s          PostgreSQL server CPU %6.2f us/alert\n' "" \
      "$(echo "($(pg_cpu_s) - $db0) * 1000000 / ($alerts + (${alerts:-0} == 0))" | bc -l)"
  fi
  # How busy serve's writer was: near 100%, the store transaction (not the machine) bounds it.
  if [ -n "$w0" ]; then
    local w1 t1; w1=$(writer_counts); t1=$(now)
    awk -v a="$w0" -v b="$w1" -v dt="$(echo "$t1 - $t0" | bc -l)" -v pad="" 'BEGIN {
      split(a, x, " "); split(b, y, " "); n = y[2] - x[2]; s = y[3] - x[3]
      if (n > 0) printf "%-28s          writer busy %3.0f%%, %.1f requests per transaction, %.2f ms each\n",
        pad, 100 * s / dt, (y[1] - x[1]) / n, 1000 * s / n }'
  fi
}

# kv KEY: a value from the generator's key=value line.
kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $(cat "$root/child.out")"; }

# open_run NAME URL FORMAT ROUND PID: one open-loop run at RATE; prints a row, sets rate
# (achieved alerts/s) and p99 (ms).
open_run() {
  local name=$1 url=$2 format=$3 round=$4 pid=$5
  if ! in_child "$gen_bin" --url "$url" --format "$format" --group "$group" --rate "$offered" \
      --duration "$secs" --cap "$cap" --token "$token" --run "o$round" --threads "$threads" \
      --label "$name" 2> "$root/gen.err"; then
    cat "$root/gen.err" >&2; die "the open-loop generator failed"
  fi
  rate=$(kv alerts_per_s); p99=$(kv p99_ms)
  printf '%-28s round %s  offered %8.0f alerts/s  achieved %8.0f alerts/s  p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms  RSS %7.1f MB  non-2xx %s  errors %s  conns %s  capped %s\n' \
    "$name" "$round" "$(echo "$offered * $group" | bc -l)" "$rate" "$(kv p50_ms)" "$p99" "$(kv max_ms)" \
    "$(mb "$(rss_kb "$pid")")" "$(kv non_2xx)" "$(kv errors)" "$(kv connections)" "$(kv capped)"
  grep -o 'first problem: .*' "$root/gen.err" | sed 's/^/  /' || true
}

am_version=$($am --version 2>&1 | awk 'NR==1 {print $3}')
if [ -n "$offered" ]; then
  load="open loop at $offered requests/s ($(echo "$offered * $group" | bc) alerts/s offered), at most $cap in flight, ${secs}s"
else
  load="wrk -t$threads -c$conns -d$duration (closed loop)"
fi
kinds="new alert(s)"
[ "${KEYS:-0}" -gt 0 ] && kinds="alert(s) (${KEYS} requests' worth of keys per wrk thread, repeated)"
echo "load: $load, $group $kinds per request; store: $store_name; $(nproc) cores; loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
start_serve || exit 3

seeded=0
if [ "$seed" -gt 0 ]; then
  # Chunks of at most 20,000 alerts, a progress line every SEED/10; between chunks, stop if
  # serve's RSS passed MAX_RSS_MB, so a store that keeps every incident in RAM cannot take
  # the machine down (it may pass the limit by one chunk's worth).
  requests=$((seed / seed_batch))
  per_chunk=$(( 20000 / seed_batch )); [ "$per_chunk" -ge 1 ] || per_chunk=1
  report_every=$(( (requests + 9) / 10 ))
  t0=$(now); tc=$t0; done_requests=0; reported=0; chunk=0; over_limit=0
  while [ "$done_requests" -lt "$requests" ]; do
    if [ "$(rss_kb "$serve_pid")" -gt $((max_rss_mb * 1024)) ]; then over_limit=1; break; fi
    n=$(( requests - done_requests < per_chunk ? requests - done_requests : per_chunk ))
    chunk=$((chunk + 1))
    if ! in_child "$gen_bin" --url "$serve_url" --format opsassist-am --group "$seed_batch" \
        --rate 0 --requests "$n" --cap "$seed_conns" --token "$token" --run "seed$chunk" \
        --threads 1 --timeout 600 --label seed 2> "$root/gen.err"; then
      cat "$root/gen.err" >&2; die "seeding failed after $((done_requests * seed_batch)) incidents"
    fi
    ok=$(kv ok)
    [ "$ok" -eq "$n" ] || { cat "$root/gen.err" >&2; die "seeding: only $ok of $n requests answered 2xx"; }
    done_requests=$((done_requests + n))
    if [ $((done_requests - reported)) -ge "$report_every" ] || [ "$done_requests" -eq "$requests" ]; then
      printf '  seeding: %d incidents stored, the last %d at %.0f alerts/s, serve RSS %.1f MB, loadavg %s\n' \
        "$((done_requests * seed_batch))" "$(((done_requests - reported) * seed_batch))" \
        "$(echo "($done_requests - $reported) * $seed_batch / ($(now) - $tc)" | bc -l)" \
        "$(mb "$(rss_kb "$serve_pid")")" "$(cut -d' ' -f1-3 /proc/loadavg)"
      reported=$done_requests; tc=$(now)
    fi
  done
  took=$(echo "$(now) - $t0" | bc)
  seeded=$((done_requests * seed_batch))
  [ "$over_limit" = 0 ] || echo "seeding STOPPED: serve's RSS passed MAX_RSS_MB=$max_rss_mb after $seeded incidents"
  printf 'seeded %d incidents (%d requests of %d alerts, %d at a time): %.1f s, %.0f alerts/s; serve RSS %.1f MB\n' \
    "$seeded" "$done_requests" "$seed_batch" "$seed_conns" "$took" "$(echo "$seeded / $took" | bc -l)" \
    "$(mb "$(rss_kb "$serve_pid")")"
  stop_serve
  start_serve || exit 3
  sleep 1
  printf 'restart on %d seeded incidents: start-up %.2f s, RSS after 1 s idle %.1f MB (peak %.1f MB)\n' \
    "$seeded" "$serve_start" "$(mb "$(rss_kb "$serve_pid")")" "$(mb "$(hwm_kb "$serve_pid")")"
fi

start_am
if [ "$group" -gt 1 ]; then s_format=opsassist-am; else s_format=opsassist; fi
for round in $(seq 1 "$rounds"); do
  if [ -n "$offered" ]; then
    open_run "opsassist serve ($kind)" "$serve_url" "$s_format" "$round" "$serve_pid"
  else
    closed "opsassist serve ($kind)" "$serve_url" opsassist "$round" "$serve_pid"
  fi
  s_rate=$rate; s_p99=$p99; s_rss=$(rss_kb "$serve_pid")
  if [ -n "$offered" ]; then
    open_run "alertmanager $am_version" "$am_url" alertmanager "$round" "$am_pid"
  else
    closed "alertmanager $am_version" "$am_url" alertmanager "$round" "$am_pid"
  fi
  a_rate=$rate; a_p99=$p99; a_rss=$(rss_kb "$am_pid")
  printf '  ratio opsassist/alertmanager: rate %.2fx, p99 %.2fx, RSS %.2fx (loadavg %s)\n' \
    "$(echo "$s_rate/$a_rate" | bc -l)" "$(echo "$s_p99/$a_p99" | bc -l)" "$(echo "$s_rss/$a_rss" | bc -l)" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
done
stop_serve
if [ "$kind" = postgres ]; then
  bytes=$("$pg_bin/psql" -X -A -t -h 127.0.0.1 -p "$pg_port" -U postgres -d opsassist \
    -c "SELECT pg_database_size('opsassist')")
  size="database $((bytes / 1048576)) MB"
else
  size="data dir $(du -sm "$root/data" | cut -f1) MB"
fi
if [ "$seeded" -gt 0 ]; then
  # Listing a million incidents would load them all; the seeded ones were each answered 2xx.
  incidents="$seeded seeded + the rounds'"
else
  incidents=$("$bin" incidents list --json | wc -l)
fi
echo "incidents stored: $incidents ($size)"
start_serve || exit 3
sleep 1
printf 'restart on %s incidents (%s): start-up %.2f s, RSS %.1f MB (peak %.1f MB)\n' \
  "$incidents" "$size" "$serve_start" "$(mb "$(rss_kb "$serve_pid")")" "$(mb "$(hwm_kb "$serve_pid")")"
