"""Corrections (issue 15, defects 2 and 3): the record's own form, filled with what the record
now reads; a second correction starts from the first; the store refuses a correction started
before another one was signed; the review step lists what changes in the form's words."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from screens.linetable import LineTable
from storage.store import Store
from tests.tui.conftest import FIXED, elsewhere, make_app, settle
from tests.tui.helpers import open_staff, problems_text, records


async def correct_row(pilot, kind: str) -> dict:
    """Move the timeline to the first record of ``kind`` and press e; returns the record."""
    screen = pilot.app.screen
    table = screen.query_one(LineTable)
    keys = [k for k in table.keys if screen.records[k]["kind"] == kind]
    table.move_cursor(row=table.keys.index(keys[0]))
    await pilot.press("e")
    await settle(pilot)
    return screen.records[keys[0]]


async def retype(pilot, selector: str, text: str) -> None:
    """Focus a field as Tab does, clear it with Ctrl+U and type the new text."""
    pilot.app.screen.query_one(selector).focus()
    await pilot.pause()
    await pilot.press("end", "ctrl+u", *text)
    await settle(pilot)


async def type_in(pilot, selector: str, text: str) -> None:
    """Type into a field reached as Tab reaches it (scrolled into view, even at 80x24)."""
    widget = pilot.app.screen.query_one(selector)
    widget.focus()
    widget.scroll_visible(animate=False)
    await pilot.pause()
    await pilot.press(*text)
    await settle(pilot)


async def sign_correction(pilot, reason: str) -> str:
    await type_in(pilot, "#correction_reason", reason)
    await pilot.press("ctrl+s")
    await settle(pilot)
    if type(pilot.app.screen).__name__ != "ChangesModal":
        raise AssertionError(problems_text(pilot.app))
    shown = str(pilot.app.screen.query_one("#changes", Static).render())
    await pilot.press("y")
    await settle(pilot)
    return shown


async def test_a_second_correction_starts_from_the_first(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S013")
        original = await correct_row(pilot, "shadow_escalation")
        assert app.screen.query_one("#shift_date", Input).value == original["body"]["shift_date"]
        await retype(pilot, "#shift_date", "2026-11-01")
        shown = await sign_correction(pilot, "Wrong date")
        assert f"Shift date  {original['body']['shift_date']}  →  2026-11-01" in shown
        assert type(app.screen).__name__ == "StaffScreen"

        await correct_row(pilot, "shadow_escalation")  # the same record again
        assert app.screen.query_one("#shift_date", Input).value == "2026-11-01"  # not the original's
        app.screen.query_one("#learning_note").focus()
        await pilot.press(*"Called the supervisor in time")
        shown = await sign_correction(pilot, "Add the learning note")
        assert "Learning note" in shown and "Shift date" not in shown
    first, second = records(demo_home, "amendment")[-2:]
    assert second["body"]["base"] == first["hash"]
    assert second["body"]["body"]["shift_date"] == "2026-11-01"
    assert second["body"]["body"]["learning_note"].endswith("Called the supervisor in time")


async def test_a_correction_started_before_another_was_signed_is_refused(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_staff(pilot, "S013")
        original = await correct_row(pilot, "shadow_escalation")
        store = elsewhere(demo_home)  # meanwhile, the same record is corrected (e.g. with record add)
        try:
            store.append("amendment", {"amends": original["hash"], "reason": "other correction",
                                       "body": {**{k: v for k, v in original["body"].items() if k != "agreed"},
                                                "situation": "Changed elsewhere"}}, now=FIXED)
        finally:
            store.close()
        await retype(pilot, "#situation", "Changed here")
        await type_in(pilot, "#correction_reason", "Mine")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert type(app.screen).__name__ == "ShadowScreen"  # refused, everything kept
        assert "was already corrected" in problems_text(app)
        assert app.screen.query_one("#situation", Input).value == "Changed here"
        bar = app.screen.query_one("#problem-summary", Static)
        assert bar.display and "1 problem" in str(bar.render())
    assert [r["body"]["reason"] for r in records(demo_home, "amendment")][-1] == "other correction"


async def test_correcting_a_scenario_check_shows_the_outcome_change(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S001")
        original = await correct_row(pilot, "scenario_check")
        assert type(app.screen).__name__ == "ScenarioScreen"
        assert app.screen.results == {i["item_id"]: i["result"] for i in original["body"]["items"]}
        scenario = app.screen.scenario
        critical = next(i for i, item in enumerate(scenario.items) if item.critical)
        app.screen.query_one("#items").focus()
        await pilot.press(*["down"] * critical)
        await pilot.press("f")  # a critical item failed after all
        await type_in(pilot, "#remediation", "Repeat with the decision aid")
        shown = await sign_correction(pilot, "Threshold was misapplied")
        assert f"Item “{scenario.items[critical].text}”" in shown
        assert "Outcome" in shown and "FAIL" in shown
    body = records(demo_home, "amendment")[-1]["body"]["body"]
    assert body["outcome"] == "fail" and body["remediation"] == "Repeat with the decision aid"


async def test_a_correction_draft_started_before_another_correction_cannot_undo_it(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S013")
        original = await correct_row(pilot, "shadow_escalation")
        await retype(pilot, "#situation", "Changed here")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("k")  # keep the correction's draft
        await settle(pilot)
        store = elsewhere(demo_home)  # meanwhile the record is corrected (another form, record add)
        try:
            store.append("amendment", {"amends": original["hash"], "reason": "other correction",
                                       "body": {**{k: v for k, v in original["body"].items() if k != "agreed"},
                                                "shift": "evening"}}, now=FIXED)
        finally:
            store.close()
        await correct_row(pilot, "shadow_escalation")  # the draft comes back…
        assert app.screen.query_one("#situation", Input).value == "Changed here"
        assert any("corrected again" in n.message for n in app._notifications)  # noqa: SLF001
        await type_in(pilot, "#correction_reason", "Mine")
        await pilot.press("ctrl+s")
        await settle(pilot)
        if type(app.screen).__name__ == "ChangesModal":
            await pilot.press("y")
            await settle(pilot)
        assert "was already corrected" in problems_text(app)  # …but cannot undo the other one
    assert records(demo_home, "amendment")[-1]["body"]["reason"] == "other correction"


async def test_correcting_a_training_session_check_keeps_it_in_the_session(demo_home: Path) -> None:
    """The review of a correction lists only what the supervisor changed: a check run in a
    training session stays in it (the review said "Session SES-… → (empty)")."""
    from tests.conftest import TEST_PASSPHRASE
    from tests.export.dataset import check

    store = Store(demo_home)
    store.unlock(TEST_PASSPHRASE)
    store.append("scenario_check", check(store, "S002", "new-confusion-news2", False, session_id="SES-A",
                                         decision_seconds=80), now=FIXED)
    store.close()
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S002")
        record = await correct_row(pilot, "scenario_check")
        assert record["body"]["session_id"] == "SES-A"
        await retype(pilot, "#decision_seconds", "60")
        shown = await sign_correction(pilot, "Timer left running")
    assert "Decision seconds" in shown and "80  →  60" in shown
    assert "Session" not in shown and "SES-A" not in shown, shown
    (amendment,) = records(demo_home, "amendment")[-1:]
    assert amendment["body"]["body"]["session_id"] == "SES-A"
    assert amendment["body"]["body"]["decision_seconds"] == 60
