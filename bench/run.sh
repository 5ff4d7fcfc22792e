#!/usr/bin/env bash
# The performance benchmark: builds Release into build-release/, runs the microbenchmarks,
# then runs wardend and warden-loadgen (on this machine) through every scenario of the
# performance targets, each several times, and prints one table of medians with
# pass/fail. Writes bench/results/<UTC time>/{results.json,results.md} (plus every raw
# output) and copies the summaries to bench/results/latest/ (kept in git).
# docs/PERFORMANCE.md explains each measure and keeps the curated numbers.
#
#   bench/run.sh                  # 3 runs per scenario, about 18 minutes after the build
#   bench/run.sh --quick          # 1 short run per scenario, about 2 minutes: a smoke test
#   bench/run.sh --runs 5         # or WARDEN_BENCH_RUNS=5
#   bench/run.sh --no-build --build-dir /path/to/release-build
#   bench/run.sh --only stream_batch,memory_1m   # some scenarios (bench/results/latest is
#                                                # left alone; overload without stream_wal
#                                                # assumes a capacity of 50,000/s)
#
# Scenarios (100,000 devices, the example profiles in deploy/profiles, 1 % misbehaving,
# alerts to a real Alertmanager; a fresh wardend and data dir per scenario, warmed up
# with one report per device):
#   stream_wal    streaming, offered far above capacity, acks after the WAL write
#   stream_batch  the same with 100 reports per message (StreamReportBatches, --batch 100)
#   stream_fsync  the same with --sync-writes (fsync per group commit)
#   stream_batch_fsync  batches of 100 with --sync-writes
#   unary         one Report RPC per report, 4 channels x 1024 calls in flight
#   latency_40k   streaming at 40,000 reports/s: p99 ack latency; report -> Alertmanager
#   overload      streaming at 2x the measured capacity on 160 streams
#   memory_1m     1,000,000 devices report once: RSS per device; then restart time
#   grpc_floor    warden-grpc-floor (the ingest API acking every report at once, nothing
#                 behind it): what gRPC and the loadgen alone reach on this machine
#   fleet_10m     only with --only fleet_10m: 9,999,999 devices, 33,333 reports/s sustained
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

usage() { sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; }

runs=${WARDEN_BENCH_RUNS:-3}
build_dir=${WARDEN_BENCH_BUILD_DIR:-build-release}
quick=false
build=true
only=""
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=true ;;
    --runs) runs=$2; shift ;;
    --runs=*) runs=${1#*=} ;;
    --no-build) build=false ;;
    --build-dir) build_dir=$2; shift ;;
    --build-dir=*) build_dir=${1#*=} ;;
    --only) only=$2; shift ;;
    --only=*) only=${1#*=} ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --runs wants a positive integer" >&2; exit 2; }

devices=100000
duration=20
mem_devices=1000000
micro_min_time=0.5
if $quick; then
  runs=${WARDEN_BENCH_RUNS:-1}
  duration=5
  mem_devices=200000
  micro_min_time=0.05
fi
saturate_rate=2000000  # far above what two cores can do: the loadgen sends as fast as acked

source bench/lib/common.sh
# want SCENARIO: whether --only (a comma-separated list; empty: all) includes it.
want() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }
bench_init bench

# --- build -------------------------------------------------------------------------------
case $build_dir in /*) bin=$build_dir ;; *) bin=$root/$build_dir ;; esac
if $build; then
  scripts/install-deps.sh
  bench_log "building Release into $build_dir"
  cmake -S . -B "$bin" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$bin" -j"${WARDEN_JOBS:-2}" \
    --target wardend warden-loadgen warden-grpc-floor wardenctl warden_micro_bench
fi
bench_require_binaries services/wardend tools/warden-loadgen services/warden-grpc-floor
command -v prometheus-alertmanager >/dev/null ||
  bench_die "prometheus-alertmanager is not installed (scripts/install-deps.sh installs it)"

stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=$root/bench/results/$stamp
mkdir -p "$out"
: >"$out/measures.jsonl"
: >"$out/runs.jsonl"

# measure KEY RUN VALUE: one value of the table ("null" when a run produced none).
measure() {
  printf '{"measure": "%s", "run": %s, "value": %s}\n' "$1" "$2" "${3:-null}" >>"$out/measures.jsonl"
}
# json FILE EXPR: a value from a JSON file (python expression over `d`), "null" if absent.
# Histogram quantiles past the last bucket are ">B" strings: ms() and seconds() keep them.
json() {
  python3 -c "
import json, sys
def ms(v): return None if v is None else (f'\">{float(v[1:]) * 1000:g}\"' if isinstance(v, str) else v * 1000)
def seconds(v): return None if v is None else (f'\"{v}\"' if isinstance(v, str) else v)
d = json.load(open(sys.argv[1])); v = $2
print('null' if v is None else v)" "$1" 2>/dev/null || echo null
}

python3 - "$out/meta.json" "$stamp" "$runs" "$duration" "$devices" "$mem_devices" \
  "$bin" "$quick" "$*" <<'PY'
import json, os, platform, subprocess, sys
path, stamp, runs, duration, devices, mem_devices, bin_dir, quick, args = sys.argv[1:]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
def git(*a):
    try:
        return subprocess.run(["git", *a], capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""
json.dump({
    "started_utc": stamp, "command": "bench/run.sh" + (" --quick" if quick == "true" else "")
    + (f" --runs {runs}" if runs != ("1" if quick == "true" else "3") else ""),
    "runs": int(runs), "duration_s": int(duration), "devices": int(devices),
    "memory_devices": int(mem_devices), "build_dir": bin_dir,
    "commit": os.environ.get("WARDEN_BENCH_COMMIT") or git("rev-parse", "--short", "HEAD"),
    "dirty": bool(os.environ.get("WARDEN_BENCH_COMMIT", "").endswith("+")
                  or git("status", "--porcelain")),
    "cpu": cpu, "cores": os.cpu_count(), "mem_gib": round(mem / 1024 / 1024, 1),
    "kernel": platform.release(), "loadavg_start": open("/proc/loadavg").read().split()[:3],
}, open(path, "w"), indent=2)
PY

# --- microbenchmarks -----------------------------------------------------------------------
if [ -x "$bin/bench/warden_micro_bench" ]; then
  bench_log "microbenchmarks ($runs repetitions)"
  "$bin/bench/warden_micro_bench" --benchmark_min_time="$micro_min_time" \
    --benchmark_repetitions="$runs" --benchmark_out="$out/micro_bench.json" \
    --benchmark_out_format=json >"$out/micro_bench.txt" 2>&1 ||
    bench_log "warden_micro_bench failed: $out/micro_bench.txt"
  python3 - "$out/micro_bench.json" >>"$out/measures.jsonl" <<'PY' || true
import json, sys
d = json.load(open(sys.argv[1]))
rows = [b for b in d["benchmarks"] if b.get("run_name", b["name"]) == "BM_ApplyReport/0"
        and b.get("run_type") == "iteration"]
for i, b in enumerate(rows):
    scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3}[b.get("time_unit", "ns")]
    print(json.dumps({"measure": "micro_apply_report", "run": i + 1, "value": round(b["real_time"] * scale, 3)}))
PY
else
  bench_log "no $bin/bench/warden_micro_bench (Google Benchmark missing?): skipping microbenchmarks"
fi

# --- the daemon under load -------------------------------------------------------------------
bench_alertmanager "$bench_work/am"
bench_wardend_config "$bench_work/wardend.yaml" "$root/deploy/profiles"

# start_scenario NAME [WARDEND FLAGS...]: a fresh wardend on a fresh data dir, warmed up
# with one report per device (so the runs measure a fleet that is already tracked).
start_scenario() {
  local name=$1; shift
  scenario_dir=$bench_work/$name
  rm -rf "$scenario_dir"; mkdir -p "$scenario_dir"
  bench_wardend "$scenario_dir" "$bench_work/wardend.yaml" "$@"
  "$bin/tools/warden-loadgen" --server "$wardend_grpc" --devices "$devices" --once \
    --rate "$saturate_rate" --report-id-start 1 >"$out/$name-warmup.txt" 2>&1 ||
    bench_die "warm-up of $name failed: $out/$name-warmup.txt"
}

# load NAME RUN [LOADGEN ARGS...]: one loadgen run against the scenario's wardend; its
# output in $out/NAME-RUN.txt, its tally (plus wardend's CPU and memory) in $run_json.
load() {
  local name=$1 run=$2; shift 2
  local txt=$out/$name-$run.txt cpu0 cpu1 la rc=0
  la=$(bench_loadavg)
  cpu0=$(bench_cpu_seconds "$wardend_pid")
  [ -z "$wardend_metrics" ] ||
    curl -fsS "http://$wardend_metrics/metrics" >"$scenario_dir/metrics-before.txt"
  python3 bench/lib/cputime.py "$scenario_dir/loadgen-cpu" \
    "$bin/tools/warden-loadgen" --server "$wardend_grpc" --devices "${load_devices:-$devices}" \
    --duration "${duration_override:-$duration}" --seed "$run" "$@" >"$txt" 2>&1 || rc=$?
  cpu1=$(bench_cpu_seconds "$wardend_pid")
  [ -z "$wardend_metrics" ] ||
    curl -fsS "http://$wardend_metrics/metrics" >"$scenario_dir/metrics-after.txt"
  run_json=$out/$name-$run.json
  if ! python3 bench/lib/loadgen_result.py "$txt" scenario="$name" run="$run" exit_code="$rc" \
    loadavg_before="$la" wardend_cpu_s="$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN {print b - a}')" \
    loadgen_cpu_s="$(cat "$scenario_dir/loadgen-cpu" 2>/dev/null || echo null)" \
    wardend_rss_bytes="$(bench_rss_bytes "$wardend_pid")" \
    wardend_hwm_bytes="$(bench_hwm_bytes "$wardend_pid")" >"$run_json"; then
    echo '{}' >"$run_json"
  fi
  cat "$run_json" >>"$out/runs.jsonl"
  [ "$rc" = 0 ] || bench_log "$name run $run: warden-loadgen exited $rc (see $txt)"
  bench_log "$name run $run: $(tail -n 1 "$txt")"
}

# measure_cpu PREFIX RUN: wardend's and the loadgen's CPU µs per accepted report in the
# last load(), as PREFIXcpu_us_per_report and PREFIXloadgen_cpu_us_per_report.
measure_cpu() {
  measure "${1}cpu_us_per_report" "$2" "$(json "$run_json" \
    'round(d["wardend_cpu_s"] * 1e6 / d["accepted"], 1) if d.get("accepted") else None')"
  measure "${1}loadgen_cpu_us_per_report" "$2" "$(json "$run_json" \
    'round(d["loadgen_cpu_s"] * 1e6 / d["accepted"], 1) if d.get("accepted") and d.get("loadgen_cpu_s") else None')"
}

histogram() {  # histogram NAME: JSON of what NAME recorded during the last load()
  python3 bench/lib/histogram_delta.py "$1" "$scenario_dir/metrics-before.txt" \
    "$scenario_dir/metrics-after.txt"
}

stop_scenario() { bench_stop "$wardend_pid" 60; }

capacity=50000  # reports/s; measured by stream_wal, used by latency_40k and overload

# 1. Streaming, WAL-durable, saturated.
if want stream_wal; then
bench_log "stream_wal: streaming, WAL-durable acks, offered $saturate_rate reports/s"
start_scenario stream_wal
for run in $(seq 1 "$runs"); do
  load stream_wal "$run" --rate "$saturate_rate"
  measure stream_wal "$run" "$(json "$run_json" 'd.get("accepted_per_s")')"
  measure_cpu "" "$run"
done
stop_scenario
capacity=$(python3 -c "
import json, statistics, sys
v = [json.loads(l)['value'] for l in open(sys.argv[1]) if json.loads(l)['measure'] == 'stream_wal']
v = [x for x in v if x]
print(int(statistics.median(v)) if v else 50000)" "$out/measures.jsonl")
fi

# 1b. The same in batches of 100 reports per message (StreamReportBatches), as gateways
# and brokers that report for many devices send them.
if want stream_batch; then
bench_log "stream_batch: streaming, 100 reports per message, WAL-durable acks, offered $saturate_rate reports/s"
start_scenario stream_batch
for run in $(seq 1 "$runs"); do
  load stream_batch "$run" --rate "$saturate_rate" --batch 100
  measure stream_batch "$run" "$(json "$run_json" 'd.get("accepted_per_s")')"
  measure_cpu batch_ "$run"
done
stop_scenario
fi

# 2. Streaming with fsync group commit.
if want stream_fsync; then
bench_log "stream_fsync: the same with --sync-writes"
start_scenario stream_fsync --sync-writes
for run in $(seq 1 "$runs"); do
  load stream_fsync "$run" --rate "$saturate_rate"
  measure stream_fsync "$run" "$(json "$run_json" 'd.get("accepted_per_s")')"
done
stop_scenario
fi

# 2b. Batches of 100 with fsync group commit.
if want stream_batch_fsync; then
bench_log "stream_batch_fsync: batches of 100 with --sync-writes"
start_scenario stream_batch_fsync --sync-writes
for run in $(seq 1 "$runs"); do
  load stream_batch_fsync "$run" --rate "$saturate_rate" --batch 100
  measure stream_batch_fsync "$run" "$(json "$run_json" 'd.get("accepted_per_s")')"
done
stop_scenario
fi

# 3. Unary.
if want unary; then
bench_log "unary: one Report call per report, 4 channels x 1024 in flight"
start_scenario unary
for run in $(seq 1 "$runs"); do
  load unary "$run" --unary --streams 4 --max-inflight 1024 --rate "$saturate_rate"
  measure unary "$run" "$(json "$run_json" 'd.get("accepted_per_s")')"
  measure_cpu unary_ "$run"
done
stop_scenario
fi

# 4. Fixed 40k/s streaming: ack latency; report -> Alertmanager latency.
if want latency_40k; then
bench_log "latency_40k: streaming at 40,000 reports/s"
start_scenario latency_40k
for run in $(seq 1 "$runs"); do
  load latency_40k "$run" --rate 40000
  measure p99_40k "$run" "$(json "$run_json" 'd.get("p99_ms")')"
  measure p99_40k_sched "$run" "$(json "$run_json" 'd.get("sched_p99_ms")')"
  measure rate_40k "$run" "$(json "$run_json" 'd.get("accepted_per_s")')"
  sleep 2  # let the dispatcher deliver the last alerts
  curl -fsS "http://$wardend_metrics/metrics" >"$scenario_dir/metrics-after.txt"
  histogram warden_alert_delivery_latency_seconds >"$out/latency_40k-$run-alerts.json"
  measure alert_p99 "$run" "$(json "$out/latency_40k-$run-alerts.json" 'seconds(d.get("p99_le_s"))')"
done
# The same rate in batches of 10 reports per message (a millisecond of a stream's reports),
# as a gateway sends them: a report's latency still counts from its creation.
for run in $(seq 1 "$runs"); do
  load latency_40k_batch10 "$run" --rate 40000 --batch 10
  measure p99_40k_batch10 "$run" "$(json "$run_json" 'd.get("p99_ms")')"
  measure p99_40k_batch10_sched "$run" "$(json "$run_json" 'd.get("sched_p99_ms")')"
done
# Where 40,000/s is beyond this machine, the same at half the measured capacity shows the
# latency of a wardend that is not saturated.
half=$((capacity / 2))
if [ "$half" -lt 40000 ]; then
  bench_log "latency_40k: 40,000/s is above the measured capacity; also at $half reports/s"
  for run in $(seq 1 "$runs"); do
    load latency_half "$run" --rate "$half"
    measure p99_half "$run" "$(json "$run_json" 'd.get("p99_ms")')"
    measure rate_half "$run" "$(json "$run_json" 'd.get("accepted_per_s")')"
  done
fi
stop_scenario
fi

# 5. Overload: twice the streaming capacity offered on 160 streams, so that more reports
# can be in flight (160 x 1024, wardend's per-stream limit) than the shard queues hold
# (2 x 65536): past that, wardend should shed with RESOURCE_EXHAUSTED.
if want overload; then
offered=$((capacity * 2))
bench_log "overload: $offered reports/s on 160 streams (2x the streaming capacity $capacity)"
start_scenario overload
for run in $(seq 1 "$runs"); do
  load overload "$run" --streams 160 --max-inflight 1024 --rate "$offered"
  measure overload_offered "$run" "$offered"
  measure overload_accepted "$run" "$(json "$run_json" 'd.get("accepted_per_s")')"
  measure overload_shed "$run" "$(json "$run_json" 'd.get("rejected", {}).get("ResourceExhausted", 0)')"
  measure overload_rss "$run" "$(json "$run_json" 'round(d["wardend_hwm_bytes"] / 2**20)')"
  measure overload_p99 "$run" "$(json "$run_json" 'd.get("p99_ms")')"
  histogram warden_ingest_latency_seconds >"$out/overload-$run-server-latency.json"
  measure overload_server_p99 "$run" "$(json "$out/overload-$run-server-latency.json" \
    'ms(d.get("p99_le_s"))')"
done
stop_scenario
fi

# 6. The gRPC floor: warden-grpc-floor serves the same ingest API on the same gRPC
# server and stream reactor as wardend, and acks every report as soon as it is read (no
# validation, evaluation or storage). What it reaches is what gRPC and the load
# generator alone allow on this machine: the floor under the rates, latencies and CPU
# of the scenarios above. (wardend_pid and wardend_grpc name it for load().)
if want grpc_floor; then
bench_log "grpc_floor: warden-grpc-floor (acks as read, nothing behind it)"
scenario_dir=$bench_work/grpc_floor
rm -rf "$scenario_dir"; mkdir -p "$scenario_dir"
bench_spawn "$scenario_dir/floor.log" "$bin/services/warden-grpc-floor" \
  --ready-file "$scenario_dir/ready.json"
wardend_pid=$spawned_pid
for ((i = 0; i < 3000; i++)); do [ -s "$scenario_dir/ready.json" ] && break; sleep 0.01; done
[ -s "$scenario_dir/ready.json" ] || bench_die "warden-grpc-floor not ready ($scenario_dir/floor.log)"
wardend_grpc=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['grpc'])" \
  "$scenario_dir/ready.json")
wardend_metrics=""
for run in $(seq 1 "$runs"); do
  load grpc_floor_stream "$run" --rate "$saturate_rate"
  measure floor_stream "$run" "$(json "$run_json" 'd.get("accepted_per_s")')"
  measure_cpu floor_ "$run"
  load grpc_floor_batch "$run" --rate "$saturate_rate" --batch 100
  measure floor_batch "$run" "$(json "$run_json" 'd.get("accepted_per_s")')"
  measure_cpu floor_batch_ "$run"
  load grpc_floor_40k "$run" --rate 40000
  measure floor_p99_40k "$run" "$(json "$run_json" 'd.get("p99_ms")')"
  measure floor_p99_40k_sched "$run" "$(json "$run_json" 'd.get("sched_p99_ms")')"
  measure_cpu floor_40k_ "$run"
  load grpc_floor_40k_batch10 "$run" --rate 40000 --batch 10
  measure floor_p99_40k_batch10 "$run" "$(json "$run_json" 'd.get("p99_ms")')"
  measure floor_p99_40k_batch10_sched "$run" "$(json "$run_json" 'd.get("sched_p99_ms")')"
done
bench_stop "$wardend_pid" 10
fi

# 7. Memory with 1M devices, then restart time with that state.
if want memory_1m; then
bench_log "memory_1m: $mem_devices devices report once; then restart"
for run in $(seq 1 "$runs"); do
  dir=$bench_work/memory_1m
  rm -rf "$dir"; mkdir -p "$dir"
  bench_wardend "$dir" "$bench_work/wardend.yaml"
  sleep 1
  rss0=$(bench_rss_bytes "$wardend_pid")
  "$bin/tools/warden-loadgen" --server "$wardend_grpc" --devices "$mem_devices" --once \
    --rate "$saturate_rate" --seed "$run" >"$out/memory_1m-$run.txt" 2>&1 ||
    bench_log "memory_1m run $run: warden-loadgen failed ($out/memory_1m-$run.txt)"
  sleep 2
  rss1=$(bench_rss_bytes "$wardend_pid")
  hwm1=$(bench_hwm_bytes "$wardend_pid")
  tracked=$(bench_metric "http://$wardend_metrics/metrics" warden_devices_tracked)
  t_stop0=$(bench_now)
  stop_scenario
  t_stop1=$(bench_now)
  bench_wardend "$dir" "$bench_work/wardend.yaml"
  restart=$wardend_start_seconds
  sleep 1
  rss2=$(bench_rss_bytes "$wardend_pid")
  tracked2=$(bench_metric "http://$wardend_metrics/metrics" warden_devices_tracked)
  stop_scenario
  python3 - "$run" "$mem_devices" "$rss0" "$rss1" "$hwm1" "$rss2" "$tracked" "$tracked2" \
    "$restart" "$t_stop0" "$t_stop1" "$(bench_loadavg)" "$out/memory_1m-$run.txt" \
    >>"$out/runs.jsonl" <<'PY'
import json, sys
(run, n, rss0, rss1, hwm1, rss2, tracked, tracked2, restart, s0, s1, la, txt) = sys.argv[1:]
n, rss0, rss1, hwm1, rss2 = int(n), int(rss0), int(rss1), int(hwm1), int(rss2)
print(json.dumps({"scenario": "memory_1m", "run": int(run), "devices": n,
                  "rss_empty_bytes": rss0, "rss_after_ingest_bytes": rss1,
                  "hwm_after_ingest_bytes": hwm1, "rss_after_restart_bytes": rss2,
                  "devices_tracked": int(tracked), "devices_tracked_after_restart": int(tracked2),
                  "restart_s": float(restart), "stop_s": round(float(s1) - float(s0), 3),
                  "loadavg": la, "loadgen_total": open(txt).read().strip().splitlines()[-1:]}))
PY
  measure bytes_per_device "$run" "$(((rss1 - rss0) / mem_devices))"
  measure bytes_per_device_restart "$run" "$(((rss2 - rss0) / mem_devices))"
  measure rss_1m "$run" "$((hwm1 / 1048576))"
  measure restart_1m "$run" "$restart"
  bench_log "memory_1m run $run: tracked $tracked, RSS $((rss0 >> 20)) -> $((rss1 >> 20)) MiB" \
    "(peak $((hwm1 >> 20))), restart ${restart}s -> $((rss2 >> 20)) MiB, tracked $tracked2"
done
fi

# 8. Ten million devices (only with --only fleet_10m: ~8 minutes per run). Every device
# reports once (populating ~5 GB of state), then the fleet reports at one report per
# device per 5 minutes (33,333 reports/s, every report a state-cache miss) for 120 s, in
# batches of 100 as a broker bridge in front of that many devices sends them; then the
# restart time and RSS with that state. Like such a bridge, which queues the devices'
# reports while wardend is slow, the loadgen may fall up to 5 s behind its schedule and
# send what it owes (--catch-up 5; 50 ms elsewhere): the rate then says whether wardend
# keeps up over the run, not whether its acks ever paused for more than 50 ms.
if [[ ",$only," == *",fleet_10m,"* ]]; then
bench_log "fleet_10m: 9,999,999 devices; populate, then 33,333 reports/s for 120 s"
for run in $(seq 1 "$runs"); do
  dir=$bench_work/fleet_10m
  rm -rf "$dir"; mkdir -p "$dir"
  bench_wardend "$dir" "$bench_work/wardend.yaml"
  "$bin/tools/warden-loadgen" --server "$wardend_grpc" --devices 9999999 --once \
    --rate "$saturate_rate" --seed "$run" >"$out/fleet_10m-$run-populate.txt" 2>&1 ||
    bench_log "fleet_10m run $run: populating failed ($out/fleet_10m-$run-populate.txt)"
  scenario_dir=$dir
  load_devices=9999999 duration_override=120
  load fleet_10m "$run" --rate 33333 --batch 100 --catch-up 5
  unset load_devices duration_override
  measure_cpu fleet_10m_ "$run"
  measure fleet_10m_rate "$run" "$(json "$run_json" 'd.get("accepted_per_s")')"
  measure fleet_10m_p99 "$run" "$(json "$run_json" 'd.get("p99_ms")')"
  measure fleet_10m_rss "$run" "$(json "$run_json" 'round(d["wardend_hwm_bytes"] / 2**20)')"
  stop_scenario
  bench_wardend "$dir" "$bench_work/wardend.yaml"
  measure fleet_10m_restart "$run" "$wardend_start_seconds"
  stop_scenario
done
fi

# --- the table ---------------------------------------------------------------------------------
python3 - "$out/meta.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
echo
python3 bench/lib/summarize.py "$out"
echo
if [ -n "$only" ]; then
  echo "results: $out/results.md (--only: bench/results/latest/ unchanged)"
  exit 0
fi
rm -rf "$root/bench/results/latest"
mkdir -p "$root/bench/results/latest"
cp "$out"/{results.json,results.md,meta.json,measures.jsonl} "$root/bench/results/latest/"
[ -f "$out/micro_bench.json" ] && cp "$out/micro_bench.json" "$root/bench/results/latest/"
echo "results: $out/results.md (also bench/results/latest/)"
