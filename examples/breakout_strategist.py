#!/usr/bin/env python3
"""A strategist on top of tradingd: breakouts, both ways, around the last price.

Every --every seconds, for each coin tradingd prices, it cancels its conditions
still armed from the round before and arms an OCO pair around the last price: a
LONG above it and a SHORT below it (--band-pct away), in one OCO group, so the
first to fire cancels the other. It prints each fill the moment tradingd pushes
it (GET /events, after the journal committed it) and, at the end, how many.

    export TRADINGD_API_TOKEN=...          # the token tradingd was started with
    python3 examples/breakout_strategist.py --url http://127.0.0.1:8080

Against the demo (scripts/demo.sh writes its token to demo/api-token):

    python3 examples/breakout_strategist.py --token-file demo/api-token

The same code backtested: tradingd replays SOURCE... (any --replay source: its
rows, the exchanges' archives) in lockstep, and this strategist's clock is
replay time, so a day passes in seconds and the result is the same every run:

    python3 examples/breakout_strategist.py --backtest BTCUSDT-trades-2025-01-01.zip --config settings.toml

Needs Debian's python3 with python3-websockets (scripts/install-deps.sh installs it).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import pathlib
import sys
import time
from typing import Optional

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "clients" / "python"))

from tradingd_client import ApiError, Client, Event  # noqa: E402
from tradingd_client.backtest import Backtest, BacktestError  # noqa: E402

STRATEGY = "breakout"


def parse_args(argv: Optional[list] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default=os.environ.get("TRADINGD_URL", "http://127.0.0.1:8080"))
    p.add_argument("--token-file", help="read the API token from this file (default: $TRADINGD_API_TOKEN)")
    p.add_argument("--every", type=float, default=5.0, help="seconds between rounds (default 5)")
    p.add_argument("--band-pct", type=float, default=0.05, help="trigger distance from the last price, in %% (0.05)")
    p.add_argument("--size-usd", type=float, default=30.0, help="position size (30)")
    # Above the round trip's fees (2 x [paper] fee_pct, 0.2 %% by default), or a take-profit loses.
    p.add_argument("--stop-loss-pct", type=float, default=0.25, help="in %% of the entry (0.25)")
    p.add_argument("--take-profit-pct", type=float, default=0.4, help="in %% of the entry (0.4)")
    p.add_argument("--seconds", type=float, help="stop after this long (default: until Ctrl-C, or the data's end)")
    p.add_argument("--backtest", nargs="+", metavar="SOURCE",
                   help="replay these sources in tradingd (lockstep) and trade them instead of a live tradingd")
    p.add_argument("--config", help="with --backtest: tradingd's settings (default: its defaults for BTC, ETH, SOL)")
    p.add_argument("--workdir", help="with --backtest: where the journal and log go (default: a new temp folder)")
    p.add_argument("--shift-time-to", metavar="DATE",
                   help="with --backtest: replay the data as if it began on DATE (hides the real date)")
    p.add_argument("--quiet", action="store_true", help="print only the last line")
    return p.parse_args(argv)


class Strategist:
    def __init__(self, client: Client, args: argparse.Namespace):
        self.client = client
        self.clock = client.clock  # the wall clock live, replay time in a backtest
        self.args = args
        self.armed: list[str] = []  # ids armed in the last round
        self.rounds = itertools.count(1)
        # Ids are never reused within a journal.
        self.run_id = time.strftime("%H%M%S", time.gmtime(self.clock.now()))
        self.fills = 0

    def say(self, text: str, at_ms: Optional[int] = None) -> None:
        """A line stamped with the run's clock (UTC), or with `at_ms` (an event's own time)."""
        if self.args.quiet:
            return
        seconds = self.clock.now() if at_ms is None else at_ms / 1000
        print(f"{time.strftime('%H:%M:%S', time.gmtime(seconds))} {text}", flush=True)

    async def arm_rounds(self) -> None:
        while not self.clock.done:
            await asyncio.to_thread(self.round)
            await self.clock.sleep(self.args.every)

    def round(self) -> None:
        n = next(self.rounds)
        for cid in self.armed:  # stale: the price moved on without them
            try:
                self.client.cancel(cid)
            except ApiError as e:
                if e.status != 404:  # 404: it fired, expired or was cancelled by its OCO sibling
                    self.say(f"cancel {cid}: {e}")
        self.armed = []
        prices = self.client.status()["prices"]
        band = self.args.band_pct / 100
        valid_until = int(self.clock.now_ms() + 2 * self.args.every * 1000)
        conditions = []
        for coin, last in sorted(prices.items()):
            group = f"bo-{self.run_id}-{n}-{coin}"
            for direction, trigger_type, price in (("LONG", "ABOVE", last * (1 + band)),
                                                   ("SHORT", "BELOW", last * (1 - band))):
                conditions.append({
                    "id": f"{group}-{direction.lower()}", "coin": coin, "direction": direction,
                    "trigger_type": trigger_type, "trigger_price": round(price, 8),
                    "position_size_usd": self.args.size_usd,
                    "stop_loss_pct": self.args.stop_loss_pct / 100,
                    "take_profit_pct": self.args.take_profit_pct / 100,
                    "oco_group": group, "strategy_id": STRATEGY, "valid_until": valid_until,
                    "reasoning": f"breakout of {last} by {self.args.band_pct}%",
                })
        if not conditions:
            self.say("no prices yet")
            return
        result = self.client.arm(conditions)
        self.armed = result["armed"]
        self.say(f"round {n}: armed {len(result['armed'])} around {', '.join(f'{c} {p:.10g}' for c, p in sorted(prices.items()))}"
            + (f"; refused {len(result['refused'])}: {result['refused'][0]}" if result["refused"] else ""))

    async def follow(self) -> None:
        kinds = ["POSITION_OPENED", "POSITION_CLOSED", "CONDITION_REJECTED", "HALT", "RESUME", "FEED_STATE"]
        async for e in self.client.events(kinds=kinds, strategy=STRATEGY):
            self.show(e)

    def show(self, e: Event) -> None:
        d = e.detail
        if e.kind == "POSITION_OPENED":
            self.fills += 1
            self.say(f"fill #{e.seq}: opened {d['direction']} {d['coin']} at {d['entry_price']:.10g} ({d['entry_fill']}), "
                f"${d['size_usd']} [{e.ref_id}]", e.ts_ms)
        elif e.kind == "POSITION_CLOSED":
            self.fills += 1
            self.say(f"fill #{e.seq}: closed {e.ref_id} {d['exit_reason']} at {d['exit_price']:.10g} ({d['exit_fill']}): "
                f"P&L {d['pnl_usd']:+.4f}, balance {d['balance']:.2f}", e.ts_ms)
        else:
            self.say(f"event #{e.seq}: {e.kind} {e.ref_id} {d}", e.ts_ms)


async def trade(client: Client, args: argparse.Namespace, where: str) -> int:
    s = Strategist(client, args)
    s.say(f"following {where} as strategy '{STRATEGY}'; a round every {args.every} s")
    started = time.monotonic()
    follow = asyncio.create_task(s.follow())
    rounds = asyncio.create_task(s.arm_rounds())
    tasks = [follow, rounds]
    try:
        # Until the data ends (a backtest), --seconds pass, or either task fails.
        done, _ = await asyncio.wait(tasks, timeout=args.seconds, return_when=asyncio.FIRST_COMPLETED)
        for t in done:
            t.result()
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    s.say(f"breakout_strategist: {s.fills} fills pushed in {time.monotonic() - started:.0f} s")
    return 0


async def sweep_strategist(client: Client, params: dict) -> None:
    """For a sweep (scripts/tradingd-sweep --strategist examples/breakout_strategist.py:sweep_strategist
    --param band_pct=0.02,0.05 ...): this strategist, its options overridden by `params`
    (every, band_pct, size_usd, stop_loss_pct, take_profit_pct), quiet, until the data ends."""
    args = parse_args([])
    for name, value in params.items():
        if not hasattr(args, name):
            raise ValueError(f"breakout_strategist has no option {name!r}")
        setattr(args, name, value)
    args.quiet = True
    await trade(client, args, "a sweep")


async def main() -> int:
    args = parse_args()
    if args.backtest:
        extra = ["--shift-time-to", args.shift_time_to] if args.shift_time_to else []
        with Backtest(args.backtest, config=args.config, workdir=args.workdir, extra_args=extra) as bt:
            code = await trade(bt.client, args, f"a backtest of {', '.join(args.backtest)}")
        print(f"journal: {bt.journal} (tradingd journal --db {bt.journal} summary)", flush=True)
        return code
    token = None
    if args.token_file:
        token = pathlib.Path(args.token_file).read_text().strip()
    client = Client(args.url, token)
    if not client.token:
        print("breakout_strategist: no API token: set $TRADINGD_API_TOKEN or pass --token-file", file=sys.stderr)
        return 2
    return await trade(client, args, args.url)


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except KeyboardInterrupt:
        sys.exit(0)
    except ApiError as e:
        print(f"breakout_strategist: tradingd refused: {e}", file=sys.stderr)
        sys.exit(1)
    except BacktestError as e:
        print(f"breakout_strategist: {e}", file=sys.stderr)
        sys.exit(1)
    except OSError as e:
        print(f"breakout_strategist: cannot reach tradingd: {e}", file=sys.stderr)
        sys.exit(1)
