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
)

want=("${build_pkgs[@]}")
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
