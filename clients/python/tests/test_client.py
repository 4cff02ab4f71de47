"""tradingd_client against a real tradingd and exchange-sim: every call, every
refusal, and events that resume by themselves across a restart."""

from __future__ import annotations

import asyncio
import os
import pathlib
import re
import signal
import subprocess
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from conftest import ROOT, TOKEN, wait_for  # noqa: E402
from tradingd_client import ApiError, Client, Event, MalformedEvent, TradingdError  # noqa: E402


def condition(cid, trigger, direction="LONG", trigger_type="ABOVE", **extra):
    now = int(time.time() * 1000)
    c = {"id": cid, "coin": "BTC", "direction": direction, "trigger_type": trigger_type, "trigger_price": trigger,
         "position_size_usd": 20, "strategy_id": "py", "valid_until": now + 3_600_000}
    c.update(extra)
    return c


def test_arm_list_cancel_and_every_refusal(daemon):
    client = Client(daemon.url, TOKEN)
    assert client.health()["healthy"] is True
    assert client.status()["feed"]["driver"] == "bybit"

    far_1 = condition("far-1", 500)
    result = client.arm([far_1, condition("far-2", 501)])
    assert result["armed"] == ["far-1", "far-2"] and result["refused"] == []
    assert [c["id"] for c in client.conditions()] == ["far-1", "far-2"]
    # A retry after a timeout: answered with what is armed, not refused.
    again = client.arm(far_1)
    assert again["armed"] == [] and again["existing"][0]["id"] == "far-1"
    assert again["existing"][0]["status"] == "ACTIVE"
    with pytest.raises(ApiError) as e:
        client.arm(condition("far-1", 502))  # other terms, same id
    assert e.value.status == 409 and "far-1" in e.value.message
    with pytest.raises(ApiError) as e:
        client.arm({"id": "bad", "coin": "BTC"})
    assert e.value.status == 400 and "direction: is required" in e.value.message

    assert client.cancel("far-1")
    with pytest.raises(ApiError) as e:
        client.cancel("far-1")
    assert e.value.status == 404
    with pytest.raises(ApiError) as e:
        Client(daemon.url, "wrong-token").cancel("far-2")
    assert e.value.status == 401
    with pytest.raises(ApiError) as e:
        Client(daemon.url, "").halt()  # no token: read-only for this client
    assert e.value.status == 401
    wait_for(lambda: daemon.query("SELECT status FROM conditions WHERE id = 'far-1'") == [("CANCELLED",)],
             what="the cancel in the journal")  # committed by the writer a moment after the answer


def test_positions_close_halt_resume_flatten(daemon):
    client = Client(daemon.url, TOKEN)
    client.arm(condition("up-1", 102.5, stop_loss_pct=0.5, take_profit_pct=0.5))
    positions = wait_for(client.positions, what="a position")
    assert positions[0]["id"] == "T-up-1" and positions[0]["entry_price"] == 103.0
    client.close("T-up-1")
    wait_for(lambda: daemon.query("SELECT exit_reason FROM trades WHERE id = 'T-up-1'") == [("MANUAL",)],
             what="the close in the journal")
    assert client.trades(hours=1)[0]["exit_reason"] == "MANUAL"

    client.halt()
    health = client.health()
    assert health["healthy"] is False and any("halted" in r for r in health["reasons"])
    client.resume()
    assert client.health()["healthy"] is True
    client.arm(condition("up-2", 102.5, stop_loss_pct=0.5, take_profit_pct=0.5))
    wait_for(client.positions, what="a second position")
    assert client.flatten()["closed"] == 1
    assert client.positions() == []


def test_events_arrive_in_order_and_resume_across_a_restart(daemon):
    client = Client(daemon.url, TOKEN)

    async def scenario():
        got: list[Event] = []
        events = client.events(since=0)
        # The start of the journal: its initial balance, start-up, the feed going live.
        while not any(e.kind == "FEED_STATE" for e in got):
            got.append(await asyncio.wait_for(events.__anext__(), 20))
        await asyncio.to_thread(client.arm, condition("ev-1", 102.5))  # opens at 103, stops out at 100
        while not any(e.kind == "POSITION_CLOSED" for e in got):
            got.append(await asyncio.wait_for(events.__anext__(), 20))
        # tradingd restarts on the same journal; the iterator reconnects by itself.
        await asyncio.to_thread(daemon.stop)
        await asyncio.to_thread(daemon.start)
        while sum(e.kind == "STARTUP" for e in got) < 2:
            got.append(await asyncio.wait_for(events.__anext__(), 30))
        await events.aclose()
        return got

    got = asyncio.run(scenario())
    seqs = [e.seq for e in got]
    assert seqs == list(range(1, len(got) + 1)), "every event once, in order, across the restart"
    rows = daemon.query(f"SELECT seq, kind, ref_id FROM events WHERE seq <= {seqs[-1]} ORDER BY seq")
    assert [(e.seq, e.kind, e.ref_id) for e in got] == [(s, k, r or "") for s, k, r in rows]
    kinds = [e.kind for e in got]
    assert kinds.count("STARTUP") == 2 and "SHUTDOWN" in kinds
    opened = next(e for e in got if e.kind == "POSITION_OPENED")
    assert opened.ref_id == "T-ev-1" and opened.strategy_id == "py" and opened.detail["entry_price"] == 103.0


def test_events_filters_and_refusals(daemon):
    client = Client(daemon.url, TOKEN)

    async def scenario():
        events = client.events(kinds=["CONDITION_ARMED"], strategy="other")  # from now on
        await asyncio.to_thread(client.arm, [condition("mine", 900), condition("theirs", 901, strategy_id="other")])
        first = await asyncio.wait_for(events.__anext__(), 20)
        await events.aclose()
        return first

    first = asyncio.run(scenario())
    assert (first.kind, first.ref_id, first.strategy_id) == ("CONDITION_ARMED", "theirs", "other")

    async def refused(**kwargs):
        async for _ in client.events(**kwargs):
            pass

    with pytest.raises(ApiError) as e:
        asyncio.run(refused(kinds=["FILLED"]))
    assert e.value.status == 400 and "unknown event kind 'FILLED'" in e.value.message
    with pytest.raises(ApiError) as e:
        asyncio.run(refused(since=10**9))
    assert "past the journal's last event" in e.value.message


def test_the_example_strategist_prints_fills_as_they_are_pushed(demo_daemon):
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "breakout_strategist.py"), "--url", demo_daemon.url, "--every", "2",
         "--seconds", "20"],
        env={**os.environ, "TRADINGD_API_TOKEN": TOKEN}, capture_output=True, text=True, timeout=60)
    print(out.stdout, out.stderr)
    assert out.returncode == 0
    fills = re.findall(r"fill #(\d+): (opened|closed) (\S+)", out.stdout)
    assert len(fills) >= 1, "at least one fill pushed in 20 s"
    summary = re.search(r"(\d+) fills pushed", out.stdout)
    assert summary and int(summary.group(1)) == len(fills)
    # Each fill it printed is a position of its strategy in the journal.
    for seq, what, _ in fills:
        kind = "POSITION_OPENED" if what == "opened" else "POSITION_CLOSED"
        rows = demo_daemon.query(f"SELECT e.kind, t.strategy_id FROM events e JOIN trades t ON t.id = e.ref_id "
                                 f"WHERE e.seq = {seq}")
        assert rows == [(kind, "breakout")]


def test_ids_with_a_colon_are_cancelled_and_closed_through_the_encoded_path(daemon):
    # The client percent-encodes path segments (':' is %3A); tradingd decodes them.
    client = Client(daemon.url, TOKEN)
    client.arm(condition("ns:far:1", 500))
    assert client.cancel("ns:far:1")
    wait_for(lambda: daemon.query("SELECT status FROM conditions WHERE id = 'ns:far:1'") == [("CANCELLED",)],
             what="the cancel in the journal")
    client.arm(condition("ns:now:1", 1, stop_loss_pct=0.5, take_profit_pct=0.5))
    wait_for(lambda: client.positions(), what="the position to open")
    assert client.close("T-ns:now:1")
    wait_for(lambda: daemon.query("SELECT exit_reason FROM trades WHERE id = 'T-ns:now:1'") == [("MANUAL",)],
             what="the manual close in the journal")


def test_a_redirect_is_an_error_and_the_token_never_follows_it():
    import http.server
    import threading

    seen = []

    class Other(http.server.BaseHTTPRequestHandler):
        def do_DELETE(self):  # noqa: N802
            seen.append(self.headers.get("Authorization"))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"cancelled":"x"}')

        def log_message(self, *args):
            pass

    other = http.server.HTTPServer(("127.0.0.1", 0), Other)

    class Redirecting(http.server.BaseHTTPRequestHandler):
        def do_DELETE(self):  # noqa: N802
            self.send_response(307)
            self.send_header("Location", f"http://127.0.0.1:{other.server_port}{self.path}")
            self.end_headers()

        def log_message(self, *args):
            pass

    first = http.server.HTTPServer(("127.0.0.1", 0), Redirecting)
    for server in (first, other):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(ApiError) as e:
            Client(f"http://127.0.0.1:{first.server_port}", "secret-token").cancel("x")
        assert e.value.status == 307 and "not followed" in e.value.message
        assert seen == []  # the other origin never got the request, nor the token
    finally:
        first.shutdown()
        other.shutdown()


@pytest.mark.parametrize("message", ["not json", "[1,2]", '{"seq":"1"}',
                                     '{"seq":1,"ts_ms":1,"time":"t","kind":"K","ref_id":"r","strategy_id":"s",'
                                     '"detail":5}'])
def test_a_malformed_event_message_raises_the_clients_own_error(message):
    import websockets.server

    async def run():
        async def handler(ws, *args):
            await ws.send(message)
            await asyncio.sleep(1)

        async with websockets.server.serve(handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            client = Client(f"http://127.0.0.1:{port}", TOKEN)
            with pytest.raises(MalformedEvent) as e:
                async for _ in client.events(since=0):
                    pass
            assert isinstance(e.value, TradingdError)

    asyncio.run(run())
