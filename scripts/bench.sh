#!/usr/bin/env bash
# Builds the benchmarks (Release) and runs them with repetitions; results as JSON under build/bench/.
#   scripts/bench.sh [benchmark-binary-name ...]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -- -j"$(nproc)"
mkdir -p build/bench
names=("$@")
if ((${#names[@]} == 0)); then
  mapfile -t names < <(find build/release/bench -maxdepth 1 -type f -executable -name '*_bench' -printf '%f\n' | sort)
fi
for b in "${names[@]}"; do
  ./build/release/bench/"$b" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
    --benchmark_out=build/bench/"$b".json --benchmark_out_format=json
done
