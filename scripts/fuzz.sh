#!/usr/bin/env bash
# A long libFuzzer campaign on one reader:
#   scripts/fuzz.sh TARGET SECONDS [BUILD_DIR]
# TARGET is fuzz_pipeline, fuzz_project, fuzz_npy, fuzz_image or fuzz_onnx (see
# fuzz/CMakeLists.txt).
# Builds the target in the sanitizer build (build-asan unless BUILD_DIR is given), starts from
# the seed corpus fuzz/corpus/<name> and keeps what it learns in BUILD_DIR/fuzz/<name>/:
# corpus/ (inputs that reach new code) and crashes/ (each failure, a reproducer: run
# BUILD_DIR/bin/TARGET FILE). Runs at the lowest priority; prints libFuzzer's final statistics
# (executions, coverage) and exits non-zero when it found a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
    echo "usage: scripts/fuzz.sh TARGET SECONDS [BUILD_DIR]" >&2
    exit 2
fi
target="$1"
seconds="$2"
dir="${3:-build-asan}"
name="${target#fuzz_}"
if [ ! -d "fuzz/corpus/$name" ]; then
    echo "scripts/fuzz.sh: no seed corpus fuzz/corpus/$name (is $target a fuzz target?)" >&2
    exit 2
fi
scripts/sanitizer-build.sh "$dir" "$target"
work="$dir/fuzz/$name"
mkdir -p "$work/corpus" "$work/crashes"
dict=()
[ -f "fuzz/$name.dict" ] && dict=(-dict="fuzz/$name.dict")
export ASAN_OPTIONS="detect_leaks=1:detect_stack_use_after_return=1"
export LSAN_OPTIONS="suppressions=$PWD/sanitizers/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$PWD/sanitizers/ubsan.supp"
# One input runs in under a second on an idle machine; the limit is wall-clock time, and at the
# lowest priority beside a build an input can wait tens of seconds for a core, so a hang is
# whatever takes past a minute (replay a timeout-* reproducer alone to tell the two apart).
exec nice -n 19 "$dir/bin/$target" -max_total_time="$seconds" -timeout=60 -rss_limit_mb=2560 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$work/crashes/" "${dict[@]}" \
    "$work/corpus" "fuzz/corpus/$name"
