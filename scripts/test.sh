#!/usr/bin/env bash
# The test command: installs what is missing, builds (release preset) and runs
# every test: unit, integration and perf. Exit code is ctest's.
#   PRESET=asan bash scripts/test.sh    # the same under ASan + UBSan
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${PRESET:-release}"

bash scripts/install-deps.sh
# Test-only tools: promtool (Debian's prometheus package) checks /metrics;
# headless Chromium loads the dashboard.
missing=()
command -v promtool >/dev/null || missing+=(prometheus)
command -v chromium >/dev/null || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "test.sh: installing ${missing[*]} for the tests"
  if [ "$(id -u)" -eq 0 ]; then apt_get=(apt-get); else apt_get=(sudo apt-get); fi
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y --no-install-recommends "${missing[@]}"
fi
cmake --preset "$preset"
cmake --build --preset "$preset"
ctest --preset "$preset" --output-on-failure --timeout 600 -j "$(nproc)"
