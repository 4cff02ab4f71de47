#!/usr/bin/env bash
# The demo: installs what is missing, builds, and runs tradingd on a recorded
# price path (config/sample-ticks.csv) with the sample conditions, paced so the
# health line shows every second. Then it prints what the journal recorded.
# The live WebSocket feed is not built yet; this replays ticks through the same
# trading path the feed will drive.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target tradingd

rm -rf demo  # a fresh journal each run: condition ids are never reused within one
./build/release/tradingd --config config/replay-demo.toml \
  --conditions config/sample-conditions.json \
  --replay config/sample-ticks.csv --replay-rate 6

db=demo/journal.db
echo
echo "== trades ($db)"
sqlite3 -header -column "$db" \
  "SELECT id, coin, direction, entry_price, exit_price, exit_reason, round(pnl_usd, 4) AS pnl_usd, status FROM trades"
echo
echo "== conditions"
sqlite3 -header -column "$db" "SELECT id, coin, status, status_reason FROM conditions"
echo
echo "== balance"
sqlite3 -header -column "$db" "SELECT seq, ts_ms, round(balance, 4) AS balance, reason, trade_id FROM balance"
