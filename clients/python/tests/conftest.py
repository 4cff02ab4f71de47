"""A real tradingd trading against a real exchange-sim on loopback, for the client's tests.

ctest passes the programs in $TRADINGD_BINARY and $EXCHANGE_SIM_BINARY."""

from __future__ import annotations

import os
import pathlib
import re
import signal
import socket
import sqlite3
import subprocess
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
TOKEN = "py-client-test-token"

# BTC round 100 -> 103 -> 100, forever.
BTC_LOOP = ("ts_ms,symbol,price\n0,BTCUSDT,100\n0,BTCUSDT,101\n0,BTCUSDT,102\n0,BTCUSDT,103\n"
            "0,BTCUSDT,102\n0,BTCUSDT,101\n0,ETHUSDT,2000\n")


def wait_for(pred, timeout=20.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = pred()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    """exchange-sim playing `path_csv`, and tradingd on a fixed free port (so a
    restart keeps its URL), its journal, log and token in `workdir`."""

    def __init__(self, workdir: pathlib.Path, path_csv: str, coins=("BTC", "ETH"), rate=40):
        self.dir = workdir
        (workdir / "path.csv").write_text(path_csv)
        self.sim_log = open(workdir / "sim.log", "w")
        self.sim = subprocess.Popen(
            [os.environ["EXCHANGE_SIM_BINARY"], "--csv", str(workdir / "path.csv"), "--rate", str(rate), "--loop",
             "--plain", "--port", "0"], stdout=self.sim_log, stderr=subprocess.STDOUT)
        sim_url = wait_for(lambda: re.search(r"listening on (ws://\S+)", (workdir / "sim.log").read_text()),
                           what="exchange-sim").group(1)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        coin_list = ", ".join(f'"{c}"' for c in coins)
        (workdir / "settings.toml").write_text(f"""
[exchange]
primary = "bybit"
fallback = ""
[exchange.bybit]
url = "{sim_url}/v5/public/spot"
[trading]
coins = [{coin_list}]
[storage]
db_path = "journal.db"
[log]
dir = "logs"
[health]
interval_ms = 200
[feed]
backoff_initial_ms = 100
backoff_max_ms = 1000
[api]
port = {self.port}
""")
        self.process = None
        self.runs = 0
        self.start()

    @property
    def log(self) -> str:
        p = self.dir / "logs" / "trading.log"
        return p.read_text() if p.exists() else ""

    def start(self):
        before = len(self.log)
        self.runs += 1
        out = open(self.dir / f"tradingd-{self.runs}.out", "w")
        self.process = subprocess.Popen(
            [os.environ["TRADINGD_BINARY"], "--config", str(self.dir / "settings.toml")],
            env={**os.environ, "TRADINGD_API_TOKEN": TOKEN}, stdout=out, stderr=subprocess.STDOUT)
        wait_for(lambda: "Connected to bybit" in self.log[before:], what="tradingd to connect to the sim")

    def stop(self, sig=signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        return self.process.wait(timeout=20)

    def query(self, sql: str):
        with sqlite3.connect(f"file:{self.dir / 'journal.db'}?mode=ro", uri=True) as db:
            return db.execute(sql).fetchall()

    def close(self):
        for p in (self.process, self.sim):
            if p and p.poll() is None:
                p.kill()
                p.wait()
        self.sim_log.close()


@pytest.fixture
def daemon(tmp_path):
    d = Daemon(tmp_path, BTC_LOOP)
    yield d
    d.close()


@pytest.fixture
def demo_daemon(tmp_path):
    """The demo's price path (BTC, ETH and SOL breaking out and down), at the demo's rate."""
    d = Daemon(tmp_path, (ROOT / "config" / "demo-path.csv").read_text(), coins=("BTC", "ETH", "SOL"), rate=20)
    yield d
    d.close()
