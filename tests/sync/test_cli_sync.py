"""The enrol / sync / outbox commands and the governance-store admin commands (exit codes,
JSON keys, one-line errors)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync.server_cli import main as gs_main
from tests.sync.helpers import make_laptop, own_hashes


@pytest.fixture
def gs(capsys, db_url):
    """Run ``governance-store ARGS... --db URL`` in-process."""

    def run(*args: str, db: str | None = None):
        capsys.readouterr()
        try:
            code = gs_main([*args, "--db", db or db_url])
        except SystemExit as exc:
            code = exc.code
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture
def laptop_home(home: Path):
    store = make_laptop(home, records=30)
    store.close()
    return home


def test_enrol_sync_outbox_round_trip(cli, gs, server, laptop_home):
    code, out, _ = gs("enrol-token", "--supervisor", "SUP01")
    assert code == 0
    token = out.strip().splitlines()[-1]
    before = cli("outbox", "--json").json()
    assert {k: before[k] for k in ("unsynced", "last_sync")} == {"unsynced": 30, "last_sync": None}
    assert before["profiles"]["SUP01"]["unsynced"] == 30 and not before["profiles"]["SUP01"]["enrolled"]
    enrolled = cli("enrol", "--server", server.url, "--token", token, "--json")
    assert enrolled.code == 0 and enrolled.json()["server"] == server.url
    again = cli("enrol", "--server", server.url, "--token", "not-a-token")
    assert again.code == 2 and "not recognised" in again.err and again.err.count("\n") == 1
    synced = cli("sync", "--json")
    assert synced.code == 0
    data = synced.json()
    assert data["ok"] and data["accepted"] == 30 and data["rejected"] == [] and data["unsynced"] == 0
    outbox = cli("outbox", "--json").json()
    assert outbox["unsynced"] == 0 and outbox["last_sync"]
    assert outbox["profiles"]["SUP01"]["enrolled"] and outbox["profiles"]["SUP01"]["last_sync"]
    code, out, _ = gs("records", "--json")
    held = json.loads(out)
    assert code == 0 and len(held) == 30
    assert set(held[0]) == {"id", "kind", "schema", "author", "device", "seq", "prev", "created_at",
                            "body", "hash", "sig"}
    staff = held[0]["body"]["staff_id"]
    code, out, _ = gs("records", "--json", "--staff", staff)
    assert {r["body"]["staff_id"] for r in json.loads(out)} == {staff}
    code, out, err = gs("verify")
    assert code == 0 and out.startswith("OK: 30 records from 1 device verified"), err


def test_sync_exit_codes(cli, gs, server, laptop_home):
    no_server = cli("sync")
    assert no_server.code == 2 and "enrol" in no_server.err
    bad_url = cli("sync", "--server", "ftp://x")
    assert bad_url.code == 2
    token = gs("enrol-token", "--supervisor", "SUP01")[1].strip().splitlines()[-1]
    assert cli("enrol", "--server", server.url, "--token", token).code == 0
    device = cli("whoami", "--json").json()["device"]
    assert gs("revoke", "--device", device)[0] == 0
    rejected = cli("sync", "--json")
    assert rejected.code == 1
    data = rejected.json()
    assert len(data["rejected"]) == 30 and set(data["rejected"][0]) == {"seq", "id", "kind", "reason"}
    assert "revoked" in data["rejected"][0]["reason"]
    text = cli("sync")
    assert text.code == 1 and text.err.count("rejected seq") == 30


def test_sync_unreachable_exits_3(cli, home, laptop_home, monkeypatch):
    from storage import sync_state
    from storage.store import Store
    from tests.pg import free_port

    store = Store(home)
    store.set_setting(sync_state.SETTING_SERVER, f"http://127.0.0.1:{free_port()}")
    store.close()
    monkeypatch.setenv("SUPERVISOR_TUI_SYNC_RETRY_SECONDS", "1")
    result = cli("sync", "--json")
    assert result.code == 3
    assert result.json()["unreachable"] is True and result.json()["unsynced"] == 30


def test_admin_errors_are_one_line_exit_2(gs, tmp_path):
    code, _, err = gs("revoke", "--device", "dev-nope")
    assert code == 2 and err.strip() == "governance-store: no enrolled device 'dev-nope'"
    code, _, err = gs("enrol-token", "--supervisor", "bad id")
    assert code == 2 and err.count("\n") == 1
    bad = tmp_path / "roster.csv"
    bad.write_text("staff_id,name\nS1,Ann\n")
    code, _, err = gs("roster", "import", str(bad))
    assert code == 2 and "missing column" in err
    code, _, err = gs("verify", db="mysql://nope")
    assert code == 2 and "sqlite:///PATH" in err
    code, _, err = gs("records")
    assert code == 0


def test_roster_import_and_verify_failure(gs, db_url, tmp_path, laptop_home, home):
    roster = tmp_path / "staff.csv"
    roster.write_text("staff_id,name,role,cohort\nS001,Amara Okafor,Support worker,overnight-float\n")
    code, out, _ = gs("roster", "import", str(roster))
    assert code == 0 and "Imported 1 staff" in out
    from storage.store import Store
    from sync.central import open_central

    central = open_central(db_url)
    store = Store(home)
    p = store.require_profile()
    info = central.enrol(central.create_token(p.supervisor), p.device, p.supervisor, store.key.public_key_hex)
    central.push(info, store.records())
    with central.transaction() as tx:
        tx.execute("DELETE FROM revocations")  # harmless; then break a record behind the triggers' back
        if db_url.startswith("sqlite"):
            tx.execute("DROP TRIGGER records_no_update")
        else:
            tx.execute("ALTER TABLE records DISABLE TRIGGER records_no_change")
        tx.execute("UPDATE records SET sig = ? WHERE hash = ?", ("0" * 128, own_hashes(store)[4]))
    central.close()
    code, _, err = gs("verify")
    assert code == 1 and "seq 5" in err and "bad signature" in err
    code, out, _ = gs("devices", "--json")
    assert json.loads(out)[0]["device"] == p.device


def test_enrol_unreachable_fails_fast_with_one_line(cli, home, laptop_home, monkeypatch):
    """A mistyped URL at set-up: a few seconds of retries (not sync's 30), exit 3, nothing pinned."""
    from storage import sync_state
    from storage.store import Store
    from tests.pg import free_port

    monkeypatch.delenv("SUPERVISOR_TUI_SYNC_RETRY_SECONDS", raising=False)
    url = f"http://127.0.0.1:{free_port()}"
    result = cli("enrol", "--server", url, "--token", "abc")
    assert result.code == 3
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "unreachable after" in lines[0] and "Traceback" not in result.err
    assert int(lines[0].split("unreachable after ")[1].split(" s")[0]) <= 6
    store = Store(home)
    assert store.get_setting(sync_state.SETTING_SERVER) is None
    store.close()


def test_verify_with_another_key_says_so_once(cli, gs, server, laptop_home, tmp_path):
    from supervisor_tui.model.signing import DeviceKey

    code, out, _ = gs("enrol-token", "--supervisor", "SUP01")
    assert cli("enrol", "--server", server.url, "--token", out.strip().splitlines()[-1]).code == 0
    assert cli("sync").code == 0  # 30 records stamped with the server's key
    server_key, other = tmp_path / "server.key", tmp_path / "other.key"
    server.key.save(server_key)
    DeviceKey.generate().save(other)
    code, out, err = gs("verify", "--key", str(other))
    assert code == 1 and err.count("\n") == 2  # one line for the key, one count line: not one per record
    assert f"the key at {other} is" in err and "pass --key" in err
    code, out, err = gs("verify", "--key", str(server_key))
    assert code == 0 and out.startswith("OK: 30 records"), err
    # real stamp tampering is still reported per record with the right key
    with server.central.transaction() as tx:  # stamped in the row on arrival (records.stamp)
        if tx.rewrite:
            tx.execute("ALTER TABLE records DISABLE TRIGGER records_no_change")
        else:
            tx.execute("DROP TRIGGER IF EXISTS records_no_update")
        tx.execute("UPDATE records SET stamp = ? WHERE hash IN (SELECT hash FROM records"
                   " ORDER BY hash LIMIT 2)", ("0" * 64,))
    code, out, err = gs("verify", "--key", str(server_key))
    assert code == 1 and err.count("verification stamp does not match") == 2
