#!/usr/bin/env bash
# How tests/data/journal-v2.db was made: a replay by tradingd at commit 2fcc610
# (journal schema version 2), kept as the "real v2 journal" the v2 -> v3
# migration test starts from. Not run by the tests; run it again only to
# regenerate the file:  bash tests/data/make-journal-v2.sh /path/to/old/tradingd
set -euo pipefail
old_tradingd=${1:?usage: make-journal-v2.sh OLD_TRADINGD_BINARY}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/settings.toml" <<'TOML'
[trading]
coins = ["BTC", "ETH", "SOL"]
[risk]
max_exposure_pct = 0.5
[storage]
db_path = "journal.db"
[log]
dir = "logs"
[shutdown]
conditions = "keep"
positions = "keep"
TOML
cat >"$work/conditions.json" <<'JSON'
[{"id":"v2-tp","coin":"BTC","direction":"LONG","trigger_type":"ABOVE","trigger_price":100,"stop_loss_pct":0.02,
  "take_profit_pct":0.015,"position_size_usd":50,"strategy_id":"old","valid_until":"2030-01-01T00:00:00Z"},
 {"id":"v2-sl","coin":"ETH","direction":"SHORT","trigger_type":"BELOW","trigger_price":2000,"stop_loss_pct":0.02,
  "take_profit_pct":0.015,"position_size_usd":40,"strategy_id":"old","valid_until":"2030-01-01T00:00:00Z"},
 {"id":"v2-open","coin":"SOL","direction":"LONG","trigger_type":"ABOVE","trigger_price":150,"stop_loss_pct":0.02,
  "take_profit_pct":0.015,"position_size_usd":20,"strategy_id":"old","valid_until":"2030-01-01T00:00:00Z"},
 {"id":"v2-rej","coin":"SOL","direction":"LONG","trigger_type":"ABOVE","trigger_price":151,"position_size_usd":20,
  "strategy_id":"old","valid_until":"2030-01-01T00:00:00Z"},
 {"id":"v2-armed","coin":"BTC","direction":"LONG","trigger_type":"ABOVE","trigger_price":120,"stop_loss_pct":0.02,
  "take_profit_pct":0.015,"position_size_usd":30,"strategy_id":"old","valid_until":"2030-01-01T00:00:00Z"}]
JSON
# 2025-11-26T12:00:00Z onwards: BTC opens at 100 and takes profit at 101.6; ETH
# opens SHORT at 1999 and stops out at 2040 (a loss: a cooldown starts there);
# SOL opens at 150 and stays open; v2-rej fires at 151 and is rejected.
cat >"$work/ticks.csv" <<'CSV'
ts_ms,coin,price
1764158400000,BTC,99
1764158401000,BTC,100
1764158402000,ETH,2001
1764158403000,ETH,1999
1764158404000,SOL,149
1764158405000,SOL,150
1764158406000,BTC,101.6
1764158407000,ETH,2040
1764158408000,SOL,151
CSV
(cd "$work" && "$old_tradingd" --config settings.toml --conditions conditions.json --replay ticks.csv >/dev/null)
sqlite3 "$work/journal.db" "PRAGMA user_version" | grep -qx 2
cp "$work/journal.db" "$here/journal-v2.db"
echo "wrote $here/journal-v2.db"
