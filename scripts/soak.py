#!/usr/bin/python3
"""Soak: tradingd against two exchange-sims under load and faults (scripts/soak.sh).

A primary (Bybit protocol) and a fallback (Binance) exchange-sim stream random
walks of 5 coins at RATE messages/s with a quote before every trade, bad frames
and crossed quotes mixed in. A strategist thread keeps 1,000 conditions armed
through the control API (re-arming as they fire, expire or are cancelled),
pollers read /status, /positions and /trades, and every 20 s the driver injects
a random fault: a dropped connection, a silent link, the primary down (the
fallback drives), a forced rotation, or the journal locked by another process.

Every 10 s it samples tradingd's RSS, open fds, threads, journal queue depth
and tick-to-decision p99 (from /metrics). It fails (exit 1) on a crash, a
sanitizer report, growth beyond noise after the warm-up, or a journal that
breaks design.md §5 at the end; it writes soak-report.md and soak-samples.csv.
Standard library only; Debian's python3.
"""
import argparse
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request

TOKEN = "soak-token-0b7c"
COINS = ["BTC", "ETH", "SOL", "XRP", "DOGE"]
START_PRICES = {"BTC": 97000, "ETH": 3500, "SOL": 180, "XRP": 0.6, "DOGE": 0.2}


def log(msg):
    print(f"[soak {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def sanitizer_build(binary):
    """True when `binary` links a sanitizer runtime (ASan or TSan)."""
    try:
        out = subprocess.run(["ldd", binary], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "libasan" in out or "libtsan" in out


class Sim:
    """One exchange-sim on a fixed port, restartable with other fault flags."""

    def __init__(self, binary, workdir, name, port, rate, seed):
        self.binary, self.workdir, self.name, self.port = binary, workdir, name, port
        self.rate, self.seed, self.proc = rate, seed, None
        self.cert = os.path.join(workdir, "sim-cert.pem")
        self.key = os.path.join(workdir, "sim-key.pem")

    def start(self, extra=()):
        walk = ",".join(f"{c}USDT:{START_PRICES[c]}" for c in COINS)
        args = [self.binary, "--walk", walk, "--seed", str(self.seed), "--port", str(self.port),
                "--rate", str(self.rate), "--malformed-every", "997", "--crossed-quote-every", "1009",
                "--spread-bps", "5"]
        args += ["--cert", self.cert, "--key", self.key]  # one certificate for both sims and every restart
        args += list(extra)
        out = open(os.path.join(self.workdir, f"{self.name}.log"), "ab")
        self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=self.workdir)
        CHILDREN.append(self.proc)
        deadline = time.time() + 15
        while time.time() < deadline:
            with open(os.path.join(self.workdir, f"{self.name}.log"), "rb") as f:
                text = f.read().decode(errors="replace")
            if text.count("listening on") > self.starts:
                self.starts += 1
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {text[-500:]}")
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start")

    starts = 0

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Api:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"

    def call(self, method, path, body=None, timeout=10):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if method != "GET":
            req.add_header("Authorization", f"Bearer {TOKEN}")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def json(self, path):
        try:
            status, body = self.call("GET", path)
        except OSError:  # not listening yet, or a connection cut
            return None
        return json.loads(body) if status == 200 else None


class Strategist(threading.Thread):
    """Keeps TARGET conditions armed around the last prices; counts what the API answers."""

    def __init__(self, api, target, stop_event):
        super().__init__(daemon=True)
        self.api, self.target, self.stop_event = api, target, stop_event
        self.seq, self.armed, self.errors, self.server_errors = 0, 0, 0, 0

    def run(self):
        rng = random.Random(7)
        while not self.stop_event.is_set():
            try:
                status = self.api.json("/status")
                conditions = self.api.json("/conditions")
                if status is None or conditions is None:
                    time.sleep(1)
                    continue
                prices = status.get("prices") or {}
                missing = self.target - len(conditions)
                batch = []
                for _ in range(min(missing, 200)):
                    coin = rng.choice(COINS)
                    p = prices.get(coin) or START_PRICES[coin]
                    up = rng.random() < 0.5
                    dist = rng.uniform(0.0002, 0.01)  # most stay armed; some fire
                    self.seq += 1
                    batch.append({
                        "id": f"soak-{self.seq}", "coin": coin, "direction": "LONG" if up else "SHORT",
                        "trigger_type": "ABOVE" if up else "BELOW",
                        "trigger_price": round(p * (1 + dist if up else 1 - dist), 8),
                        "stop_loss_pct": 0.004, "take_profit_pct": 0.004,
                        "trailing_stop_pct": 0.003 if rng.random() < 0.3 else None,
                        "max_hold_ms": rng.choice([None, 20000, 60000]),
                        "position_size_usd": 5, "strategy_id": "soak",
                        "valid_until": int(time.time() * 1000) + rng.randint(20_000, 300_000)})
                for c in batch:
                    for k in [k for k, v in c.items() if v is None]:
                        del c[k]
                if batch:
                    code, _ = self.api.call("POST", "/conditions", batch)
                    if code == 201:
                        self.armed += len(batch)
                    elif code >= 500:
                        self.server_errors += 1
                    else:
                        self.errors += 1
                # Now and then cancel one, as a strategist changing its mind.
                if conditions and rng.random() < 0.3:
                    self.api.call("DELETE", "/conditions/" + rng.choice(conditions)["id"])
            except Exception as e:  # the daemon restarting a connection, a timeout: try again
                self.errors += 1
                log(f"strategist: {e}")
            self.stop_event.wait(1.0)


class Poller(threading.Thread):
    def __init__(self, api, stop_event):
        super().__init__(daemon=True)
        self.api, self.stop_event, self.requests, self.server_errors = api, stop_event, 0, 0

    def run(self):
        paths = ["/status", "/positions", "/health", "/metrics"] + ([] if os.environ.get("SOAK_NO_TRADES") else ["/trades?hours=1"])
        i = 0
        while not self.stop_event.is_set():
            try:
                code, _ = self.api.call("GET", paths[i % len(paths)])
                self.requests += 1
                if code >= 500 and code != 503:  # 503: /health while a fault makes it unhealthy
                    self.server_errors += 1
            except Exception:
                pass
            i += 1
            self.stop_event.wait(0.2)


def proc_stats(pid):
    with open(f"/proc/{pid}/status") as f:
        status = f.read()
    rss_kib = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    threads = int(re.search(r"Threads:\s+(\d+)", status).group(1))
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return rss_kib, fds, threads


def histogram(metrics_text):
    """Cumulative tick-to-decision buckets summed over exchanges: {le: count}."""
    buckets = {}
    for m in re.finditer(r'^tradingd_tick_to_decision_seconds_bucket\{[^}]*le="([^"]+)"\} (\S+)$', metrics_text, re.M):
        le = float("inf") if m.group(1) == "+Inf" else float(m.group(1))
        buckets[le] = buckets.get(le, 0) + float(m.group(2))
    return buckets


def p99_between(before, after):
    les = sorted(after)
    delta = [(le, after[le] - before.get(le, 0)) for le in les]
    total = delta[-1][1] if delta else 0
    if total <= 0:
        return None, 0
    for le, count in delta:
        if count >= 0.99 * total:
            return le, total
    return les[-1], total


def journal_problems(tradingd, db_path):
    """design.md §5's invariants, by `tradingd journal check`: the same check
    tradingd's start-up makes. Also the trade counts and events, for the report."""
    r = subprocess.run([tradingd, "journal", "--db", db_path, "check"], capture_output=True, text=True)
    if r.returncode == 0:
        problems = []
    elif r.returncode == 1:
        problems = [line.strip() for line in r.stdout.splitlines()[1:] if line.strip()]
    else:
        problems = [f"tradingd journal check exited {r.returncode}: {r.stderr.strip()}"]
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    counts = dict(db.execute("SELECT status, count(*) FROM trades GROUP BY status").fetchall())
    events = db.execute("SELECT count(*) FROM events").fetchone()[0]
    db.close()
    return problems, counts, events


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--build", default="build/release")
    ap.add_argument("--rate", type=int, default=20000)
    ap.add_argument("--conditions", type=int, default=1000)
    ap.add_argument("--workdir", default="build/soak")
    ap.add_argument("--fault-every", type=float, default=20)
    args = ap.parse_args()

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.chdir(root)
    work = os.path.abspath(args.workdir)
    subprocess.run(["rm", "-rf", work], check=True)
    os.makedirs(work)
    tradingd = os.path.abspath(os.path.join(args.build, "tradingd"))
    sim_bin = os.path.abspath(os.path.join(args.build, "exchange-sim"))
    primary = Sim(sim_bin, work, "primary", free_port(), args.rate, 1)
    fallback = Sim(sim_bin, work, "fallback", free_port(), args.rate, 2)
    api_port = free_port()
    # One self-signed certificate for 127.0.0.1, trusted by tradingd as its CA.
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", os.path.join(work, "sim-key.pem"), "-out", os.path.join(work, "sim-cert.pem")],
                   check=True, capture_output=True)
    primary.start()
    fallback.start()
    config = f"""
[exchange]
primary = "bybit"
fallback = "binance"
failover_after_ms = 8000
failback_after_ms = 15000
[exchange.bybit]
url = "wss://127.0.0.1:{primary.port}/v5/public/spot"
[exchange.binance]
url = "wss://127.0.0.1:{fallback.port}"
[tls]
ca_file = "sim-cert.pem"
[trading]
coins = {json.dumps(COINS)}
[risk]
max_positions = 20
max_position_per_coin = 4
max_exposure_pct = 0.5
[paper]
initial_balance = 10000.0
fill_on = "quote"
slippage_bps = 1.0
[storage]
db_path = "journal.db"
[log]
dir = "logs"
level = "info"
[feed]
backoff_initial_ms = 100
backoff_max_ms = 2000
rotate_after_ms = 120000
silence_timeout_ms = 3000
pong_timeout_ms = 3000
ping_interval_ms = 1000
reconnect_after_stale_ms = 4000
[api]
port = {api_port}
token_env = "SOAK_TOKEN"
[shutdown]
conditions = "cancel"
positions = "close"
"""
    with open(os.path.join(work, "soak.toml"), "w") as f:
        f.write(config)
    env = dict(os.environ, SOAK_TOKEN=TOKEN)
    daemon_err = open(os.path.join(work, "tradingd.stderr"), "wb")
    daemon = subprocess.Popen([tradingd, "--config", "soak.toml"], cwd=work, env=env,
                              stdout=subprocess.DEVNULL, stderr=daemon_err)
    CHILDREN.append(daemon)
    api = Api(api_port)
    deadline = time.time() + 30
    while time.time() < deadline and api.json("/status") is None:
        if daemon.poll() is not None:
            sys.exit(f"soak: tradingd exited at start-up ({daemon.returncode}); see {work}/tradingd.stderr")
        time.sleep(0.2)
    log(f"tradingd pid {daemon.pid}, API :{api_port}, primary :{primary.port}, fallback :{fallback.port}, "
        f"{args.rate} msg/s, {args.minutes} min")

    stop_event = threading.Event()
    strategist = Strategist(api, args.conditions, stop_event)
    pollers = [Poller(api, stop_event) for _ in range(3)]
    strategist.start()
    for p in pollers:
        p.start()

    faults = ["disconnect", "silence", "primary_down", "rotation_flood", "locked_journal", "bad_burst"]
    rng = random.Random(11)
    samples, fault_log = [], []
    start = time.time()
    end = start + args.minutes * 60
    next_sample = start + 10
    next_fault = start + args.fault_every
    prev_hist = histogram(api.call("GET", "/metrics")[1])
    failure = None
    restore_primary_at = None
    while time.time() < end:
        now = time.time()
        if daemon.poll() is not None:
            failure = f"tradingd exited with {daemon.returncode} during the soak"
            break
        if restore_primary_at and now >= restore_primary_at:
            primary.start()
            restore_primary_at = None
        if now >= next_fault:
            next_fault += args.fault_every
            fault = rng.choice(faults)
            fault_log.append((round(now - start), fault))
            log(f"fault: {fault}")
            if fault == "disconnect":
                primary.stop(signal.SIGKILL)
                primary.start()
            elif fault == "silence":
                primary.stop(signal.SIGKILL)
                primary.start(["--silent-after", "2000", "--silent-for-ms", "6000"])
            elif fault == "primary_down":
                primary.stop(signal.SIGKILL)
                restore_primary_at = now + 12
            elif fault == "rotation_flood":
                primary.stop(signal.SIGKILL)
                primary.start(["--shutdown-after", "3000"])  # Bybit ignores it; reconnects churn
            elif fault == "bad_burst":
                primary.stop(signal.SIGKILL)
                primary.start(["--malformed-every", "5", "--bad-price-every", "7", "--crossed-quote-every", "11",
                               "--unknown-symbol-every", "13"])
            elif fault == "locked_journal":
                threading.Thread(target=lock_journal, args=(os.path.join(work, "journal.db"), 5.0),
                                 daemon=True).start()
        if now >= next_sample:
            next_sample += 10
            try:
                rss, fds, threads = proc_stats(daemon.pid)
                status = api.json("/status") or {}
                hist = histogram(api.call("GET", "/metrics")[1])
                p99, ticks = p99_between(prev_hist, hist)
                prev_hist = hist
                queue = (status.get("journal") or {}).get("queue_depth")
                samples.append({"t": round(now - start), "rss_mib": round(rss / 1024, 2), "fds": fds,
                                "threads": threads, "queue": queue, "p99_us": None if p99 is None else
                                (round(p99 * 1e6, 1) if p99 != float("inf") else "inf"),
                                "ticks": int(ticks), "armed": status.get("conditions")})
                log(f"t={samples[-1]['t']}s rss={samples[-1]['rss_mib']} MiB fds={fds} threads={threads} "
                    f"queue={queue} p99={samples[-1]['p99_us']} us ticks/10s={int(ticks)}")
            except Exception as e:
                log(f"sample failed: {e}")
        time.sleep(0.2)

    stop_event.set()
    daemon.send_signal(signal.SIGTERM)
    try:
        code = daemon.wait(60)
    except subprocess.TimeoutExpired:
        daemon.kill()
        code = "killed after 60 s"
    primary.stop()
    fallback.stop()
    daemon_err.close()
    if failure is None and code != 0:
        failure = f"tradingd exited with {code} at SIGTERM"
    with open(os.path.join(work, "tradingd.stderr"), errors="replace") as f:
        err = f.read()
    if "Sanitizer" in err:
        failure = failure or "a sanitizer report (see tradingd.stderr)"

    problems, trade_counts, events = journal_problems(tradingd, os.path.join(work, "journal.db"))
    if problems:
        failure = failure or "journal breaks design.md §5: " + "; ".join(problems)
    server_errors = strategist.server_errors + sum(p.server_errors for p in pollers)
    if server_errors:
        failure = failure or f"{server_errors} answers of 500 from the API"

    # Growth beyond noise: compare the first minute after a 2-minute warm-up with the last minute.
    # Under a sanitizer RSS is mostly shadow memory and the quarantine of freed
    # blocks, which fills up over the run: it is reported, not judged.
    sanitized = sanitizer_build(tradingd)
    steady = [s for s in samples if s["t"] >= 120]
    growth = {}
    if len(steady) >= 12:
        head, tail = steady[:6], steady[-6:]
        med = lambda xs: sorted(xs)[len(xs) // 2]
        growth = {"rss_mib": round(med([s["rss_mib"] for s in tail]) - med([s["rss_mib"] for s in head]), 2),
                  "fds": med([s["fds"] for s in tail]) - med([s["fds"] for s in head]),
                  "threads": med([s["threads"] for s in tail]) - med([s["threads"] for s in head])}
        if growth["rss_mib"] > 4 and not sanitized:
            failure = failure or f"RSS grew {growth['rss_mib']} MiB from the warm-up to the end"
        if growth["fds"] > 8:
            failure = failure or f"open fds grew by {growth['fds']}"
        if growth["threads"] > 0:
            failure = failure or f"threads grew by {growth['threads']}"

    with open(os.path.join(work, "soak-samples.csv"), "w") as f:
        f.write("t_s,rss_mib,fds,threads,journal_queue,p99_us,ticks_per_10s,armed\n")
        for s in samples:
            f.write(f"{s['t']},{s['rss_mib']},{s['fds']},{s['threads']},{s['queue']},{s['p99_us']},{s['ticks']},"
                    f"{s['armed']}\n")
    lines = [f"Soak: {args.minutes:g} min, {args.rate} msg/s, {args.conditions} conditions kept armed, "
             f"a fault every {args.fault_every:g} s ({len(fault_log)} faults: "
             + ", ".join(f"{n} {sum(1 for _, x in fault_log if x == n)}" for n in faults) + ")",
             "",
             "| t (s) | RSS (MiB) | fds | threads | journal queue | tick→decision p99 (µs) | ticks / 10 s |",
             "|---|---|---|---|---|---|---|"]
    pick = samples[::max(1, len(samples) // 12)]
    if samples and pick[-1] is not samples[-1]:
        pick.append(samples[-1])
    for s in pick:
        lines.append(f"| {s['t']} | {s['rss_mib']} | {s['fds']} | {s['threads']} | {s['queue']} | {s['p99_us']} | "
                     f"{s['ticks']} |")
    lines += ["",
              f"Growth from minute 2 to the end (medians): {growth or 'run too short to judge'}"
              f"{' (a sanitizer build: RSS reported, not judged)' if sanitized else ''}; "
              f"conditions armed through the API: {strategist.armed}; API requests by pollers: "
              f"{sum(p.requests for p in pollers)}, answers of 500: {server_errors}; trades {trade_counts}, "
              f"events {events}; exit code at SIGTERM: {code}; journal: "
              + ("consistent (design.md §5)" if not problems else "; ".join(problems)) + ".",
              "", "Result: " + ("PASS" if failure is None else "FAIL: " + failure)]
    report = "\n".join(lines) + "\n"
    with open(os.path.join(work, "soak-report.md"), "w") as f:
        f.write(report)
    print(report)
    sys.exit(0 if failure is None else 1)


def lock_journal(path, seconds):
    """Another process holding the journal's write lock (design.md §8: trading goes on, writes wait)."""
    try:
        subprocess.run(["sqlite3", path], input=f".timeout 2000\nBEGIN IMMEDIATE;\n.shell sleep {seconds}\nCOMMIT;\n",
                       text=True, capture_output=True, timeout=seconds + 10)
    except Exception as e:
        log(f"lock_journal: {e}")


CHILDREN = []


if __name__ == "__main__":
    try:
        main()
    finally:
        # Whatever happened, no sim or daemon outlives the soak.
        for p in CHILDREN:
            if p.poll() is None:
                p.kill()
