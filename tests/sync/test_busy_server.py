"""A busy server (every push/pull place taken for longer than it lets a request wait) answers
503 with Retry-After and writes nothing; the client waits as asked and sends the batch again,
and the records are then held, each once. A real uvicorn server on 127.0.0.1, both backends."""

from __future__ import annotations

import asyncio
import time

import httpx

from storage import sync_state
from sync.transport import Transport
from sync.wire import sign_request
from tests.sync.helpers import enrol, make_laptop, own_hashes


def _full(server, busy_wait: float = 0.2) -> None:
    """No free place for pushes and pulls, and a short wait for one."""
    api = server.app.state.api
    api.gate, api.busy_wait = asyncio.Semaphore(0), busy_wait


def _batch(laptop) -> bytes:
    pending = sync_state.pending_wire(laptop)
    return ('{"records":[' + ",".join(r["json"] for r in pending) + "]}").encode()


def test_a_busy_server_says_when_to_retry_and_writes_nothing(server, central, tmp_path):
    laptop = make_laptop(tmp_path / "laptop", records=5)
    enrol(laptop, central, server.url)
    _full(server)
    body = _batch(laptop)
    headers = sign_request(laptop.key, laptop.require_profile().device, "POST", "/v1/push", body, int(time.time()))
    response = httpx.post(server.url + "/v1/push", content=body, headers={**headers, "Content-Type": "application/json"})
    assert response.status_code == 503 and response.headers["retry-after"] == "2"
    assert "busy" in response.json()["error"] and "nothing was written" in response.json()["error"]
    assert central.count() == 0


def test_the_client_waits_as_asked_and_every_record_arrives_once(server, central, tmp_path):
    laptop = make_laptop(tmp_path / "laptop", records=30)
    enrol(laptop, central, server.url)
    _full(server)
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # the laptop waits; meanwhile the server frees its places
        waits.append(seconds)
        server.app.state.api.gate = asyncio.Semaphore(8)

    profile = laptop.require_profile()
    with Transport(server.url, laptop.key, profile.device, sleep=sleep) as t:
        t.health()
        answer = t.call("POST", "/v1/push", raw=_batch(laptop))
    assert waits == [2.0]  # Retry-After, not the 0.25 s first backoff
    assert answer["accepted"] == 30 and central.count() == 30
    assert sorted(r["hash"] for r in central.records()) == sorted(own_hashes(laptop))


def test_retry_after_is_bounded():
    from sync.transport import MAX_RETRY_AFTER, retry_after

    def answer(value: str) -> httpx.Response:
        return httpx.Response(503, headers={"Retry-After": value})

    assert retry_after(answer("3"), 0.25) == 3.0
    assert retry_after(answer("0"), 0.5) == 0.5  # never sooner than the backoff
    assert retry_after(answer("86400"), 0.25) == MAX_RETRY_AFTER
    assert retry_after(answer("Wed, 21 Oct 2026 07:28:00 GMT"), 1.0) == 1.0  # a date: the backoff
    assert retry_after(httpx.Response(503), 4.0) == 4.0
