# shellcheck shell=bash disable=SC2034,SC2154  # sets globals for, and reads $bin of, the caller
# Shared by bench/run.sh and bench/compare_prometheus.sh: sourced, not run.
# Process bookkeeping (every child is killed on exit), free ports, readiness waits,
# RSS and CPU seconds from /proc. Expects `set -euo pipefail` in the caller.

bench_pids=()
bench_work=""

# Kills every process started with bench_spawn (TERM, then KILL after 5 s) and removes
# the work directory unless BENCH_KEEP_WORK is set. Installed as the EXIT trap.
bench_cleanup() {
  local p
  for p in "${bench_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${bench_pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [ -n "$bench_work" ] && [ -z "${BENCH_KEEP_WORK:-}" ]; then rm -rf "$bench_work"; fi
}

bench_init() {  # bench_init NAME: work dir, traps
  bench_work=$(mktemp -d "/tmp/warden-$1-XXXXXX")
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

bench_log() { printf '== %s\n' "$*" >&2; }
bench_die() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# bench_spawn LOG CMD...: starts CMD in the background (stdout+stderr to LOG), remembers
# it for cleanup, sets $spawned_pid.
bench_spawn() {
  local log=$1; shift
  "$@" >"$log" 2>&1 &
  spawned_pid=$!
  bench_pids+=("$spawned_pid")
}

# bench_stop PID [SECONDS]: TERM, wait up to SECONDS (default 30), then KILL; forgets it.
bench_stop() {
  local pid=$1 limit=${2:-30} i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < limit * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local kept=() p
  for p in "${bench_pids[@]}"; do [ "$p" = "$pid" ] || kept+=("$p"); done
  bench_pids=("${kept[@]}")
}

bench_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

bench_now() { date +%s.%N; }

# Resident set size of PID in bytes (VmRSS), its peak (VmHWM), and its CPU seconds
# (utime + stime from /proc/PID/stat, in clock ticks).
bench_rss_bytes() { awk '/^VmRSS:/ {printf "%.0f\n", $2 * 1024}' "/proc/$1/status"; }
bench_hwm_bytes() { awk '/^VmHWM:/ {printf "%.0f\n", $2 * 1024}' "/proc/$1/status"; }
bench_cpu_seconds() {
  # Field 2 (comm) may hold spaces: cut everything up to the last ')'.
  local hz stat
  hz=$(getconf CLK_TCK)
  stat=$(sed -E 's/^.*\) //' "/proc/$1/stat")
  awk -v hz="$hz" '{printf "%.2f\n", ($12 + $13) / hz}' <<<"$stat"
}

bench_loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# bench_wait_http URL SECONDS: until URL answers 2xx, or fail.
bench_wait_http() {
  local url=$1 limit=${2:-30} i
  for ((i = 0; i < limit * 10; i++)); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  bench_die "$url did not answer within ${limit}s"
}

# bench_alertmanager DIR: starts a real Alertmanager with a receiver that drops
# notifications (alerts are still listed by /api/v2/alerts); sets $am_url and $am_pid.
bench_alertmanager() {
  local dir=$1 port
  mkdir -p "$dir"
  port=$(bench_free_port)
  cat >"$dir/am.yml" <<'AM'
route: {receiver: blackhole, group_wait: 1s, group_interval: 5m, repeat_interval: 4h}
receivers: [{name: blackhole}]
AM
  bench_spawn "$dir/am.log" prometheus-alertmanager --config.file="$dir/am.yml" \
    --storage.path="$dir/data" --web.listen-address="127.0.0.1:$port" --cluster.listen-address=
  am_pid=$spawned_pid
  am_url="http://127.0.0.1:$port"
  bench_wait_http "$am_url/-/ready" 30
}

# bench_wardend DIR CONFIG [FLAGS...]: starts wardend with CONFIG, data in DIR/data, waits
# for its ready file (up to $WARDEND_START_TIMEOUT, default 120 s); sets $wardend_pid,
# $wardend_grpc, $wardend_metrics and $wardend_start_seconds (spawn → ready file).
bench_wardend() {
  local dir=$1 config=$2; shift 2
  rm -f "$dir/ready.json"
  local t0 t1 i limit=${WARDEND_START_TIMEOUT:-120}
  t0=$(bench_now)
  bench_spawn "$dir/wardend.log" "$bin/services/wardend" --config "$config" \
    --data-dir "$dir/data" --ready-file "$dir/ready.json" "$@"
  wardend_pid=$spawned_pid
  for ((i = 0; i < limit * 100; i++)); do
    [ -s "$dir/ready.json" ] && break
    if ! kill -0 "$wardend_pid" 2>/dev/null; then
      tail -n 20 "$dir/wardend.log" >&2
      bench_die "wardend exited during start-up (its log is above: $dir/wardend.log)"
    fi
    sleep 0.01
  done
  t1=$(bench_now)
  [ -s "$dir/ready.json" ] || bench_die "wardend not ready within ${limit}s ($dir/wardend.log)"
  wardend_start_seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
  wardend_grpc=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['grpc'])" \
    "$dir/ready.json")
  wardend_metrics=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['metrics'])" \
    "$dir/ready.json")
}

# bench_wardend_config FILE PROFILES_DIR: a wardend config on free local ports that
# alerts to the Alertmanager at $am_url.
bench_wardend_config() {
  cat >"$1" <<CONF
profiles: $2
listen: 127.0.0.1:0
metrics_listen: 127.0.0.1:0
alerting:
  receivers:
    - name: alertmanager
      alertmanager:
        urls: [$am_url]
CONF
}

# bench_metric URL NAME: the sum of every sample of NAME (any labels) on a /metrics page.
bench_metric() {
  { curl -fsS "$1" || true; } |
    awk -v n="$2" '$1 == n || index($1, n "{") == 1 {s += $NF} END {printf "%.0f\n", s}'
}

bench_require_binaries() {
  local b
  for b in "$@"; do
    [ -x "$bin/$b" ] || bench_die "missing $bin/$b: build it first (cmake -S . -B $bin -DCMAKE_BUILD_TYPE=Release && cmake --build $bin -j2), or drop --no-build"
  done
}
