#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs dependencies, builds,
# runs every test (unit, integration, end-to-end) with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
build_dir=${WARDEN_BUILD_DIR:-build}
cd "$build_dir"
ctest --output-on-failure -j"${WARDEN_JOBS:-2}" --timeout 600
