"""``Store.statuses`` (one pass, each record decoded once per call) gives exactly what
``Store.status`` gives for each person on the roster, in roster order."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from storage.demo import bulk_items, ensure_demo_roster, load_story
from storage.store import Store

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
DAYS = [-30, -10, 0, 8, 20, 60]
COHORTS = ["overnight-float", "new-starters", "community-outreach", "elm-street"]
REQUIRED = "new-confusion-news2"  # a scenario the overnight-float cohort pathway requires
MOVED = "moved to the right person; failed on re-marking"


def _amend(store: Store, record: dict, when: dt.datetime, reason_: str = "test correction",
           **changes) -> None:
    body = {**record["body"], **changes}
    for derived in ("outcome", "expected_endpoint", "failed_critical", "agreed"):
        body.pop(derived, None)  # derived again by the rules
    store.append("amendment", {"amends": record["hash"], "reason": reason_, "body": body}, now=when)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    """The demo story plus bulk records, a second cohort pathway, and amendments of a cohort
    pathway, a cohort restriction and cohort members' records (one moved to another person)."""
    store = Store(tmp_path_factory.mktemp("statuses"))
    store.init_profile("SUP01", "Alex Morgan")
    ensure_demo_roster(store, 30)
    load_story(store, now=NOW)
    store.append("pathway_assigned", {
        "pathway_id": "PW-NEW-0200", "cohort_id": "new-starters", "incident_ref": "INC-2026-0200",
        "gap": "workflow", "owner": "Tom Reid (quality lead)", "owner_id": "QL01", "due_on": "2026-11-20",
        "requirements": {"scenarios": ["new-confusion-news2"], "shadow_shifts": 1,
                         "compliant_samples": 1, "first_five": False}},
        now=NOW - dt.timedelta(days=5))
    store.append_many(bulk_items(store, 1500, NOW + dt.timedelta(days=2)))
    later = NOW + dt.timedelta(days=3)
    by_ref = {r["body"].get("pathway_id") or r["body"].get("restriction_id"): r
              for r in store.records() if r["kind"] in ("pathway_assigned", "restriction_started")}
    _amend(store, by_ref["PW-OVN-0142"], later, due_on="2026-12-20")
    _amend(store, by_ref["RS-OVN-0142"], later, expires_on="2026-12-30")
    night = [p["staff_id"] for p in store.roster("overnight-float")]
    notes = [r for r in store.records(kind="note_assessment") if r["body"]["staff_id"] in night]
    shadows = [r for r in store.records(kind="shadow_escalation") if r["body"]["staff_id"] in night]
    checks = [r for r in store.records(kind="scenario_check") if r["body"]["staff_id"] in night]
    _amend(store, shadows[0], later, shift="day" if shadows[0]["body"]["shift"] != "day" else "night")
    _amend(store, checks[1], later, setting="simulated_call")
    # A member's latest check of a scenario the cohort pathway requires, failed and moved to
    # another person: its amendment is not among the first member's own rows.
    moved = [r for r in checks if r["body"]["scenario_id"] == REQUIRED][-1]
    other = next(s for s in night if s != moved["body"]["staff_id"])
    _amend(store, moved, later, staff_id=other, reason_=MOVED,
           items=[{**item, "result": "fail"} for item in moved["body"]["items"]],
           remediation="Repeat the scenario within 7 days.")
    assert notes  # the bulk gave the cohort pathway's members notes to count
    yield store
    store.close()


def _one_by_one(store: Store, today: dt.date, cohort: str | None = None) -> list[dict]:
    return [store.status(p["staff_id"], today) for p in store.roster(cohort)]


@pytest.mark.parametrize("days", DAYS)
def test_statuses_equal_status_per_person(store: Store, days: int) -> None:
    today = NOW.date() + dt.timedelta(days=days)
    got = store.statuses(today)
    assert [s["staff_id"] for s in got] == [p["staff_id"] for p in store.roster()]
    assert got == _one_by_one(store, today)


@pytest.mark.parametrize("cohort", COHORTS)
def test_statuses_of_a_cohort_equal_status_per_person(store: Store, cohort: str) -> None:
    for days in (0, 20):
        today = NOW.date() + dt.timedelta(days=days)
        got = store.statuses(today, cohort)
        assert got and {s["cohort"] for s in got} == {cohort}
        assert got == _one_by_one(store, today, cohort)


def test_fixture_covers_cohort_pathways_amendments_and_every_state(store: Store) -> None:
    got = store.statuses(NOW.date() + dt.timedelta(days=8))
    states = {s["state"] for s in got}
    assert {"restricted", "in_progress", "validated", "none"} <= states
    cohort_pathways = {p["pathway_id"] for s in got for p in s["pathways"] if p["scope"] == "cohort"}
    assert cohort_pathways == {"PW-OVN-0142", "PW-NEW-0200"}
    night = next(s for s in got if s["cohort"] == "overnight-float")
    pathway = next(p for p in night["pathways"] if p["pathway_id"] == "PW-OVN-0142")
    assert pathway["due_on"] == "2026-12-20"  # the amended body
    assert len(pathway["members"]) == len(store.roster("overnight-float"))
    moved = next(r for r in store.records(kind="amendment") if r["body"]["reason"] == MOVED)
    moved_from = store.record_by_hash(moved["body"]["amends"])["body"]["staff_id"]
    progress = pathway["members"][moved_from]["progress"]["scenarios"]
    assert {"scenario_id": REQUIRED, "latest": "fail", "passed": False} in progress


def test_statuses_calls_share_nothing(store: Store, tmp_path_factory) -> None:
    """Each call reads afresh: dates, results changed by the caller, and records appended
    between calls all show in the next call."""
    first = NOW.date()
    for status in store.statuses(first):  # a caller changing what it got changes no later answer
        for pathway in status["pathways"]:
            pathway["requirements"]["scenarios"].append("changed")
            pathway["unmet"].clear()
            if pathway["verification"]:
                pathway["verification"]["by"] = "changed"
        for restriction in status["restrictions"]:
            restriction["codes"].append("changed")
        status["scenarios"].clear()
    later = first + dt.timedelta(days=60)  # past every due date: overdue flags change
    assert store.statuses(later) == _one_by_one(store, later)
    assert store.statuses(first) == _one_by_one(store, first)

    copy = Store(tmp_path_factory.mktemp("statuses-append"))
    copy.init_profile("SUP01", "Alex Morgan")
    ensure_demo_roster(copy, 30)
    load_story(copy, now=NOW)
    today = NOW.date()
    start = copy.statuses(today)
    assert start == _one_by_one(copy, today)
    night = [p["staff_id"] for p in copy.roster("overnight-float")]
    copy.append_many(bulk_items(copy, 300, NOW + dt.timedelta(days=1), seed=11))
    checks = [r for r in copy.records(kind="scenario_check") if r["body"]["staff_id"] in night]
    _amend(copy, checks[-1], NOW + dt.timedelta(days=1, hours=1), setting="simulated_call")
    after = copy.statuses(today)
    assert after == _one_by_one(copy, today)
    assert after != start
    copy.close()


def test_statuses_leave_out_only_records_that_cannot_change_a_status(store: Store) -> None:
    """The fixture's differential tests above run with records left out (pruned): most of the
    members' checks, shadow notes and assessments are not the latest of their key, and none that
    is amended, amends, or carries a cohort or reference is left out."""
    from storage.statuses import held_rows

    own, totals = held_rows(store.conn)
    held = {row[9] for rows in own.values() for row in rows}  # hashes
    assert sum(totals.values()) - len(held) > 500
    amended = {h for (h,) in store.conn.execute("SELECT amends FROM records WHERE amends IS NOT NULL")}
    staff_rows = {h for (h,) in store.conn.execute("SELECT hash FROM records WHERE staff_id IS NOT NULL")}
    assert amended & staff_rows <= held
    assert {h for (h,) in store.conn.execute(
        "SELECT hash FROM records WHERE staff_id IS NOT NULL AND kind NOT IN"
        " ('scenario_check', 'shadow_escalation', 'note_assessment')")} <= held
    # the latest check of each (person, scenario) is always held
    latest: dict[tuple, tuple] = {}
    for r in store.records(kind="scenario_check"):
        latest[r["body"]["staff_id"], r["body"]["scenario_id"]] = r["hash"]
    assert set(latest.values()) - amended <= held


def _copy_body(body: dict, **changes) -> dict:
    out = {**body, **changes}
    for derived in ("outcome", "expected_endpoint", "failed_critical", "agreed"):
        out.pop(derived, None)
    return out


@pytest.fixture(scope="module", params=[1, 2])
def tied(request, tmp_path_factory) -> Store:
    """Two supervisors' devices in one store on a coarse clock: many records share a created_at,
    on one device and across both (the latest of a key is then decided by device, then seq),
    the same checks signed on both devices at the same instant with opposite results, and random
    corrections (moved to another person, setting, shift and scenario result changed; some twice)."""
    rng = random.Random(request.param)
    store = Store(tmp_path_factory.mktemp(f"tied-{request.param}"))
    store.init_profile("SUP01", "Alex Morgan")
    store.add_profile("SUP02", "Sam Lee")
    store.use("SUP01")
    ensure_demo_roster(store, 12)
    load_story(store, now=NOW)
    for day in range(1, 4):
        for supervisor in ("SUP01", "SUP02"):
            store.use(supervisor)
            items = list(bulk_items(store, 50, NOW + dt.timedelta(days=day), seed=request.param * 10 + day))
            store.append_many([(kind, body, NOW + dt.timedelta(days=day, hours=i // 12))
                               for i, (kind, body, _) in enumerate(items)])
        # the same checks at the same instant on both devices, with opposite results
        when = NOW + dt.timedelta(days=day, hours=20)
        checks = [r for r in store.records(kind="scenario_check") if r["body"]["outcome"] == "pass"]
        for record in rng.sample(checks, 6):
            body = record["body"]
            store.use("SUP01")
            store.append("scenario_check", _copy_body(body), now=when)
            store.use("SUP02")
            store.append("scenario_check", _copy_body(
                body, items=[{**item, "result": "fail"} for item in body["items"]],
                remediation="Repeat the scenario within 7 days."), now=when)
    staff = [p["staff_id"] for p in store.roster()]
    corrected: dict[str, str] = {}
    later = NOW + dt.timedelta(days=5)
    for n, record in enumerate(rng.sample([r for r in store.records() if r["kind"] in
                                           ("scenario_check", "shadow_escalation")], 14)):
        store.use(("SUP01", "SUP02")[n % 2])
        body = record["body"]
        if record["kind"] == "shadow_escalation":
            changes = {"shift": rng.choice(["day", "evening", "night"]), "staff_id": rng.choice(staff)}
        else:
            changes = rng.choice([{"staff_id": rng.choice(staff)}, {"setting": "simulated_call"},
                                  {"items": [{**item, "result": "fail"} for item in body["items"]],
                                   "remediation": "Repeat the scenario within 7 days."}])
        for attempt in range(1 + n % 3 // 2):  # some corrected twice
            amendment = {"amends": record["hash"], "reason": "test correction",
                         "body": _copy_body(body, **changes)}
            if record["hash"] in corrected:
                amendment["base"] = corrected[record["hash"]]
            made = store.append("amendment", amendment, now=later + dt.timedelta(hours=n, minutes=attempt))
            corrected[record["hash"]] = made["hash"]
    store.use("SUP01")
    yield store
    store.close()


@pytest.mark.parametrize("days", [0, 2, 4, 30])
def test_statuses_equal_status_per_person_on_a_coarse_clock_with_two_devices(tied: Store, days: int) -> None:
    today = NOW.date() + dt.timedelta(days=days)
    assert tied.statuses(today) == _one_by_one(tied, today)
    for cohort in {p["cohort"] for p in tied.roster()}:
        assert tied.statuses(today, cohort) == _one_by_one(tied, today, cohort)


def test_the_coarse_clock_makes_ties_that_pruning_must_break(tied: Store) -> None:
    """The fixture is what it says: records of one key at one instant on both devices, and
    records left out."""
    from storage.statuses import held_rows

    ties = tied.conn.execute(
        "SELECT COUNT(*) FROM (SELECT 1 FROM record_activity GROUP BY staff_id, kind, scenario_id,"
        " created_at HAVING COUNT(DISTINCT device) > 1)").fetchone()[0]
    own, totals = held_rows(tied.conn)
    assert ties >= 6
    assert sum(totals.values()) > sum(len(rows) for rows in own.values())
    assert tied.verify().ok


def test_the_fast_read_finds_the_rows_the_sure_read_finds(store: Store, tied: Store) -> None:
    for conn in (store.conn, tied.conn):
        _same_rows_both_ways(conn)


def _same_rows_both_ways(conn) -> None:
    """The fast read alone (not its fallback) gives the rows the sure read gives."""
    from storage.statuses import _FAST, held_rows

    fast = sorted(tuple(row[1:]) for row in conn.execute(_FAST))
    sure, totals = held_rows(conn, fast=False)
    assert fast == sorted(row for rows in sure.values() for row in rows)
    own, same_totals = held_rows(conn)
    assert {k: sorted(v) for k, v in own.items()} == {k: sorted(v) for k, v in sure.items()}
    assert same_totals == totals


def test_rows_the_fast_read_cannot_see_are_still_counted_and_projected(tmp_path) -> None:
    """A row with a staff_id of a kind no index the fast read uses holds (here forged: no body
    model has one), and a check whose ``record_activity`` row is missing: the counts do not add
    up, so every person's rows are read the sure way, and the answer is ``Store.status``'s."""
    store = Store(tmp_path / "odd")
    store.init_profile("SUP01", "Alex Morgan")
    ensure_demo_roster(store, 12)
    load_story(store, now=NOW)
    store.append_many(bulk_items(store, 400, NOW + dt.timedelta(days=1), seed=5))
    today = NOW.date() + dt.timedelta(days=3)
    staff = store.roster()[0]["staff_id"]
    latest = store.conn.execute(
        "SELECT rowid FROM record_activity WHERE staff_id = ? AND kind = 'scenario_check'"
        " ORDER BY ord DESC LIMIT 1", (staff,)).fetchone()[0]
    with store.write():
        store.conn.execute("DELETE FROM record_activity WHERE rowid = ?", (latest,))
    assert store.statuses(today) == _one_by_one(store, today)
    profile = store.require_profile()
    seq, prev = store._head(profile.device)
    with store.write():
        store.insert_signed({"id": "forged-1", "kind": "pack_reviewed", "schema": 1, "author": "SUP01",
                             "device": profile.device, "seq": seq + 1, "prev": prev,
                             "created_at": "2026-11-05T09:00:00.000000Z", "hash": "f" * 64, "sig": "0" * 128,
                             "body": {"owner_id": "QL01", "week": "2026-W45", "pack_sha256": "a" * 64,
                                      "staff_id": staff}}, '{"forged":true}')
    got = store.statuses(today)
    assert got == _one_by_one(store, today)
    assert next(s for s in got if s["staff_id"] == staff)["records"] == store.status(staff, today)["records"]
    store.close()
