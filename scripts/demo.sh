#!/usr/bin/env bash
# The demo: installs what is missing, builds, starts exchange-sim (the bundled
# loopback exchange) playing config/demo-path.csv over wss://, and runs tradingd
# on config/demo.toml with config/demo-conditions.json in the foreground.
# Within about 11 s, with fills at the sim's best bid/ask: a breakout takes
# profit, a trailing stop follows BTC up and closes on the pull-back, a
# breakdown stops out, a scalp hits its time limit, and an OCO pair on SOL
# fills one leg and cancels the other; the health line shows every second.
# Ctrl-C stops tradingd cleanly, then the sim, and prints what the journal
# recorded; the session, recorded under demo/recordings/, is then replayed
# into demo/replay.db and shown to be the same journal. The control API's token is $TRADINGD_API_TOKEN, or a fresh one,
# written to demo/api-token for a strategist (examples/breakout_strategist.py
# --token-file demo/api-token).
#
# DEMO_SECONDS=N stops it by itself after N seconds (for scripted runs).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target tradingd exchange-sim

rm -rf demo  # a fresh journal each run: condition ids are never reused within one
mkdir -p demo
port=18443
./build/release/exchange-sim --csv config/demo-path.csv --rate 20 --loop --port "$port" \
  --write-ca demo/sim-ca.pem >demo/exchange-sim.log 2>&1 &
sim=$!
trap 'kill "$sim" 2>/dev/null || true; wait "$sim" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q "listening on" demo/exchange-sim.log 2>/dev/null && break
  if ! kill -0 "$sim" 2>/dev/null; then
    echo "demo: exchange-sim did not start (is port $port in use?):" >&2
    cat demo/exchange-sim.log >&2
    exit 1
  fi
  sleep 0.1
done
echo "demo: $(head -1 demo/exchange-sim.log); its log is demo/exchange-sim.log"
export TRADINGD_API_TOKEN="${TRADINGD_API_TOKEN:-$(od -An -N16 -tx1 /dev/urandom | tr -d " \n")}"
(umask 077 && printf '%s\n' "$TRADINGD_API_TOKEN" >demo/api-token)
echo "demo: the API token is in demo/api-token; a strategist: python3 examples/breakout_strategist.py --token-file demo/api-token"
echo "demo: starting tradingd; the dashboard is at http://127.0.0.1:8080/ ; press Ctrl-C to stop"

daemon=(./build/release/tradingd --config config/demo.toml --conditions config/demo-conditions.json)
if [[ -n "${DEMO_SECONDS:-}" ]]; then
  "${daemon[@]}" &
  pid=$!
  sleep "$DEMO_SECONDS"
  kill -INT "$pid"
  wait "$pid"
else
  # tradingd handles Ctrl-C itself (clean shutdown, exit 0); the script then goes on.
  "${daemon[@]}" || true
fi

journal=(./build/release/tradingd journal --config config/demo.toml)
echo
echo "== trades (tradingd journal --config config/demo.toml recent)"
"${journal[@]}" recent
echo
echo "== conditions"
"${journal[@]}" conditions
echo
echo "== summary"
"${journal[@]}" summary

# The session was recorded (config/demo.toml [record]): replay it into a new
# journal and show that it is the same journal (design.md §11).
session=$(ls -d demo/recordings/*/ 2>/dev/null | tail -1 || true)
if [[ -n "$session" ]]; then
  echo
  echo "== the session is recorded in $session; replaying it exactly into demo/replay.db"
  rm -f demo/replay.db
  ./build/release/tradingd --replay-session "$session" --db demo/replay.db >demo/replay.log 2>&1
  same=yes
  for q in "SELECT * FROM conditions" "SELECT * FROM trades" "SELECT * FROM balance" \
           "SELECT kind, ref_id, detail FROM events"; do
    if ! diff -q <(sqlite3 demo/journal.db "$q ORDER BY rowid") <(sqlite3 demo/replay.db "$q ORDER BY rowid") \
         >/dev/null; then
      same=no
      echo "demo: the replay differs in: $q" >&2
    fi
  done
  rows=$(sqlite3 demo/replay.db "SELECT (SELECT count(*) FROM conditions) + (SELECT count(*) FROM trades) +
                                        (SELECT count(*) FROM balance) + (SELECT count(*) FROM events)")
  if [[ "$same" == yes ]]; then
    echo "demo: the replay's journal equals the live one, row for row ($rows rows; see demo/replay.log)"
  fi
  echo "demo: a what-if with other settings: build/release/tradingd --replay-session $session" \
       "--db /tmp/what-if.db --config OTHER.toml (docs/replay.md, \"Recording a session\")"
fi
