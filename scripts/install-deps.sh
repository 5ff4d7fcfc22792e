#!/usr/bin/env bash
# Installs every Debian 12 package Warden needs to build, test and run its demo.
# This is the only list of packages: add new dependencies here and nowhere else.
set -euo pipefail

PACKAGES=(
  # toolchain (present on a fresh machine, listed so the script is complete)
  build-essential cmake pkg-config git
  # libraries
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  librocksdb-dev prometheus-cpp-dev libyaml-cpp-dev libabsl-dev
  libcli11-dev nlohmann-json3-dev libssl-dev libcurl4-openssl-dev
  libhowardhinnant-date-dev tzdata openssl
  # country:XX entries of cidr lists (MaxMind DB reader)
  libmaxminddb-dev
  # gzip-compressed detection scenarios (wardenctl replay)
  zlib1g-dev
  # the allocator of wardend and warden-loadgen (docs/PERFORMANCE.md: ~23 % less CPU per report)
  libjemalloc-dev
  # tests
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  # the geoip tests and benchmarks build a small MMDB (tests/rules/make_test_mmdb.pl)
  libmaxmind-db-writer-perl
  # promtool (checks /metrics) and a real Alertmanager for the end-to-end tests
  prometheus prometheus-alertmanager
  # independent oracles in Python: webhook signatures (stdlib), cron schedules (croniter)
  python3 python3-croniter
  # demo and tests talk to the daemon's /metrics
  curl
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]} (run as root to install them)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
