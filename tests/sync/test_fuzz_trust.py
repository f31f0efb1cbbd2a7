"""Authenticated fuzzing of the trust boundary, on both backends and a real server.

An enrolled device signs, with its real key, records whose bodies start as the laptop's own
(every kind, from the demo story) and are then mutated (values replaced by arbitrary or
plausible JSON, keys dropped or added, nesting made deep), each at the next ``seq`` of its
chain. Whatever happens: no 5xx, no traceback in the server log, central ``verify`` passes
after every push, and afterwards an honest second laptop still syncs and runs ``status --json``
and ``report``; every record the server accepted is one the laptop's own rules accept."""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import time
import uuid
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from storage.demo import load_story
from supervisor_tui.model.acceptance import record_problems
from supervisor_tui.model.records import utc_now_iso
from supervisor_tui.model.signing import seal
from sync.client import sync_store
from sync.wire import sign_request
from tests.sync.helpers import enrol, make_laptop
from tests.sync.test_trust_boundary import _honest_laptop_still_works

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
SAFE_INT = st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)
PLAUSIBLE = st.one_of(
    st.text(min_size=1, max_size=30).map(str.strip).filter(bool),
    st.sampled_from(["pass", "fail", "n/a", "sample", "first_five", "continue", "extend", "supervisor",
                     "no_escalation", "night", "S001", "overnight-float", "2027-01-01", "2026-11-30",
                     "2027-01-01T00:00:00", "2027-01-01\n", " 2027-01-01", "paired_working", ""]),
    st.integers(min_value=-3, max_value=120), st.booleans(), st.none(),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)).map(dt.date.isoformat),
)
JSON = st.recursive(st.none() | st.booleans() | SAFE_INT | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
                    max_leaves=10)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*prefix, index))
    return out


def _get(root: Any, path: tuple) -> Any:
    for step in path:
        root = root[step]
    return root


def _set(root: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    parent = root
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return root


def _deep(levels: int) -> dict:
    nested: dict = {"x": 1}
    for _ in range(levels):
        nested = {"x": nested}
    return nested


def mutated(data: st.DataObject, body: dict) -> dict:
    body = copy.deepcopy(body)
    for _ in range(data.draw(st.integers(min_value=0, max_value=3))):
        paths = _paths(body)[1:] or [()]
        path = data.draw(st.sampled_from(paths))
        op = data.draw(st.sampled_from(["text", "text", "plausible", "plausible", "json", "drop", "add", "deep"]))
        if op == "text":  # free text rewritten: often still a body a laptop would sign
            texts = [p for p in paths if p and isinstance(_get(body, p), str)]
            if texts:
                body = _set(body, data.draw(st.sampled_from(texts)), data.draw(st.text(
                    st.characters(codec="utf-8"), min_size=1, max_size=40).map(str.strip).filter(bool)))
            continue
        if op == "drop" and path:
            parent = body
            for step in path[:-1]:
                parent = parent[step]
            if isinstance(parent, dict):
                parent.pop(path[-1], None)
            continue
        if op == "add":
            body[data.draw(st.sampled_from(["extra", "outcome", "agreed", "expires_on", "schema"]))] = \
                data.draw(PLAUSIBLE)
            continue
        value = {"plausible": PLAUSIBLE, "json": JSON}.get(op)
        body = _set(body, path, data.draw(value) if value is not None else _deep(data.draw(
            st.integers(min_value=5, max_value=300))))
    return body if isinstance(body, dict) else {"body": body}


def _push(server, store, records) -> httpx.Response:
    body = json.dumps({"records": records}).encode()
    headers = sign_request(store.key, store.require_profile().device, "POST", "/v1/push", body, int(time.time()))
    headers["Content-Type"] = "application/json"
    return httpx.post(server.url + "/v1/push", content=body, headers=headers, timeout=60)


@pytest.fixture
def storyteller(tmp_path, server):
    store = make_laptop(tmp_path / "story")
    load_story(store, NOW)
    enrol(store, server.central, server.url)
    assert sync_store(store, server.url).ok
    yield store
    store.close()


def test_signed_mutated_records_never_break_the_store_or_other_laptops(
        tmp_path, server, storyteller, caplog, capsys):
    caplog.set_level(logging.WARNING, logger="governance_store")
    originals = storyteller.records()
    device = storyteller.require_profile().device
    head = {"seq": originals[-1]["seq"], "hash": originals[-1]["hash"]}
    accepted: list[dict] = []

    @settings(max_examples=60, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(data=st.data())
    def push_one(data: st.DataObject) -> None:
        source = data.draw(st.sampled_from(originals))
        unsigned = {"id": str(uuid.uuid4()), "kind": source["kind"], "schema": 1, "author": source["author"],
                    "device": device, "seq": head["seq"] + 1, "prev": head["hash"], "created_at": utc_now_iso(),
                    "body": mutated(data, source["body"])}
        try:
            record = seal(unsigned, storyteller.key)
        except (ValueError, TypeError, RecursionError):
            return  # not canonically encodable: no laptop could sign it
        response = _push(server, storyteller, [record])
        assert response.status_code < 500, response.text
        answer = response.json()
        if response.status_code >= 400:
            assert answer["error"]
            event("refused: 4xx")
            return
        (result,) = answer["results"]
        event(f"fate: {result['status']}")
        if result["status"] == "accepted":
            head.update(seq=record["seq"], hash=record["hash"])
            accepted.append(record)
        else:
            assert result["reason"], result
        report = server.central.verify()
        assert report.ok, report.problems[:3]

    push_one()
    assert accepted, "no mutated record was accepted: the readers below were not exercised"
    server_errors = [r for r in caplog.records if r.name == "governance_store" and r.levelno >= logging.ERROR]
    assert not server_errors, [r.getMessage() for r in server_errors]
    library = storyteller.library
    by_hash = {r["hash"]: r for r in accepted}

    def held(record_hash: str) -> dict | None:
        return storyteller.record_by_hash(record_hash) or by_hash.get(record_hash)

    for record in accepted:  # the server took only what the laptop's own rules take
        assert record_problems(record, library, held) == []
    _honest_laptop_still_works(server, _honest(tmp_path, server), capsys)


def _honest(tmp_path, server):
    store = make_laptop(tmp_path / "honest", supervisor="SUP02", records=8, seed=11)
    enrol(store, server.central, server.url)
    return store
