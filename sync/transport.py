"""HTTP transport of the sync client: signed requests, clock offset, retries with backoff.

Retries cover what a flaky end-of-shift network does: refused or dropped connections, timeouts
and 502/503/504 answers. Backoff doubles from 0.25 s up to 4 s (a busy server's ``Retry-After``
is honoured, up to 10 s); once the outages of one sync
add up to ``retry_budget`` seconds (default 30), :class:`Unreachable` is raised. Because pushes are idempotent,
resending a batch whose answer was lost is always safe.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from supervisor_tui.model.signing import DeviceKey
from sync.http_client import httpx, tls_context
from sync.wire import sign_request

RETRY_STATUSES = {502, 503, 504}


class Unreachable(Exception):
    """The server could not be reached within the retry budget."""


class ServerRefused(Exception):
    """The server answered 4xx; ``status`` and the server's reason are kept."""

    def __init__(self, status: int, reason: str):
        super().__init__(f"server refused ({status}): {reason}")
        self.status = status
        self.reason = reason


def error_reason(response: httpx.Response) -> str:
    try:
        data = response.json()
        if isinstance(data, dict) and isinstance(data.get("error"), str):
            return data["error"]
    except (ValueError, RecursionError):
        pass
    return response.text[:200] or response.reason_phrase


MAX_RETRY_AFTER = 10.0


def retry_after(response: httpx.Response, delay: float) -> float:
    """Seconds to wait before resending: the backoff ``delay``, or longer when a busy server's
    ``Retry-After`` (whole seconds) asks for it, up to ``MAX_RETRY_AFTER``."""
    raw = response.headers.get("retry-after", "")
    if raw.isdigit():
        return max(delay, min(float(raw), MAX_RETRY_AFTER))
    return delay


class Transport:
    """A connection to one server, signing as one device."""

    def __init__(self, url: str, key: DeviceKey | None = None, device: str | None = None,
                 clock: Callable[[], float] = time.time, retry_budget: float = 30.0,
                 timeout: float = 30.0, sleep: Callable[[float], None] = time.sleep):
        self.url = url.rstrip("/")
        self.key, self.device = key, device
        self.clock, self.sleep = clock, sleep
        self.retry_budget = retry_budget
        self.offset = 0.0
        self.retried = 0.0  # seconds spent in outages so far (all calls of this transport)
        self.http = httpx.Client(base_url=self.url, timeout=httpx.Timeout(timeout, connect=5.0),
                                 headers={"User-Agent": "supervisor-tui-sync"}, verify=tls_context(self.url))
        self.on_retry: Callable[[str], None] | None = None

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now(self) -> int:
        return int(self.clock() + self.offset)

    def health(self) -> dict[str, Any]:
        """GET /v1/health (with retries) and set the clock offset from the server's time."""
        sent = self.clock()
        data = self._send("GET", "/v1/health", b"", signed=False).json()
        received = self.clock()
        if isinstance(data.get("server_time"), int):
            self.offset = data["server_time"] - (sent + received) / 2
        return data

    def call(self, method: str, path: str, payload: Any = None, signed: bool = True,
             device: str | None = None, key: DeviceKey | None = None, raw: bytes | None = None) -> Any:
        """One request; returns the decoded JSON answer or raises ServerRefused / Unreachable.

        ``raw`` is an already-encoded JSON body (used instead of ``payload``)."""
        if raw is not None:
            body = raw
        else:
            body = b"" if payload is None else json.dumps(payload, separators=(",", ":"),
                                                          ensure_ascii=False).encode("utf-8")
        response = self._send(method, path, body, signed, device, key)
        if response.status_code == 401 and "server_time" in response.text:
            data = response.json()  # our clock drifted since health(): resynchronise once
            self.offset = data["server_time"] - self.clock()
            response = self._send(method, path, body, signed, device, key)
        if response.status_code >= 400:
            raise ServerRefused(response.status_code, error_reason(response))
        try:
            return response.json()
        except (ValueError, RecursionError) as exc:
            raise ServerRefused(response.status_code, "answer is not JSON (or nested too deeply)") from exc

    def _send(self, method: str, path: str, body: bytes, signed: bool,
              device: str | None = None, key: DeviceKey | None = None) -> httpx.Response:
        """Send with retries; all outages of this transport together get ``retry_budget`` s."""
        outage: float | None = None
        delay = 0.25
        while True:
            attempt = time.monotonic()
            headers = {"Content-Type": "application/json"} if body else {}
            if signed:
                signer, who = key or self.key, device or self.device
                assert signer is not None and who is not None, "signed request without a device key"
                headers.update(sign_request(signer, who, method, path, body, self.now()))
            try:
                response = self.http.request(method, path, content=body or None, headers=headers)
                if response.status_code not in RETRY_STATUSES:
                    if outage is not None:
                        self.retried += attempt - outage
                    return response
                problem = f"server answered {response.status_code}: {error_reason(response)}"
                wait = retry_after(response, delay)
            except httpx.TransportError as exc:
                problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                wait = delay
            outage = attempt if outage is None else outage
            spent = self.retried + time.monotonic() - outage
            if spent + wait > self.retry_budget:
                self.retried = spent
                raise Unreachable(f"{self.url} unreachable after {spent:.0f} s of retries ({problem})")
            if self.on_retry:
                self.on_retry(f"{problem}; retrying in {wait:.1f} s")
            self.sleep(wait)
            delay = min(delay * 2, 4.0)
