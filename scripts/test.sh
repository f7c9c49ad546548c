#!/usr/bin/env bash
# Quick start, part 2: install what is missing, build (Release, -Werror) and run the whole test
# suite with ctest. Its last lines are ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --test
cmake --preset ci >/dev/null
cmake --build --preset ci -- -j"$(nproc)"
exec ctest --preset ci -j"$(nproc)"
