"""One enrolled laptop must not be able to break the central store or any other laptop.

Each case found by fuzzing (issue 11) is pushed by a real enrolled device to a real server on
both backends, signed with its real key: the server refuses it with a reason (never 5xx), the
central verify still passes, and an honest second laptop still syncs and runs ``status --json``
and ``report``."""

from __future__ import annotations

import json
import sys
import time
import uuid

import httpx
import pytest

from supervisor_tui.model.checks import computed_hash
from supervisor_tui.model.records import utc_now_iso
from supervisor_tui.model.signing import seal
from supervisor_tui.shell.cli import main as cli_main
from sync.client import sync_store
from sync.wire import sign_request
from tests.sync.helpers import enrol, make_laptop


@pytest.fixture
def hostile(tmp_path, server):
    store = make_laptop(tmp_path / "hostile", records=12)
    enrol(store, server.central, server.url)
    assert sync_store(store, server.url).ok
    yield store
    store.close()


@pytest.fixture
def honest(tmp_path, server):
    store = make_laptop(tmp_path / "honest", supervisor="SUP02", records=8, seed=11)
    enrol(store, server.central, server.url)
    yield store
    store.close()


def _signed_get(server, store, path: str) -> httpx.Response:
    headers = sign_request(store.key, store.require_profile().device, "GET", path, b"", int(time.time()))
    return httpx.get(server.url + path, headers=headers, timeout=30)


def _push(server, store, records) -> httpx.Response:
    body = json.dumps({"records": records}).encode()
    headers = sign_request(store.key, store.require_profile().device, "POST", "/v1/push", body, int(time.time()))
    headers["Content-Type"] = "application/json"
    return httpx.post(server.url + "/v1/push", content=body, headers=headers, timeout=30)


def next_record(store, kind: str, body: dict, created_at: str | None = None) -> dict:
    """A record after the laptop's last one, signed with its real key, never checked by it."""
    profile = store.require_profile()
    last = [r for r in store.records() if r["device"] == profile.device][-1]
    unsigned = {"id": str(uuid.uuid4()), "kind": kind, "schema": 1, "author": profile.supervisor,
                "device": profile.device, "seq": last["seq"] + 1, "prev": last["hash"],
                "created_at": created_at or utc_now_iso(), "body": body}
    return seal(unsigned, store.key)


def _refused(response: httpx.Response) -> str:
    """The reason a one-record push was refused (a 4xx or a rejected fate)."""
    assert response.status_code < 500, response.text
    answer = response.json()
    if response.status_code >= 400:
        return answer["error"]
    (result,) = answer["results"]
    assert result["status"] == "rejected", result
    return result["reason"]


def _honest_laptop_still_works(server, honest, capsys) -> None:
    result = sync_store(honest, server.url)
    assert result.ok, result.message
    for args in (["status", "--json"], ["status"], ["report"]):
        capsys.readouterr()
        code = cli_main(["--home", str(honest.home), *args])
        out = capsys.readouterr()
        assert code == 0, out.err
        assert "Traceback" not in out.err
    report = server.central.verify()
    assert report.ok, report.problems[:5]


def test_pull_cursor_beyond_any_integer_column_is_refused(server, hostile, honest, capsys):
    for query in ("after=9223372036854775808", "after=99999999999999999999", "after=-1",
                  "after=+5", "after=5_0", "after=%205", "limit=0", "limit=5001", "after=1&after=2"):
        response = _signed_get(server, hostile, f"/v1/pull?{query}")
        assert response.status_code == 400, (query, response.text)
        assert "after" in response.json()["error"] or "limit" in response.json()["error"]
    assert _signed_get(server, hostile, f"/v1/pull?after={2**53 - 1}").json()["records"] == []
    _honest_laptop_still_works(server, honest, capsys)


def test_envelope_string_with_a_final_newline_is_refused(server, hostile, honest, capsys):
    record = next_record(hostile, "restriction_lifted", {"restriction_id": "RS-X", "reason": "done"})
    record["created_at"] += "\n"
    data, digest, _ = computed_hash(record, strict_json=True)  # the server's fast canonical bytes
    assert data is not None
    record["hash"], record["sig"] = digest, hostile.key.sign(data)
    assert "created_at" in _refused(_push(server, hostile, [record]))
    for field in ("id", "author", "device", "prev", "hash", "sig"):
        tampered = dict(next_record(hostile, "restriction_lifted", {"restriction_id": "RS-X", "reason": "x"}))
        tampered[field] += "\n"
        assert _refused(_push(server, hostile, [tampered]))
    _honest_laptop_still_works(server, honest, capsys)


@pytest.mark.parametrize("value", [1798761600, "2027-01-01T00:00:00", "2027-02-30", "２０２７-01-01",
                                   "2027-01-01\n", True, None, ["2027-01-01"]])
def test_dates_are_iso_date_strings_only(server, hostile, honest, capsys, value):
    starting = {"restriction_id": "RS-HOSTILE", "cohort_id": "night-float", "restrictions": ["paired_working"],
                "reason": "fuzzed", "incident_ref": "INC-1", "review_every_days": 7, "expires_on": value}
    reason = _refused(_push(server, hostile, [next_record(hostile, "restriction_started", starting)]))
    assert "expires_on" in reason
    shadow = {"staff_id": "S001", "shift_date": value, "shift": "night", "situation": "x",
              "staff_choice": "supervisor", "supervisor_choice": "supervisor", "agreed": True}
    assert "shift_date" in _refused(_push(server, hostile, [next_record(hostile, "shadow_escalation", shadow)]))
    _honest_laptop_still_works(server, honest, capsys)


def _first(store, kind: str) -> dict:
    return next(r for r in store.records() if r["kind"] == kind)


def test_amendment_body_must_fit_the_kind_it_amends(server, hostile, honest, capsys):
    check = _first(hostile, "scenario_check")
    bad = {"amends": check["hash"], "reason": "fuzzed",
           "body": {"staff_id": check["body"]["staff_id"], "items": "none", "outcome": 5}}
    assert "body." in _refused(_push(server, hostile, [next_record(hostile, "amendment", bad)]))
    # derived fields must be the ones the checklist gives, exactly as a laptop records them
    lying = {"amends": check["hash"], "reason": "fuzzed", "body": dict(check["body"], outcome="pass",
                                                                         failed_critical=[])}
    if check["body"] != lying["body"]:
        assert _refused(_push(server, hostile, [next_record(hostile, "amendment", lying)]))
    unheld = {"amends": "ab" * 32, "reason": "fuzzed", "body": check["body"]}
    assert "amends" in _refused(_push(server, hostile, [next_record(hostile, "amendment", unheld)]))
    _honest_laptop_still_works(server, honest, capsys)


def test_deeply_nested_amendment_is_refused_and_pulls_keep_working(server, hostile, honest, capsys):
    nested: dict = {}
    for _ in range(960):
        nested = {"x": nested}
    check = _first(hostile, "scenario_check")
    deep = {"amends": check["hash"], "reason": "fuzzed", "body": nested}
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(10_000)  # only to sign it here: the server must not need this
    try:
        record = next_record(hostile, "amendment", deep)
        payload = json.dumps({"records": [record]})
    finally:
        sys.setrecursionlimit(limit)
    body = payload.encode()
    headers = sign_request(hostile.key, hostile.require_profile().device, "POST", "/v1/push", body,
                           int(time.time()))
    response = httpx.post(server.url + "/v1/push", content=body, headers=headers, timeout=30)
    assert "nested" in _refused(response)
    assert _signed_get(server, honest, "/v1/pull?after=0").status_code == 200
    _honest_laptop_still_works(server, honest, capsys)


def test_untrimmed_or_retyped_fields_are_not_what_a_laptop_signs(server, hostile, honest, capsys):
    lifted = {"restriction_id": "RS-X", "reason": "  padded  "}
    assert "reason" in _refused(_push(server, hostile, [next_record(hostile, "restriction_lifted", lifted)]))
    check = dict(_first(hostile, "scenario_check")["body"])
    check["decision_seconds"] = True
    assert "decision_seconds" in _refused(_push(server, hostile, [next_record(hostile, "scenario_check", check)]))
    _honest_laptop_still_works(server, honest, capsys)
