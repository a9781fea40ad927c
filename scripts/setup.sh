#!/usr/bin/env bash
# Installs what a2a-recover needs to build and test (only what is missing), then builds it.
#   scripts/setup.sh [BUILD_DIR] [extra cmake args...]     default BUILD_DIR: build
# Idempotent: apt-get runs only when a package is missing; cmake reuses the build dir.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake pkg-config libcjson-dev libcurl4-openssl-dev libcmocka-dev
          python3 valgrind mandoc openssl ca-certificates nginx-light)
missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "setup: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi

build_dir=${1:-build}
shift || true
cmake -S . -B "$build_dir" "$@" >/dev/null
cmake --build "$build_dir" -j "$(nproc)" >/dev/null
echo "setup: built $build_dir/cli/a2a-recover" >&2
