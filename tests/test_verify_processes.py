"""Signatures checked in worker processes (``supervisor_tui.model.verify_processes``, the
server's ``Verifier(processes=True)``) give exactly the in-process answers, for good and bad
signatures, malformed ones and odd messages, and stay right when a worker dies or answers short."""

from __future__ import annotations

import sys
import threading

import nacl.signing
import pytest

from supervisor_tui.model import verify_processes
from supervisor_tui.model.checks import Verifier
from supervisor_tui.model.verify_processes import ProcessPool


@pytest.fixture(scope="module")
def signed():
    key = nacl.signing.SigningKey(b"\x07" * 32)
    items = []
    for i in range(300):
        message = (b"record %d " % i) * (i % 7) + bytes([i % 256])
        items.append((message, key.sign(message).signature.hex()))
    return key.verify_key.encode().hex(), items


def _mixed(items):
    """Every 10th signature belongs to another message; a few are not signatures at all."""
    out = list(items)
    for i in range(0, len(out), 10):
        out[i] = (out[i][0], out[(i + 1) % len(out)][1])
    out[3] = (out[3][0], "zz" * 64)  # not hex
    out[4] = (out[4][0], out[4][1][:-2])  # 63 bytes
    out[5] = (out[5][0], "")
    out[6] = (b"", out[6][1])  # the signature of another message
    out[7] = (out[7][0], out[7][1].upper())  # upper-case hex is still the same signature
    return out


@pytest.fixture()
def pool():
    p = ProcessPool(2)
    yield p
    p.stop()


def test_workers_answer_what_this_process_answers(signed, pool) -> None:
    key, items = signed
    items = _mixed(items)
    here = Verifier()
    expected = [here.verify(key, data, sig) for data, sig in items]
    assert expected.count(False) >= 30 and expected.count(True) >= 200
    assert pool.verify(key, items, lambda d, s: pytest.fail("a worker answered")) == expected
    assert Verifier(processes=True).verify_many(key, items) == expected


def test_a_worker_that_dies_mid_request_is_never_trusted_and_is_replaced(signed, pool, monkeypatch) -> None:
    key, items = signed
    items = _mixed(items)
    expected = [Verifier().verify(key, data, sig) for data, sig in items]
    # a worker that reads a little of the request and exits without answering
    monkeypatch.setattr(verify_processes._Worker, "COMMAND",
                        [sys.executable, "-c", "import sys; sys.stdin.buffer.read(100)"])
    checked_here: list[int] = []

    def here(data: bytes, sig: str) -> bool:
        checked_here.append(1)
        return Verifier().verify(key, data, sig)

    assert pool.verify(key, items, here) == expected
    assert len(checked_here) == len(items)  # the dead worker's chunk was checked in this process
    assert not all(w.alive() for w in pool._workers)  # the one asked was stopped
    pool.start()
    assert all(w.alive() for w in pool._workers) and len(pool._workers) == 2  # and replaced
    pool.stop()
    monkeypatch.undo()
    assert pool.verify(key, items, lambda d, s: pytest.fail("a new worker should answer")) == expected
    assert len(pool._workers) == 2 and all(w.alive() for w in pool._workers)


def test_a_stuck_worker_is_given_up_at_its_deadline(signed, pool, monkeypatch) -> None:
    """A worker that neither reads nor answers (the request is far bigger than a pipe holds)
    does not hold the caller forever: at the deadline it is stopped and the chunk checked here."""
    key, items = signed
    items = [(data * 400, sig) for data, sig in items[:40]]  # about 1 MB: the pipe fills up
    expected = [Verifier().verify(key, data, sig) for data, sig in items]
    monkeypatch.setattr(verify_processes._Worker, "COMMAND", [sys.executable, "-c", "import time; time.sleep(600)"])
    monkeypatch.setattr(verify_processes._Worker, "TIMEOUT", 0.5)
    answers: list[list[bool]] = []
    caller = threading.Thread(target=lambda: answers.append(
        pool.verify(key, items, lambda d, s: Verifier().verify(key, d, s))), daemon=True)
    caller.start()
    caller.join(120)  # without the deadline it would wait for the worker's 600 s
    assert answers == [expected]
    assert not all(w.alive() for w in pool._workers)  # the stuck one was stopped


def test_a_worker_answering_short_is_not_trusted(signed, pool, monkeypatch) -> None:
    key, items = signed
    items = _mixed(items)
    expected = [Verifier().verify(key, data, sig) for data, sig in items]
    pool.start()
    monkeypatch.setattr(verify_processes._Worker, "ask", lambda self, request, count: None)
    assert pool.verify(key, items, lambda d, s: Verifier().verify(key, d, s)) == expected


def test_a_malformed_public_key_is_checked_here(signed, pool) -> None:
    _, items = signed
    assert pool.verify("00ff", items[:5], lambda d, s: False) == [False] * 5
