"""tradingd_client.sweep: a grid of real tradingd replays on a real 2-worker Dask
LocalCluster gives the same summaries as the same grid run one after another; a
failing point is reported with its parameters and error while the rest finish; the
CSV and the heatmap are written; the command works, with a strategist in lockstep."""

from __future__ import annotations

import csv
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from conftest import ROOT  # noqa: E402
from test_backtest import write_ticks  # noqa: E402
from tradingd_client.sweep import grid, sweep  # noqa: E402


def ladder(params):
    """A condition set: LONG entries every band_pct above 100 on BTC."""
    band = params["band_pct"] / 100
    return [{"id": f"up-{i}", "coin": "BTC", "direction": "LONG", "trigger_type": "ABOVE",
             "trigger_price": round(100 * (1 + band) ** (i + 1), 6), "position_size_usd": 30,
             "stop_loss_pct": 0.003, "take_profit_pct": 0.004, "strategy_id": "ladder",
             "valid_until": "2100-01-01T00:00:00Z"} for i in range(20)]


def comparable(rows):
    """The rows without what depends on the machine (seconds)."""
    return sorted((tuple((k, str(v)) for k, v in r.items() if k != "seconds") for r in rows))


def test_grid_is_every_combination_in_a_stable_order():
    tasks = grid({"paper.slippage_bps": [0, 5]}, {"band_pct": [0.1, 0.2, 0.3]}, [["a.csv"], ["b.csv", "c.csv"]])
    assert len(tasks) == 12
    assert [t.index for t in tasks] == list(range(12))
    assert tasks[0].overrides == {"paper.slippage_bps": 0} and tasks[0].params == {"band_pct": 0.1}
    assert tasks[1].source_name == "b.csv+1" and tasks[0].source_name == "a.csv"
    assert len({(repr(t.overrides), repr(t.params), t.sources) for t in tasks}) == 12


def test_a_local_cluster_gives_the_summaries_of_a_sequential_run_and_the_csv(tmp_path):
    day1 = write_ticks(tmp_path / "day1.csv", minutes=10, seed=7)
    day2 = write_ticks(tmp_path / "day2.csv", minutes=10, seed=8)
    args = dict(overrides={"paper.slippage_bps": [0, 5]}, params={"band_pct": [0.2, 0.5]},
                conditions_fn=ladder, coins=("BTC", "ETH"))
    seq = sweep([[day1], [day2]], scheduler="sequential", out=tmp_path / "seq", **args)
    dask = sweep([[day1], [day2]], workers=2, out=tmp_path / "dask", **args)
    assert len(seq.tasks) == len(dask.tasks) == 8
    assert not seq.failed and not dask.failed
    assert comparable(dask.rows) == comparable(seq.rows)
    totals = [r for r in dask.rows if r["strategy"] == "TOTAL"]
    assert len(totals) == 8 and all(r["closed"] > 0 for r in totals)
    # Slippage costs: at the same band and day, 5 bps never earns more than 0.
    by = {(r["band_pct"], r["source"], r["paper.slippage_bps"]): r["pnl_usd"] for r in totals}
    assert all(by[(b, s, 5)] < by[(b, s, 0)] for (b, s, slip) in by if slip == 0)
    with open(dask.csv_path) as f:
        read = list(csv.DictReader(f))
    assert len(read) == 16  # ladder and TOTAL per task
    assert {"task", "paper.slippage_bps", "band_pct", "source", "status", "strategy", "pnl_usd", "win_rate",
            "fees_usd", "fill_cost_usd", "max_drawdown_usd"} <= set(read[0])
    assert dask.heatmap_path is None  # two days: no single picture


def test_a_failing_point_is_reported_with_its_parameters_and_the_rest_finish(tmp_path):
    day = write_ticks(tmp_path / "day.csv", minutes=5)
    result = sweep([day], overrides={"paper.slippage_bps": [0, -1, 2, 5]}, params={"band_pct": [0.2, 0.5]},
                   conditions_fn=ladder, coins=("BTC", "ETH"), workers=2, out=tmp_path / "out")
    assert len(result.failed) == 2
    for f in result.failed:
        assert f["params"]["paper.slippage_bps"] == -1
        assert "slippage_bps" in f["error"] and "exited with 2" in f["error"]
    ok = [r for r in result.rows if r["status"] == "ok" and r["strategy"] == "TOTAL"]
    assert len(ok) == 6
    failed_rows = [r for r in result.rows if r["status"] == "failed"]
    assert len(failed_rows) == 2 and all(r["error"] for r in failed_rows)
    # Two dimensions on one day: the heatmap, a PNG, with the failed cells marked.
    png = result.heatmap_path.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_the_command_sweeps_the_example_strategist_in_lockstep(tmp_path):
    day = write_ticks(tmp_path / "day.csv", minutes=3)
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "tradingd-sweep"), "--replay", str(day), "--set",
         "paper.slippage_bps=0,5", "--param", "band_pct=0.05,0.1", "--strategist",
         str(ROOT / "examples" / "breakout_strategist.py") + ":sweep_strategist", "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=240)
    print(out.stdout, out.stderr)
    assert out.returncode == 0
    assert "4 runs in" in out.stdout and "0 failed" in out.stdout
    with open(tmp_path / "out" / "results.csv") as f:
        totals = [r for r in csv.DictReader(f) if r["strategy"] == "TOTAL"]
    assert len(totals) == 4 and all(int(r["closed"]) > 0 for r in totals)
    assert (tmp_path / "out" / "heatmap.png").exists()
    # Refused before anything runs: a grid value list that is empty.
    bad = subprocess.run([sys.executable, str(ROOT / "scripts" / "tradingd-sweep"), "--replay", str(day), "--set",
                          "slippage=1"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "section.key" in bad.stderr
