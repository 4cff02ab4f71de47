#!/usr/bin/env bash
# The test command: installs what is missing, builds (release preset) and runs
# every test: unit, integration and perf. Exit code is ctest's.
#   PRESET=asan bash scripts/test.sh    # the same under ASan + UBSan
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${PRESET:-release}"

bash scripts/install-deps.sh
cmake --preset "$preset"
cmake --build --preset "$preset"
ctest --preset "$preset" --output-on-failure --timeout 600 -j "$(nproc)"
