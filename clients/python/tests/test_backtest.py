"""client.clock and tradingd_client.backtest against a real tradingd replaying in
lockstep (docs/design.md §12), and the example strategist backtested: the same
code as live, one fill at least, every fill it printed in the journal, and the
same journal on every run."""

from __future__ import annotations

import asyncio
import pathlib
import random
import re
import sqlite3
import subprocess
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from conftest import ROOT  # noqa: E402
from tradingd_client import ApiError, Client  # noqa: E402
from tradingd_client.backtest import Backtest, BacktestError, merge, toml_text  # noqa: E402

START_MS = 1_764_158_400_000  # 2025-11-26T12:00:00Z


def write_ticks(path: pathlib.Path, minutes: int = 10, seed: int = 7) -> pathlib.Path:
    """BTC and ETH, a row each every 500 ms, a random walk with a slight drift, in tradingd's rows."""
    rng = random.Random(seed)
    prices = {"BTC": 100.0, "ETH": 2000.0}
    lines = ["ts_ms,coin,price"]
    for i in range(minutes * 120):
        for coin in prices:
            prices[coin] *= 1 + rng.gauss(0.00005, 0.0008)
            lines.append(f"{START_MS + i * 500},{coin},{prices[coin]:.6f}")
    path.write_text("\n".join(lines) + "\n")
    return path


def rows(db: pathlib.Path, sql: str) -> list:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
        return c.execute(sql).fetchall()


def test_backtest_clock_now_and_sleep_move_replay_time_and_hand_over_every_event(tmp_path):
    ticks = write_ticks(tmp_path / "ticks.csv", minutes=2)
    with Backtest([ticks], workdir=tmp_path / "run", coins=("BTC", "ETH")) as bt:
        client = bt.client
        clock = client.clock
        assert clock.mode == "lockstep" and clock.lockstep and not clock.done
        assert clock.now_ms() == START_MS
        assert clock.now() == START_MS / 1000

        async def strategist():
            seen = []

            async def follow():
                async for e in client.events(since=0, kinds=["POSITION_OPENED", "POSITION_CLOSED"]):
                    seen.append(e)

            task = asyncio.create_task(follow())
            await asyncio.sleep(0)  # the follower is running before time moves
            await clock.sleep(1)  # the first row's prices
            last = client.status()["prices"]["BTC"]
            armed = client.arm({"id": "bt-1", "coin": "BTC", "direction": "LONG", "trigger_type": "ABOVE",
                                "trigger_price": round(last * 1.001, 6), "position_size_usd": 50,
                                "stop_loss_pct": 0.003, "take_profit_pct": 0.003, "strategy_id": "py",
                                "valid_until": clock.now_ms() + 3_600_000})
            assert armed["armed"] == ["bt-1"]
            opened_at = None
            while not clock.done:
                await clock.sleep(5)
                assert clock.now_ms() % 1000 == 0
                # Every event up to the advance's last seq is handed over already.
                on_disk = rows(bt.journal, "SELECT seq FROM events WHERE kind IN "
                                           "('POSITION_OPENED', 'POSITION_CLOSED') ORDER BY seq")
                assert [e.seq for e in seen] == [r[0] for r in on_disk]
                if seen and opened_at is None:
                    opened_at = clock.now_ms()
                    assert seen[0].ts_ms <= opened_at
            task.cancel()
            return seen

        seen = asyncio.run(strategist())
        assert clock.done
        assert clock.now_ms() == START_MS + 1000 + 24 * 5000  # the advance that applied the last row (119.5 s)
        assert seen and seen[0].kind == "POSITION_OPENED"
        state = client.clock_state()
        assert state["last_ms"] == START_MS + 119_500 and state["done"] is True
        # Refusals move nothing.
        with pytest.raises(ApiError) as e:
            client.advance(until_ms=START_MS)
        assert e.value.status == 400
        with pytest.raises(ValueError):
            client.advance()
        assert client.clock_state()["now_ms"] == clock.now_ms()
    assert bt.returncode == 0
    assert rows(bt.journal, "SELECT json_extract(detail, '$.reason') FROM events WHERE kind = 'SHUTDOWN'") == [
        ("replay finished",)]


def test_backtest_reports_a_tradingd_that_cannot_start(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("ts_ms,coin,price\n1764158400000,BTC,-5\n")
    with pytest.raises(BacktestError) as e:
        Backtest([bad], workdir=tmp_path / "run").start()
    assert "exited with 2" in str(e.value)
    assert "bad.csv" in str(e.value)


def test_settings_are_merged_and_written_as_toml_tradingd_reads(tmp_path):
    merged = merge({"paper": {"fee_pct": 0.001, "slippage_bps": 2.0}, "trading": {"coins": ["BTC"]}},
                   {"paper": {"slippage_bps": 5}, "risk": {"max_positions": 3}})
    assert merged == {"paper": {"fee_pct": 0.001, "slippage_bps": 5}, "trading": {"coins": ["BTC"]},
                      "risk": {"max_positions": 3}}
    text = toml_text({**merged, "exchange": {"primary": "bybit", "bybit": {"url": "wss://x/\"q\""}}})
    import tomllib
    assert tomllib.loads(text)["exchange"]["bybit"]["url"] == 'wss://x/"q"'
    (tmp_path / "s.toml").write_text(text)
    from tradingd_client.backtest import find_tradingd
    check = subprocess.run([find_tradingd(), "--config", str(tmp_path / "s.toml"), "--check-config"],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_live_the_clock_is_the_wall_clock(daemon):
    client = Client(daemon.url)
    assert client.clock.mode == "live" and not client.clock.lockstep and not client.clock.done
    assert abs(client.clock.now() - time.time()) < 5
    t0 = time.monotonic()
    asyncio.run(client.clock.sleep(0.2))
    assert time.monotonic() - t0 >= 0.19


def run_example(tmp_path: pathlib.Path, ticks: pathlib.Path, name: str) -> tuple[str, pathlib.Path]:
    workdir = tmp_path / name
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "breakout_strategist.py"), "--backtest",
                          str(ticks), "--every", "5", "--workdir", str(workdir)],
                         capture_output=True, text=True, timeout=240)
    print(out.stdout[-3000:], out.stderr[-3000:])
    assert out.returncode == 0
    return out.stdout, workdir / "journal.db"


def test_the_example_strategist_backtests_unchanged_with_fills_in_the_journal(tmp_path):
    ticks = write_ticks(tmp_path / "ticks.csv")
    out, journal = run_example(tmp_path, ticks, "first")
    fills = re.findall(r"fill #(\d+): (opened|closed) (\S+)", out)
    assert len(fills) >= 1
    summary = re.search(r"(\d+) fills pushed", out)
    assert summary and int(summary.group(1)) == len(fills)
    # Every fill it printed is its strategy's in the journal, and it printed every one.
    for seq, what, _ in fills:
        kind = "POSITION_OPENED" if what == "opened" else "POSITION_CLOSED"
        assert rows(journal, f"SELECT e.kind, t.strategy_id FROM events e JOIN trades t ON t.id = e.ref_id "
                             f"WHERE e.seq = {seq}") == [(kind, "breakout")]
    assert rows(journal, "SELECT COUNT(*) FROM events WHERE kind IN ('POSITION_OPENED', 'POSITION_CLOSED')") == [
        (len(fills),)]
    assert f"journal: {journal}" in out
    # The same strategist on the same data: the same lines and the same journal.
    again, journal2 = run_example(tmp_path, ticks, "second")
    strip = lambda text: [l for l in text.splitlines() if "fills pushed" not in l and not l.startswith("journal:")]
    assert strip(again) == strip(out)
    dump = lambda db: [r for t in ("conditions", "trades", "balance", "events")
                       for r in rows(db, f"SELECT * FROM {t} ORDER BY rowid")]
    assert dump(journal2) == dump(journal)
