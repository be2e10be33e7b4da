#!/usr/bin/env bash
# Installs the Debian packages ConvScope builds and tests with, when any is missing.
# As root it runs apt-get; otherwise it prints the exact sudo line to run and stops.
set -euo pipefail

packages=(
    g++ cmake make pkg-config ccache
    qt6-base-dev libgl-dev libqt6svg6
    libtbb-dev
    libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libopencv-dnn-dev
    libhwy-dev
    nlohmann-json3-dev
    libgif-dev
    libonnx-dev libprotobuf-dev
    libssl-dev
    xvfb xauth
    # The sanitizer build and the fuzz targets: clang with its ASan/UBSan runtimes and libFuzzer.
    clang libclang-rt-14-dev libfuzzer-14-dev
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "ConvScope needs these Debian packages: ${missing[*]}" >&2
    echo "Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
