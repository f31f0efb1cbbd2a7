"""The governance store ASGI app (starlette): health, OpenAPI, enrol, push, pull under ``/v1``.

Stateless: everything lives in the central database, so several instances can serve one
PostgreSQL. Bad input is answered with 4xx and a JSON ``{"error": reason}``; nothing is written
unless the whole batch is well formed, and a batch is written in one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from checklists.loader import Library, shipped_library
from supervisor_tui import __version__
from supervisor_tui.model.checks import Verifier, library_body_check, parse_strict
from supervisor_tui.model.records import utc_now_iso
from supervisor_tui.model.signing import DeviceKey, verify_signature
from sync.central import CentralError, CentralStore, DeviceInfo
from sync.central.catchup import CatchUpWorker
from sync.central.stamps import note_stamp_key, stamper_for_key
from sync.server.openapi import openapi_document
from sync.wire import (
    H_DEVICE,
    H_SIGNATURE,
    H_TIMESTAMP,
    MAX_BATCH,
    MAX_BODY_BYTES,
    REPLAY_WINDOW,
    check_request,
    make_receipt,
    request_message,
)

log = logging.getLogger("governance_store")


class FastJSON(JSONResponse):
    """A push answer or pull page (1,000 fates or records, no floats: records are parsed and
    stored without them) rendered with ``orjson``: the same JSON values as ``JSONResponse``,
    several times faster; what ``orjson`` refuses (a lone surrogate, an integer beyond 64
    bits, a key that is not a string) is rendered the plain way."""

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except (orjson.JSONEncodeError, TypeError):
            return super().render(content)


class Refused(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(message)
        self.status, self.message, self.extra, self.headers = status, message, extra, headers


# At most this many pushes and pulls are worked on at once in one server process (the rest wait
# their turn, their bodies unread): memory and database connections stay bounded however many
# laptops sync at the same moment. One that waits longer than BUSY_WAIT_S is answered 503 with
# Retry-After (the client waits and sends it again: pushes are idempotent, nothing is lost).
CONCURRENT_SYNCS = 8
BUSY_WAIT_S = 15.0
RETRY_AFTER_S = 2


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    length = request.headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise Refused(400, "Content-Length is not a number")
        if int(length) > limit:
            raise Refused(413, f"request body of {length} bytes is over the limit of {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Refused(413, f"request body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(body: bytes) -> dict[str, Any]:
    try:
        value = parse_strict(body)
    except RecursionError as exc:
        raise Refused(400, "malformed JSON: nested too deeply") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused(400, f"malformed JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise Refused(400, "the request body must be a JSON object")
    return value


def signed_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _timestamp(request: Request) -> int:
    raw = request.headers.get(H_TIMESTAMP, "")
    try:
        stamp = int(raw)
    except ValueError as exc:
        raise Refused(401, f"{H_TIMESTAMP} must be Unix seconds") from exc
    now = int(time.time())
    if abs(now - stamp) > REPLAY_WINDOW:
        raise Refused(401, f"request timestamp is {stamp - now:+d} s from the server clock (allowed"
                      f" +/-{REPLAY_WINDOW} s)", server_time=now)
    return stamp


class Api:
    """Route handlers bound to one central store and receipt key."""

    def __init__(self, central: CentralStore, server_key: DeviceKey, library: Library | None = None,
                 concurrent: int = CONCURRENT_SYNCS, busy_wait: float = BUSY_WAIT_S):
        self.central = central
        self.key = server_key
        self.library = library or shipped_library()
        self.verifier = Verifier(processes=True)
        self.checklists = [c.model_dump(mode="json") for c in self.library.by_key.values()]
        self.gate = asyncio.Semaphore(concurrent)
        self.busy_wait = busy_wait
        # the report facts of what a push queued are derived ~0.5 s after the last push (every
        # reader catches up first anyway: sync.central.catchup)
        self.catchup = CatchUpWorker(lambda: self.central)

    async def gated(self, work: Callable[[], Awaitable[JSONResponse]]) -> JSONResponse:
        """Run ``work`` when one of the ``concurrent`` places is free (waiting up to ``busy_wait``
        seconds, else 503 with Retry-After)."""
        try:
            await asyncio.wait_for(self.gate.acquire(), self.busy_wait)
        except TimeoutError as exc:
            raise Refused(503, "the central store is busy; nothing was written, retry shortly",
                          headers={"Retry-After": str(RETRY_AFTER_S)}) from exc
        try:
            return await work()
        finally:
            self.gate.release()

    async def authenticate(self, request: Request, body: bytes) -> DeviceInfo:
        device, sig = request.headers.get(H_DEVICE), request.headers.get(H_SIGNATURE)
        if not device or not sig or H_TIMESTAMP.lower() not in request.headers:
            raise Refused(401, f"signed request required ({H_DEVICE}, {H_TIMESTAMP}, {H_SIGNATURE} headers)")
        stamp = _timestamp(request)
        info = await run_in_threadpool(self.central.device, device)
        if info is None:
            raise Refused(401, f"unknown device {device!r}: enrol it first")
        if not check_request(info.public_key, request.method, signed_path(request), device, stamp, body, sig):
            raise Refused(401, "bad request signature")
        if info.revoked_at is not None:
            raise Refused(403, f"device {device} was revoked at {info.revoked_at}")
        return info

    async def health(self, request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "api": "v1", "version": __version__,
                             "server_time": int(time.time()), "server_key": self.key.public_key_hex})

    async def openapi(self, request: Request) -> JSONResponse:
        return JSONResponse(openapi_document(__version__))

    async def enrol(self, request: Request) -> JSONResponse:
        body = await read_body(request, 64 * 1024)
        data = parse_json(body)
        rotated = "rotated_from" in data and "token" not in data  # a key rotation (issue 12)
        fields = ("rotated_from" if rotated else "token", "device", "supervisor", "public_key")
        bad = [f for f in fields if not isinstance(data.get(f), str) or not data[f]]
        if bad:
            raise Refused(400, f"missing or non-string field(s): {', '.join(bad)}")
        key = data["public_key"]
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise Refused(400, "public_key must be 64 lower-case hex digits")
        stamp = _timestamp(request)
        sig = request.headers.get(H_SIGNATURE, "")
        message = request_message(request.method, signed_path(request), data["device"], stamp, body)
        if request.headers.get(H_DEVICE) != data["device"] or not verify_signature(key, message, sig):
            raise Refused(401, "enrolment must be signed by the key being enrolled")
        if rotated:
            info = await run_in_threadpool(self.central.enrol_rotated, data["rotated_from"],
                                           data["device"], data["supervisor"], key)
        else:
            info = await run_in_threadpool(self.central.enrol, data["token"], data["device"],
                                           data["supervisor"], key)
        log.info("enrolled device %s for %s", info.device, info.supervisor)
        return JSONResponse({"device": info.device, "supervisor": info.supervisor,
                             "enrolled_at": info.enrolled_at, "server_key": self.key.public_key_hex})

    async def push(self, request: Request) -> JSONResponse:
        return await self.gated(lambda: self._push(request))

    async def _push(self, request: Request) -> JSONResponse:
        body = await read_body(request)
        info = await self.authenticate(request, body)
        data = parse_json(body)
        records = data.get("records")
        if not isinstance(records, list):
            raise Refused(400, "'records' must be a list of records")
        if len(records) > MAX_BATCH:
            raise Refused(413, f"batch of {len(records)} records is over the limit of {MAX_BATCH}")
        outcome = await run_in_threadpool(self.central.push, info, records, self.verifier, True,
                                          data.get("pipelined") is True)
        self.catchup.queued(len(outcome.insert))
        counts = {s: 0 for s in ("accepted", "duplicate", "rejected", "fork", "gap")}
        for fate in outcome.fates:
            counts[fate.status] += 1
        receipt = None
        if outcome.head_seq:
            receipt = make_receipt(self.key, info.device, outcome.head_seq, outcome.head_hash, utc_now_iso())
        return FastJSON({
            "results": [f.as_json() for f in outcome.fates],
            "accepted": counts["accepted"], "duplicates": counts["duplicate"],
            "rejected": counts["rejected"] + counts["fork"], "gaps": counts["gap"],
            "resume_from": outcome.resume_from,
            "head": {"seq": outcome.head_seq, "hash": outcome.head_hash},
            "receipt": receipt,
        })

    async def pull(self, request: Request) -> JSONResponse:
        return await self.gated(lambda: self._pull(request))

    async def _pull(self, request: Request) -> JSONResponse:
        info = await self.authenticate(request, b"")
        after = _bounded(request, "after", "0", 0, MAX_AFTER)
        limit = _bounded(request, "limit", "1000", 1, MAX_PULL_LIMIT)
        page = await run_in_threadpool(self.central.pull, info, after, limit)
        if after == 0:
            roster, cohorts = await run_in_threadpool(self.central.roster)
            incidents = await run_in_threadpool(_wire_incidents, self.central)
            page.update(roster=roster, cohorts=cohorts, checklists=self.checklists, incidents=incidents)
        page["head"] = dict(zip(("seq", "hash"), await run_in_threadpool(self.central.head, info.device),
                                strict=True))
        return FastJSON(page)


MAX_PULLED_INCIDENTS = 50_000
MAX_AFTER = 2**53 - 1  # pull cursors are arrival positions: far below this, and fit every database
MAX_PULL_LIMIT = 5000
_DIGITS = re.compile(r"[0-9]{1,16}")


def _bounded(request: Request, name: str, default: str, low: int, high: int) -> int:
    """A query parameter as a whole number in [low, high] (plain digits only: no sign, spaces
    or underscores, which ``int()`` would accept)."""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise Refused(400, f"{name} is given more than once")
    raw = values[0] if values else default
    if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
        raise Refused(400, f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def _wire_incidents(central: CentralStore) -> list[dict[str, str]]:
    """The newest imported incidents (for the laptops' offline governance report)."""
    from sync.central.export import load_incidents

    rows = load_incidents(central)[-MAX_PULLED_INCIDENTS:]
    return [{**row, "date": row["date"].isoformat()} for row in rows]


def _error(status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)


def create_app(central: CentralStore, server_key: DeviceKey, library: Library | None = None,
               concurrent: int = CONCURRENT_SYNCS) -> Starlette:
    """The app; ``concurrent``: pushes and pulls worked on at once (the rest wait their turn)."""
    if central.stamper is None:  # stamp every accepted record (sync.central.stamps)
        central.stamper = stamper_for_key(server_key)
    note_stamp_key(central, central.stamper.public_key)
    api = Api(central, server_key, library, concurrent)
    if central.body_check is None:  # the laptop's rules, with the checklists served here
        central.body_check = library_body_check(api.library)

    async def refused(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Refused)
        return _error(exc.status, exc.message, exc.headers, **exc.extra)

    async def central_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, CentralError)
        return _error(exc.status, str(exc))

    async def not_found(request: Request, exc: Exception) -> JSONResponse:
        status = getattr(exc, "status_code", 404)
        return _error(status, "no such endpoint (see /v1/openapi.json)" if status == 404
                      else str(getattr(exc, "detail", "refused")))

    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return _error(503, "the store could not complete the request; nothing was written, retry later")

    from starlette.exceptions import HTTPException

    routes = [
        Route("/v1/health", api.health, methods=["GET"]),
        Route("/v1/openapi.json", api.openapi, methods=["GET"]),
        Route("/v1/enrol", api.enrol, methods=["POST"]),
        Route("/v1/push", api.push, methods=["POST"]),
        Route("/v1/pull", api.pull, methods=["GET"]),
        *web_routes(central, server_key),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(lambda: None)  # anyio's thread machinery loads now, not in the first push
        yield
        await run_in_threadpool(api.catchup.stop)  # before the store is closed

    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={
        Refused: refused, CentralError: central_error, HTTPException: not_found, Exception: crashed})
    app.state.api = api
    app.state.web = routes[-1].app.state.web  # the web view (sync.web), mounted at /web
    return app


def web_routes(central: CentralStore, server_key: DeviceKey) -> list[Any]:
    """The governance web view under /web (``sync.web``); / leads to it."""
    from starlette.responses import RedirectResponse
    from starlette.routing import Mount

    from sync.web.app import create_web

    async def home(request: Request) -> RedirectResponse:
        return RedirectResponse("/web/", status_code=303)

    return [Route("/", home, methods=["GET"]), Mount("/web", app=create_web(central, server_key))]
