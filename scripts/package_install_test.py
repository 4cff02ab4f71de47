#!/usr/bin/python3
"""The Debian package's install test (scripts/package.sh --install-test; CI's package stage).

As root, on a machine where tradingd is not installed:
  1. apt installs the .deb: the user, folders, config and unit are checked;
  2. the installed daemon is started from the installed unit's ExecStart=, as the
     unit's User=, with NOTIFY_SOCKET and WATCHDOG_USEC as systemd sets them, the
     installed config edited (as an operator would) to trade against exchange-sim
     on loopback: READY=1, a live feed, its journal and log where the package put
     them, /health answering, SIGTERM -> STOPPING=1 and exit 0;
  3. apt remove: the programs go, the config and the journal stay;
  4. apt purge: the config, the logs and the user go, the journal stays;
  5. installed again over the kept journal: it is the new user's; purged again.
Exits 1 naming the first check that failed. The journal this test made is deleted at the end.
"""
import os
import pathlib
import pwd
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

UNIT = pathlib.Path("/lib/systemd/system/tradingd.service")
CONFIG = pathlib.Path("/etc/tradingd/settings.toml")
STATE = pathlib.Path("/var/lib/tradingd")
LOGS = pathlib.Path("/var/log/tradingd")


class Failed(Exception):
    pass


def check(ok, what):
    if not ok:
        raise Failed(what)
    print(f"  ok: {what}")


def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def apt(*args):
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    r = subprocess.run(["apt-get", "-y", "-q", *args], text=True, capture_output=True, env=env)
    if r.returncode != 0:
        raise Failed(f"apt-get {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}")
    return r.stdout + r.stderr


def installed():
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "tradingd"], text=True, capture_output=True)
    return r.returncode == 0 and "install ok installed" in r.stdout


def user_exists(name="tradingd"):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def owner(path):
    return pwd.getpwuid(path.stat().st_uid).pw_name


def wait_for(pred, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.1)
    raise Failed(f"timed out after {seconds} s waiting for: {what}")


class Systemd:
    """The notify socket systemd would give the service."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        os.chmod(path, 0o666)  # the service runs as its own user
        self.sock.setblocking(False)
        self.messages = []

    def poll(self):
        while True:
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except BlockingIOError:
                return self.messages

    def has(self, line):
        return any(line in m.split("\n") for m in self.poll())


def start_sim(tmp):
    ca = pathlib.Path("/etc/tradingd/sim-ca.pem")
    sim = subprocess.Popen(["/usr/bin/exchange-sim", "--walk", "BTCUSDT:60000,ETHUSDT:3000",
                            "--rate", "20", "--port", "0", "--write-ca", str(ca)],
                           stdout=open(tmp / "sim.out", "w"), stderr=subprocess.STDOUT)
    url = []

    def listening():
        m = re.search(r"listening on (\S+)", (tmp / "sim.out").read_text())
        if m:
            url.append(m.group(1))
        return bool(m)

    wait_for(listening, 15, "exchange-sim listening")
    return sim, url[0], ca


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def configure_for_sim(url, ca, port):
    """Edits the installed config as an operator would: the sim instead of Bybit, its CA, a free port."""
    text = CONFIG.read_text()
    for old, new in [('url = "wss://stream.bybit.com/v5/public/spot"', f'url = "{url}/v5/public/spot"'),
                     ('fallback = "binance"', 'fallback = ""'),
                     ('ca_file = ""', f'ca_file = "{ca}"'),
                     ("port = 8080", f"port = {port}")]:
        if old not in text:
            raise Failed(f"{CONFIG} has no line {old!r} to edit")
        text = text.replace(old, new, 1)
    CONFIG.write_text(text)


def run_installed_daemon(tmp):
    unit = UNIT.read_text()
    exec_start = re.search(r"^ExecStart=(.+)$", unit, re.M).group(1)
    user = re.search(r"^User=(.+)$", unit, re.M).group(1)
    check(re.search(r"^Type=notify$", unit, re.M) is not None, "the unit is Type=notify")
    check(re.search(r"^WatchdogSec=", unit, re.M) is not None, "the unit sets WatchdogSec=")
    sim, url, ca = start_sim(tmp)
    try:
        port = free_port()
        configure_for_sim(url, ca, port)
        systemd = Systemd(str(tmp / "notify.sock"))
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "NOTIFY_SOCKET": systemd.path, "WATCHDOG_USEC": "10000000"}
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", "--", *shlex.split(exec_start)]
        print(f"  starting: {' '.join(cmd)}")
        daemon = subprocess.Popen(cmd, env=env, stdout=open(tmp / "daemon.out", "w"), stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: systemd.has("READY=1") or daemon.poll() is not None, 60, "READY=1")
            check(daemon.poll() is None, "the installed daemon started")
            check(systemd.has("READY=1"), "READY=1 on the notify socket")
            wait_for(lambda: any("Feed: OK (bybit)" in m for m in systemd.poll()), 30, "a STATUS= with a live feed")
            check(True, "STATUS= shows the health line with the feed live")
            check(systemd.has("WATCHDOG=1"), "WATCHDOG=1 keep-alives")
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
                check(r.status == 200, "GET /health answers 200")
            journal = STATE / "journal.db"
            check(journal.exists() and owner(journal) == "tradingd", f"the journal is {journal}, owned by tradingd")
            log = (LOGS / "trading.log").read_text()
            check(f"Connected to bybit ({url}" in log, f"{LOGS}/trading.log shows the feed connected to the sim")
            daemon.send_signal(signal.SIGTERM)
            code = daemon.wait(timeout=30)
            check(code == 0, f"SIGTERM: exit 0 (got {code})")
            check(systemd.has("STOPPING=1"), "STOPPING=1 on the notify socket")
        finally:
            if daemon.poll() is None:
                daemon.kill()
        r = subprocess.run(["/usr/bin/tradingd", "journal", "check", "--db", str(STATE / "journal.db")],
                           text=True, capture_output=True)
        check(r.returncode == 0, f"tradingd journal check passes on the service's journal: {r.stdout}{r.stderr}")
    finally:
        sim.terminate()
        sim.wait()
        ca.unlink(missing_ok=True)


def after_install():
    check(installed(), "dpkg lists tradingd as installed")
    for f in ["/usr/bin/tradingd", "/usr/bin/exchange-sim", "/usr/bin/tradingd-sweep", str(UNIT), str(CONFIG),
              "/usr/share/doc/tradingd/copyright", "/usr/share/doc/tradingd/changelog.gz",
              "/usr/share/doc/tradingd/docs/operations.md", "/usr/share/tradingd/prometheus/tradingd-alerts.yml",
              "/usr/share/tradingd/grafana/tradingd.json", "/usr/lib/python3/dist-packages/tradingd_client/client.py"]:
        check(os.path.exists(f), f"installed: {f}")
    conffiles = run("dpkg-query", "-W", "-f=${Conffiles}", "tradingd").stdout
    check(str(CONFIG) in conffiles, f"{CONFIG} is a conffile")
    check(user_exists(), "the system user tradingd exists")
    check(pwd.getpwnam("tradingd").pw_uid < 1000, "tradingd is a system user (uid below 1000)")
    for d in (STATE, LOGS):
        check(d.is_dir() and owner(d) == "tradingd" and (d.stat().st_mode & 0o777) == 0o750,
              f"{d} is tradingd's, mode 750")
    st = CONFIG.stat()
    check((st.st_mode & 0o777) == 0o640 and st.st_uid == 0 and owner(CONFIG) == "root",
          f"{CONFIG} is root:tradingd 640")
    cfg = CONFIG.read_text()
    check('db_path = "/var/lib/tradingd/journal.db"' in cfg and 'dir = "/var/log/tradingd"' in cfg,
          "the config puts the journal in /var/lib/tradingd and the logs in /var/log/tradingd")
    check(run("/usr/bin/tradingd", "--config", str(CONFIG), "--check-config").returncode == 0,
          "tradingd --check-config accepts the installed config")
    version = run("/usr/bin/tradingd", "--version").stdout.strip()
    check(version.startswith("tradingd "), f"tradingd --version: {version}")
    r = subprocess.run(["/usr/bin/python3", "-c", "import tradingd_client, tradingd_client.backtest"],
                       text=True, capture_output=True, cwd="/")
    check(r.returncode == 0, f"python3 imports the installed tradingd_client {r.stderr}")
    if os.path.exists("/usr/bin/systemd-analyze"):
        r = subprocess.run(["systemd-analyze", "verify", str(UNIT)], text=True, capture_output=True)
        check(r.returncode == 0, f"systemd-analyze verify {UNIT}: {r.stderr}")


def main():
    deb = pathlib.Path(sys.argv[1]).resolve()
    if installed() or STATE.exists() or user_exists():
        print("package_install_test: tradingd is installed here already (or its journal or user exist): "
              "this test installs and purges it, so it runs only on a machine without it", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="tradingd-package-") as tmp_name:
        tmp = pathlib.Path(tmp_name)
        os.chmod(tmp, 0o755)
        try:
            print(f"install: apt-get install {deb}")
            apt("install", str(deb))
            after_install()
            print("run: the installed unit's command line against exchange-sim")
            run_installed_daemon(tmp)

            print("remove: apt-get remove tradingd")
            apt("remove", "tradingd")
            check(not os.path.exists("/usr/bin/tradingd"), "the programs are gone")
            check(CONFIG.exists(), "the config stays (a conffile is kept until purge)")
            check((STATE / "journal.db").exists(), "the journal stays")

            print("purge: apt-get purge tradingd")
            out = apt("purge", "tradingd")
            check(not pathlib.Path("/etc/tradingd").exists(), "/etc/tradingd is gone")
            check(not LOGS.exists(), f"{LOGS} is gone")
            check(not user_exists(), "the user tradingd is gone")
            check((STATE / "journal.db").exists(), "the journal stays after purge")
            check("the journal is kept in /var/lib/tradingd" in out, "purge says where the journal was kept")

            print("reinstall over the kept journal")
            apt("install", str(deb))
            check(owner(STATE / "journal.db") == "tradingd", "the kept journal belongs to the new tradingd user")
            apt("purge", "tradingd")
            check(not installed(), "purged again")
        except (Failed, subprocess.CalledProcessError) as e:
            print(f"package_install_test: FAILED: {e}", file=sys.stderr)
            for name in ("daemon.out", "sim.out"):
                p = tmp / name
                if p.exists():
                    print(f"--- {name}:\n{p.read_text()[-4000:]}", file=sys.stderr)
            if LOGS.exists() and (LOGS / "trading.log").exists():
                print(f"--- trading.log:\n{(LOGS / 'trading.log').read_text()[-4000:]}", file=sys.stderr)
            return 1
        finally:
            if installed():
                subprocess.run(["apt-get", "-y", "-q", "purge", "tradingd"], capture_output=True)
            subprocess.run(["rm", "-rf", str(STATE)])
    print("package_install_test: the package installs, runs as a notify service, removes and purges as documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
