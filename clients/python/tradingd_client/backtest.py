"""Backtest a strategist through the same API it trades live on (docs/design.md §12).

    from tradingd_client.backtest import Backtest

    with Backtest(["BTCUSDT-trades-2025-01-01.zip"], config="settings.toml") as bt:
        client = bt.client          # a Client on a lockstep replay: client.clock is replay time
        ...                         # the strategist, unchanged
    print(bt.journal)               # the run's journal, for sqlite3 or `tradingd journal summary`

It starts ``tradingd --replay SOURCES --api --clock lockstep`` in a folder of its
own (a fresh journal and log there, the API on a free loopback port, a random
token), waits until the API answers, and hands back a connected Client. At the
end it finishes the replay (POST /clock/finish) if the strategist has not, and
waits for tradingd to exit. A tradingd that fails to start is a BacktestError
with what it printed.

Where tradingd is: ``binary``, else $TRADINGD_BINARY, else ``tradingd`` on PATH,
else this checkout's build/release/tradingd.
"""

from __future__ import annotations

import os
import pathlib
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import tomllib
from typing import Any, Iterable, Mapping, Optional, Union

from .client import ApiError, Client, TradingdError

PathLike = Union[str, os.PathLike]


class BacktestError(TradingdError):
    """tradingd could not be started, or did not end cleanly."""


def find_tradingd(binary: Optional[PathLike] = None) -> str:
    """The tradingd to run: ``binary``, $TRADINGD_BINARY, PATH, or this checkout's build."""
    candidates = [binary, os.environ.get("TRADINGD_BINARY"), shutil.which("tradingd"),
                  pathlib.Path(__file__).resolve().parents[3] / "build" / "release" / "tradingd"]
    for c in candidates:
        if c and os.access(c, os.X_OK) and os.path.isfile(c):
            return str(c)
    raise BacktestError("tradingd not found: pass binary=, set $TRADINGD_BINARY, put it on PATH, or build it "
                        "(cmake --preset release && cmake --build --preset release)")


def toml_text(settings: Mapping[str, Any]) -> str:
    """``settings`` (a dict of tables, as tomllib reads them) as TOML text tradingd reads."""
    lines: list[str] = []

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(value(x) for x in v) + "]"
        raise TypeError(f"cannot write {type(v).__name__} as a TOML value")

    def table(name: str, t: Mapping[str, Any]) -> None:
        scalars = {k: v for k, v in t.items() if not isinstance(v, Mapping)}
        if scalars or not any(isinstance(v, Mapping) for v in t.values()):
            lines.append(f"[{name}]")
            lines.extend(f"{k} = {value(v)}" for k, v in scalars.items())
        for k, v in t.items():
            if isinstance(v, Mapping):
                table(f"{name}.{k}", v)

    for name, t in settings.items():
        if not isinstance(t, Mapping):
            raise TypeError(f"top-level key {name!r}: tradingd's settings are all in tables")
        table(name, t)
    return "\n".join(lines) + "\n"


def merge(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict:
    """``base`` with ``overrides`` laid over it, table by table ({"paper": {"slippage_bps": 5}})."""
    out = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in base.items()}
    for k, v in overrides.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = merge(out[k], v)
        else:
            out[k] = dict(v) if isinstance(v, Mapping) else v
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Backtest:
    """tradingd replaying ``sources`` in lockstep with the API on, for one strategist run.

    ``config``: a settings file (default: tradingd's defaults with ``coins``);
    ``overrides``: settings laid over it ({"paper": {"slippage_bps": 5}});
    ``conditions``: a conditions file armed at the start; ``workdir``: where the
    journal and log go (default: a new temporary folder, kept: see ``journal``);
    ``clock``: "lockstep" (default), or "max"/"speed:N" to let the replay run by itself.
    """

    def __init__(self, sources: Iterable[PathLike], config: Optional[PathLike] = None,
                 overrides: Optional[Mapping[str, Any]] = None, conditions: Optional[PathLike] = None,
                 workdir: Optional[PathLike] = None, binary: Optional[PathLike] = None,
                 coins: Iterable[str] = ("BTC", "ETH", "SOL"), clock: str = "lockstep",
                 extra_args: Iterable[str] = (), start_timeout: float = 30.0):
        # Absolute: tradingd runs in the work folder (a glob stays a glob).
        self.sources = [os.path.abspath(s) for s in sources]
        if not self.sources:
            raise ValueError("Backtest needs at least one source")
        self.binary = find_tradingd(binary)
        self.workdir = pathlib.Path(workdir) if workdir else pathlib.Path(tempfile.mkdtemp(prefix="tradingd-bt-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        base: dict = {"trading": {"coins": list(coins)}}
        if config is not None:
            with open(config, "rb") as f:
                base = tomllib.load(f)
        self.port = _free_port()
        own = {"storage": {"db_path": str(self.workdir / "journal.db")}, "log": {"dir": str(self.workdir / "logs")},
               "api": {"listen": "127.0.0.1", "port": self.port, "token_env": "TRADINGD_API_TOKEN"}}
        settings = merge(merge(base, overrides or {}), own)
        settings.pop("record", None)  # a replay records nothing
        settings.pop("tls", None)  # nor connects: a CA file relative to the original config is not needed
        self.config_path = self.workdir / "settings.toml"
        self.config_path.write_text(toml_text(settings))
        self.conditions = os.path.abspath(conditions) if conditions else None
        self.clock_mode = clock
        self.extra_args = list(extra_args)
        self.start_timeout = start_timeout
        self.token = secrets.token_hex(16)
        self.process: Optional[subprocess.Popen] = None
        self.client: Optional[Client] = None
        self.returncode: Optional[int] = None
        self.finished: Optional[dict] = None

    @property
    def journal(self) -> pathlib.Path:
        return self.workdir / "journal.db"

    @property
    def log(self) -> str:
        p = self.workdir / "logs" / "trading.log"
        return p.read_text(errors="replace") if p.exists() else ""

    def output(self) -> str:
        p = self.workdir / "tradingd.out"
        return p.read_text(errors="replace") if p.exists() else ""

    def start(self) -> Client:
        argv = [self.binary, "--config", str(self.config_path)]
        if self.conditions:
            argv += ["--conditions", self.conditions]
        argv += ["--replay", *self.sources, "--api", "--clock", self.clock_mode, *self.extra_args]
        out = open(self.workdir / "tradingd.out", "w")
        self.process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=self.workdir,
                                        env={**os.environ, "TRADINGD_API_TOKEN": self.token})
        out.close()
        client = Client(f"http://127.0.0.1:{self.port}", self.token)
        end = time.monotonic() + self.start_timeout
        while True:
            if self.process.poll() is not None:
                self.returncode = self.process.returncode
                if self.clock_mode != "lockstep" and self.returncode == 0:
                    break  # a replay that ran by itself may be over before it was asked
                raise BacktestError(f"tradingd exited with {self.returncode} at start-up:\n{self.output()[-4000:]}")
            try:
                client.clock_state()
                break
            except (OSError, ApiError):
                if time.monotonic() > end:
                    self.stop()
                    raise BacktestError(f"tradingd's API did not answer within {self.start_timeout} s:\n"
                                        f"{self.output()[-4000:]}")
                time.sleep(0.01)
        self.client = client
        return client

    def finish(self, timeout: float = 120.0) -> int:
        """Ends the replay (POST /clock/finish, unless over already) and waits for tradingd to exit."""
        if self.process is None:
            return self.returncode or 0
        if self.process.poll() is None and self.clock_mode == "lockstep":
            try:
                self.finished = self.client.finish()
            except ApiError as e:
                if e.status != 409:  # 409: finished already
                    raise
            except OSError:
                pass  # it went away on its own; its exit code says how
        try:
            self.returncode = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise BacktestError(f"tradingd did not exit within {timeout} s of the end of the replay") from None
        if self.returncode != 0:
            raise BacktestError(f"tradingd exited with {self.returncode}:\n{self.output()[-4000:]}")
        return self.returncode

    def stop(self) -> None:
        """Kills tradingd (a strategist that failed): what was committed stays in the journal."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.returncode = self.process.wait()

    def __enter__(self) -> "Backtest":
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.finish()
        else:
            self.stop()
