#!/usr/bin/env bash
# Installs the Debian packages Warden needs (when run as root) and builds everything
# into build/ (or $WARDEN_BUILD_DIR). Usage: scripts/build.sh [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build_dir=${WARDEN_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${WARDEN_BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
cmake --build "$build_dir" -j"${WARDEN_JOBS:-2}"
