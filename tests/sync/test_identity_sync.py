"""Several supervisors on one laptop and key rotation, against a real server on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.demo import bulk_items
from storage.profiles import rotate_key
from storage.store import Store
from supervisor_tui.model.signing import DeviceKey
from sync.client import enrol_store, sync_store
from sync.transport import ServerRefused, Transport
from tests.conftest import TEST_PASSPHRASE
from tests.sync.helpers import NOW, make_laptop


def _interleave(store: Store, supervisors: list[str], rounds: int) -> None:
    for i in range(rounds):
        sup = supervisors[i % len(supervisors)]
        store.use(sup)
        store.unlock(TEST_PASSPHRASE)
        store.append_many(list(bulk_items(store, 3, NOW, seed=i)))


def test_two_profiles_interleaved_two_clean_chains_accepted(server, central, tmp_path: Path):
    laptop = make_laptop(tmp_path / "laptop")
    laptop.add_profile("SUP02", "Bo Night", TEST_PASSPHRASE)
    _interleave(laptop, ["SUP01", "SUP02"], 8)
    assert laptop.verify().ok
    devices = dict(laptop.conn.execute("SELECT author, device FROM records GROUP BY author"))
    assert set(devices) == {"SUP01", "SUP02"}
    for sup in ("SUP01", "SUP02"):
        laptop.use(sup)
        laptop.unlock(TEST_PASSPHRASE)
        # before its own enrolment, a second profile's sync is refused by the server
        enrol_store(laptop, server.url, central.create_token(sup))
        result = sync_store(laptop, retry_budget=2)
        assert result.ok, result.message
        assert result.accepted == 12 and laptop.unsynced_count(sup) == 0
    report = central.verify(fill_stamps=False)
    assert report.ok and report.count == 24
    for sup, device in devices.items():
        assert [r["seq"] for r in central.records() if r["device"] == device] == list(range(1, 13))
        assert {r["author"] for r in central.records() if r["device"] == device} == {sup}


def test_rotation_is_accepted_centrally(server, central, tmp_path: Path):
    laptop = make_laptop(tmp_path / "laptop", records=5)
    enrol_store(laptop, server.url, central.create_token("SUP01"))
    assert sync_store(laptop, retry_budget=2).ok
    old = laptop.profile.device
    laptop.append_many(list(bulk_items(laptop, 2, NOW, seed=3)))  # unsynced on the old key
    record, new = rotate_key(laptop, "SUP01", TEST_PASSPHRASE)
    laptop.append_many(list(bulk_items(laptop, 4, NOW, seed=4)))  # on the new key
    result = sync_store(laptop, retry_budget=2)
    assert result.ok, result.message
    assert laptop.unsynced_count() == 0
    info = central.device(new.device)
    assert info is not None and info.public_key == record["body"]["new_public_key"]
    held = {r["hash"] for r in central.records()}
    assert record["hash"] in held
    assert [r["seq"] for r in central.records() if r["device"] == old] == list(range(1, 9))
    assert [r["seq"] for r in central.records() if r["device"] == new.device] == [1, 2, 3, 4]
    assert central.verify(fill_stamps=False).ok


def _enrol_raw(url: str, key: DeviceKey, device: str, body: dict) -> None:
    with Transport(url, key, device, retry_budget=1) as t:
        t.call("POST", "/v1/enrol", {**body, "device": device, "public_key": key.public_key_hex})


def test_unrotated_second_key_is_refused(server, central, tmp_path: Path):
    laptop = make_laptop(tmp_path / "laptop", records=2)
    enrol_store(laptop, server.url, central.create_token("SUP01"))
    assert sync_store(laptop, retry_budget=2).ok
    device = laptop.profile.device
    intruder = DeviceKey.generate()
    # the same device id with another key, even with a fresh token: refused
    with pytest.raises(ServerRefused) as same:
        _enrol_raw(server.url, intruder, device,
                   {"token": central.create_token("SUP01"), "supervisor": "SUP01"})
    assert same.value.status == 409
    # a "rotation" the old device never signed: refused
    with pytest.raises(ServerRefused) as unsigned:
        _enrol_raw(server.url, intruder, "dev-newone01", {"rotated_from": device, "supervisor": "SUP01"})
    assert unsigned.value.status == 403 and "key_rotated" in unsigned.value.reason
    assert central.device("dev-newone01") is None


def test_a_rotated_out_key_signs_nothing_more(server, central, tmp_path: Path):
    """Someone who copied the old key (and its passphrase) cannot extend the closed chain."""
    laptop = make_laptop(tmp_path / "laptop", records=2)
    enrol_store(laptop, server.url, central.create_token("SUP01"))
    old_profile = laptop.profile
    old_key = laptop.key
    rotate_key(laptop, "SUP01", TEST_PASSPHRASE)
    assert sync_store(laptop, retry_budget=2).ok
    from supervisor_tui.model.signing import seal

    head = central.head(old_profile.device)
    forged = seal({"id": "0194f000-0000-7000-8000-000000000999", "kind": "restriction_lifted", "schema": 1,
                   "author": "SUP01", "device": old_profile.device, "seq": head[0] + 1, "prev": head[1],
                   "created_at": "2026-11-03T00:00:00.000000Z",
                   "body": {"restriction_id": "RS-1", "reason": "forged"}}, old_key)
    with Transport(server.url, old_key, old_profile.device, retry_budget=1) as t:
        answer = t.call("POST", "/v1/push", {"records": [forged]})
    assert answer["results"][0]["status"] == "rejected" and "key_rotated" in answer["results"][0]["reason"]
    assert central.head(old_profile.device) == head


def test_cli_second_profile_enrols_and_syncs_its_own_records(cli, server, central):
    assert cli("init", "--supervisor", "SUP01", "--name", "Alex Morgan").code == 0
    assert cli("demo").code == 0
    assert cli("profile", "add", "--supervisor", "SUP02", "--name", "Bo Night").code == 0
    assert cli("--as", "SUP02", "demo", "--records", "4").code == 0
    token = central.create_token("SUP01")
    assert cli("--as", "SUP01", "enrol", "--server", server.url, "--token", token).code == 0
    refused = cli("--as", "SUP02", "sync")
    assert refused.code == 2 and "SUP02" in refused.err and "not enrolled" in refused.err
    assert cli("sync", "--as", "SUP01").code == 0
    outbox = cli("outbox", "--json").json()
    assert outbox["profiles"]["SUP01"]["unsynced"] == 0 and outbox["profiles"]["SUP02"]["unsynced"] == 4
    token2 = central.create_token("SUP02")
    assert cli("--as", "SUP02", "enrol", "--server", server.url, "--token", token2).code == 0
    synced = cli("--as", "SUP02", "sync", "--json").json()
    assert synced["ok"] and synced["accepted"] == 4 and synced["unsynced"] == 0
    assert {r["author"] for r in central.records()} == {"SUP01", "SUP02"}
    assert central.verify(fill_stamps=False).ok
