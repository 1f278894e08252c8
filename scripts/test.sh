#!/usr/bin/env bash
# README command 2: install what the tests need, build, and run the whole suite.
#
#   scripts/test.sh            everything: sanitizer builds (ASan+UBSan, TSan), then the
#                              full suite in a warnings-as-errors build (its ctest summary
#                              is the last line)
#   ROWSHIFT_SANITIZERS=0 scripts/test.sh   skip the sanitizer builds
#   ROWSHIFT_BENCH=0 scripts/test.sh        skip the benchmark's short run
#
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc)

bash scripts/install-deps.sh --tests

build() {  # build DIR [cmake args...]
  local dir=$1
  shift
  cmake -S "$root" -B "$dir" -G Ninja -DROWSHIFT_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

if [[ "${ROWSHIFT_SANITIZERS:-1}" != 0 ]]; then
  echo "== AddressSanitizer + UndefinedBehaviorSanitizer =="
  build build-asan -DCMAKE_BUILD_TYPE=Debug -DROWSHIFT_SANITIZE=address
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    LSAN_OPTIONS=suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0 \
    ROWSHIFT_KILLS=3 ROWSHIFT_KILL_ROWS=100000 \
    ctest --test-dir build-asan -j "$jobs" --output-on-failure

  echo "== ThreadSanitizer (pool, coordinator, shutdown, resume) =="
  build build-tsan -DCMAKE_BUILD_TYPE=Debug -DROWSHIFT_SANITIZE=thread
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 ROWSHIFT_KILLS=3 ROWSHIFT_KILL_ROWS=100000 \
    ctest --test-dir build-tsan -j "$jobs" --output-on-failure

  echo "== libFuzzer: URL and migration-file parsers (${ROWSHIFT_FUZZ_SECONDS:-20} s each) =="
  cmake -S "$root" -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DROWSHIFT_TESTS=OFF -DROWSHIFT_FUZZ=ON -DROWSHIFT_SANITIZE=fuzzer >/dev/null
  cmake --build build-fuzz -j "$jobs" --target url_fuzzer migration_fuzzer
  for f in url migration; do
    work=$(mktemp -d)
    cp -r "tests/fuzz/corpus/$f/." "$work"
    build-fuzz/tests/fuzz/${f}_fuzzer -max_total_time="${ROWSHIFT_FUZZ_SECONDS:-20}" -timeout=5 \
      -print_final_stats=1 "$work" >"$work.log" 2>&1 || { tail -n 40 "$work.log"; exit 1; }
    grep -E "stat::number_of_executed_units|Done" "$work.log" | sed "s/^/${f}_fuzzer: /"
    rm -rf "$work" "$work.log"
  done
fi

echo "== Full suite build (RelWithDebInfo, -Werror) =="
build build -DCMAKE_BUILD_TYPE=RelWithDebInfo

# The benchmark in its short mode (20,000 rows, every path and peer once, results
# verified): proves it works, measures nothing worth keeping. It needs the peers'
# script next to the repository (../shared/bench/peers.sh, or PEERS_SH).
peers=${PEERS_SH:-}
for p in "$root/../shared/bench/peers.sh" /work/shared/bench/peers.sh; do
  if [[ -z "$peers" && -f "$p" ]]; then peers=$p; fi
done
if [[ "${ROWSHIFT_BENCH:-1}" != 0 && -n "$peers" ]]; then
  echo "== Benchmark, short mode (bench/run.sh --short, peers from $peers) =="
  PEERS_SH=$peers ROWSHIFT_BENCH_BUILD=$root/build bash bench/run.sh --short | tail -n 25
elif [[ "${ROWSHIFT_BENCH:-1}" != 0 ]]; then
  echo "== Benchmark skipped: ../shared/bench/peers.sh not found beside the clone (set PEERS_SH) =="
fi

echo "== Full suite (RelWithDebInfo, -Werror) =="
ctest --test-dir build -j "$jobs" --output-on-failure
