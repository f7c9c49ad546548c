#!/usr/bin/env bash
# Installs the Debian 12 packages membound needs, only when something is missing: a second run
# changes nothing (one dpkg-query, well under 2 s).
#   scripts/install-deps.sh          build + demo
#   scripts/install-deps.sh --test   also what the test suite needs
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build pkg-config git
  libspdlog-dev libfmt-dev libtbb-dev libboost-dev libboost-container-dev
  libcli11-dev nlohmann-json3-dev libcpp-httplib-dev libzstd-dev libsqlite3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
test_pkgs=(
  clang libclang-rt-14-dev
  prometheus chromium
)

want=("${build_pkgs[@]}")
# The admin dashboard's chart library comes from the npm registry (see the npm step below). npm
# only when the command is missing: a Node.js from elsewhere (e.g. NodeSource) bundles its own npm
# and conflicts with Debian's package.
if ! command -v npm >/dev/null 2>&1; then want+=(npm); fi
if [[ "${1:-}" == "--test" ]]; then
  want+=("${test_pkgs[@]}")
fi

missing=()
installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${want[@]}" 2>/dev/null || true)
for p in "${want[@]}"; do
  if ! grep -qE "^${p} ii" <<<"$installed"; then missing+=("$p"); fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The dashboard's front-end packages (src/observability/admin/web/package-lock.json), installed
# into the git-ignored .deps/npm and embedded into membound_admin at build time. Skipped when the
# stamp (a copy of the lock file written after a successful npm ci) matches the committed lock.
root="$(cd "$(dirname "$0")/.." && pwd)"
web="$root/src/observability/admin/web"
npm_dir="$root/.deps/npm"
if ! cmp -s "$web/package-lock.json" "$npm_dir/installed.lock" ||
   [[ ! -f "$npm_dir/node_modules/uplot/dist/uPlot.iife.min.js" ]]; then
  echo "install-deps: npm ci (dashboard packages) into .deps/npm"
  mkdir -p "$npm_dir"
  rm -f "$npm_dir/installed.lock"
  cp "$web/package.json" "$web/package-lock.json" "$npm_dir/"
  npm ci --prefix "$npm_dir" --no-audit --no-fund --ignore-scripts --loglevel=error
  cp "$web/package-lock.json" "$npm_dir/installed.lock"
fi
