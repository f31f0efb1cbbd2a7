"""The demo's bulk path: the worker's messages, its failures, and records equal to single saves."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading

import pytest

from storage.bulk import append_encoded, encode_prepared
from storage.demo import bulk_items
from storage.demo_bulk import _produce, _received, task_for
from storage.profile import StoreError
from storage.store import Store
from supervisor_tui.model.rules import RecordInvalid

WHEN = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)


def test_the_worker_streams_every_chunk_then_done(store: Store) -> None:
    """``_produce`` (run here in a thread) sends chunks the signing side appends as one chain."""
    receiver, sender = multiprocessing.Pipe(duplex=False)
    worker = threading.Thread(target=_produce, args=(task_for(store, 2500, WHEN), sender))
    worker.start()
    assert append_encoded(store, _received(receiver), commit_every=1000) == 2500
    worker.join()
    assert [s for (s,) in store.conn.execute("SELECT seq FROM records ORDER BY rowid")] == list(range(1, 2501))
    assert store.verify().ok


def test_what_the_worker_reports_stops_the_signing_side() -> None:
    receiver, sender = multiprocessing.Pipe(duplex=False)
    sender.send(("invalid", ["staff_id: 'X' is not on the roster"]))
    with pytest.raises(RecordInvalid) as refused:
        list(_received(receiver))
    assert refused.value.problems == ["staff_id: 'X' is not on the roster"]
    sender.send(("failed", "OSError: disk full"))
    with pytest.raises(StoreError, match="worker process failed: OSError: disk full"):
        list(_received(receiver))
    sender.close()
    with pytest.raises(StoreError, match="stopped before it had made every record"):
        list(_received(receiver))


def test_a_worker_whose_listener_went_away_ends_quietly(store: Store) -> None:
    receiver, sender = multiprocessing.Pipe(duplex=False)
    raised: list[BaseException] = []
    previous = threading.excepthook
    threading.excepthook = lambda args: raised.append(args.exc_value)
    try:
        worker = threading.Thread(target=_produce, args=(task_for(store, 20_000, WHEN), sender))
        worker.start()
        assert receiver.recv()[0] == "records"
        receiver.close()
        worker.join()
    finally:
        threading.excepthook = previous
    assert raised == []


def test_encoded_records_are_what_single_saves_write(store: Store, tmp_path) -> None:
    """The same bodies at the same times: bulk rows (records, lookup columns, activity rows)
    equal single saves' rows, apart from the id (random bits), the signature and what chains."""
    from storage.demo_roster import COHORT_NAMES, demo_roster

    items = list(bulk_items(store, 300, WHEN))
    single = Store(tmp_path / "single")
    single.init_profile("SUP01", "Alex Morgan")
    single.upsert_roster(demo_roster(24), COHORT_NAMES)
    for kind, body, when in items:
        single.append(kind, body, now=when)
    context = store.context(WHEN.date())
    from supervisor_tui.model.rules import prepare_body

    encoded = []
    for kind, body, when in items:
        context.today = when.date()
        encoded.append(encode_prepared(kind, prepare_body(kind, body, context), when))
    assert append_encoded(store, encoded) == 300

    def rows(s: Store) -> tuple[list, list]:
        records = s.conn.execute("SELECT rowid, kind, schema, author, seq, created_at, body, staff_id, cohort_id,"
                                 " ref_id, amends FROM records ORDER BY rowid").fetchall()
        activity = s.conn.execute("SELECT rowid, staff_id, kind, created_at, seq, scenario_id, outcome, shift_date,"
                                  " shift, review, sequence, amended_at FROM record_activity ORDER BY rowid").fetchall()
        return records, activity

    single_rows, bulk_rows = rows(single), rows(store)
    assert bulk_rows == single_rows and len(single_rows[1]) == 300
    assert store.verify().ok and single.verify().ok
    single.close()


def test_verify_reads_one_snapshot_while_another_process_appends(store: Store) -> None:
    """``verify`` reads the records and their activity rows as of one moment: records a bulk load
    commits meanwhile (here: between two progress reports) are not reported as damage."""
    assert append_encoded(store, [encode_prepared(k, b, w) for k, b, w in _prepared(store, 1200)]) == 1200
    writer = Store(store.home)
    appended: list[int] = []

    def progress(count: int) -> None:
        if not appended:
            appended.append(writer.append_prepared(_prepared(writer, 50)))

    report = store.verify(progress)
    writer.close()
    assert appended == [50] and report.problems == [] and report.count == 1200
    assert store.verify().ok and store.verify().count == 1250


def _prepared(store: Store, count: int) -> list:
    from supervisor_tui.model.rules import prepare_body

    context = store.context(WHEN.date())
    items = []
    for kind, body, when in bulk_items(store, count, WHEN):
        context.today = when.date()
        items.append((kind, prepare_body(kind, body, context), when))
    return items


def test_a_chain_moved_between_two_commits_keeps_only_the_whole_commits(store: Store) -> None:
    """Another writer appends to the chain between two of a long load's commits (here: a second
    connection, from the moment the load begins its second transaction): the load stops with
    ``ChainMoved``, keeping its first commit whole and nothing after it."""
    from storage.bulk import ChainMoved

    encoded = [encode_prepared(k, b, w) for k, b, w in _prepared(store, 2500)]
    other = Store(store.home)
    begins: list[str] = []

    def meanwhile(sql: str) -> None:
        if sql == "BEGIN IMMEDIATE":
            begins.append(sql)
            if len(begins) == 2:  # the first commit is done, the next transaction not begun
                other.append_prepared(_prepared(other, 1))

    store.conn.set_trace_callback(meanwhile)
    try:
        with pytest.raises(ChainMoved, match="stopped after 1000 records"):
            append_encoded(store, encoded, commit_every=1000)
    finally:
        store.conn.set_trace_callback(None)
        other.close()
    assert len(begins) == 2
    assert store.conn.execute("SELECT COUNT(*) FROM records").fetchone()[0] == 1001
    assert store.conn.execute("SELECT COUNT(*) FROM record_activity").fetchone()[0] == 1001
    assert store.verify().ok


def test_items_made_before_the_chain_moved_are_not_appended(store: Store) -> None:
    """``after``: the chain's head the items were made against; a save since then stops the load
    before anything is written."""
    from storage.bulk import ChainMoved

    head = store._head(store.require_profile().device)
    encoded = [encode_prepared(k, b, w) for k, b, w in _prepared(store, 30)]
    store.append_prepared(_prepared(store, 1))
    with pytest.raises(ChainMoved, match="nothing of this load was written"):
        append_encoded(store, encoded, after=head)
    assert store.conn.execute("SELECT COUNT(*) FROM records").fetchone()[0] == 1
    assert append_encoded(store, encoded, after=store._head(store.require_profile().device)) == 30
    assert store.verify().ok


def test_demo_records_stops_when_another_process_saves_meanwhile(store: Store) -> None:
    """``demo --records`` (a process) while another process keeps saving to the same chain
    (``tests/crash_writer.py``): the demo stops, exit 1, one line on stderr, and writes none of
    its records; the other process's saves are all there and the store verifies."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    home = store.home
    store.close()
    env = {**os.environ, "PYTHONPATH": str(root)}
    writer = subprocess.Popen([sys.executable, "-m", "tests.crash_writer", str(home)], cwd=root,
                              stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert writer.stdout is not None and writer.stdout.readline()  # it is saving
        exe = Path(sys.executable).parent / "supervisor-tui"
        demo = subprocess.run([str(exe), "--home", str(home), "demo", "--records", "3000"], env=env,
                              capture_output=True, text=True, timeout=300)
    finally:
        writer.terminate()
        writer.communicate(timeout=60)
    assert demo.returncode == 1, demo.stderr
    assert demo.stderr.count("\n") == 1 and "Traceback" not in demo.stderr
    assert demo.stderr.startswith("supervisor-tui: another process appended to device ")
    assert "nothing of this load was written" in demo.stderr
    reopened = Store(home)
    try:
        report = reopened.verify()
        assert report.ok, report.problems
        records = reopened.records()
        # only the other process's saves: its simulated calls, none of the demo's on-shift records
        assert records and {(r["kind"], r["body"]["setting"]) for r in records} == {("scenario_check",
                                                                                    "simulated_call")}
        assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    finally:
        reopened.close()
