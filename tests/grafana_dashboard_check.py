#!/usr/bin/python3
"""deploy/grafana/tradingd.json, checked without Grafana: every panel's query is valid
PromQL (promtool check rules, each query written as a recording rule) and names only
metrics tradingd exports (the families of src/api/api_router.cpp's /metrics).
That each query returns data from a real Prometheus scraping a real tradingd is
tests/prometheus_dashboard_test.py.

    grafana_dashboard_check.py SOURCE_DIR
"""
import json
import pathlib
import re
import subprocess
import sys
import tempfile

root = pathlib.Path(sys.argv[1])
dash = json.loads((root / "deploy" / "grafana" / "tradingd.json").read_text())
source = (root / "src" / "api" / "api_router.cpp").read_text()
exported = set(re.findall(r'(?:m\.family|per_feed)\("(tradingd_[a-z_]+)"', source))
problems = []
exprs = []
for panel in dash["panels"]:
    if not panel.get("targets"):
        problems.append(f"panel {panel.get('title')!r} has no query")
    for t in panel.get("targets", []):
        exprs.append((panel["title"], t["expr"]))
        for name in re.findall(r"\b(tradingd_[a-z_]+)", t["expr"]):
            base = re.sub(r"_(bucket|sum|count)$", "", name)
            if name not in exported and base not in exported:
                problems.append(f"panel {panel['title']!r}: {name} is not a metric tradingd exports")
ids = [p["id"] for p in dash["panels"]]
if len(ids) != len(set(ids)):
    problems.append("two panels share an id")
with tempfile.TemporaryDirectory() as d:
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query_{i}", "expr": e} for i, (_, e) in enumerate(exprs)]}]}
    path = pathlib.Path(d) / "queries.yml"
    path.write_text(json.dumps(rules))  # JSON is YAML
    check = subprocess.run(["promtool", "check", "rules", str(path)], capture_output=True, text=True)
    if check.returncode != 0:
        problems.append("promtool rejects a query:\n" + check.stdout + check.stderr)
for p in problems:
    print("grafana_dashboard_check:", p)
print(f"grafana_dashboard_check: {len(dash['panels'])} panels, {len(exprs)} queries, "
      f"{len(problems)} problems")
sys.exit(1 if problems else 0)
