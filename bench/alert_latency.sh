#!/usr/bin/env bash
# Measures report → alert accepted by a real Alertmanager, under load: wardend with the
# example profiles and an Alertmanager receiver, warden-loadgen streaming a fleet in
# which some devices misbehave; then reads warden_alert_delivery_latency_seconds.
#
#   bench/alert_latency.sh            # 10,000 devices, 10,000 reports/s, 30 s, 300 misbehaving
#   DEVICES=50000 RATE=20000 SECONDS_=60 bench/alert_latency.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
bin="$PWD/${WARDEN_BUILD_DIR:-build}"
devices=${DEVICES:-10000}
rate=${RATE:-10000}
seconds=${SECONDS_:-30}
bad=${MISBEHAVING:-300}
work=$(mktemp -d /tmp/warden-alert-latency-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

am_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'route: {receiver: blackhole}\nreceivers: [{name: blackhole}]\n' > "$work/am.yml"
prometheus-alertmanager --config.file="$work/am.yml" --storage.path="$work/am" \
  --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= >"$work/am.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$am_port/-/ready" >/dev/null 2>&1 && break; sleep 0.1; done

cat > "$work/wardend.yaml" <<CONF
profiles: $PWD/deploy/profiles
data_dir: $work/data
listen: 127.0.0.1:0
metrics_listen: 127.0.0.1:0
ready_file: $work/ready.json
alerting:
  receivers:
    - name: alertmanager
      alertmanager:
        urls: [http://127.0.0.1:$am_port]
CONF
"$bin/services/wardend" --config "$work/wardend.yaml" 2>"$work/wardend.log" &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$work/ready.json" ] && break; sleep 0.1; done
grpc=$(python3 -c "import json;print(json.load(open('$work/ready.json'))['grpc'])")
metrics=$(python3 -c "import json;print(json.load(open('$work/ready.json'))['metrics'])")

"$bin/tools/warden-loadgen" --server "$grpc" --devices "$devices" --rate "$rate" \
  --duration "$seconds" --misbehaving-count "$bad" --misbehave-after 5 | tail -n 1
sleep 2
curl -fsS "http://$metrics/metrics" | python3 -c '
import sys
buckets, count, total = [], 0, 0.0
for line in sys.stdin:
    if line.startswith("warden_alert_delivery_latency_seconds_bucket"):
        le = line.split("le=\"")[1].split("\"")[0]
        buckets.append((float("inf") if le == "+Inf" else float(le), float(line.split()[-1])))
    elif line.startswith("warden_alert_delivery_latency_seconds_count"):
        count = float(line.split()[-1])
    elif line.startswith("warden_alert_delivery_latency_seconds_sum"):
        total = float(line.split()[-1])
def q(p):
    for le, c in buckets:
        if c >= p * count:
            return le
print(f"alerts delivered to Alertmanager: {int(count)}; mean {1000*total/max(count,1):.1f} ms; "
      f"p50 <= {1000*q(0.5):g} ms; p99 <= {1000*q(0.99):g} ms (histogram bucket bounds)")
'
