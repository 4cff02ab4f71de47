"""Sweeps: many independent tradingd replays over a grid of parameters, on Dask.

A sweep is the product of
  * config overrides ({"paper.slippage_bps": [0, 2, 5]}: a [section] key each),
  * parameters (``params``) given to a condition-set function (``conditions_fn(params)``
    returns the conditions to arm at the start; the replay runs as fast as it can) or to a
    strategist (``async strategist(client, params)``, run in lockstep through
    tradingd_client.backtest, the same code as live), and
  * source sets (each a list of --replay sources, named by ``source_names``),
and every point of it is one tradingd run in a folder of its own, a task on a
``dask.distributed`` cluster: a LocalCluster of ``workers`` processes by default, or the
scheduler at ``scheduler`` ("tcp://host:8786") across machines, or ``"sequential"`` to
run them one after another in this process. Each task returns its journal's summary per
strategy (``tradingd journal summary --json``: trades, win rate, P&L, fees, fill cost, max
drawdown). A task that fails is reported with its parameters and error; the others finish.

Results: ``results.csv`` (a row per task and strategy, TOTAL included) and, for a grid
of two dimensions with more than one value, ``heatmap.png`` of a metric (P&L by default).

    from tradingd_client.sweep import sweep
    result = sweep(["data/BTCUSDT-trades-2025-11-26.zip"],
                   overrides={"paper.slippage_bps": [0, 2, 5, 10]},
                   params={"band_pct": [0.02, 0.05, 0.1, 0.2]},
                   strategist=my_strategist, config="settings.toml", out="sweep-out")

The command: ``tradingd-sweep`` (scripts/tradingd-sweep; ``--help``). On a cluster of
machines, every worker needs tradingd (on PATH or $TRADINGD_BINARY), Debian's
python3-websockets, and the same source paths; this module is shipped to them by value.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import importlib.util
import itertools
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence, Union

from .backtest import Backtest, BacktestError, find_tradingd, merge, toml_text

PathLike = Union[str, os.PathLike]

# The figures a task reports per strategy, from `tradingd journal summary --json`.
FIGURES = ("closed", "open", "wins", "win_rate", "pnl_usd", "fees_usd", "fill_cost_usd", "max_drawdown_usd")


@dataclass(frozen=True)
class Task:
    """One point of the grid: one tradingd run."""

    index: int
    overrides: dict  # {"paper.slippage_bps": 5}
    params: dict  # for the condition-set function or the strategist
    sources: tuple  # --replay sources
    source_name: str

    def label(self) -> str:
        parts = [f"{k}={v}" for k, v in {**self.overrides, **self.params}.items()]
        return ", ".join(parts + [f"source={self.source_name}"])


@dataclass
class Spec:
    """What every task shares (shipped to the workers once per task, small)."""

    config: Optional[dict]  # settings as tomllib reads them, or None for tradingd's defaults
    coins: tuple
    conditions_fn: Optional[Callable[[dict], Any]]
    strategist: Optional[Callable[..., Any]]
    conditions_file: Optional[str]
    workdir: str
    binary: Optional[str]
    keep: bool  # keep each task's folder (journal and log)


@dataclass
class SweepResult:
    rows: list  # a dict per task and strategy
    failed: list  # {"task", "params", "error"} per failed task
    csv_path: pathlib.Path
    heatmap_path: Optional[pathlib.Path]
    seconds: float
    tasks: list = field(default_factory=list)


def grid(overrides: Mapping[str, Sequence], params: Mapping[str, Sequence],
         source_sets: Sequence[Sequence[PathLike]], source_names: Optional[Sequence[str]] = None) -> list[Task]:
    """Every combination, in a stable order: overrides, then params, then source sets."""
    for name, values in {**overrides, **params}.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable) or not list(values):
            raise ValueError(f"{name}: give a non-empty list of values")
    for key in overrides:
        if "." not in key:
            raise ValueError(f"override {key!r}: name it section.key, as in paper.slippage_bps")
    if not source_sets:
        raise ValueError("a sweep needs at least one source set")
    names = list(source_names) if source_names else [_source_name(s) for s in source_sets]
    if len(names) != len(source_sets):
        raise ValueError("source_names: one name per source set")
    keys_o, keys_p = list(overrides), list(params)
    tasks = []
    for i, combo in enumerate(itertools.product(*[list(overrides[k]) for k in keys_o],
                                                *[list(params[k]) for k in keys_p], range(len(source_sets)))):
        o = dict(zip(keys_o, combo[:len(keys_o)]))
        p = dict(zip(keys_p, combo[len(keys_o):len(keys_o) + len(keys_p)]))
        s = combo[-1]
        tasks.append(Task(i, o, p, tuple(os.path.abspath(x) for x in source_sets[s]), names[s]))
    return tasks


def _source_name(sources: Sequence[PathLike]) -> str:
    first = pathlib.Path(str(sources[0])).name or str(sources[0])
    return first if len(sources) == 1 else f"{first}+{len(sources) - 1}"


def _nested(overrides: Mapping[str, Any]) -> dict:
    out: dict = {}
    for key, value in overrides.items():
        section, _, name = key.rpartition(".")
        node = out
        for part in section.split("."):
            node = node.setdefault(part, {})
        node[name] = value
    return out


def run_task(task: Task, spec: Spec) -> dict:
    """One tradingd run (on a worker): its folder, its settings, the replay, the summary.
    Raises with tradingd's own words when the run fails."""
    folder = pathlib.Path(spec.workdir) / f"task-{task.index:04d}"
    folder.mkdir(parents=True, exist_ok=True)
    base = spec.config if spec.config is not None else {"trading": {"coins": list(spec.coins)}}
    settings = merge(base, _nested(task.overrides))
    started = time.monotonic()
    if spec.strategist is not None:
        bt = Backtest(task.sources, overrides=settings, workdir=folder / "run", binary=spec.binary,
                      conditions=spec.conditions_file)
        bt.start()
        try:
            asyncio.run(_call_strategist(spec.strategist, bt.client, task.params))
        except BaseException:
            bt.stop()
            raise
        bt.finish()
        journal = bt.journal
    else:
        binary = find_tradingd(spec.binary)
        run = folder / "run"
        run.mkdir(exist_ok=True)
        journal = run / "journal.db"
        settings = merge(settings, {"storage": {"db_path": str(journal)}, "log": {"dir": str(run / "logs")}})
        settings.pop("record", None)
        settings.pop("tls", None)
        (run / "settings.toml").write_text(toml_text(settings))
        argv = [binary, "--config", str(run / "settings.toml")]
        conditions = spec.conditions_file
        if spec.conditions_fn is not None:
            made = spec.conditions_fn(dict(task.params))
            conditions = str(run / "conditions.json")
            pathlib.Path(conditions).write_text(json.dumps(list(made)))
        if conditions:
            argv += ["--conditions", conditions]
        argv += ["--replay", *task.sources]
        out = subprocess.run(argv, cwd=run, capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"tradingd exited with {out.returncode}: {(out.stderr or out.stdout).strip()[-2000:]}")
    summary = subprocess.run([find_tradingd(spec.binary), "journal", "--db", str(journal), "summary", "--json"],
                             capture_output=True, text=True)
    if summary.returncode != 0:
        raise RuntimeError(f"tradingd journal summary failed: {summary.stderr.strip()[-2000:]}")
    result = {"summary": json.loads(summary.stdout), "seconds": time.monotonic() - started,
              "folder": str(folder)}
    if not spec.keep:
        import shutil
        shutil.rmtree(folder, ignore_errors=True)
        result["folder"] = ""
    return result


async def _call_strategist(strategist, client, params):
    out = strategist(client, dict(params))
    if asyncio.iscoroutine(out):
        await out


def _rows(task: Task, result: dict) -> list[dict]:
    """A row per strategy and one for TOTAL: the grid's values, then the figures."""
    head = {"task": task.index, **task.overrides, **task.params, "source": task.source_name, "status": "ok",
            "error": "", "seconds": round(result["seconds"], 3)}
    summary = result["summary"]
    rows = []
    for name, figures in [*sorted(summary.get("by_strategy", {}).items()), ("TOTAL", summary.get("total", {}))]:
        rows.append({**head, "strategy": name, **{k: figures.get(k) for k in FIGURES}})
    return rows


def sweep(sources: Union[Sequence[PathLike], Sequence[Sequence[PathLike]]], *,
          overrides: Optional[Mapping[str, Sequence]] = None, params: Optional[Mapping[str, Sequence]] = None,
          conditions_fn: Optional[Callable[[dict], Any]] = None, strategist: Optional[Callable[..., Any]] = None,
          conditions: Optional[PathLike] = None, config: Optional[PathLike] = None,
          coins: Iterable[str] = ("BTC", "ETH", "SOL"), source_names: Optional[Sequence[str]] = None,
          scheduler: Optional[str] = None, workers: int = 2, out: PathLike = "sweep-out",
          binary: Optional[PathLike] = None, metric: str = "pnl_usd", keep: bool = False,
          progress: Optional[Callable[[str], None]] = None) -> SweepResult:
    """Runs the grid (module docstring) and writes ``out``/results.csv and heatmap.png."""
    import tomllib
    if conditions_fn is not None and strategist is not None:
        raise ValueError("give conditions_fn or strategist, not both")
    if params and conditions_fn is None and strategist is None:
        raise ValueError("params go to conditions_fn or strategist: give one")
    # A list of lists is several source sets; a flat list of paths is one, as --replay takes it.
    if sources and all(isinstance(s, (list, tuple)) for s in sources):
        source_sets = [list(s) for s in sources]
    else:
        source_sets = [list(sources)] if sources else []
    tasks = grid(overrides or {}, params or {}, source_sets, source_names)
    out_dir = pathlib.Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = None
    if config is not None:
        with open(config, "rb") as f:
            settings = tomllib.load(f)
    spec = Spec(settings, tuple(coins), conditions_fn, strategist,
                os.path.abspath(conditions) if conditions else None,
                str(out_dir.resolve() / "runs"), str(binary) if binary else find_tradingd(None), keep)
    say = progress or (lambda text: None)
    started = time.monotonic()
    results: dict[int, Any] = {}
    if scheduler == "sequential":
        for t in tasks:
            results[t.index] = _attempt(t, spec)
            say(_line(t, results[t.index], len(results), len(tasks)))
    else:
        import cloudpickle
        import distributed
        from . import backtest as _backtest, client as _client
        # Workers on other machines need not have this package: it travels with the tasks.
        for module in (sys.modules[__name__], _backtest, _client):
            cloudpickle.register_pickle_by_value(module)
        cluster = None
        if scheduler:
            dask = distributed.Client(scheduler)
        else:
            cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                               dashboard_address=None)
            dask = distributed.Client(cluster)
        try:
            # Pickled here with cloudpickle, so that what is registered by value (this
            # package, a strategist loaded from a file) travels by value inside the task.
            futures = {dask.submit(_attempt_pickled, cloudpickle.dumps((t, spec)), pure=False,
                                   key=f"tradingd-task-{t.index}"): t for t in tasks}
            for future in distributed.as_completed(futures):
                t = futures[future]
                try:
                    results[t.index] = future.result()
                except Exception as e:  # the worker itself died: still the task's failure
                    results[t.index] = {"error": f"{type(e).__name__}: {e}"}
                say(_line(t, results[t.index], len(results), len(tasks)))
        finally:
            dask.close()
            if cluster is not None:
                cluster.close()
    seconds = time.monotonic() - started
    rows, failed = [], []
    for t in tasks:
        r = results[t.index]
        if "error" in r:
            failed.append({"task": t.index, "params": {**t.overrides, **t.params, "source": t.source_name},
                           "error": r["error"]})
            rows.append({"task": t.index, **t.overrides, **t.params, "source": t.source_name, "status": "failed",
                         "error": r["error"], "seconds": "", "strategy": "", **{k: "" for k in FIGURES}})
        else:
            rows.extend(_rows(t, r))
    csv_path = out_dir / "results.csv"
    _write_csv(csv_path, rows)
    heatmap = _heatmap(out_dir / "heatmap.png", tasks, rows, metric)
    return SweepResult(rows, failed, csv_path, heatmap, seconds, tasks)


def _attempt(task: Task, spec: Spec) -> dict:
    """run_task, with a failure turned into a result: one bad point never stops the sweep."""
    try:
        return run_task(task, spec)
    except (Exception, BacktestError) as e:
        text = str(e) if isinstance(e, (RuntimeError, BacktestError)) else "".join(
            traceback.format_exception_only(type(e), e)).strip()
        return {"error": text}


def _attempt_pickled(blob: bytes) -> dict:
    import cloudpickle
    task, spec = cloudpickle.loads(blob)
    return _attempt(task, spec)


def _line(task: Task, result: dict, done: int, total: int) -> str:
    if "error" in result:
        return f"[{done}/{total}] task {task.index} ({task.label()}) FAILED: {result['error'].splitlines()[0][:300]}"
    total_fig = result["summary"].get("total", {})
    return (f"[{done}/{total}] task {task.index} ({task.label()}): {total_fig.get('closed', 0)} closed, "
            f"P&L {total_fig.get('pnl_usd', 0.0):+.4f} in {result['seconds']:.1f} s")


def _write_csv(path: pathlib.Path, rows: list[dict]) -> None:
    columns: list[str] = []
    for r in rows:
        for k in r:
            if k not in columns:
                columns.append(k)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns)
        w.writeheader()
        for r in rows:
            w.writerow(r)


def _heatmap(path: pathlib.Path, tasks: list[Task], rows: list[dict], metric: str) -> Optional[pathlib.Path]:
    """A two-dimension grid (one source set) as a heatmap of ``metric`` (TOTAL rows); None otherwise."""
    if not tasks:
        return None
    dims = [k for k in {**tasks[0].overrides, **tasks[0].params}
            if len({repr({**t.overrides, **t.params}[k]) for t in tasks}) > 1]
    if len(dims) != 2 or len({t.source_name for t in tasks}) != 1:
        return None
    import matplotlib
    matplotlib.use("Agg")  # files only: no display on a server
    import matplotlib.pyplot as plt
    ys = sorted({{**t.overrides, **t.params}[dims[0]] for t in tasks})
    xs = sorted({{**t.overrides, **t.params}[dims[1]] for t in tasks})
    grid_values = [[float("nan")] * len(xs) for _ in ys]
    for r in rows:
        if r.get("strategy") == "TOTAL" and r.get(metric) not in ("", None):
            grid_values[ys.index(r[dims[0]])][xs.index(r[dims[1]])] = float(r[metric])
    fig, ax = plt.subplots(figsize=(1.6 + 1.2 * len(xs), 1.2 + 0.9 * len(ys)), dpi=110)
    finite = [v for row in grid_values for v in row if v == v]
    span = max((abs(v) for v in finite), default=1.0) or 1.0
    im = ax.imshow(grid_values, cmap="RdYlGn", vmin=-span, vmax=span, origin="lower", aspect="auto")
    ax.set_xticks(range(len(xs)), [str(x) for x in xs])
    ax.set_yticks(range(len(ys)), [str(y) for y in ys])
    ax.set_xlabel(dims[1])
    ax.set_ylabel(dims[0])
    ax.set_title(f"{metric} (all strategies) on {tasks[0].source_name}")
    for i, row in enumerate(grid_values):
        for j, v in enumerate(row):
            ax.text(j, i, "failed" if v != v else f"{v:+.2f}", ha="center", va="center", fontsize=8)
    fig.colorbar(im, ax=ax)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


# --- the command ------------------------------------------------------------------------

def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _assignment(text: str) -> tuple[str, list]:
    name, sep, values = text.partition("=")
    if not sep or not name or not values:
        raise argparse.ArgumentTypeError(f"{text!r}: write NAME=V1,V2,...")
    return name.strip(), [_value(v.strip()) for v in values.split(",")]


def _load(ref: str) -> Callable:
    """FILE.py:FUNCTION or module:function."""
    where, sep, name = ref.rpartition(":")
    if not sep:
        raise SystemExit(f"tradingd-sweep: {ref!r}: write FILE.py:FUNCTION")
    if where.endswith(".py"):
        spec = importlib.util.spec_from_file_location(pathlib.Path(where).stem, where)
        if spec is None or spec.loader is None:
            raise SystemExit(f"tradingd-sweep: cannot load {where}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        # Not importable on a worker: shipped with the tasks instead.
        import cloudpickle
        cloudpickle.register_pickle_by_value(module)
    else:
        module = importlib.import_module(where)
    try:
        return getattr(module, name)
    except AttributeError:
        raise SystemExit(f"tradingd-sweep: {where} has no {name}") from None


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="tradingd-sweep", description="Run a grid of tradingd replays on Dask and "
                                "write results.csv (and heatmap.png for two dimensions).")
    p.add_argument("--replay", nargs="+", action="append", required=True, metavar="SOURCE",
                   help="a source set (files, folders, globs, as tradingd --replay takes them); again for another")
    p.add_argument("--config", help="tradingd settings every run starts from")
    p.add_argument("--set", type=_assignment, action="append", default=[], metavar="SECTION.KEY=V1,V2",
                   help="a config override dimension, e.g. paper.slippage_bps=0,2,5")
    p.add_argument("--param", type=_assignment, action="append", default=[], metavar="NAME=V1,V2",
                   help="a parameter dimension for --conditions-fn or --strategist")
    p.add_argument("--conditions", help="a conditions file armed at the start of every run")
    p.add_argument("--conditions-fn", metavar="FILE.py:FUNCTION", help="params -> list of conditions to arm")
    p.add_argument("--strategist", metavar="FILE.py:FUNCTION",
                   help="async (client, params): run in lockstep against each replay")
    p.add_argument("--scheduler", help="a Dask scheduler address (tcp://host:8786), or 'sequential'")
    p.add_argument("--workers", type=int, default=2, help="LocalCluster workers when no --scheduler (2)")
    p.add_argument("--out", default="sweep-out", help="where results.csv and heatmap.png go (sweep-out)")
    p.add_argument("--metric", default="pnl_usd", choices=FIGURES, help="the heatmap's figure (pnl_usd)")
    p.add_argument("--keep", action="store_true", help="keep every run's folder (journal, log) under OUT/runs")
    p.add_argument("--binary", help="the tradingd to run (default: $TRADINGD_BINARY, PATH, this checkout's build)")
    a = p.parse_args(argv)
    try:
        result = sweep(a.replay, overrides=dict(a.set), params=dict(a.param),
                       conditions_fn=_load(a.conditions_fn) if a.conditions_fn else None,
                       strategist=_load(a.strategist) if a.strategist else None, conditions=a.conditions,
                       config=a.config, scheduler=a.scheduler, workers=a.workers, out=a.out, binary=a.binary,
                       metric=a.metric, keep=a.keep, progress=lambda line: print(line, flush=True))
    except (ValueError, BacktestError, OSError) as e:
        print(f"tradingd-sweep: {e}", file=sys.stderr)
        return 2
    print(f"{len(result.tasks)} runs in {result.seconds:.1f} s; {len(result.failed)} failed; {result.csv_path}"
          + (f"; {result.heatmap_path}" if result.heatmap_path else ""))
    for f in result.failed:
        print(f"  failed: task {f['task']} {f['params']}: {f['error'].splitlines()[0][:300]}", file=sys.stderr)
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(main())
