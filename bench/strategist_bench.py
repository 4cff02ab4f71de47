#!/usr/bin/python3
"""The strategist-in-the-loop figures (issue 23), whole processes on this machine:

  * one POST /clock/advance round trip with nothing due, HTTP keep-alive on loopback:
    p50 / p99 as a client sees it (tradingd parses it, asks the journal writer to commit,
    and answers once the writer said so);
  * a market hour of ~200,000 rows (BTC and ETH) with the example strategist (Python)
    advancing 1 s at a time and arming an OCO pair per coin each second: wall time and
    market seconds per wall second;
  * a sweep of 16 replays of 1 M rows (a condition-set function) on a 2-worker Dask
    LocalCluster, against the same 16 run one after another.

    /usr/bin/python3 bench/strategist_bench.py OUT_DIR [--tradingd build/release/tradingd]

Prints the figures and writes OUT_DIR/strategist-bench.json. scripts/bench_report.py runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import pathlib
import random
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "clients" / "python"))
sys.path.insert(0, str(ROOT / "examples"))

from tradingd_client.backtest import Backtest  # noqa: E402
from tradingd_client.sweep import sweep  # noqa: E402

START_MS = 1_764_158_400_000


def write_rows(path: pathlib.Path, rows: int, span_ms: int, seed: int = 1) -> pathlib.Path:
    """`rows` rows of BTC and ETH spread evenly over `span_ms`, a random walk."""
    rng = random.Random(seed)
    prices = [100.0, 2000.0]
    coins = ("BTC", "ETH")
    step = span_ms / rows
    with open(path, "w") as f:
        f.write("ts_ms,coin,price\n")
        for i in range(rows):
            c = i % 2
            prices[c] *= 1 + rng.gauss(0.0, 0.0004)
            f.write(f"{START_MS + int(i * step)},{coins[c]},{prices[c]:.6f}\n")
    return path


def advance_round_trips(tradingd: str, out: pathlib.Path, n: int = 5000) -> dict:
    # Two rows a day apart: advances of 1 ms in between apply nothing.
    src = out / "two-rows.csv"
    src.write_text(f"ts_ms,coin,price\n{START_MS},BTC,100\n{START_MS + 86_400_000},BTC,101\n")
    with Backtest([src], workdir=out / "advance", binary=tradingd) as bt:
        conn = http.client.HTTPConnection("127.0.0.1", bt.port, timeout=10)
        headers = {"Authorization": f"Bearer {bt.token}", "Content-Type": "application/json"}
        body = b'{"by_ms": 1}'
        times = []
        for i in range(n + 200):
            t0 = time.perf_counter_ns()
            conn.request("POST", "/clock/advance", body, headers)
            r = conn.getresponse()
            r.read()
            t1 = time.perf_counter_ns()
            if r.status != 200:
                raise RuntimeError(f"advance answered {r.status}")
            if i >= 200:  # warm-up
                times.append((t1 - t0) / 1000)
        conn.close()
    times.sort()
    return {"p50_us": times[len(times) // 2], "p99_us": times[int(len(times) * 0.99)], "n": n}


def market_hour(tradingd: str, out: pathlib.Path) -> dict:
    import breakout_strategist as bs
    src = write_rows(out / "hour.csv", 200_000, 3_600_000)
    t0 = time.monotonic()
    with Backtest([src], workdir=out / "hour", binary=tradingd, coins=("BTC", "ETH")) as bt:
        args = bs.parse_args(["--every", "1", "--quiet"])
        asyncio.run(bs.trade(bt.client, args, "bench"))
    wall = time.monotonic() - t0
    fills = subprocess.run([tradingd, "journal", "--db", str(bt.journal), "summary", "--json"], capture_output=True,
                           text=True, check=True)
    closed = json.loads(fills.stdout)["total"]["closed"]
    return {"wall_s": wall, "market_s_per_wall_s": 3600 / wall, "closed": closed}


def ladder(params):
    band = params["band_pct"] / 100
    return [{"id": f"up-{i}", "coin": "BTC", "direction": "LONG", "trigger_type": "ABOVE",
             "trigger_price": round(100 * (1 + band) ** (i + 1), 6), "position_size_usd": 30,
             "stop_loss_pct": 0.003, "take_profit_pct": 0.004, "strategy_id": "ladder",
             "valid_until": "2100-01-01T00:00:00Z"} for i in range(50)]


def sweep_16(tradingd: str, out: pathlib.Path) -> dict:
    src = write_rows(out / "million.csv", 1_000_000, 6 * 3_600_000)
    args = dict(overrides={"paper.slippage_bps": [0, 2, 5, 10]}, params={"band_pct": [0.05, 0.1, 0.2, 0.5]},
                conditions_fn=ladder, coins=("BTC", "ETH"), binary=tradingd)
    import distributed
    t0 = time.monotonic()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        with distributed.Client(c):
            pass
    cluster_start = time.monotonic() - t0
    seq = sweep([src], scheduler="sequential", out=out / "sweep-seq", **args)
    par = sweep([src], workers=2, out=out / "sweep-dask", **args)
    if seq.failed or par.failed:
        raise RuntimeError(f"sweep tasks failed: {seq.failed or par.failed}")
    task_s = statistics.median(float(r["seconds"]) for r in seq.rows if r["strategy"] == "TOTAL")
    return {"sequential_s": seq.seconds, "cluster_s": par.seconds, "speedup": seq.seconds / par.seconds,
            "cluster_start_s": cluster_start, "task_median_s": task_s}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--tradingd", default=str(ROOT / "build" / "release" / "tradingd"))
    a = ap.parse_args()
    out = pathlib.Path(a.out).resolve() / "strategist"
    out.mkdir(parents=True, exist_ok=True)
    tradingd = os.path.abspath(a.tradingd)
    figures = {"advance": advance_round_trips(tradingd, out), "market_hour": market_hour(tradingd, out),
               "sweep": sweep_16(tradingd, out)}
    (out.parent / "strategist-bench.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
