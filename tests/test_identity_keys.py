"""Keys sealed under a passphrase: never a plaintext seed on disk (init, migration, rotation,
SIGKILL mid-migration), wrong and short passphrases, the CLI's passphrase sources, profiles."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import nacl.signing
import pytest

from storage.keyfile import BadPassphrase, WeakPassphrase, kdf_params, read_key_file
from storage.migrations import migrate
from storage.profiles import change_passphrase, migrate_legacy_key, rotate_key
from storage.store import KeyLocked, Store
from supervisor_tui.model.signing import DeviceKey
from tests.conftest import NOW, TEST_PASSPHRASE, scenario_body

ROOT = Path(__file__).resolve().parents[1]


def seeds_in(store: Store) -> list[bytes]:
    """Every private seed this store ever had (read back through the passphrase)."""
    store.unlock(TEST_PASSPHRASE)
    return [k.signing_key.encode() for k in store._keys.values()]  # noqa: SLF001


def assert_no_plaintext(root: Path, seeds: list[bytes]) -> None:
    """No file under ``root`` holds a seed, raw or as hex (any case), at any offset."""
    forms = []
    for seed in seeds:
        forms += [seed, seed.hex().encode(), seed.hex().upper().encode()]
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for form in forms:
                assert form not in data, f"a private key is readable in {path}"


def make_legacy_store(home: Path) -> tuple[bytes, str]:
    """A store as schema 5 left it: one profile, a plaintext ``device.key`` (hex seed), a few
    signed records and a draft. Returns (seed, public key)."""
    import sqlite3

    from storage.demo_roster import COHORT_NAMES, demo_roster

    home.mkdir(parents=True)
    conn = sqlite3.connect(home / "store.db", isolation_level=None)
    migrate(conn, target=5)
    key = nacl.signing.SigningKey.generate()
    public = key.verify_key.encode().hex()
    conn.execute("INSERT INTO profile VALUES (1, 'SUP01', 'Alex Morgan', 'dev-legacy01', '2026-10-01T00:00:00Z')")
    conn.execute("INSERT INTO devices VALUES ('dev-legacy01', 'SUP01', ?)", (public,))
    conn.execute("INSERT INTO drafts VALUES ('shadow:S001', 'shadow_escalation', '{\"situation\": \"x\"}',"
                 " '2026-10-01T00:00:00Z')")
    conn.close()
    (home / "device.key").write_text(key.encode().hex() + "\n")
    os.chmod(home / "device.key", 0o600)
    store = Store(home)
    store.upsert_roster(demo_roster(24), COHORT_NAMES)
    store.remember_key("dev-legacy01", DeviceKey(key))
    store.append("scenario_check", scenario_body(), now=NOW)
    store.close()
    return key.encode(), public


def test_new_key_is_sealed_with_its_kdf_parameters(store, home):
    doc = read_key_file(store.key_path)
    assert doc["kdf"]["algorithm"] == "argon2id" and len(bytes.fromhex(doc["kdf"]["salt"])) == 16
    assert doc["kdf"]["opslimit"] == kdf_params().opslimit and doc["public_key"] == store.public_keys()[store.profile.device]
    assert_no_plaintext(home, seeds_in(store))


def test_production_limits_are_at_least_interactive(monkeypatch):
    from nacl.pwhash import argon2id

    monkeypatch.delenv("SUPERVISOR_TUI_INSECURE_TEST_KDF")
    params = kdf_params()
    assert params.opslimit >= argon2id.OPSLIMIT_INTERACTIVE and params.memlimit >= argon2id.MEMLIMIT_INTERACTIVE


def test_wrong_and_short_passphrases(store, home, monkeypatch):
    monkeypatch.delenv("SUPERVISOR_TUI_PASSPHRASE")
    again = Store(home)
    with pytest.raises(KeyLocked):
        again.append("scenario_check", scenario_body(), now=NOW)
    with pytest.raises(BadPassphrase):
        again.unlock("not the passphrase at all")
    with pytest.raises(KeyLocked):
        again.append("scenario_check", scenario_body(), now=NOW)
    assert again.records() == []  # nothing signed, nothing written
    with pytest.raises(WeakPassphrase, match="at least 10"):
        change_passphrase(again, "SUP01", TEST_PASSPHRASE, "short")
    again.unlock(TEST_PASSPHRASE)
    assert again.append("scenario_check", scenario_body(), now=NOW)["seq"] == 1
    again.close()


def test_change_passphrase_reseals(store, home, monkeypatch):
    monkeypatch.delenv("SUPERVISOR_TUI_PASSPHRASE")
    before = read_key_file(store.key_path)
    assert change_passphrase(store, "SUP01", TEST_PASSPHRASE, "a brand new passphrase") == 1
    after = read_key_file(store.key_path)
    assert after["kdf"]["salt"] != before["kdf"]["salt"] and after["public_key"] == before["public_key"]
    with pytest.raises(BadPassphrase):
        Store(home).unlock(TEST_PASSPHRASE)
    Store(home).unlock("a brand new passphrase")


def test_migration_keeps_device_chain_and_drafts(tmp_path):
    home = tmp_path / "home"
    seed, public = make_legacy_store(home)
    store = Store(home)
    assert store.legacy_key_path.exists() and store.profile.device == "dev-legacy01"
    assert store.load_draft("shadow:S001") == {"situation": "x"}  # migration 6 kept the draft
    before = store.records()
    key = migrate_legacy_key(store, TEST_PASSPHRASE)
    assert key.public_key_hex == public and not store.legacy_key_path.exists()
    assert store.records() == before and store.verify().ok
    store.lock()
    store.unlock(TEST_PASSPHRASE)
    assert store.append("scenario_check", scenario_body("S002"), now=NOW)["seq"] == 2  # same chain
    assert_no_plaintext(tmp_path, [seed])


def test_cli_passphrase_set_migrates(tmp_path, cli, home):
    seed, public = make_legacy_store(home)
    assert cli("record", "add", "scenario_check", "--json", "-").code == 2  # refused: set it first
    assert cli("whoami", "--json").json()["key_sealed"] is False
    result = cli("passphrase", "set")
    assert result.code == 0, result.err
    who = cli("whoami", "--json").json()
    assert who["public_key"] == public and who["key_sealed"] is True and who["key_path"].endswith(".key")
    assert cli("verify").code == 0
    assert_no_plaintext(tmp_path, [seed])


def test_rotation_closes_the_old_chain(store, home):
    first = store.append("scenario_check", scenario_body(), now=NOW)
    old_device = store.profile.device
    record, new = rotate_key(store, "SUP01", TEST_PASSPHRASE, "laptop was left unlocked")
    assert record["kind"] == "key_rotated" and record["device"] == old_device and record["prev"] == first["hash"]
    assert record["body"]["new_device"] == new.device
    assert record["body"]["new_public_key"] == store.public_keys()[new.device]
    after = store.append("scenario_check", scenario_body("S002"), now=NOW)
    assert (after["device"], after["seq"], after["prev"]) == (new.device, 1, "")
    assert store.verify().ok and store.unsynced_count() == 3
    assert_no_plaintext(home, seeds_in(store))


def test_cli_passphrase_sources(cli, home, tmp_path, monkeypatch):
    assert cli("init", "--supervisor", "SUP01", "--name", "Alex Morgan").code == 0
    monkeypatch.delenv("SUPERVISOR_TUI_PASSPHRASE")
    body = tmp_path / "check.json"
    body.write_text(json.dumps(scenario_body()))
    from storage.demo_roster import COHORT_NAMES, demo_roster

    s = Store(home)
    s.upsert_roster(demo_roster(24), COHORT_NAMES)
    s.close()
    none = cli("record", "add", "scenario_check", "--json", str(body))
    assert none.code == 2 and "passphrase needed" in none.err
    secret = tmp_path / "pass"
    secret.write_text(TEST_PASSPHRASE + "\n")
    os.chmod(secret, 0o644)
    loose = cli("record", "add", "scenario_check", "--json", str(body), "--passphrase-file", str(secret))
    assert loose.code == 2 and "readable by others" in loose.err
    os.chmod(secret, 0o600)
    wrong = tmp_path / "wrong"
    wrong.write_text("this is not it at all\n")
    os.chmod(wrong, 0o600)
    bad = cli("record", "add", "scenario_check", "--json", str(body), "--passphrase-file", str(wrong))
    assert bad.code == 2 and "wrong passphrase" in bad.err and "Traceback" not in bad.err
    assert cli("record", "list", "--json").json() == []  # read-only: no passphrase needed
    ok = cli("record", "add", "scenario_check", "--json", str(body), "--passphrase-file", str(secret))
    assert ok.code == 0 and ok.json()["seq"] == 1
    assert cli("verify").code == 0 and cli("outbox", "--json").json()["unsynced"] == 1
    monkeypatch.setenv("SUPERVISOR_TUI_PASSPHRASE", "short")
    assert "at least 10" in cli("profile", "add", "--supervisor", "SUP02", "--name", "Bo").err


def test_profiles_and_as_ambiguity(cli, home, monkeypatch):
    assert cli("init", "--supervisor", "SUP01", "--name", "Alex Morgan").code == 0
    assert cli("demo").code == 0
    added = cli("profile", "add", "--supervisor", "SUP02", "--name", "Bo Night", "--json")
    assert added.code == 0 and added.json()["supervisor"] == "SUP02"
    assert cli("profile", "add", "--supervisor", "SUP02", "--name", "Again").code == 2
    listed = cli("profile", "list", "--json").json()
    assert [p["supervisor"] for p in listed] == ["SUP01", "SUP02"]
    assert listed[0]["device"] != listed[1]["device"] and listed[0]["public_key"] != listed[1]["public_key"]
    ambiguous = cli("record", "add", "scenario_check", "--json", "-")
    assert ambiguous.code == 2 and "--as SUP01" in ambiguous.err and "--as SUP02" in ambiguous.err
    assert cli("--as", "SUP09", "demo", "--records", "1").code == 2
    assert cli("demo", "--records", "3", "--as", "SUP02").code == 0
    monkeypatch.setenv("SUPERVISOR_TUI_PROFILE", "SUP01")
    assert cli("demo", "--records", "2").code == 0
    monkeypatch.delenv("SUPERVISOR_TUI_PROFILE")
    outbox = cli("outbox", "--json").json()
    assert outbox["profiles"]["SUP02"]["unsynced"] == 3 and outbox["unsynced"] == outbox["profiles"][
        "SUP01"]["unsynced"] + 3
    assert cli("--as", "SUP02", "outbox", "--json").json()["unsynced"] == 3
    staff = cli("roster", "list", "--json").json()[0]["staff_id"]
    unsigned = cli("export", "--staff", staff, "--format", "json")
    assert unsigned.code == 0 and "manifest_signature" not in json.loads(unsigned.out)
    assert "not signed" in unsigned.err and "--as ID" in unsigned.err and "SUP02 (Bo Night)" in unsigned.err
    signed = cli("export", "--staff", staff, "--format", "json", "--as", "SUP02")
    assert signed.code == 0 and signed.err == "" and json.loads(signed.out)["manifest_signature"]["device"]
    verify = cli("verify", "--json").json()
    assert verify["ok"] and verify["count"] == len(cli("record", "list", "--json").json())
    two = Store(home)
    chains = dict(two.conn.execute("SELECT author, COUNT(DISTINCT device) FROM records WHERE device IN"
                                   " (SELECT device FROM own_devices) GROUP BY author"))
    assert chains == {"SUP01": 1, "SUP02": 1}  # (the demo's owner decisions are pulled records)


def test_drafts_belong_to_their_owner(store, home):
    store.save_draft("shadow:S001", "shadow_escalation", {"situation": "mine"})
    store.add_profile("SUP02", "Bo Night", TEST_PASSPHRASE)  # now acting as SUP02
    assert store.drafts() == [] and store.load_draft("shadow:S001") is None
    store.use("SUP01")
    assert store.load_draft("shadow:S001") == {"situation": "mine"}


def test_a_workers_sibling_store_acts_as_the_same_person_with_the_typed_key(store, home):
    """The app's thread workers (sync, report) open their own connection: it must act as the
    profile signed in, with the key unlocked by the typed passphrase, and never fall back to the
    environment's passphrase where the app does not."""
    store.add_profile("SUP02", "Bo Night", TEST_PASSPHRASE)  # now acting as SUP02, key open
    store.env_unlock = False  # as in the app
    worker = store.sibling()
    try:
        assert worker.require_profile().supervisor == "SUP02"
        assert worker.key.public_key_hex == store.key.public_key_hex
        assert not worker.env_unlock
        store.lock()  # the idle lock while a sync runs: that sync keeps its key
        assert worker.key.public_key_hex
        with pytest.raises(KeyLocked):
            store.key  # noqa: B018
        assert not store.sibling().unlocked  # and a worker started after the lock has none
    finally:
        worker.close()


_MIGRATE = """
import sys
from storage.store import Store
from storage.profiles import migrate_legacy_key
store = Store(sys.argv[1])
migrate_legacy_key(store, sys.argv[2])
print("done", flush=True)
"""


def test_sigkill_mid_migration_never_loses_or_exposes_the_key(tmp_path):
    """Kill the migration at random moments (real INTERACTIVE Argon2 limits, so it takes a
    while): the plaintext file or the sealed one is always whole and gives the same public key;
    running it again finishes the job."""
    rng = random.Random(12)
    env = {k: v for k, v in os.environ.items() if k != "SUPERVISOR_TUI_INSECURE_TEST_KDF"}
    outcomes = set()
    for round_ in range(12):
        home = tmp_path / f"h{round_}"
        seed, public = make_legacy_store(home)
        proc = subprocess.Popen([sys.executable, "-c", _MIGRATE, str(home), TEST_PASSPHRASE], cwd=ROOT,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.0, 0.9))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        legacy = home / "device.key"
        sealed = home / "keys" / "dev-legacy01.key"
        whole_legacy = legacy.exists() and legacy.read_text().strip() == seed.hex()
        whole_sealed = False
        if sealed.exists():
            from storage.keyfile import open_seed

            key = open_seed(read_key_file(sealed), TEST_PASSPHRASE)
            whole_sealed = key.verify_key.encode().hex() == public
        assert whole_legacy or whole_sealed, f"round {round_}: no whole key left"
        assert not any(p.name.endswith(".tmp") and seed.hex().encode() in p.read_bytes()
                       for p in home.rglob("*") if p.is_file())
        outcomes.add((whole_legacy, whole_sealed))
        store = Store(home)
        if legacy.exists():
            assert migrate_legacy_key(store, TEST_PASSPHRASE).public_key_hex == public
        store.unlock(TEST_PASSPHRASE)
        assert store.key.public_key_hex == public and store.verify().ok
        store.close()
        assert_no_plaintext(home, [seed])
    assert len(outcomes) >= 2  # the kills landed both before and after the sealed file was written


def test_idle_lock_setting(cli, home):
    assert cli("init", "--supervisor", "SUP01", "--name", "Alex Morgan").code == 0
    assert cli("idle-lock", "--json").json() == {"idle_lock_minutes": 10}
    assert cli("idle-lock", "--minutes", "0").code == 2
    assert cli("idle-lock", "--minutes", "121").code == 2
    assert cli("idle-lock", "--minutes", "3", "--json").json() == {"idle_lock_minutes": 3}


def test_cli_passphrase_change_and_key_rotate(cli, home, tmp_path, monkeypatch):
    assert cli("init", "--supervisor", "SUP01", "--name", "Alex Morgan").code == 0
    assert cli("demo").code == 0
    monkeypatch.setenv("SUPERVISOR_TUI_NEW_PASSPHRASE", "short")
    assert "at least 10" in cli("passphrase", "change").err
    monkeypatch.setenv("SUPERVISOR_TUI_NEW_PASSPHRASE", "the second passphrase")
    assert cli("passphrase", "change").code == 0
    assert "wrong passphrase" in cli("demo", "--records", "1").err  # the old one no longer opens it
    monkeypatch.setenv("SUPERVISOR_TUI_PASSPHRASE", "the second passphrase")
    before = cli("whoami", "--json").json()
    rotated = cli("key", "rotate", "--reason", "new laptop bag", "--json").json()
    assert rotated["old_device"] == before["device"] and rotated["device"] != before["device"]
    assert rotated["key_rotated"]["seq"] == cli("record", "list", "--json").json()[-1]["seq"]
    assert cli("whoami", "--json").json()["public_key"] == rotated["public_key"]
    assert cli("demo", "--records", "2").code == 0 and cli("verify").code == 0
    monkeypatch.setenv("SUPERVISOR_TUI_PASSPHRASE", "a forgotten-path passphrase")
    forgot = cli("key", "rotate", "--forgotten", "--json").json()
    assert forgot["key_rotated"] is None and forgot["device"] != rotated["device"]
    assert cli("demo", "--records", "1").code == 0 and cli("verify").code == 0
    assert_no_plaintext(home, seeds_in_all(home, ["the second passphrase", "a forgotten-path passphrase"]))


def seeds_in_all(home: Path, passphrases: list[str]) -> list[bytes]:
    from storage.keyfile import open_seed

    seeds = []
    for path in (home / "keys").glob("*.key"):
        for secret in passphrases:
            try:
                seeds.append(open_seed(read_key_file(path), secret).encode())
                break
            except BadPassphrase:
                continue
    assert len(seeds) == 3
    return seeds


def test_device_ids_made_in_the_same_minute_do_not_collide() -> None:
    """Laptops provisioned together share the id's clock prefix: the random part must keep 5,000
    of them apart (16 random bits gave ~190 collisions among 5,000; 48 bits give none)."""
    from storage.profiles import new_device_id

    ids = [new_device_id() for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 24 and i.startswith("dev-") for i in ids)
