#!/usr/bin/env bash
# Installs the Debian 12 packages tradingd needs to build, test and run its demo.
# Idempotent: packages already present are skipped; apt-get runs only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libboost1.81-dev libssl-dev libsimdjson-dev libsqlitecpp-dev libsqlite3-dev zlib1g-dev libminizip-dev libisal-dev
  libspdlog-dev libfmt-dev nlohmann-json3-dev catch2 libtomlplusplus-dev libbenchmark-dev
  sqlite3 python3-yaml python3-websockets
  # Sweeps of backtests (tradingd-sweep): Dask's scheduler and workers, and the heatmap.
  python3-distributed python3-matplotlib
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
