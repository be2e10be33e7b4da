#!/usr/bin/env bash
# Configures and builds the sanitizer build: clang, -fsanitize=address,undefined, and the
# libFuzzer targets of fuzz/. `scripts/sanitizer-build.sh [BUILD_DIR] [TARGET...]` (default
# build-asan, every target); then `ctest --test-dir build-asan` runs every test and every fuzz
# target over its seed corpus under the sanitizers.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-build-asan}"
shift || true
if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCONVSCOPE_SANITIZE=ON
fi
if [ $# -eq 0 ]; then
    cmake --build "$dir" -j"$(nproc)"
else
    for target in "$@"; do
        cmake --build "$dir" -j"$(nproc)" --target "$target"
    done
fi
