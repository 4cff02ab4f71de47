#!/usr/bin/python3
"""The seed's design ported to Python: the baseline of the bench's "≥ 100×" row (docs/performance.md).

The seed is tradingd's first commit (906e55e, "Engine core"). This is its `--replay` path
written as a careful Python programmer would, on the same inputs and with the same
semantics, so that the bench can say how much the C++ daemon gains over the obvious
alternative. It is a yardstick, not a product: no config file, no API, no feed.

What it keeps from the seed, step for step:
  * the replay file is read whole before the run (ts_ms,coin,price; a header line; every
    row checked: three fields, integer time, configured coin, a number, time not going back);
  * the conditions file is parsed and checked (unique ids, configured coin, direction,
    trigger, levels) and each condition armed: a row in `conditions` and an event;
  * per tick: invalid prices dropped; exits first (stop-loss, then take-profit, in opening
    order), then entries in arming order with expiry, the risk checks (max positions,
    per coin, exposure, balance) and a paper fill with the fee;
  * an expiry sweep each second of tick time, and one at the end;
  * shutdown cancels what is still armed (the seed's default policy) and journals SHUTDOWN;
  * the journal is written by a thread of its own from a queue, one transaction a batch,
    in SQLite with the seed's tables (WAL, synchronous=NORMAL), checkpointed at the end.

Usage: python_port.py --coins BTC,ETH,... --conditions FILE --replay FILE --db FILE
"""

import argparse
import json
import math
import queue
import sqlite3
import sys
import threading

SCHEMA = """
CREATE TABLE conditions (
  id TEXT PRIMARY KEY, coin TEXT NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('LONG','SHORT')),
  trigger_type TEXT NOT NULL CHECK (trigger_type IN ('ABOVE','BELOW')),
  trigger_price REAL NOT NULL, stop_loss_pct REAL NOT NULL, take_profit_pct REAL NOT NULL,
  position_size_usd REAL NOT NULL, strategy_id TEXT NOT NULL DEFAULT '', reasoning TEXT NOT NULL DEFAULT '',
  valid_until_ms INTEGER NOT NULL, created_at_ms INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ACTIVE','TRIGGERED','REJECTED','EXPIRED','CANCELLED')),
  status_reason TEXT NOT NULL DEFAULT '', updated_ms INTEGER NOT NULL);
CREATE INDEX conditions_by_status ON conditions(status);
CREATE TABLE trades (
  id TEXT PRIMARY KEY, condition_id TEXT NOT NULL, coin TEXT NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('LONG','SHORT')),
  size_usd REAL NOT NULL, qty REAL NOT NULL, entry_price REAL NOT NULL, entry_ms INTEGER NOT NULL,
  stop_loss_price REAL NOT NULL, take_profit_price REAL NOT NULL, exit_price REAL, exit_ms INTEGER,
  exit_reason TEXT CHECK (exit_reason IN ('STOP_LOSS','TAKE_PROFIT','MANUAL','SHUTDOWN')),
  fees_usd REAL NOT NULL, pnl_usd REAL, status TEXT NOT NULL CHECK (status IN ('OPEN','CLOSED')),
  strategy_id TEXT NOT NULL DEFAULT '');
CREATE INDEX trades_by_status ON trades(status);
CREATE INDEX trades_by_entry ON trades(entry_ms);
CREATE TABLE balance (seq INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, balance REAL NOT NULL,
  reason TEXT NOT NULL, trade_id TEXT);
CREATE TABLE events (seq INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, kind TEXT NOT NULL, ref_id TEXT,
  detail TEXT NOT NULL DEFAULT '{}');
CREATE INDEX events_by_ts ON events(ts_ms);
"""

# Risk and paper settings: the seed's defaults (config/settings.toml at 906e55e).
MAX_POSITIONS, MAX_PER_COIN, MAX_EXPOSURE_PCT = 5, 1, 0.10
DEFAULT_SL, DEFAULT_TP = 0.02, 0.015
INITIAL_BALANCE, FEE_PCT = 1000.0, 0.001
SWEEP_MS = 1000


class Journal:
    """A writer thread fed by a queue; each batch of records one transaction."""

    def __init__(self, path):
        self.queue = queue.SimpleQueue()
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript("BEGIN;" + SCHEMA + "PRAGMA user_version=1; COMMIT;")
        self.db = db
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def submit(self, sql, args):
        self.queue.put((sql, args))

    def stop(self):
        self.queue.put(None)
        self.thread.join()
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()

    def _run(self):
        db, q = self.db, self.queue
        stopping = False
        while not stopping:
            batch = [q.get()]
            while len(batch) < 4096:
                try:
                    batch.append(q.get_nowait())
                except queue.Empty:
                    break
            if batch[-1] is None:
                stopping = True
                batch.pop()
            db.execute("BEGIN")
            for sql, args in batch:
                db.execute(sql, args)
            db.execute("COMMIT")

    def event(self, ts, kind, ref, detail):
        self.submit("INSERT INTO events (ts_ms, kind, ref_id, detail) VALUES (?,?,?,?)",
                    (ts, kind, ref, json.dumps(detail)))


class Condition:
    __slots__ = ("id", "coin", "direction", "above", "trigger", "size", "sl", "tp", "valid_until", "strategy")


class Position:
    __slots__ = ("id", "condition_id", "coin", "long", "size", "qty", "entry", "entry_ms", "sl_price", "tp_price",
                 "fee", "strategy")


def load_ticks(path, coins):
    """The seed's ReplaySource::load: the whole file, every row checked, errors naming file and line."""
    ticks, errors, last = [], [], -(2**63)
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line[0] == "#":
                continue
            parts = line.split(",")
            if len(parts) != 3:
                errors.append(f"{path}:{n}: expected 3 fields ts_ms,coin,price")
                continue
            try:
                ts = int(parts[0])
            except ValueError:
                if n == 1 and not ticks:
                    continue  # a header line
                errors.append(f"{path}:{n}: ts_ms is not an integer")
                continue
            coin = coins.get(parts[1].strip())
            if coin is None:
                errors.append(f"{path}:{n}: coin is not configured")
                continue
            try:
                price = float(parts[2])
            except ValueError:
                errors.append(f"{path}:{n}: price is not a number")
                continue
            if ts < last:
                errors.append(f"{path}:{n}: ts_ms goes backwards")
                continue
            last = ts
            ticks.append((ts, coin, price))
    if errors:
        sys.exit("\n".join(errors[:20]))
    if not ticks:
        sys.exit(f"{path}: no ticks")
    return ticks


def parse_ms(text):
    from datetime import datetime
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def load_conditions(path, coins, now_ms):
    with open(path) as f:
        doc = json.load(f)
    out, seen = [], set()
    for i, c in enumerate(doc):
        where = f"{path}: condition {i}"
        cid = c["id"]
        if cid in seen:
            sys.exit(f"{where}: id '{cid}' is armed twice")
        seen.add(cid)
        if c["coin"] not in coins:
            sys.exit(f"{where}: coin is not configured")
        if c["direction"] not in ("LONG", "SHORT") or c["trigger_type"] not in ("ABOVE", "BELOW"):
            sys.exit(f"{where}: direction or trigger_type")
        k = Condition()
        k.id, k.coin, k.direction = cid, coins[c["coin"]], c["direction"]
        k.above = c["trigger_type"] == "ABOVE"
        k.trigger = float(c["trigger_price"])
        k.size = float(c["position_size_usd"])
        k.sl = float(c.get("stop_loss_pct", DEFAULT_SL))
        k.tp = float(c.get("take_profit_pct", DEFAULT_TP))
        if not (k.trigger > 0 and math.isfinite(k.trigger) and k.size > 0 and 0 < k.sl < 1 and k.tp > 0):
            sys.exit(f"{where}: a level is out of range")
        k.valid_until = parse_ms(c["valid_until"]) if "valid_until" in c else now_ms + 3_600_000
        k.strategy = c.get("strategy_id", "")
        out.append(k)
    return out


class Sniper:
    def __init__(self, names, journal):
        self.names, self.journal = names, journal
        self.armed = [[] for _ in names]
        self.open = [[] for _ in names]
        self.open_count = 0
        self.balance = INITIAL_BALANCE

    def arm(self, c, now):
        self.armed[c.coin].append(c)
        self.journal.submit(
            "INSERT INTO conditions (id, coin, direction, trigger_type, trigger_price, stop_loss_pct, take_profit_pct,"
            " position_size_usd, strategy_id, valid_until_ms, created_at_ms, status, updated_ms)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,'ACTIVE',?)",
            (c.id, self.names[c.coin], c.direction, "ABOVE" if c.above else "BELOW", c.trigger, c.sl, c.tp, c.size,
             c.strategy, c.valid_until, now, now))
        self.journal.event(now, "CONDITION_ARMED", c.id, {"coin": self.names[c.coin], "direction": c.direction,
                                                          "trigger_price": c.trigger})

    def finish(self, c, status, reason, ts):
        self.journal.submit("UPDATE conditions SET status=?, status_reason=?, updated_ms=? WHERE id=?",
                            (status, reason, ts, c.id))
        self.journal.event(ts, "CONDITION_" + status, c.id, {"reason": reason})

    def on_tick(self, coin, price, ts):
        if not (price > 0.0) or math.isinf(price):
            return
        # 1. exits first, in opening order
        positions = self.open[coin]
        i = 0
        while i < len(positions):
            p = positions[i]
            if p.long:
                reason = "STOP_LOSS" if price <= p.sl_price else "TAKE_PROFIT" if price >= p.tp_price else None
            else:
                reason = "STOP_LOSS" if price >= p.sl_price else "TAKE_PROFIT" if price <= p.tp_price else None
            if reason:
                self.close(coin, i, price, reason, ts)
            else:
                i += 1
        # 2. entries in arming order; consumed ones compacted out
        armed = self.armed[coin]
        if not armed:
            return
        keep = []
        for c in armed:
            if ts > c.valid_until:
                self.finish(c, "EXPIRED", "valid_until passed", ts)
            elif (price >= c.trigger) if c.above else (price <= c.trigger):
                reason = self.risk_check(coin, c.size)
                if reason:
                    self.finish(c, "REJECTED", reason, ts)
                else:
                    self.open_position(coin, c, price, ts)
            else:
                keep.append(c)
        if len(keep) != len(armed):
            self.armed[coin] = keep

    def risk_check(self, coin, size):
        if self.open_count >= MAX_POSITIONS:
            return "max_positions"
        if len(self.open[coin]) >= MAX_PER_COIN:
            return "max_position_per_coin"
        exposure = sum(p.size for per_coin in self.open for p in per_coin)
        if exposure + size > MAX_EXPOSURE_PCT * self.balance + 1e-9:
            return "max_exposure"
        if exposure + size > self.balance:
            return "insufficient_balance"
        return None

    def open_position(self, coin, c, price, ts):
        p = Position()
        p.id, p.condition_id, p.coin, p.long = "T-" + c.id, c.id, coin, c.direction == "LONG"
        p.size, p.entry, p.qty, p.entry_ms, p.strategy = c.size, price, c.size / price, ts, c.strategy
        p.sl_price = price * (1 - c.sl) if p.long else price * (1 + c.sl)
        p.tp_price = price * (1 + c.tp) if p.long else price * (1 - c.tp)
        p.fee = c.size * FEE_PCT
        self.open[coin].append(p)
        self.open_count += 1
        self.journal.submit("UPDATE conditions SET status='TRIGGERED', status_reason=?, updated_ms=? WHERE id=?",
                            (p.id, ts, c.id))
        self.journal.submit(
            "INSERT INTO trades (id, condition_id, coin, direction, size_usd, qty, entry_price, entry_ms,"
            " stop_loss_price, take_profit_price, fees_usd, status, strategy_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,'OPEN',?)",
            (p.id, c.id, self.names[coin], c.direction, p.size, p.qty, price, ts, p.sl_price, p.tp_price, p.fee,
             p.strategy))
        self.journal.event(ts, "POSITION_OPENED", p.id, {"coin": self.names[coin], "entry_price": price})

    def close(self, coin, index, price, reason, ts):
        p = self.open[coin].pop(index)
        self.open_count -= 1
        gross = (price - p.entry) * p.qty if p.long else (p.entry - price) * p.qty
        fees = p.fee + p.qty * price * FEE_PCT
        pnl = gross - fees
        self.balance += pnl
        self.journal.submit("UPDATE trades SET exit_price=?, exit_ms=?, exit_reason=?, fees_usd=?, pnl_usd=?,"
                            " status='CLOSED' WHERE id=?", (price, ts, reason, fees, pnl, p.id))
        self.journal.submit("INSERT INTO balance (ts_ms, balance, reason, trade_id) VALUES (?,?,?,?)",
                            (ts, self.balance, "TRADE_CLOSED", p.id))
        self.journal.event(ts, "POSITION_CLOSED", p.id, {"reason": reason, "exit_price": price, "pnl_usd": pnl})

    def sweep(self, now):
        for coin, armed in enumerate(self.armed):
            if any(now > c.valid_until for c in armed):
                for c in armed:
                    if now > c.valid_until:
                        self.finish(c, "EXPIRED", "valid_until passed", now)
                self.armed[coin] = [c for c in armed if now <= c.valid_until]

    def cancel_all(self, now):
        n = 0
        for coin, armed in enumerate(self.armed):
            for c in armed:
                self.finish(c, "CANCELLED", "shutdown", now)
                n += 1
            self.armed[coin] = []
        return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--coins", required=True)
    ap.add_argument("--conditions", required=True)
    ap.add_argument("--replay", required=True)
    ap.add_argument("--db", required=True)
    a = ap.parse_args()
    names = a.coins.split(",")
    coins = {n: i for i, n in enumerate(names)}

    ticks = load_ticks(a.replay, coins)
    now = ticks[0][0]
    conditions = load_conditions(a.conditions, coins, now)
    journal = Journal(a.db)
    journal.submit("INSERT INTO balance (ts_ms, balance, reason) VALUES (?,?,'INITIAL')", (now, INITIAL_BALANCE))
    sniper = Sniper(names, journal)
    for c in conditions:
        sniper.arm(c, now)

    last_second = None
    on_tick, sweep = sniper.on_tick, sniper.sweep
    for ts, coin, price in ticks:
        second = ts // SWEEP_MS
        if second != last_second:
            sweep(ts)
            last_second = second
        on_tick(coin, price, ts)
    end = ticks[-1][0]
    sweep(end)
    cancelled = sniper.cancel_all(end)
    journal.event(end, "SHUTDOWN", "", {"reason": "replay finished", "conditions_cancelled": cancelled,
                                        "positions_kept": sniper.open_count, "balance": sniper.balance})
    journal.stop()
    print(f"{len(ticks)} ticks, {len(conditions)} conditions, balance {sniper.balance:.2f}")


if __name__ == "__main__":
    main()
