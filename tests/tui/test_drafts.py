"""Unfinished drafts are found again: the roster counts them, the staff screen lists a person's
own, and "Resume draft …" in the command palette reopens the form with what was typed."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from screens.drafts import Draft, describe_draft, read_drafts
from storage.store import Store
from tests.tui.conftest import make_app, settle
from tests.tui.helpers import open_staff


def save_drafts(home: Path, drafts: dict[str, tuple[str, dict]]) -> None:
    store = Store(home)
    try:
        for key, (kind, data) in drafts.items():
            store.save_draft(key, kind, data)
    finally:
        store.close()


async def palette_resume(pilot, words: str) -> None:
    await pilot.press("ctrl+p")
    await settle(pilot)
    await pilot.press(*words)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    await settle(pilot)


def test_drafts_described_in_words(demo_home: Path) -> None:
    save_drafts(demo_home, {
        "scenario_check:S001:chest-pain-home-visit": ("scenario_check", {}),
        "shadow_escalation:S003": ("shadow_escalation", {}),
        "restriction_started:cohort:elm-street": ("restriction_started", {}),
        "restriction_reviewed:RS-OVN-0142": ("restriction_reviewed", {}),
    })
    store = Store(demo_home)
    drafts = {d.key: d for d in read_drafts(store)}
    assert [d.key for d in read_drafts(store, "S003")] == ["shadow_escalation:S003"]
    store.close()
    names = {"S001": "Amara Okafor"}
    assert describe_draft(drafts["scenario_check:S001:chest-pain-home-visit"], names) == \
        "Scenario check chest-pain-home-visit for Amara Okafor (S001)"
    assert describe_draft(drafts["shadow_escalation:S003"], names) == "Shadow shift for S003"
    assert describe_draft(drafts["restriction_started:cohort:elm-street"]) == \
        "Restriction started for cohort elm-street"
    assert describe_draft(drafts["restriction_reviewed:RS-OVN-0142"]) == \
        "Restriction reviewed RS-OVN-0142"
    assert Draft("amendment:abc", "amendment", "", ("abc",)).staff_id is None


async def test_kept_draft_is_counted_listed_and_resumed_from_the_palette(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S006")
        await pilot.press("h")
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "situation"  # typing goes there
        await pilot.press(*"Drowsy")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("k")  # keep the draft and leave
        await settle(pilot)
        status = app.screen.query_one("#status", Static).render().plain
        assert "Unfinished drafts" in status and "Shadow shift · saved" in status and "(h)" in status
        await pilot.press("escape")
        await settle(pilot)
        info = app.screen.query_one("#pageinfo", Static).render().plain
        assert info.startswith("1 unfinished draft (Ctrl+P: resume)")

        await palette_resume(pilot, "resume draft")
        assert type(app.screen).__name__ == "ShadowScreen" and app.screen.restored
        assert app.screen.query_one("#situation", Input).value == "Drowsy"
        assert [type(s).__name__ for s in app.screen_stack][-2] == "StaffScreen"  # under the form
        assert app.screen_stack[-2].staff_id == "S006"


async def test_resuming_a_restriction_review_and_a_draft_whose_subject_is_gone(demo_home: Path) -> None:
    save_drafts(demo_home, {
        "restriction_reviewed:RS-OVN-0142": ("restriction_reviewed", {"note": "Week 7 so far"}),
        "pathway_closed:PW-NOPE": ("pathway_closed", {}),
    })
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        info = app.screen.query_one("#pageinfo", Static).render().plain
        assert info.startswith("2 unfinished drafts")
        await palette_resume(pilot, "resume restriction reviewed")
        assert type(app.screen).__name__ == "ReviewRestrictionScreen"
        assert app.screen.restored
        assert app.screen.query_one("#note").text == "Week 7 so far"
        await pilot.press("escape")
        await settle(pilot)
        if type(app.screen).__name__ == "LeaveFormModal":
            await pilot.press("k")
            await settle(pilot)

        await palette_resume(pilot, "resume pathway closed PW-NOPE")
        assert type(app.screen).__name__ == "RosterScreen"
        assert any("no longer open" in n.message for n in app._notifications)  # noqa: SLF001
    store = Store(demo_home)
    assert store.load_draft("pathway_closed:PW-NOPE") == {}  # kept, never silently dropped
    store.close()


async def test_resuming_a_correction_draft_opens_the_records_form_for_that_record(demo_home: Path) -> None:
    store = Store(demo_home)
    record = store.records(kind="shadow_escalation")[0]
    store.close()
    save_drafts(demo_home, {f"amendment:{record['hash']}": ("amendment", {"correction_reason": "wrong shift"})})
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await palette_resume(pilot, "resume amendment")
        assert type(app.screen).__name__ == "ShadowScreen"
        assert app.screen.correcting.record["hash"] == record["hash"]
        assert app.screen.query_one("#correction_reason", Input).value == "wrong shift"


async def test_keep_draft_keeps_a_running_timer(demo_home: Path) -> None:
    """The only thing done so far is the decision timer (t): the form asks before leaving, and
    "keep" must keep it (it wrote nothing: the draft was only written after typing or marking)."""
    from tests.tui.helpers import start_scenario

    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S001")
        await start_scenario(pilot, "new-confusion-news2")
        await pilot.press("t")
        app.screen.started_at -= 42  # the call has been running for 42 s
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "LeaveFormModal"
        await pilot.press("k")
        await settle(pilot)
        assert type(app.screen).__name__ == "StaffScreen"
    store = Store(demo_home)
    try:
        (key,) = [d["draft_key"] for d in store.drafts() if d["draft_key"].startswith("scenario_check:S001:")]
        assert store.load_draft(key)["elapsed"] >= 42
    finally:
        store.close()
