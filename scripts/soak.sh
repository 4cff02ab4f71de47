#!/usr/bin/env bash
# A week of operation compressed: tradingd against two exchange-sims at 20k
# messages/s with quotes, 1,000 conditions kept armed through the API, API
# pollers, and a random fault every 20 s, for MINUTES (default 30):
#   bash scripts/soak.sh [MINUTES]           the release build
#   BUILD=build/asan bash scripts/soak.sh 10  the same under ASan + UBSan
# Samples RSS, fds, threads, journal queue and tick-to-decision p99 every 10 s;
# fails on a crash, a sanitizer report, growth after the warm-up, an API 500 or a
# journal that breaks design.md §5. Writes build/soak/soak-report.md (the table of
# docs/testing.md) and build/soak/soak-samples.csv.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-30}"
build="${BUILD:-build/release}"
bash scripts/install-deps.sh >/dev/null
if [[ "$build" == build/release ]]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target tradingd exchange-sim
fi
exec /usr/bin/python3 scripts/soak.py --minutes "$minutes" --build "$build" ${SOAK_ARGS:-}
