"""Verification stamps (``sync.central.stamps``) on SQLite and PostgreSQL: a central export skips
the Ed25519 check only for records whose stamp and re-computed hash match; a changed body,
signature, device key or stamp falls back to the full check; ``verify`` fills in missing
stamps and reports forged ones."""

from __future__ import annotations

import hmac
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.demo_roster import COHORT_NAMES, demo_roster
from supervisor_tui.model.signing import DeviceKey
from supervisor_tui.reports.evidence import render_history
from supervisor_tui.reports.history import build_history
from supervisor_tui.reports.pack import verify_pack
from sync.central import open_central
from sync.central.export import gather_central
from sync.central.stamps import Stamper, canonical_from_stored
from tests.export.test_central import central, central_url, push_all  # noqa: F401  (fixtures)
from tests.sync.conftest import pg_cluster  # noqa: F401  (session fixture: a throwaway PostgreSQL 15)

STAMPER = Stamper.from_server_key(b"k" * 32)


def _tamper(c, sql: str, params: tuple = ()) -> None:
    """Change a stored row behind the store's back (a DB-level attacker)."""
    with c.transaction() as tx:
        if tx.rewrite:
            tx.execute("ALTER TABLE records DISABLE TRIGGER records_no_change")
        else:
            tx.execute("DROP TRIGGER IF EXISTS records_no_update")
        tx.execute(sql, params)


@pytest.fixture
def stamped(central):  # noqa: F811
    """The central fixture's records, stamped by a full ``verify`` with the server's stamper."""
    central.stamper = STAMPER
    report = central.verify()
    assert report.ok and report.stamped == report.count > 0
    return central


def test_verify_fills_missing_stamps_once(stamped):
    again = stamped.verify()
    assert again.ok and again.stamped == 0


def test_push_stamps_what_it_accepts(central_url, store, data):  # noqa: F811
    c = open_central(central_url)
    try:
        c.stamper = STAMPER
        push_all(c, store)
        with c.reading() as tx:
            held, stamps, later = tx.one("SELECT COUNT(*), COUNT(stamp), (SELECT COUNT(*) FROM record_stamps)"
                                         " FROM records")
        assert held == stamps > 0 and later == 0  # in the row, as it is accepted
        assert c.verify().stamped == 0
    finally:
        c.close()


def test_export_skips_only_stamped_records(stamped):
    inputs = gather_central(stamped, "S002")
    assert inputs.verified == {r["hash"] for r in inputs.records}
    history = build_history(inputs)
    assert history["summary"]["signatures_ok"] == len(inputs.records)
    assert set(inputs.body_json) == inputs.verified
    pack = json.loads(render_history(inputs, "json"))  # stored body text spliced in as is
    assert verify_pack(pack).ok
    stamped.stamper = None  # no server key at hand: every record is fully verified
    plain = gather_central(stamped, "S002")
    assert plain.verified == frozenset() and not plain.body_json
    assert json.loads(render_history(plain, "json"))["records"] == pack["records"] == inputs.records


def test_changed_body_is_caught_despite_its_stamp(stamped):
    inputs = gather_central(stamped, "S002")
    victim = next(r for r in inputs.records if r["kind"] == "scenario_check")
    body = dict(victim["body"], outcome="pass" if victim["body"].get("outcome") != "pass" else "fail")
    _tamper(stamped, "UPDATE records SET body = ? WHERE hash = ?",
            (json.dumps(body, sort_keys=True, separators=(",", ":")), victim["hash"]))
    inputs = gather_central(stamped, "S002")
    assert victim["hash"] not in inputs.verified
    entry = next(e for e in build_history(inputs)["entries"] if e["hash"] == victim["hash"])
    assert not entry["signature_ok"] and "hash mismatch" in entry["signature"]
    assert not stamped.verify().ok


def test_a_store_made_before_the_stamp_column_gets_it(central_url, store, data):  # noqa: F811
    """An older store's records table has no stamp column: opening it adds one (nullable); its
    records keep their stamps in record_stamps, new pushes stamp in the row, exports see both."""
    c = open_central(central_url)
    try:
        c.import_roster(demo_roster(24), COHORT_NAMES)
        push_all(c, store)  # no stamper: nothing stamped
        _tamper(c, "ALTER TABLE records DROP COLUMN stamp")
    finally:
        c.close()
    c = open_central(central_url)
    try:
        c.stamper = STAMPER
        with c.reading() as tx:
            assert tx.one("SELECT COUNT(*) FROM records WHERE stamp IS NULL")[0] > 0
        assert c.verify().stamped > 0  # filled in record_stamps
        inputs = gather_central(c, "S002")
        assert inputs.verified == {r["hash"] for r in inputs.records}
    finally:
        c.close()


def _forge_stamp(c, record_hash: str, stamp: str) -> None:
    """Replace a record's stamp wherever it is kept (a DB-level attacker)."""
    with c.transaction() as tx:
        held = tx.one("SELECT stamp FROM records WHERE hash = ?", (record_hash,))[0]
    if held is None:
        with c.transaction() as tx:
            tx.execute("UPDATE record_stamps SET stamp = ? WHERE hash = ?", (stamp, record_hash))
    else:
        _tamper(c, "UPDATE records SET stamp = ? WHERE hash = ?", (stamp, record_hash))


def test_a_forged_stamp_in_the_row_falls_back_to_the_full_check(central_url, store, data):  # noqa: F811
    c = open_central(central_url)
    try:
        c.import_roster(demo_roster(24), COHORT_NAMES)
        c.stamper = STAMPER
        push_all(c, store)
        inputs = gather_central(c, "S002")
        victim = inputs.records[0]
        assert victim["hash"] in inputs.verified
        _forge_stamp(c, victim["hash"], "0" * 64)
        inputs = gather_central(c, "S002")
        assert victim["hash"] not in inputs.verified
        assert build_history(inputs)["summary"]["signatures_failed"] == []  # the record itself is sound
        assert [p for p in c.verify().problems if "verification stamp does not match" in p]
    finally:
        c.close()


def test_forged_stamp_or_key_falls_back_to_the_full_check(stamped):
    inputs = gather_central(stamped, "S002")
    victim = inputs.records[0]
    forged = Stamper.from_server_key(b"x" * 32).stamp(victim["hash"], victim["sig"], inputs.public_keys[victim["device"]])
    _forge_stamp(stamped, victim["hash"], forged)
    inputs = gather_central(stamped, "S002")
    assert victim["hash"] not in inputs.verified
    assert build_history(inputs)["summary"]["signatures_failed"] == []  # the record itself is sound
    report = stamped.verify()
    assert [p for p in report.problems if "verification stamp does not match" in p]
    # a device key swapped in the database: no stamp matches, the full check fails every record of it
    other = DeviceKey.generate().public_key_hex
    with stamped.transaction() as tx:
        tx.execute("UPDATE devices SET public_key = ? WHERE device = ?", (other, victim["device"]))
    inputs = gather_central(stamped, "S002")
    mine = {r["hash"] for r in inputs.records if r["device"] == victim["device"]}
    assert mine and not mine & inputs.verified
    assert set(build_history(inputs)["summary"]["signatures_failed"]) == mine


def test_canonical_from_stored_needs_plain_strings():
    record = {"author": "SUP01", "created_at": "2026-01-01T00:00:00.000000Z", "device": "d1", "id": "x",
              "kind": "scenario_check", "prev": "", "schema": 1, "seq": 1}
    assert canonical_from_stored(record, "{}") is not None
    assert canonical_from_stored(dict(record, author='a"b'), "{}") is None
    assert canonical_from_stored(dict(record, seq=True), "{}") is None


def test_verify_checks_the_report_fact_table(central):  # noqa: F811
    assert central.verify().ok
    with central.reading() as tx:
        (victim,) = tx.one("SELECT hash FROM record_facts WHERE kind = 'scenario_check' ORDER BY hash LIMIT 1")
        (gone,) = tx.one("SELECT hash FROM record_facts WHERE kind = 'shadow_escalation' ORDER BY hash LIMIT 1")
    with central.transaction() as tx:
        tx.execute("UPDATE record_facts SET outcome = 'pass-edited' WHERE hash = ?", (victim,))
        tx.execute("DELETE FROM record_facts WHERE hash = ?", (gone,))
        tx.execute("INSERT INTO record_facts (hash, kind, created_at, device, seq, staff_id, agreed)"
                   " VALUES ('f' || 'x', 'scenario_check', '2026-01-01T00:00:00Z', 'd', 1, 'S001', 0)")
    problems = central.verify().problems
    assert any("report fact row does not match the record (outcome)" in p for p in problems)
    assert any("report fact row missing" in p for p in problems)
    assert any("report fact row fx has no record" in p for p in problems)
    assert len(problems) == 3


@settings(max_examples=300)
@given(st.binary(min_size=32, max_size=200), st.text(max_size=80), st.text(max_size=140), st.text(max_size=70))
def test_a_stamp_is_hmac_sha256_of_hash_sig_and_key(secret, record_hash, sig, public_key):
    """Stamps made before (``hmac.digest``) still match: the stamp is the same HMAC-SHA256,
    computed from copied keyed SHA-256 states (secrets longer than a block hashed first)."""
    message = f"{record_hash}\n{sig}\n{public_key}".encode("ascii", "replace")
    want = hmac.digest(secret, message, "sha256").hex()
    stamper = Stamper(secret)
    assert stamper.stamp(record_hash, sig, public_key) == want
    assert stamper.matches(want, record_hash, sig, public_key) == bool(public_key)
