#!/usr/bin/env bash
# Quick start, part 1: install what is missing, build (Release) and run the main job.
# Extra arguments go to `membound demo`, e.g. ./scripts/demo.sh --budget-mb 128 --json
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target membound_cli -- -j"$(nproc)"
exec ./build/release/src/cli/membound demo "$@"
