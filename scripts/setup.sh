#!/usr/bin/env bash
# Installs what a2a-recover needs to build and test (only what is missing), then builds it.
#   scripts/setup.sh [BUILD_DIR] [extra cmake args...]     default BUILD_DIR: build
#   scripts/setup.sh --install PACKAGE...                   only install the missing ones
# Idempotent: apt-get runs only when a package is missing; cmake reuses the build dir.
# bench.sh and fuzz.sh install their own tools through --install.
set -euo pipefail
cd "$(dirname "$0")/.."

# install_missing PACKAGE...: apt-get installs those not installed yet (as root, through
# sudo when needed).
install_missing() {
    local p sudo=""
    local -a missing=()
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$p")
        fi
    done
    [ ${#missing[@]} -gt 0 ] || return 0
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null; then
        # Debian 13 has no nginx-light: the plain package does as well.
        missing=("${missing[@]/#nginx-light/nginx}")
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null
    fi
}

if [ "${1:-}" = --install ]; then
    shift
    install_missing "$@"
    exit
fi

# dpkg-dev, file, lintian and man-db check the Debian package; jq runs the manual's loop;
# awscli, python3-botocore and curl referee the test Streams server (test_streams_fake.py).
install_missing build-essential cmake pkg-config libcjson-dev libcurl4-openssl-dev \
    libcmocka-dev python3 valgrind mandoc openssl ca-certificates nginx-light time \
    dpkg-dev file lintian man-db jq awscli python3-botocore curl \
    clang-format shellcheck strace

build_dir=${1:-build}
shift || true
cmake -S . -B "$build_dir" "$@" >/dev/null
cmake --build "$build_dir" -j "$(nproc)" >/dev/null
echo "setup: built $build_dir/cli/a2a-recover" >&2
