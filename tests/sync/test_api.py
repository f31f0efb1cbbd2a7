"""The HTTP API on a real uvicorn server, both backends: bad input gets 4xx with a reason, never
5xx, and never a partial write."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from supervisor_tui.model.signing import DeviceKey
from sync.wire import MAX_BATCH, MAX_BODY_BYTES, sign_request
from tests.sync.helpers import enrol, make_laptop


@pytest.fixture
def laptop(tmp_path, server):
    store = make_laptop(tmp_path / "laptop", records=6)
    enrol(store, server.central, server.url)
    yield store
    store.close()


def _post(server, store, path: str, body: bytes, key: DeviceKey | None = None,
          stamp: int | None = None, device: str | None = None) -> httpx.Response:
    device = device or store.require_profile().device
    headers = sign_request(key or store.key, device, "POST", path, body, stamp or int(time.time()))
    headers["Content-Type"] = "application/json"
    return httpx.post(server.url + path, content=body, headers=headers, timeout=30)


def _push(server, store, records, **kw) -> httpx.Response:
    return _post(server, store, "/v1/push", json.dumps({"records": records}).encode(), **kw)


def test_health_and_openapi(server):
    health = httpx.get(server.url + "/v1/health").json()
    assert health["status"] == "ok" and health["server_key"] == server.key.public_key_hex
    assert abs(health["server_time"] - time.time()) < 5
    doc = httpx.get(server.url + "/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert {"/v1/health", "/v1/enrol", "/v1/push", "/v1/pull"} <= set(doc["paths"])
    missing = httpx.get(server.url + "/v2/push")
    assert missing.status_code == 404 and "error" in missing.json()


def test_push_answers_each_record_with_a_signed_receipt(server, laptop):
    from sync.wire import receipt_valid

    records = laptop.records()
    answer = _push(server, laptop, records).json()
    assert [r["status"] for r in answer["results"]] == ["accepted"] * 6
    assert answer["receipt"]["seq"] == 6 and answer["receipt"]["hash"] == records[-1]["hash"]
    assert receipt_valid(answer["receipt"], server.key.public_key_hex)
    forged = dict(answer["receipt"], seq=7)
    assert not receipt_valid(forged, server.key.public_key_hex)


@pytest.mark.parametrize("body, reason", [
    (b"{not json", "malformed JSON"),
    (b"[1, 2]", "must be a JSON object"),
    (b'{"records": "all of them"}', "'records' must be a list"),
    (b'{"records": [{"id": 1}]}', "records[0]: missing field(s)"),
    (b'{"records": [NaN]}', "malformed JSON"),
    (b'{"records": [1]}', "records[0]: a record must be a JSON object"),
    (b'{"records": [{"seq": 1.5}]}', "floats are not allowed"),
    (b'{"records": [{"seq": 9007199254740993}]}', "outside +/-(2**53-1)"),
    (b'{"records": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "malformed JSON"),
])
def test_malformed_requests_are_400_and_write_nothing(server, laptop, body, reason):
    response = _post(server, laptop, "/v1/push", body)
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert server.central.count() == 0


def test_wrong_types_in_one_record_reject_the_batch(server, laptop):
    records = laptop.records()
    records[3] = dict(records[3], body="not an object")
    response = _push(server, laptop, records)
    assert response.status_code == 400
    assert "records[3]: body: must be a JSON object" in response.json()["error"]
    assert server.central.count() == 0


def test_lone_surrogate_in_a_body_is_a_rejected_record_not_a_crash(server, laptop):
    records = laptop.records()
    text = json.dumps({"records": records[:1]}).replace('"body": {', '"body": {"zz": "\\ud800", ', 1)
    response = _post(server, laptop, "/v1/push", text.encode())
    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "rejected"
    assert "not canonically encodable" in response.json()["results"][0]["reason"]
    assert server.central.count() == 0


def test_oversized_batch_and_body(server, laptop):
    records = laptop.records()
    response = _push(server, laptop, records[:1] * (MAX_BATCH + 1))
    assert response.status_code == 413 and f"limit of {MAX_BATCH}" in response.json()["error"]
    huge = b'{"records": [], "pad": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'
    response = _post(server, laptop, "/v1/push", huge)
    assert response.status_code == 413 and "over the limit" in response.json()["error"]
    assert server.central.count() == 0


def test_authentication_failures(server, laptop, tmp_path):
    records = laptop.records()
    body = json.dumps({"records": records}).encode()
    unsigned = httpx.post(server.url + "/v1/push", content=body)
    assert unsigned.status_code == 401 and "signed request required" in unsigned.json()["error"]
    wrong_key = _post(server, laptop, "/v1/push", body, key=DeviceKey.generate())
    assert wrong_key.status_code == 401 and wrong_key.json()["error"] == "bad request signature"
    stranger = make_laptop(tmp_path / "stranger", records=1)
    unknown = _push(server, stranger, stranger.records())
    assert unknown.status_code == 401 and "unknown device" in unknown.json()["error"]
    stale = _post(server, laptop, "/v1/push", body, stamp=int(time.time()) - 3 * 86400)
    assert stale.status_code == 401 and "server_time" in stale.json()
    headers = sign_request(laptop.key, laptop.require_profile().device, "POST", "/v1/push", body,
                           int(time.time()))
    tampered = httpx.post(server.url + "/v1/push", content=body.replace(b'"seq": 1,', b'"seq": 2,'),
                          headers=headers)
    assert tampered.status_code == 401
    assert server.central.count() == 0


def test_revoked_device_gets_403(server, laptop):
    server.central.revoke(laptop.require_profile().device)
    response = _push(server, laptop, laptop.records())
    assert response.status_code == 403 and "revoked" in response.json()["error"]
    assert server.central.count() == 0


def test_enrol_needs_proof_of_the_key_and_a_valid_token(server, tmp_path):
    store = make_laptop(tmp_path / "new")
    p = store.require_profile()
    token = server.central.create_token(p.supervisor)
    payload = {"token": token, "device": p.device, "supervisor": p.supervisor,
               "public_key": store.key.public_key_hex}
    body = json.dumps(payload).encode()
    signed_by_other = _post(server, store, "/v1/enrol", body, key=DeviceKey.generate())
    assert signed_by_other.status_code == 401
    bad = _post(server, store, "/v1/enrol", json.dumps(dict(payload, public_key="xyz")).encode())
    assert bad.status_code == 400 and "public_key" in bad.json()["error"]
    wrong = _post(server, store, "/v1/enrol", json.dumps(dict(payload, token="guess")).encode())
    assert wrong.status_code == 403
    ok = _post(server, store, "/v1/enrol", body)
    assert ok.status_code == 200 and ok.json()["device"] == p.device
    assert server.central.device(p.device).public_key == store.key.public_key_hex


def test_pull_query_validation(server, laptop):
    device = laptop.require_profile().device
    for query in ("after=-1", "limit=0", "after=abc"):
        path = f"/v1/pull?{query}"
        headers = sign_request(laptop.key, device, "GET", path, b"", int(time.time()))
        response = httpx.get(server.url + path, headers=headers)
        assert response.status_code == 400, query
    path = "/v1/pull?after=0"
    headers = sign_request(laptop.key, device, "GET", path, b"", int(time.time()))
    page = httpx.get(server.url + path, headers=headers).json()
    assert page["records"] == [] and page["checklists"] and page["head"]["seq"] == 0
