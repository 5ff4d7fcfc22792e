#!/usr/bin/env bash
# The Warden demo: builds, starts wardend on an embedded RocksDB with the example
# profiles in deploy/profiles, streams a simulated fleet in which a few devices
# misbehave, and shows the violations as they appear.
#
#   scripts/demo.sh            # runs the fleet for 60 s, then stops
#   scripts/demo.sh --keep     # leaves wardend running afterwards until Ctrl-C
#   DEMO_SECONDS=120 DEMO_DEVICES=2000 DEMO_RATE=2000 scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
keep=false
[ "${1:-}" = "--keep" ] && keep=true

scripts/build.sh
build_dir=${WARDEN_BUILD_DIR:-build}
bin="$PWD/$build_dir"
seconds=${DEMO_SECONDS:-60}
devices=${DEMO_DEVICES:-500}
rate=${DEMO_RATE:-500}
# Devices misbehave once the baselines in deploy/profiles have learned each device's
# normal: 12 reports (their warm-up) plus a few, at rate/devices reports per second.
misbehave_after=${DEMO_MISBEHAVE_AFTER:-$(( (16 * devices + rate - 1) / rate + 4 ))}
work=$(mktemp -d /tmp/warden-demo-XXXXXX)
# A fresh data dir per run (removed at the end) unless DEMO_DATA_DIR names one to keep.
data_dir=${DEMO_DATA_DIR:-$work/data}

cleanup() {
  [ -n "${loadgen_pid:-}" ] && kill "$loadgen_pid" 2>/dev/null || true
  if [ -n "${wardend_pid:-}" ]; then
    kill "$wardend_pid" 2>/dev/null || true
    wait "$wardend_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "== starting wardend (data: $data_dir, profiles: deploy/profiles)"
"$bin/services/wardend" --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 \
  --data-dir "$data_dir" --profiles deploy/profiles --ready-file "$work/ready.json" \
  2>"$work/wardend.log" &
wardend_pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/ready.json" ] && break
  if ! kill -0 "$wardend_pid" 2>/dev/null; then
    cat "$work/wardend.log" >&2
    echo "demo: wardend did not start (its log is above)" >&2
    exit 1
  fi
  sleep 0.1
done
grpc=$(sed -E 's/.*"grpc":"([^"]+)".*/\1/' "$work/ready.json")
metrics=$(sed -E 's/.*"metrics":"([^"]+)".*/\1/' "$work/ready.json")
ctl() { "$bin/tools/wardenctl" --server "$grpc" "$@"; }

cat <<INFO
== wardend is serving
   gRPC:      $grpc
   /metrics:  http://$metrics/metrics
   try:       $build_dir/tools/wardenctl --server $grpc violations list
              $build_dir/tools/wardenctl --server $grpc violations events --since 10m
              $build_dir/tools/wardenctl --server $grpc profiles list
== streaming a simulated fleet: $devices devices, $rate reports/s, for ${seconds}s;
   a few devices start misbehaving after ${misbehave_after}s
INFO
"$bin/tools/warden-loadgen" --server "$grpc" --devices "$devices" --rate "$rate" \
  --duration "$seconds" --misbehaving-count 8 --misbehave-after "$misbehave_after" &
loadgen_pid=$!

elapsed=0
while kill -0 "$loadgen_pid" 2>/dev/null; do
  sleep 10
  elapsed=$((elapsed + 10))
  echo
  echo "== active violations after ${elapsed}s"
  ctl violations list || true
done
wait "$loadgen_pid" || { echo "demo: the load generator failed" >&2; exit 1; }
loadgen_pid=

echo
echo "== final active violations"
ctl violations list
echo
echo "== violation metrics (http://$metrics/metrics)"
curl -fsS "http://$metrics/metrics" | grep -E '^warden_(violations_active|violation_events_total|ingest_reports_total)' || true

if $keep; then
  echo
  echo "== wardend keeps running on $grpc (Ctrl-C to stop)"
  wait "$wardend_pid"
fi
