#!/usr/bin/env bash
# Warden side by side with what users would otherwise pick: Prometheus scraping an
# exporter of the fleet's metrics, evaluating equivalent alerting rules and sending to
# Alertmanager. Both run on this machine, one after the other, with the same simulated
# fleet (same seed: same devices, traffic and misbehaving devices) reporting on the same
# schedule, each with a real Alertmanager of its own:
#
#   Warden:     warden-loadgen --(gRPC stream)--> wardend --> Alertmanager
#   Prometheus: warden-loadgen --exporter-only <--(scrape)-- prometheus --> Alertmanager
#
# Measured per stack (the system plus its Alertmanager; the load generator / exporter and
# the poller are not counted): peak and final RSS (/proc/PID/status), CPU seconds
# (/proc/PID/stat utime + stime) over the same wall-clock run, and detection latency:
# from each misbehaving device's first misbehaving report (and from the moment it
# started misbehaving) until its alert is visible in GET /api/v2/alerts of that
# stack's Alertmanager (polled every 25 ms). Prints a table with the ratios and writes
# bench/results/compare-<UTC time>/{results.json,results.md} (copied to
# bench/results/compare-latest/, kept in git).
#
#   bench/compare_prometheus.sh                        # 100,000 devices, scrape every 15 s
#   bench/compare_prometheus.sh --devices 20000 --intervals "15 5"
#   bench/compare_prometheus.sh --quick                # 10,000 devices, short run
#
# Options: --devices N (100000), --report-every S (15: each device reports every S
# seconds; the rate is N/S), --intervals "15 ..." (Prometheus scrape and evaluation
# intervals in seconds, one Prometheus run each), --misbehaving N (30), --warmup S (60:
# seconds before the misbehaviour starts), --seconds S (240: length of each run),
# --no-build / --build-dir DIR (as bench/run.sh). Rules: bench/compare/profiles (Warden)
# and bench/compare/prometheus/rules.yml (Prometheus); bench/README.md explains them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

usage() { sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; }
command_line="bench/compare_prometheus.sh $*"

devices=100000
report_every=15
intervals="15"
misbehaving=30
warmup=60
seconds=240
build=true
build_dir=${WARDEN_BENCH_BUILD_DIR:-build-release}
while [ $# -gt 0 ]; do
  case $1 in
    --devices) devices=$2; shift ;;
    --report-every) report_every=$2; shift ;;
    --intervals) intervals=$2; shift ;;
    --misbehaving) misbehaving=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --quick) devices=10000; warmup=40; seconds=100 ;;
    --no-build) build=false ;;
    --build-dir) build_dir=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "compare_prometheus.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done
rate=$(python3 -c "print(round($devices / $report_every, 1))")

source bench/lib/common.sh
bench_init compare

case $build_dir in /*) bin=$build_dir ;; *) bin=$root/$build_dir ;; esac
if $build; then
  scripts/install-deps.sh
  bench_log "building Release into $build_dir"
  cmake -S . -B "$bin" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$bin" -j"${WARDEN_JOBS:-2}" --target wardend warden-loadgen
fi
bench_require_binaries services/wardend tools/warden-loadgen
for b in prometheus prometheus-alertmanager promtool; do
  command -v "$b" >/dev/null || bench_die "$b is not installed (scripts/install-deps.sh installs it)"
done
promtool check rules bench/compare/prometheus/rules.yml >/dev/null ||
  bench_die "bench/compare/prometheus/rules.yml does not check"

stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=$root/bench/results/compare-$stamp
mkdir -p "$out"
loadgen_fleet=(--devices "$devices" --rate "$rate" --misbehaving-count "$misbehaving"
  --misbehave-after "$warmup" --duration "$seconds" --seed 1)

# sample_until_done NAME LOADGEN_PID SYSTEM_PID AM_PID: every second until the loadgen
# exits, the RSS of the system and its Alertmanager; writes $dir/samples.tsv
# (time, system RSS, Alertmanager RSS).
sample_until_done() {
  local lg=$1 sys=$2 am=$3
  : >"$dir/samples.tsv"
  while kill -0 "$lg" 2>/dev/null; do
    printf '%s\t%s\t%s\n' "$(bench_now)" "$(bench_rss_bytes "$sys" || echo 0)" \
      "$(bench_rss_bytes "$am" || echo 0)" >>"$dir/samples.tsv"
    sleep 1
  done
}

# finish_stack SYSTEM INTERVAL SYSTEM_PID: collect the run's numbers into $dir/stack.json.
finish_stack() {
  local system=$1 interval=$2 sys=$3
  python3 - "$dir" "$system" "$interval" "$(bench_cpu_seconds "$sys")" \
    "$(bench_cpu_seconds "$am_pid")" "$(bench_rss_bytes "$sys")" "$(bench_rss_bytes "$am_pid")" \
    "$(bench_hwm_bytes "$sys")" "$(bench_hwm_bytes "$am_pid")" "$t_start" "$(bench_now)" \
    "$(bench_loadavg)" <<'PY'
import json, re, sys
(d, system, interval, cpu_sys, cpu_am, rss_sys, rss_am, hwm_sys, hwm_am, t0, t1, la) = sys.argv[1:]
samples = [tuple(map(float, l.split("\t"))) for l in open(f"{d}/samples.tsv") if l.strip()]
starts, misbehave_at = [], None
for line in open(f"{d}/loadgen.txt", errors="replace"):
    m = re.match(r"misbehaviour-start (\S+) (\S+) ([\d.]+)", line)
    if m:
        starts.append({"device": m[1], "kind": m[2], "first_report": float(m[3])})
    m = re.match(r"misbehave-at ([\d.]+)", line)
    if m:
        misbehave_at = float(m[1])
kinds = {}
for line in open(f"{d}/loadgen.txt", errors="replace"):
    m = re.match(r"  (\S+) (telnet|exfiltration|c2): ", line)
    if m:
        kinds[m[1]] = m[2]
extra = {}
try:
    extra = json.load(open(f"{d}/extra.json"))
except (OSError, ValueError):
    pass
try:  # not counted for either stack, but it shares the cores
    extra["loadgen_cpu_s"] = float(open(f"{d}/loadgen-cpu").read())
except (OSError, ValueError):
    pass
json.dump({
    "system": system, "interval_s": int(interval) if interval else None,
    "cpu_system_s": float(cpu_sys), "cpu_alertmanager_s": float(cpu_am),
    "rss_end_system_bytes": int(float(rss_sys)), "rss_end_alertmanager_bytes": int(float(rss_am)),
    "rss_peak_system_bytes": int(float(hwm_sys)), "rss_peak_alertmanager_bytes": int(float(hwm_am)),
    "rss_peak_stack_sampled_bytes": int(max((s[1] + s[2] for s in samples), default=0)),
    "wall_s": float(t1) - float(t0), "loadavg_end": la, "misbehave_at": misbehave_at,
    "misbehaving": kinds, "starts": starts,
    "alerts": json.load(open(f"{d}/alerts.json"))["alerts"], "extra": extra,
}, open(f"{d}/stack.json", "w"), indent=1)
PY
}

# --- Warden ----------------------------------------------------------------------------------
run_warden() {
  dir=$bench_work/warden
  mkdir -p "$dir"
  bench_log "Warden: $devices devices reporting every ${report_every}s ($rate reports/s), ${seconds}s"
  bench_alertmanager "$dir/am"
  bench_wardend_config "$dir/wardend.yaml" "$root/bench/compare/profiles"
  bench_spawn "$dir/poll.log" python3 bench/lib/am_poll.py "$am_url" "$dir/alerts.json"
  local poll_pid=$spawned_pid
  bench_wardend "$dir" "$dir/wardend.yaml"
  t_start=$(bench_now)
  bench_spawn "$dir/loadgen.txt" python3 bench/lib/cputime.py "$dir/loadgen-cpu" \
    "$bin/tools/warden-loadgen" --server "$wardend_grpc" "${loadgen_fleet[@]}"
  local lg=$spawned_pid
  sample_until_done "$lg" "$wardend_pid" "$am_pid"
  wait "$lg" || bench_log "Warden: warden-loadgen exited $? ($dir/loadgen.txt)"
  sleep 1
  python3 - "$wardend_metrics" >"$dir/extra.json" <<'PY' || true
import json, sys, urllib.request
text = urllib.request.urlopen(f"http://{sys.argv[1]}/metrics").read().decode()
v = {}
for line in text.splitlines():
    for name in ("warden_devices_tracked", "warden_ingest_reports_total{outcome=\"accepted\"}"):
        if line.startswith(name + " "):
            v[name] = float(line.split()[-1])
print(json.dumps(v))
PY
  finish_stack warden "" "$wardend_pid"
  bench_stop "$poll_pid"; bench_stop "$wardend_pid" 60; bench_stop "$am_pid"
  cp "$dir/stack.json" "$out/warden.json"
  cp "$dir/loadgen.txt" "$out/warden-loadgen.txt"
}

# --- Prometheus ------------------------------------------------------------------------------
run_prometheus() {
  local interval=$1
  dir=$bench_work/prometheus-$interval
  mkdir -p "$dir"
  bench_log "Prometheus (scrape and evaluate every ${interval}s): $devices devices reporting every ${report_every}s, ${seconds}s"
  bench_alertmanager "$dir/am"
  local exporter_port prom_port
  exporter_port=$(bench_free_port)
  bench_spawn "$dir/loadgen.txt" python3 bench/lib/cputime.py "$dir/loadgen-cpu" \
    "$bin/tools/warden-loadgen" --exporter-only --exporter-listen "127.0.0.1:$exporter_port" \
    "${loadgen_fleet[@]}"
  local lg=$spawned_pid
  t_start=$(bench_now)
  for _ in $(seq 1 100); do grep -q '^exporter: ' "$dir/loadgen.txt" 2>/dev/null && break; sleep 0.1; done
  grep -q '^exporter: ' "$dir/loadgen.txt" || bench_die "the exporter did not start ($dir/loadgen.txt)"
  cp bench/compare/prometheus/rules.yml "$dir/rules.yml"
  cat >"$dir/prometheus.yml" <<CONF
global:
  scrape_interval: ${interval}s
  scrape_timeout: ${interval}s
  evaluation_interval: ${interval}s
rule_files: [rules.yml]
alerting:
  alertmanagers:
    - static_configs: [{targets: ["${am_url#http://}"]}]
scrape_configs:
  - job_name: fleet
    static_configs: [{targets: ["127.0.0.1:$exporter_port"]}]
CONF
  prom_port=$(bench_free_port)
  bench_spawn "$dir/prometheus.log" prometheus --config.file="$dir/prometheus.yml" \
    --storage.tsdb.path="$dir/tsdb" --web.listen-address="127.0.0.1:$prom_port"
  local prom_pid=$spawned_pid
  bench_spawn "$dir/poll.log" python3 bench/lib/am_poll.py "$am_url" "$dir/alerts.json"
  local poll_pid=$spawned_pid
  sample_until_done "$lg" "$prom_pid" "$am_pid"
  wait "$lg" || bench_log "Prometheus: warden-loadgen exited $? ($dir/loadgen.txt)"
  python3 - "http://127.0.0.1:$prom_port" >"$dir/extra.json" <<'PY' || true
import json, sys, urllib.parse, urllib.request
base = sys.argv[1]
def q(expr):
    url = f"{base}/api/v1/query?query=" + urllib.parse.quote(expr)
    r = json.load(urllib.request.urlopen(url, timeout=30))["data"]["result"]
    return float(r[0]["value"][1]) if r else None
# Prometheus's own metrics (it does not scrape itself here).
own = {}
for line in urllib.request.urlopen(f"{base}/metrics", timeout=30).read().decode().splitlines():
    if line.startswith("#") or " " not in line:
        continue
    name = line.split("{")[0].split(" ")[0]
    own.setdefault(name, []).append(float(line.rsplit(" ", 1)[1]))
print(json.dumps({
    "head_series": max(own.get("prometheus_tsdb_head_series", [0])),
    "scrape_samples": q('scrape_samples_scraped{job="fleet"}'),
    "scrape_duration_max_s": q('max_over_time(scrape_duration_seconds{job="fleet"}[1h])'),
    "scrapes_failed": q('count_over_time(up{job="fleet"}[1h]) - sum_over_time(up{job="fleet"}[1h])'),
    "rule_eval_duration_last_s": max(own.get("prometheus_rule_group_last_duration_seconds", [0])),
    "alerts_sent": sum(own.get("prometheus_notifications_sent_total", [0])),
}))
PY
  finish_stack prometheus "$interval" "$prom_pid"
  bench_stop "$poll_pid"; bench_stop "$prom_pid" 60; bench_stop "$am_pid"
  cp "$dir/stack.json" "$out/prometheus-$interval.json"
  cp "$dir/loadgen.txt" "$out/prometheus-$interval-loadgen.txt"
}

loadavg_start=$(bench_loadavg)
run_warden
for interval in $intervals; do run_prometheus "$interval"; done

python3 bench/lib/compare_summary.py "$out" "$devices" "$report_every" "$seconds" "$warmup" \
  "$loadavg_start" "$(bench_loadavg)" "$command_line"
rm -rf "$root/bench/results/compare-latest"
mkdir -p "$root/bench/results/compare-latest"
cp "$out"/{results.json,results.md} "$root/bench/results/compare-latest/"
echo
echo "results: $out/results.md (also bench/results/compare-latest/)"
