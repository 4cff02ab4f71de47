"""A client for tradingd's control API (docs/openapi.yaml).

Requests go over HTTP with the standard library (urllib), blocking: call them
from a thread (``asyncio.to_thread``) in an asyncio program. ``events()`` is an
async iterator over GET /events that resumes by itself from the last seq it
yielded, so a strategist sees every event once, also when its connection drops,
it is cut off for reading too slowly, or tradingd restarts.

``client.clock`` is the one clock a strategist reads and sleeps on, so the same
code runs live and in a backtest (docs/design.md §12): live it is the wall
clock; against ``tradingd --replay ... --api --clock lockstep`` ``now()`` is
replay time and ``await sleep(s)`` advances the replay by s seconds, returning
once tradingd committed what those seconds caused and this client's event
iterators have handed over every event of them.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Iterable, Optional, Union

import websockets
import websockets.exceptions

DEFAULT_URL = "http://127.0.0.1:8080"
TOKEN_ENV = "TRADINGD_API_TOKEN"

# Close codes tradingd sends on GET /events (docs/openapi.yaml).
CLOSE_GOING_AWAY = 1001  # shutting down: it comes back on the same journal
CLOSE_TOO_SLOW = 4000  # fell 8,192 events behind: resume with since


class TradingdError(Exception):
    """Every error this client raises: a refusal (ApiError) or an answer that is
    not what tradingd's contract says (MalformedEvent)."""


class ApiError(TradingdError):
    """tradingd refused a request: ``status`` is the HTTP status, ``message`` its words.
    A redirect is one too: it is never followed, so the token never leaves for
    another origin."""

    def __init__(self, status: int, message: str, body: Any = None):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
        self.body = body


class MalformedEvent(TradingdError):
    """GET /events sent a message that is not an event of docs/openapi.yaml."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx is answered as it is (an HTTPError), not followed: urllib would
    send the request, Authorization header and all, to wherever it points."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        return None


@dataclass(frozen=True)
class Event:
    """One committed journal event, as GET /events pushes it."""

    seq: int
    ts_ms: int
    time: str
    kind: str
    ref_id: str
    strategy_id: str
    detail: dict = field(default_factory=dict)

    @classmethod
    def from_json(cls, obj: Any) -> "Event":
        """Raises MalformedEvent unless ``obj`` is an event with fields of the right types."""
        types = {"seq": int, "ts_ms": int, "time": str, "kind": str, "ref_id": str, "strategy_id": str}
        if not isinstance(obj, dict):
            raise MalformedEvent(f"an event is a JSON object, got {type(obj).__name__}")
        for name, kind in types.items():
            value = obj.get(name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise MalformedEvent(f"event field {name!r} must be {kind.__name__}, got {value!r:.80}")
        detail = obj.get("detail")
        if detail is not None and not isinstance(detail, dict):
            raise MalformedEvent(f"event field 'detail' must be an object, got {detail!r:.80}")
        return cls(obj["seq"], obj["ts_ms"], obj["time"], obj["kind"], obj["ref_id"], obj["strategy_id"],
                   detail or {})

    @classmethod
    def from_text(cls, text: Any) -> "Event":
        """One GET /events message; MalformedEvent when it is not JSON or not an event."""
        try:
            obj = json.loads(text)
        except (ValueError, TypeError) as e:
            raise MalformedEvent(f"GET /events sent a message that is not JSON: {str(text)[:120]!r} ({e})") from None
        return cls.from_json(obj)


Conditions = Union[dict, Iterable[dict]]


class Client:
    """tradingd at ``url`` (http://host:port). ``token`` (default: $TRADINGD_API_TOKEN)
    is needed for everything that changes state; reads work without it."""

    def __init__(self, url: str = DEFAULT_URL, token: Optional[str] = None, timeout: float = 10.0):
        self.url = url.rstrip("/")
        self.token = token if token is not None else os.environ.get(TOKEN_ENV)
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirects)
        self.clock = Clock(self)
        self._cursors: list = []  # the event iterators running now: the seq each has handed over
        self._progress: Optional[asyncio.Event] = None  # set when one moves on

    # --- requests -------------------------------------------------------------

    def _request(self, method: str, path: str, body: Any = None, ok: tuple = ()) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.token and method != "GET":
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with self._opener.open(req, timeout=self.timeout) as res:
                return _decode(res.read())
        except urllib.error.HTTPError as e:
            answer = _decode(e.read())
            if 300 <= e.code < 400:
                where = e.headers.get("Location", "?") if e.headers else "?"
                raise ApiError(e.code, f"{method} {path} answered a redirect to {where[:200]}; tradingd never "
                                       "redirects, so it is not followed (the token stays here)", answer) from None
            if e.code in ok:
                return answer
            raise ApiError(e.code, _message(answer, e.reason), answer) from None

    def health(self) -> dict:
        """{"healthy": bool, "reasons": [...]}: 503 is an answer here, not an error."""
        return self._request("GET", "/health", ok=(503,))

    def status(self) -> dict:
        return self._request("GET", "/status")

    def conditions(self) -> list:
        """The armed conditions."""
        return self._request("GET", "/conditions")

    def arm(self, conditions: Conditions) -> dict:
        """Arms one condition (a dict) or several: {"armed": [ids], "existing": [...], "refused": [...]}.
        Sending the same condition again (a retry) is safe: it comes back in "existing".
        Raises ApiError: 400 (a field is wrong: nothing armed), 409 (an id used with other terms)."""
        body = conditions if isinstance(conditions, dict) else list(conditions)
        return self._request("POST", "/conditions", body)

    def cancel(self, condition_id: str) -> dict:
        return self._request("DELETE", "/conditions/" + urllib.parse.quote(condition_id, safe=""))

    def positions(self) -> list:
        """Open positions with their levels and live P&L."""
        return self._request("GET", "/positions")

    def close(self, trade_id: str) -> dict:
        """Closes a position at its exit fill for the last price (exit reason MANUAL)."""
        return self._request("POST", "/positions/" + urllib.parse.quote(trade_id, safe="") + "/close")

    def halt(self) -> dict:
        """No new entries (armed conditions stay, exits go on)."""
        return self._request("POST", "/halt")

    def resume(self) -> dict:
        return self._request("POST", "/resume")

    def flatten(self) -> dict:
        """Closes every position."""
        return self._request("POST", "/flatten")

    def trades(self, hours: float = 24, limit: Optional[int] = None) -> list:
        query = {"hours": hours}
        if limit is not None:
            query["limit"] = limit
        return self._request("GET", "/trades?" + urllib.parse.urlencode(query))

    # --- the replay clock (docs/design.md §12) ----------------------------------

    def clock_state(self) -> dict:
        """GET /clock: {"mode", "now_ms", "first_ms", "last_ms", "done"}; mode "live" in a live run."""
        return self._request("GET", "/clock")

    def advance(self, until_ms: Optional[int] = None, by_ms: Optional[int] = None) -> dict:
        """POST /clock/advance (lockstep): exactly one of ``until_ms`` or ``by_ms``. Returns
        {"now_ms", "last_event_seq", "done"} once every row up to that time is applied and
        committed and its events pushed. Raises ApiError 400 (not lockstep, a time in the past)."""
        if (until_ms is None) == (by_ms is None):
            raise ValueError("advance() takes exactly one of until_ms or by_ms")
        body = {"until_ms": int(until_ms)} if until_ms is not None else {"by_ms": int(by_ms)}
        return self._request("POST", "/clock/advance", body)

    def finish(self) -> dict:
        """POST /clock/finish (lockstep): ends the replay as a replay ends; tradingd then exits."""
        return self._request("POST", "/clock/finish")

    async def _caught_up(self, seq: int, timeout: float) -> None:
        """Waits until every running event iterator has handed over every event up to ``seq``."""
        if self._progress is None:
            self._progress = asyncio.Event()
        end = time.monotonic() + timeout
        while any(c["handed"] < seq for c in self._cursors):
            left = end - time.monotonic()
            if left <= 0:
                raise TradingdError(f"GET /events did not deliver up to seq {seq} within {timeout} s")
            self._progress.clear()
            try:
                await asyncio.wait_for(self._progress.wait(), left)
            except asyncio.TimeoutError:
                pass

    def _moved(self) -> None:
        if self._progress is not None:
            self._progress.set()

    # --- events ---------------------------------------------------------------

    def events_url(self, since: Optional[int], kinds: Optional[Iterable[str]], strategy: Optional[str]) -> str:
        query = {}
        if since is not None:
            query["since"] = since
        if kinds:
            query["kinds"] = ",".join(kinds)
        if strategy is not None:
            query["strategy"] = strategy
        ws = "ws" + self.url[len("http"):] if self.url.startswith("http") else self.url
        return ws + "/events" + ("?" + urllib.parse.urlencode(query) if query else "")

    def events(self, since: Optional[int] = None, kinds: Optional[Iterable[str]] = None,
               strategy: Optional[str] = None, retry_delay: float = 0.2,
               max_retry_delay: float = 5.0) -> AsyncIterator[Event]:
        """An async iterator over every committed event after seq ``since``, in seq
        order, each once; without ``since``, those committed from this call on
        (it asks GET /status for the last seq, blocking briefly).

        ``kinds`` keeps those kinds; ``strategy`` keeps that strategy's events and
        those of no strategy. When the connection ends (tradingd restarting, a
        network error, a cut-off for reading too slowly) it reconnects with
        since=<the last seq yielded>, waiting ``retry_delay`` doubling up to
        ``max_retry_delay`` between tries, for as long as it is iterated. A
        request tradingd refuses (ApiError: a since from another journal, an
        unknown kind) ends it."""
        if since is None:
            since = self.status()["events"]["last_seq"]
        try:
            lockstep = self.clock.lockstep
        except (ApiError, OSError):
            lockstep = False  # not up yet, or a tradingd without GET /clock: live either way
        return self._events(since, list(kinds) if kinds else None, strategy, retry_delay, max_retry_delay, lockstep)

    async def _events(self, since: int, kinds: Optional[list], strategy: Optional[str], retry_delay: float,
                      max_retry_delay: float, lockstep: bool) -> AsyncIterator[Event]:
        # In lockstep the clock waits for this iterator after each advance, so it
        # must see every seq: it asks for all events and filters here.
        cursor = {"handed": since}
        self._cursors.append(cursor)
        try:
            async for event in self._stream(since, None if lockstep else kinds, None if lockstep else strategy,
                                            retry_delay, max_retry_delay):
                if not lockstep or _wanted(event, kinds, strategy):
                    yield event  # resumes once the strategist asks for the next: it has handled this one
                cursor["handed"] = event.seq
                self._moved()
        finally:
            self._cursors.remove(cursor)
            self._moved()

    async def _stream(self, since: int, kinds: Optional[list], strategy: Optional[str], retry_delay: float,
                      max_retry_delay: float) -> AsyncIterator[Event]:
        delay = retry_delay
        while True:
            url = self.events_url(since, kinds, strategy)
            try:
                async with websockets.connect(url, open_timeout=self.timeout, max_size=1 << 20,
                                              compression=None) as ws:
                    delay = retry_delay
                    async for text in ws:
                        event = Event.from_text(text)  # MalformedEvent ends the iteration
                        if event.seq <= since:
                            continue  # cannot happen (tradingd sends each once); never yield one twice
                        since = event.seq
                        yield event
            except websockets.exceptions.InvalidStatusCode as e:
                if e.status_code == 400:
                    # The answer says why; fetch it as plain HTTP to tell the user.
                    raise ApiError(400, self._refusal(since, kinds, strategy)) from None
                if e.status_code != 503:  # 503: too many subscribers just now
                    raise ApiError(e.status_code, f"GET /events answered {e.status_code}") from None
            except (OSError, asyncio.TimeoutError, websockets.exceptions.WebSocketException):
                pass  # dropped, refused while tradingd restarts, cut off (4000), going away (1001): resume
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_retry_delay)

    def _refusal(self, since: int, kinds: Optional[list], strategy: Optional[str]) -> str:
        path = self.events_url(since, kinds, strategy)
        path = path[path.index("/events"):]
        try:
            self._request("GET", path)
        except ApiError as e:
            return e.message
        return "GET /events was refused"


class Clock:
    """The strategist's clock, the same code live and in a backtest (docs/design.md §12).

    Live: ``now()`` is ``time.time()`` and ``sleep()`` is ``asyncio.sleep()``. In a
    ``--replay --api`` run it is replay (market) time: with ``--clock lockstep``,
    ``await sleep(s)`` advances the replay by s seconds and returns once tradingd
    applied and committed them and every running ``client.events()`` iterator has
    handed the strategist every event they caused; with ``speed:N`` it sleeps s/N
    of wall time; with ``max`` it only yields. The mode is asked once (GET /clock)."""

    def __init__(self, client: "Client"):
        self._client = client
        self._state: Optional[dict] = None
        self.events_timeout = 30.0  # how long sleep() waits for the event iterators

    def _load(self) -> dict:
        if self._state is None:
            self._state = dict(self._client.clock_state())
        return self._state

    @property
    def mode(self) -> str:
        """live, max, speed:N or lockstep."""
        return self._load()["mode"]

    @property
    def lockstep(self) -> bool:
        return self.mode == "lockstep"

    @property
    def done(self) -> bool:
        """A replay's data is exhausted (never, live)."""
        if self.lockstep:
            return bool(self._load()["done"])
        return self.mode != "live" and bool(self._client.clock_state()["done"])

    def now_ms(self) -> int:
        """Milliseconds since the epoch, by the run's clock."""
        mode = self.mode
        if mode == "live":
            return int(time.time() * 1000)
        if mode == "lockstep":
            return int(self._load()["now_ms"])
        return int(self._client.clock_state()["now_ms"])  # it moves by itself

    def now(self) -> float:
        """Seconds since the epoch, by the run's clock (time.time() live)."""
        return self.now_ms() / 1000.0

    async def sleep(self, seconds: float) -> None:
        """Lets ``seconds`` of the run's time pass."""
        mode = self.mode
        if mode == "live":
            await asyncio.sleep(seconds)
        elif mode == "lockstep":
            if not math.isfinite(seconds) or seconds < 0:
                raise ValueError(f"sleep() takes 0 or more seconds, got {seconds!r}")
            answer = await asyncio.to_thread(self._client.advance, by_ms=round(seconds * 1000))
            self._state.update(now_ms=answer["now_ms"], done=answer["done"])
            await self._client._caught_up(answer["last_event_seq"], self.events_timeout)
        elif mode.startswith("speed:"):
            await asyncio.sleep(seconds / float(mode[len("speed:"):]))
        else:
            await asyncio.sleep(0)


def _wanted(event: Event, kinds: Optional[list], strategy: Optional[str]) -> bool:
    """GET /events' own filter (docs/openapi.yaml), applied here."""
    if kinds and event.kind not in kinds:
        return False
    return strategy is None or event.strategy_id in ("", strategy)


def _message(answer: Any, reason: str) -> str:
    """What tradingd said was wrong: its "error", or every refusal of a batch."""
    if isinstance(answer, dict):
        if answer.get("error"):
            return "; ".join([answer["error"], *answer.get("details", [])])
        if answer.get("refused"):
            return "; ".join(answer["refused"])
    return str(reason)


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")
