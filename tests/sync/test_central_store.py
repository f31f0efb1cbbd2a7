"""The central store on both backends: enrolment tokens, push fates, quarantine, pull, verify."""

from __future__ import annotations

import copy

import pytest

from supervisor_tui.model.signing import DeviceKey, seal, unsigned_part
from sync.central import CentralError, CentralStore
from tests.sync.helpers import make_laptop


@pytest.fixture
def laptop(tmp_path):
    store = make_laptop(tmp_path / "laptop", records=12)
    yield store
    store.close()


def _register(central: CentralStore, store) -> object:
    p = store.require_profile()
    token = central.create_token(p.supervisor)
    return central.enrol(token, p.device, p.supervisor, store.key.public_key_hex)


def _fates(outcome) -> list[str]:
    return [f.status for f in outcome.fates]


def test_token_is_one_time_and_bound_to_its_supervisor(central, laptop):
    p = laptop.require_profile()
    token = central.create_token("SUP02")
    with pytest.raises(CentralError, match="issued for supervisor SUP02"):
        central.enrol(token, p.device, p.supervisor, laptop.key.public_key_hex)
    token = central.create_token(p.supervisor)
    info = central.enrol(token, p.device, p.supervisor, laptop.key.public_key_hex)
    assert (info.device, info.supervisor) == (p.device, p.supervisor)
    assert central.enrol(token, p.device, p.supervisor, laptop.key.public_key_hex) == info  # same key: idempotent
    with pytest.raises(CentralError, match="already used"):
        central.enrol(token, "dev-other", p.supervisor, DeviceKey.generate().public_key_hex)
    with pytest.raises(CentralError, match="not recognised"):
        central.enrol("nonsense", p.device, p.supervisor, laptop.key.public_key_hex)
    token = central.create_token(p.supervisor)
    with pytest.raises(CentralError, match="already enrolled with another key"):
        central.enrol(token, p.device, p.supervisor, DeviceKey.generate().public_key_hex)
    assert [d.device for d in central.devices()] == [p.device]


def test_clean_push_then_identical_resend_is_duplicate(central, laptop):
    info = _register(central, laptop)
    records = laptop.records()
    outcome = central.push(info, records)
    assert _fates(outcome) == ["accepted"] * 12
    assert (outcome.head_seq, outcome.head_hash) == (12, records[-1]["hash"])
    again = central.push(info, records[3:7])
    assert _fates(again) == ["duplicate"] * 4
    assert central.count() == 12
    assert central.verify().ok


def test_gap_answers_where_to_resume_and_writes_nothing_past_it(central, laptop):
    info = _register(central, laptop)
    records = laptop.records()
    central.push(info, records[:4])
    outcome = central.push(info, records[6:9])
    assert _fates(outcome) == ["gap"] * 3
    assert outcome.resume_from == 5
    assert central.count() == 4
    assert _fates(central.push(info, records[4:])) == ["accepted"] * 8
    assert central.verify().ok


def test_fork_is_rejected_and_quarantined(central, laptop, tmp_path):
    info = _register(central, laptop)
    records = laptop.records()
    central.push(info, records)
    forged = copy.deepcopy(records[5])
    forged["body"]["decision_seconds"] = 999 if "decision_seconds" in forged["body"] else 1
    forged["body"].setdefault("learning_note", "x")
    forked = seal(unsigned_part(forged), laptop.key)
    outcome = central.push(info, [forked])
    assert _fates(outcome) == ["fork"]
    assert "quarantined" in outcome.fates[0].reason
    assert [q["hash"] for q in central.quarantined()] == [forked["hash"]]
    central.push(info, [forked])  # resending the fork does not duplicate the quarantine row
    assert len(central.quarantined()) == 1
    assert central.count() == 12 and central.verify().ok


def test_prev_mismatch_at_next_seq_is_a_fork(central, laptop):
    info = _register(central, laptop)
    records = laptop.records()
    central.push(info, records[:3])
    other = copy.deepcopy(records[3])
    other["prev"] = "0" * 64
    other = seal(unsigned_part(other), laptop.key)
    outcome = central.push(info, [other, records[4]])
    assert _fates(outcome) == ["fork", "rejected"]
    assert "follows a rejected record" in outcome.fates[1].reason
    assert central.count() == 3


def test_tampered_record_is_rejected_and_blocks_the_rest_of_the_chain(central, laptop):
    info = _register(central, laptop)
    records = laptop.records()
    bad = copy.deepcopy(records[2])
    bad["body"]["staff_id"] = "S002" if bad["body"].get("staff_id") != "S002" else "S003"
    outcome = central.push(info, [records[0], records[1], bad, records[3]])
    assert _fates(outcome) == ["accepted", "accepted", "rejected", "rejected"]
    assert "hash mismatch" in outcome.fates[2].reason
    resigned = dict(bad, hash=seal(unsigned_part(bad), laptop.key)["hash"])  # new hash, old signature
    outcome = central.push(info, [resigned])
    assert outcome.fates[0].reason == "bad signature"
    assert central.count() == 2 and central.verify().ok


def test_record_signed_by_another_key_or_for_another_device(central, laptop, tmp_path):
    info = _register(central, laptop)
    stranger = make_laptop(tmp_path / "stranger", records=2)
    outcome = central.push(info, stranger.records())
    assert _fates(outcome) == ["rejected", "rejected"]
    assert outcome.fates[0].reason.startswith("unknown key")
    impostor = seal(unsigned_part(laptop.records()[0]), DeviceKey.generate())
    assert central.push(info, [impostor]).fates[0].reason == "bad signature"
    assert central.count() == 0


def test_revoked_device_is_refused(central, laptop):
    info = _register(central, laptop)
    records = laptop.records()
    central.push(info, records[:5])
    revoked = central.revoke(info.device, "laptop lost on a night shift")
    assert revoked.revoked_at
    with pytest.raises(CentralError, match="revoked") as caught:
        central.push(info, records[5:])
    assert caught.value.status == 403
    assert central.count() == 5
    with pytest.raises(CentralError, match="no enrolled device"):
        central.revoke("dev-nope")


def test_malformed_envelope_rejects_the_whole_batch(central, laptop):
    info = _register(central, laptop)
    records = laptop.records()
    broken = dict(records[1], seq="2")
    with pytest.raises(CentralError, match=r"records\[1\]: seq: must be a positive integer"):
        central.push(info, [records[0], broken])
    with pytest.raises(CentralError, match="must be a JSON object"):
        central.push(info, [records[0], "junk"])
    assert central.count() == 0


def test_body_that_does_not_fit_its_model_is_rejected(central, laptop):
    info = _register(central, laptop)
    first = laptop.records()[0]
    body = dict(first["body"], unexpected_field=1)
    odd = seal({**unsigned_part(first), "body": body}, laptop.key)
    outcome = central.push(info, [odd])
    assert outcome.fates[0].status == "rejected"
    assert "unexpected_field" in outcome.fates[0].reason


def test_verify_detects_a_record_altered_in_the_database(central, laptop, db_url):
    info = _register(central, laptop)
    central.push(info, laptop.records())
    with central.transaction() as tx:
        if db_url.startswith("sqlite"):
            tx.execute("DROP TRIGGER records_no_update")
        else:
            tx.execute("ALTER TABLE records DISABLE TRIGGER records_no_change")
        tx.execute("UPDATE records SET body = replace(body, 'S0', 'S9') WHERE seq = 3")
    report = central.verify()
    assert not report.ok
    assert any("seq 3" in p and "hash mismatch" in p for p in report.problems)


def test_records_are_append_only(central, laptop):
    info = _register(central, laptop)
    central.push(info, laptop.records()[:1])
    with pytest.raises(Exception, match="append-only"), central.transaction() as tx:
        tx.execute("DELETE FROM records")
    assert central.count() == 1


def test_roster_import_and_staff_records(central, laptop):
    rows = laptop.roster()
    assert central.import_roster(rows, {"overnight-float": "Overnight float staff"}) == 24
    roster, cohorts = central.roster()
    assert len(roster) == 24 and cohorts["overnight-float"] == "Overnight float staff"
    info = _register(central, laptop)
    central.push(info, laptop.records())
    staff = laptop.records()[0]["body"]["staff_id"]
    held = central.records(staff)
    assert held and all(r["body"].get("staff_id") == staff for r in held)
    assert {r["hash"] for r in held} == {r["hash"] for r in laptop.records(staff=staff)}


@pytest.mark.parametrize("listed", [1000, 1], ids=["staff-listed", "staff-by-subquery"])
def test_pull_gives_other_supervisors_records_about_staff_i_assess(central, tmp_path, monkeypatch, listed):
    monkeypatch.setattr("sync.central.base._LISTED", listed)  # 1: more staff than it names in the statement
    mine = make_laptop(tmp_path / "a", "SUP01", records=10, seed=1)
    theirs = make_laptop(tmp_path / "b", "SUP02", records=30, seed=2)
    central.import_roster(mine.roster())
    a, b = _register(central, mine), _register(central, theirs)
    central.push(a, mine.records())
    central.push(b, theirs.records())
    page = central.pull(a)
    assessed = {r["body"]["staff_id"] for r in mine.records()}
    expected = {r["hash"] for r in theirs.records() if r["body"]["staff_id"] in assessed}
    assert 0 < len(expected) < 30
    assert {r["hash"] for r in page["records"]} == expected
    assert page["devices"][b.device]["public_key"] == theirs.key.public_key_hex
    assert all(r["device"] != a.device for r in page["records"])
    first = central.pull(a, limit=3)
    assert first["more"] and len(first["records"]) == 3
    rest = central.pull(a, after=first["next_after"], limit=1000)
    assert [r["hash"] for r in first["records"] + rest["records"]] == [r["hash"] for r in page["records"]]


def test_a_pull_reads_records_only_through_indexes(tmp_path, monkeypatch):
    """A pull's cost follows what it returns, not the store's size: every read of ``records`` in
    its statements is an index search, first page and later ones (SQLite's plans are fixed;
    on PostgreSQL ``bench/central_load.py`` shows the pull flat from round to round)."""
    from sync.central import open_central
    from sync.central.base import Tx

    central = open_central(f"sqlite:///{tmp_path}/central.db")
    laptop = make_laptop(tmp_path / "a", "SUP01", records=20, seed=1, team="T1")
    info = _register(central, laptop)
    central.push(info, laptop.records())
    statements: list[tuple[str, tuple]] = []
    real = Tx.all
    monkeypatch.setattr(Tx, "all", lambda self, sql, params=(): statements.append((sql, params)) or real(self, sql, params))
    for after in (0, 5):
        central.pull(info, after=after, limit=10)
    monkeypatch.setattr(Tx, "all", real)
    assert any("FROM records" in sql for sql, _ in statements)
    with central.reading() as tx:
        for sql, params in statements:
            plan = [row[3] for row in tx.all("EXPLAIN QUERY PLAN " + sql, params)]
            assert not any(step.startswith("SCAN") for step in plan), (sql, plan)
            if "FROM records" in sql:
                assert any(step.startswith("SEARCH records USING") for step in plan), (sql, plan)
    central.close()
