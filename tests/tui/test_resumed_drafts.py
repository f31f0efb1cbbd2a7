"""Defect 1 of issue 15: a resumed draft is never wiped by the first key. Each form is opened,
typed into, left with its draft kept, reopened, and typed into again, key by key; the field holds
both parts and so does the saved draft."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from storage.store import Store
from tests.tui.conftest import make_app, settle
from tests.tui.helpers import open_staff, start_scenario

# (how to open the form from S006's staff screen, the field typed into, its draft key)
FORMS = [
    ("h", "situation", "shadow_escalation:S006"),
    ("h", "learning_note", "shadow_escalation:S006"),
    ("n", "feedback", "note_assessment:S006"),
    ("a", "incident_ref", "pathway_assigned:S006"),
    ("a", "note", "pathway_assigned:S006"),
    ("scenario", "decision_seconds", "scenario_check:S006:chest-pain-home-visit"),
    ("scenario", "remediation", "scenario_check:S006:chest-pain-home-visit"),
]


def value(widget) -> str:
    return widget.value if isinstance(widget, Input) else widget.text


async def open_form(pilot, how: str) -> None:
    if how == "scenario":
        await start_scenario(pilot, "chest-pain-home-visit")
    else:
        await pilot.press(how)
        await settle(pilot)


@pytest.mark.parametrize(("how", "field", "key"), FORMS, ids=[f"{f[2].split(':')[0]}-{f[1]}" for f in FORMS])
async def test_typing_into_a_resumed_draft_keeps_the_restored_text(
        demo_home: Path, how: str, field: str, key: str) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S006")
        await open_form(pilot, how)
        app.screen.query_one(f"#{field}").focus()  # as Tab does
        await pilot.pause()
        await pilot.press(*"First part")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("k")  # keep the draft and leave
        await settle(pilot)
        await open_form(pilot, how)
        assert app.screen.restored
        widget = app.screen.query_one(f"#{field}")
        widget.focus()
        await pilot.pause()
        await pilot.press(*", second part")
        await settle(pilot)
        assert value(widget).endswith("First part, second part"), value(widget)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
    store = Store(demo_home)
    try:
        assert store.load_draft(key)[field].endswith("First part, second part")
    finally:
        store.close()


async def test_resumed_text_area_cursor_is_at_the_end(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S006")
        await pilot.press("h")
        await settle(pilot)
        app.screen.query_one("#learning_note").focus()
        await pilot.press(*"line one", "enter", *"line two")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        area = app.screen.query_one("#learning_note", TextArea)
        area.focus()
        await pilot.pause()
        await pilot.press(*" and three")
        assert area.text == "line one\nline two and three"
