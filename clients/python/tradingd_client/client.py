"""A client for tradingd's control API (docs/openapi.yaml).

Requests go over HTTP with the standard library (urllib), blocking: call them
from a thread (``asyncio.to_thread``) in an asyncio program. ``events()`` is an
async iterator over GET /events that resumes by itself from the last seq it
yielded, so a strategist sees every event once, also when its connection drops,
it is cut off for reading too slowly, or tradingd restarts.
"""

from __future__ import annotations

import asyncio
import json
import os
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
        return self._events(since, list(kinds) if kinds else None, strategy, retry_delay, max_retry_delay)

    async def _events(self, since: int, kinds: Optional[list], strategy: Optional[str], retry_delay: float,
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
