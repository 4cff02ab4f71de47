#!/usr/bin/python3
"""The Grafana dashboard against the real thing: Debian's Prometheus scrapes a real
tradingd trading against exchange-sim on loopback (a strategist arms a condition every
second, an event subscriber follows), with deploy/prometheus/tradingd-alerts.yml loaded.
Every query of every panel of deploy/grafana/tradingd.json must return a series with a
number in it (NaN is not data), and every alert rule must evaluate without error.

Grafana itself is not packaged in Debian 12, so the picture of the dashboard is drawn
here: each panel at its gridPos, with its title, its queries' legends and the last
minutes of their data from Prometheus' query_range (matplotlib). Written to
OUT_DIR/dashboard.png; docs/img/dashboard.png is one such picture.

    prometheus_dashboard_test.py TRADINGD EXCHANGE_SIM SOURCE_DIR OUT_DIR
"""
import asyncio
import json
import math
import os
import pathlib
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

tradingd, sim_binary, source, out_dir = (pathlib.Path(a) for a in sys.argv[1:5])
sys.path.insert(0, str(source / "clients" / "python"))
from tradingd_client import Client  # noqa: E402

dashboard = json.loads((source / "deploy" / "grafana" / "tradingd.json").read_text())
SCRAPE_S = 1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.25)
    raise SystemExit(f"prometheus_dashboard_test: timed out after {seconds} s waiting for {what}")


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def query(prom, expr, at=None):
    args = {"query": expr}
    if at:
        args["time"] = f"{at:.3f}"
    return get_json(f"{prom}/api/v1/query?" + urllib.parse.urlencode(args))["data"]["result"]


def numbers(result):
    return [float(r["value"][1]) for r in result if not math.isnan(float(r["value"][1]))]


def legend(fmt, metric):
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: metric.get(m.group(1), ""), fmt or "") or json.dumps(metric)


def draw(prom, start, end, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = dashboard["panels"]
    rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels)
    fig = plt.figure(figsize=(16, rows * 0.42), facecolor="#111217")
    fig.suptitle(f"{dashboard['title']}  (drawn from deploy/grafana/tradingd.json with Prometheus data)",
                 color="#d8d9da", fontsize=12, x=0.01, y=0.995, ha="left")
    step = max(1, int((end - start) / 120))
    for p in panels:
        g = p["gridPos"]
        left, width = g["x"] / 24, g["w"] / 24
        bottom, height = (1 - (g["y"] + g["h"]) / rows) * 0.97, g["h"] / rows * 0.97  # the title above
        ax = fig.add_axes([left + 0.035, bottom + 0.03, width - 0.05, height - 0.06], facecolor="#181b1f")
        ax.set_title(p["title"], color="#d8d9da", fontsize=9, loc="left")
        ax.tick_params(colors="#8e8e8e", labelsize=7)
        for s in ax.spines.values():
            s.set_color("#2c3235")
        for t in p["targets"]:
            args = urllib.parse.urlencode({"query": t["expr"], "start": start, "end": end, "step": step})
            for series in get_json(f"{prom}/api/v1/query_range?{args}")["data"]["result"]:
                xs = [float(v[0]) - end for v in series["values"]]
                ys = [float(v[1]) for v in series["values"]]
                ax.plot(xs, ys, linewidth=1.2, label=legend(t.get("legendFormat"), series["metric"]))
        ax.set_xlabel("seconds before the picture", color="#8e8e8e", fontsize=7)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=6, loc="upper left", facecolor="#181b1f", edgecolor="#2c3235", labelcolor="#d8d9da")
    fig.savefig(path, dpi=80, facecolor=fig.get_facecolor())


def main():
    work = pathlib.Path(tempfile.mkdtemp(prefix="tradingd-prom-"))
    procs = []
    try:
        sim_out = open(work / "sim.out", "w")
        procs.append(subprocess.Popen([str(sim_binary), "--walk", "BTCUSDT:60000,ETHUSDT:3000", "--rate", "20",
                                       "--port", "0", "--write-ca", str(work / "sim-ca.pem")],
                                      stdout=sim_out, stderr=subprocess.STDOUT))
        url = wait_for(lambda: re.search(r"listening on (\S+)", (work / "sim.out").read_text()), 15, "exchange-sim")[1]
        api_port, prom_port = free_port(), free_port()
        (work / "settings.toml").write_text(f"""
[exchange]
primary = "bybit"
fallback = ""
[exchange.bybit]
url = "{url}/v5/public/spot"
[tls]
ca_file = "sim-ca.pem"
[trading]
coins = ["BTC", "ETH"]
[paper]
fill_on = "quote"
[storage]
db_path = "journal.db"
[log]
dir = "logs"
[api]
port = {api_port}
""")
        token = secrets.token_hex(16)
        procs.append(subprocess.Popen([str(tradingd), "--config", str(work / "settings.toml")],
                                      env=dict(os.environ, TRADINGD_API_TOKEN=token),
                                      stdout=open(work / "tradingd.out", "w"), stderr=subprocess.STDOUT))
        client = Client(f"http://127.0.0.1:{api_port}", token=token)
        wait_for(lambda: _healthy(client), 30, "tradingd's /health to say healthy")

        # Prometheus, as deploy/prometheus/prometheus.yml configures it, pointed at this tradingd.
        prom_cfg = (source / "deploy" / "prometheus" / "prometheus.yml").read_text()
        prom_cfg = prom_cfg.replace("127.0.0.1:8080", f"127.0.0.1:{api_port}")
        prom_cfg = re.sub(r"scrape_interval: \S+", f"scrape_interval: {SCRAPE_S}s", prom_cfg)
        prom_cfg = re.sub(r"evaluation_interval: \S+", f"evaluation_interval: {SCRAPE_S}s", prom_cfg)
        shutil.copy(source / "deploy" / "prometheus" / "tradingd-alerts.yml", work)
        (work / "prometheus.yml").write_text(prom_cfg)
        procs.append(subprocess.Popen(["prometheus", f"--config.file={work / 'prometheus.yml'}",
                                       f"--storage.tsdb.path={work / 'tsdb'}",
                                       f"--web.listen-address=127.0.0.1:{prom_port}"],
                                      stdout=open(work / "prometheus.out", "w"), stderr=subprocess.STDOUT))
        prom = f"http://127.0.0.1:{prom_port}"
        wait_for(lambda: _ready(prom), 60, "Prometheus ready")

        # Activity for every panel: a strategist arms a quick in-and-out every second, an event subscriber follows.
        stop = threading.Event()
        threading.Thread(target=_subscriber, args=(client, stop), daemon=True).start()
        start = time.time()
        n = 0
        pending = {(p["title"], t["expr"]) for p in dashboard["panels"] for t in p["targets"]}
        deadline = time.monotonic() + 120
        # At least 40 s, so that the picture shows the 1-minute rates settling.
        while (pending or time.time() - start < 40) and time.monotonic() < deadline:
            n += 1
            coin = "BTC" if n % 2 else "ETH"
            client.arm([{"id": f"prom-{n}", "coin": coin, "direction": "LONG", "trigger_type": "ABOVE",
                         "trigger_price": 1, "position_size_usd": 20, "stop_loss_pct": 0.004,
                         "take_profit_pct": 0.004, "strategy_id": "prom",
                         "valid_until": "2099-01-01T00:00:00Z"}])
            time.sleep(1)
            if time.time() - start < 10:
                continue  # a rate() needs a few scrapes
            for title, expr in sorted(pending):
                if numbers(query(prom, expr)):
                    pending.discard((title, expr))
        stop.set()
        for title, expr in sorted(pending):
            print(f"prometheus_dashboard_test: panel {title!r}: no data for {expr}")
        targets = get_json(f"{prom}/api/v1/targets")["data"]["activeTargets"]
        print(f"prometheus_dashboard_test: scrape target {targets[0]['scrapeUrl']} {targets[0]['health']}")
        rules = [r for g in get_json(f"{prom}/api/v1/rules")["data"]["groups"] for r in g["rules"]]
        bad_rules = [f"{r['name']}: {r.get('lastError')}" for r in rules if r.get("health") != "ok"]
        for b in bad_rules:
            print(f"prometheus_dashboard_test: alert rule does not evaluate: {b}")
        firing = [r["name"] for r in rules for a in r.get("alerts", []) if a["state"] == "firing"]
        print(f"prometheus_dashboard_test: {len(rules)} alert rules evaluated, firing: {firing or 'none'}")
        fills = numbers(query(prom, "sum(tradingd_fills_total)"))
        print(f"prometheus_dashboard_test: {n} conditions armed, {fills[0] if fills else 0:.0f} fills; "
              f"{sum(len(p['targets']) for p in dashboard['panels']) - len(pending)} queries of "
              f"{len(dashboard['panels'])} panels returned data")
        if not pending and not bad_rules:
            out_dir.mkdir(parents=True, exist_ok=True)
            draw(prom, start, time.time(), out_dir / "dashboard.png")
            print(f"prometheus_dashboard_test: the dashboard drawn in {out_dir / 'dashboard.png'}")
        failed = bool(pending or bad_rules or targets[0]["health"] != "up" or not fills or fills[0] < 2)
        if failed:
            for name in ("tradingd.out", "prometheus.out"):
                print(f"--- {name}:\n{(work / name).read_text()[-3000:]}")
        return 1 if failed else 0
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


def _healthy(client):
    try:
        return client.health().get("healthy")  # the feed is live
    except Exception:
        return False


def _ready(prom):
    try:
        with urllib.request.urlopen(f"{prom}/-/ready", timeout=2) as r:
            return r.status == 200
    except Exception:
        return False


def _subscriber(client, stop):
    async def follow():
        async for _ in client.events():
            if stop.is_set():
                return
    try:
        asyncio.run(follow())
    except Exception as e:  # the daemon stopping ends it
        print(f"prometheus_dashboard_test: event subscriber ended: {e}")


if __name__ == "__main__":
    sys.exit(main())
