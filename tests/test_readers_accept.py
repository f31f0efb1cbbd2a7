"""Property: any record the acceptance rules take (so any record the central store accepts and a
laptop pulls) is handled by every reader — projections, status, the governance report, every
export format and ``verify-export``, ``verify``, and the TUI's staff and record screens.

Records are the demo story's, mutated (hypothesis), kept only when ``acceptance`` accepts them,
and stored as pulled records of a second supervisor's device."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from screens.record import RecordScreen
from storage import sync_state
from storage.demo import load_story
from storage.demo_roster import COHORT_NAMES, demo_roster
from storage.store import Store
from supervisor_tui.model.acceptance import record_problems
from supervisor_tui.model.signing import DeviceKey, seal
from supervisor_tui.shell.cli import main as cli_main
from tests.sync.test_fuzz_trust import mutated
from tests.tui.conftest import make_app, settle
from tests.tui.helpers import open_staff

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
OTHER = DeviceKey.generate()


def _story_store(home: Path) -> Store:
    store = Store(home)
    store.init_profile("SUP01", "Alex Morgan")
    store.upsert_roster(demo_roster(24), COHORT_NAMES)
    load_story(store, NOW)
    return store


class Pulled:
    """Records of a second device (SUP09) appended to one chain and inserted as pulled."""

    def __init__(self) -> None:
        self.seq, self.prev = 0, ""

    def sign(self, kind: str, body: dict, created_at: str, keep: bool = True) -> dict:
        record = seal({"id": str(uuid.uuid4()), "kind": kind, "schema": 1, "author": "SUP09",
                       "device": "laptop-sup09", "seq": self.seq + 1, "prev": self.prev,
                       "created_at": created_at, "body": body}, OTHER)
        if keep:
            self.keep(record)
        return record

    def keep(self, record: dict) -> None:
        self.seq, self.prev = record["seq"], record["hash"]


def _accepted_mutations(data: st.DataObject, store: Store, count: int) -> list[dict]:
    originals = store.records()
    chain, out = Pulled(), []
    for _ in range(count):
        source = data.draw(st.sampled_from(originals))
        body = mutated(data, source["body"])
        try:
            record = chain.sign(source["kind"], body, source["created_at"], keep=False)
        except (ValueError, TypeError, RecursionError):
            continue
        if record_problems(record, store.library, store.record_by_hash):
            continue
        chain.keep(record)
        out.append(record)
    assume(out)
    return out


def _run(home: Path, capsys, *args: str) -> str:
    capsys.readouterr()
    code = cli_main(["--home", str(home), *args])
    captured = capsys.readouterr()
    assert code == 0, (args, captured.err)
    assert "Traceback" not in captured.err
    return captured.out


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
@given(data=st.data())
def test_every_reader_handles_any_accepted_record(tmp_path_factory, capsys, data):
    home = tmp_path_factory.mktemp("readers")
    store = _story_store(home)
    records = _accepted_mutations(data, store, 6)
    sync_state.insert_pulled(store, records, {"laptop-sup09": ("SUP09", OTHER.public_key_hex)})
    staff = sorted({r["body"].get("staff_id") for r in records if isinstance(r["body"].get("staff_id"), str)}
                   & {p["staff_id"] for p in store.roster()}) or ["S001"]
    for staff_id in staff:
        store.status(staff_id, NOW.date())
    store.statuses(NOW.date())
    store.close()
    _run(home, capsys, "status", "--json")
    _run(home, capsys, "status")
    _run(home, capsys, "report", "--today", "2026-11-02")
    _run(home, capsys, "verify")
    for staff_id in staff[:2]:
        for fmt in ("csv", "html", "json"):
            out = tmp_path_factory.mktemp("pack") / f"pack.{fmt}"
            _run(home, capsys, "export", "--staff", staff_id, "--format", fmt, "--out", str(out))
            if fmt == "json":
                _run(home, capsys, "verify-export", str(out))


@pytest.fixture(scope="module")
def odd_home(tmp_path_factory) -> Path:
    """A store holding a fixed set of accepted-but-unusual pulled records (hypothesis, seeded)."""
    home = tmp_path_factory.mktemp("odd")
    store = _story_store(home)
    found: list[dict] = []

    @settings(max_examples=40, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def collect(data: st.DataObject) -> None:
        more = _accepted_mutations(data, store, 3)  # always drawn, so every run draws alike
        found.extend(more[:max(0, 12 - len(found))])

    collect()
    chain = Pulled()  # re-sign as one clean chain
    records = [chain.sign(r["kind"], r["body"], r["created_at"]) for r in found]
    sync_state.insert_pulled(store, records, {"laptop-sup09": ("SUP09", OTHER.public_key_hex)})
    store.close()
    return home


async def test_staff_and_record_screens_show_any_accepted_record(odd_home: Path) -> None:
    store = Store(odd_home)
    pulled = [r for r in store.records() if r["device"] == "laptop-sup09"]
    staff = sorted({r["body"]["staff_id"] for r in pulled if isinstance(r["body"].get("staff_id"), str)}
                   & {p["staff_id"] for p in store.roster()})[:4]
    store.close()
    assert pulled and staff
    app = make_app(odd_home)
    async with app.run_test(size=(120, 40)) as pilot:
        for staff_id in staff:
            await open_staff(pilot, staff_id)
            await pilot.press("enter")  # the newest timeline row in full
            await settle(pilot)
            assert isinstance(app.screen, RecordScreen)
            await pilot.press("right", "right")
            await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)
        assert app.is_running
