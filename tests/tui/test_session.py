"""Trainer group sessions end to end, typed key by key: one scenario for a cohort, person by
person (a check signed, someone absent, a check half run), the app quit in the middle, the
session resumed at the next person with that person's half-run check, and the summary."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Label, Static

from screens.linetable import LineTable
from storage.store import Store
from tests.tui.conftest import make_app, settle
from tests.tui.helpers import pick, records

SCENARIO = "new-confusion-news2"  # six items, the threshold (3rd) critical; on-call clinician expected


async def run_check(pilot, marks: str, seconds: str = "45", endpoint_key: str = "1") -> None:
    """In the scenario runner: mark every item, choose the endpoint, type the decision time,
    review and sign."""
    app = pilot.app
    assert type(app.screen).__name__ == "ScenarioScreen"
    assert app.screen.results == {} and int(app.screen.seconds()) == 0  # afresh for each person
    await pilot.press(*marks, endpoint_key)
    app.screen.query_one("#decision_seconds").focus()
    await pilot.press(*seconds)
    if "f" in marks:
        app.screen.query_one("#remediation").focus()
        await pilot.press(*"Repeat with the NEWS2 card")
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert type(app.screen).__name__ == "ReviewModal"
    await pilot.press("y")
    await settle(pilot)


async def test_group_session_with_a_quit_in_the_middle(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")  # from the roster
        await settle(pilot)
        assert type(app.screen).__name__ == "SessionSetupScreen"
        await pilot.press("ctrl+s")  # nothing chosen: said in words
        await settle(pilot)
        assert "Scenario: choose one" in str(app.screen.query_one("#problems", Static).render())
        await pick(pilot, "#scenario", SCENARIO)
        assert "People: 0 ticked" in str(app.screen.query_one("#people-title", Label).render())
        await pick(pilot, "#cohort", "overnight-float")
        await settle(pilot)  # the count says the cohort's six were ticked (further down, maybe)
        assert "People: 6 ticked" in str(app.screen.query_one("#people-title", Label).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert type(app.screen).__name__ == "SessionScreen"
        session = app.screen.session
        people = list(session.people)
        assert len(people) == 6 and set(people) == {f"S00{i}" for i in range(1, 7)}
        assert app.screen.query_one(LineTable).cursor_key == people[0]

        await pilot.press("enter")  # person 1: passes
        await settle(pilot)
        await run_check(pilot, "pppppp")
        assert type(app.screen).__name__ == "SessionScreen"
        assert app.screen.query_one(LineTable).cursor_key == people[1]
        await pilot.press("a")  # person 2 is absent
        await settle(pilot)
        assert app.screen.query_one(LineTable).cursor_key == people[2]
        await pilot.press("enter")  # person 3: half run, then the laptop is closed
        await settle(pilot)
        await pilot.press("p", "p")
        await settle(pilot)
        await pilot.press("ctrl+q")
        await settle(pilot)
        await pilot.press("k")  # keep the draft and quit
        await settle(pilot)
    session_id = session.session_id

    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"training session")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        assert type(app.screen).__name__ == "SessionScreen"
        assert app.screen.session.session_id == session_id
        table = app.screen.query_one(LineTable)
        assert table.cursor_key == people[2]  # the next person
        assert "started (draft kept)" in table.get_row_at(2)[2]
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.restored and len(app.screen.results) == 2  # the half-run check is back
        await pilot.press("f", "p", "p", "p", "1")  # marking carries on: the critical threshold failed
        app.screen.query_one("#decision_seconds").focus()
        await pilot.press(*"80")
        app.screen.query_one("#remediation").focus()
        await pilot.press(*"Repeat with the NEWS2 card")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen.query_one(LineTable).cursor_key == people[3]
        await pilot.press("enter")  # person 4
        await settle(pilot)
        await run_check(pilot, "pppppp", "30")
        await pilot.press("s")  # person 5 skipped (run at the end)
        await settle(pilot)
        await pilot.press("a")  # person 6 absent
        await settle(pilot)
        assert app.screen.query_one(LineTable).cursor_key == people[4]  # the skipped one comes back
        await pilot.press("a")  # absent after all
        await settle(pilot)
        summary = str(app.screen.query_one("#session-summary", Static).render())
        assert "Session summary" in summary
        assert "3 checked · 2 passed · pass rate 66.7% · median decision time 45 s · 3 absent" in summary
        assert f"FAIL     {app.screen.session.names[people[2]]} ({people[2]}) · 80 s · failed: Applied the " \
               "threshold correctly" in summary
        await pilot.press("enter")  # done
        await settle(pilot)
        assert type(app.screen).__name__ == "RosterScreen"
        await pilot.press("g")  # the report: pass rate and decision time per session
        await settle(pilot)
        await settle(pilot)
        report = app.screen.report_text
        assert "Training sessions (group scenario checks)" in report
        assert f"{session_id} · New confusion with raised breathing rate · 3 checked · pass rate 66.7% · median decision 45 s (slowest 80 s)" in report

    checks = [r for r in records(demo_home, "scenario_check") if r["body"].get("session_id") == session_id]
    assert [c["body"]["staff_id"] for c in checks] == [people[0], people[2], people[3]]
    assert [c["body"]["outcome"] for c in checks] == ["pass", "fail", "pass"]
    assert [c["body"]["decision_seconds"] for c in checks] == [45, 80, 30]
    store = Store(demo_home)
    try:
        assert not [d for d in store.drafts() if session_id in d["draft_key"]]  # nothing left behind
    finally:
        store.close()


async def test_a_session_checks_draft_on_the_persons_screen_resumes_the_session(demo_home: Path) -> None:
    """A check half run in a training session is listed on the person's screen as part of that
    session, with the key that resumes it: the session opens at that person with the half-run
    check over it, and signing it counts in the session (not as an individual check)."""
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pick(pilot, "#scenario", SCENARIO)
        await pick(pilot, "#cohort", "overnight-float")
        await pilot.press("ctrl+s")
        await settle(pilot)
        session = app.screen.session
        first, second = session.people[:2]
        await pilot.press("enter")  # the first person's check, half run, kept
        await settle(pilot)
        await pilot.press("p", "p", "escape")
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        assert app.screen.query_one(LineTable).cursor_key == first
        await pilot.press("escape")  # leave the session (kept)
        await settle(pilot)
        assert type(app.screen).__name__ == "RosterScreen"

        await pilot.press("slash", *first, "enter")
        await settle(pilot)
        status = str(app.screen.query_one("#status", Static).render())
        assert f"Scenario check {SCENARIO} · training session {session.session_id}" in status
        line = next(line for line in status.splitlines() if session.session_id in line)
        assert line.rstrip().endswith("(t)"), line  # not (c): that starts an individual check
        await pilot.press("t")
        await settle(pilot)
        await settle(pilot)
        assert type(app.screen).__name__ == "ScenarioScreen"
        assert app.screen.session_id == session.session_id and app.screen.staff_id == first
        assert app.screen.restored and len(app.screen.results) == 2  # the half-run check is back
        assert type(app.screen_stack[-2]).__name__ == "SessionScreen"
        assert app.screen_stack[-2].query_one(LineTable).cursor_key == first
        await pilot.press("p", "p", "p", "p", "1")
        app.screen.query_one("#decision_seconds").focus()
        await pilot.press(*"50", "ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert type(app.screen).__name__ == "SessionScreen"
        assert app.screen.session.status(first) == "pass"
        assert app.screen.query_one(LineTable).cursor_key == second  # and on to the next person
    checks = [r for r in records(demo_home, "scenario_check") if r["body"].get("session_id")]
    assert [(c["body"]["staff_id"], c["body"]["session_id"]) for c in checks] == [(first, session.session_id)]


def test_the_session_summary_and_the_report_agree_on_the_median() -> None:
    """Two checks (1 s and 80 s): the summary said 80 s, the report 40.5 s; both say 40.5 s."""
    from screens.session_state import Session
    from supervisor_tui.reports.sessions import session_figures

    session = Session("SES-X", SCENARIO, ["S001", "S002"])
    checks = []
    for staff_id, seconds, outcome in (("S001", 1, "pass"), ("S002", 80, "fail")):
        body = {"staff_id": staff_id, "scenario_id": SCENARIO, "session_id": "SES-X", "outcome": outcome,
                "decision_seconds": seconds, "chosen_endpoint": "on_call_clinician"}
        record = {"kind": "scenario_check", "body": body, "hash": staff_id, "created_at": "2026-11-02T09:00:00Z",
                  "author": "SUP01"}
        session.signed(staff_id, record)
        checks.append((record, body))
    (row,) = session_figures(checks)
    assert session.figures()["median_seconds"] == row["median_decision_seconds"] == 40.5


async def test_at_80x24_a_refused_start_says_why_where_it_can_be_seen(demo_home: Path) -> None:
    """The people list is long: the reasons are shown above it, in view, and the cursor goes to
    what needs choosing."""
    app = make_app(demo_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        box = app.screen.query_one("#problems", Static)
        assert "Scenario: choose one" in str(box.render()) and "People: tick at least one" in str(box.render())
        assert box.region.height >= 2 and 0 < box.region.y and box.region.bottom <= 23  # on screen
        assert app.focused is not None and app.focused.id == "scenario"
        await pick(pilot, "#scenario", SCENARIO)
        await pilot.press("ctrl+s")  # a scenario, still nobody ticked: the list is where to go
        await settle(pilot)
        assert "Scenario: choose one" not in str(box.render()) and "People: tick" in str(box.render())
        assert app.focused is not None and app.focused.id == "people"
        assert type(app.screen).__name__ == "SessionSetupScreen"
