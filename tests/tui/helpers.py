"""Pilot helpers shared by the TUI tests: open a person, pick from selects, type into fields,
read the signed records back from the store."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, OptionList, Select, SelectionList, Static
from textual.widgets._select import SelectOverlay

from storage.store import Store
from tests.tui.conftest import settle

SCENARIOS = ["chest-pain-home-visit", "fall-head-injury-anticoagulant", "new-confusion-news2",
             "soft-signs-reduced-intake", "stable-observe", "suicidal-intent-plan"]


def records(home: Path, kind: str) -> list[dict]:
    store = Store(home)
    try:
        return store.records(kind=kind)
    finally:
        store.close()


async def open_staff(pilot, staff_id: str) -> None:
    await settle(pilot)
    await pilot.press("slash", *staff_id, "enter")  # one Enter opens the person (docs/supervisors.md)
    await settle(pilot)
    assert pilot.app.screen.staff_id == staff_id


async def pick(pilot, selector: str, value: object, open_key: str | None = None) -> None:
    """Choose a Select's option with keys, as a user does: focus it and press Enter (or press
    the screen's own key, ``open_key``) to open the list, arrows to the option, Enter."""
    select = pilot.app.screen.query_one(selector, Select)
    if open_key is None:
        select.focus()
        await pilot.pause()
        open_key = "enter"
    await pilot.press(open_key)
    await pilot.pause()
    assert select.expanded
    overlay = select.query_one(SelectOverlay)
    target = [v for _prompt, v in select._options].index(value)  # noqa: SLF001 - option order
    current = overlay.highlighted if overlay.highlighted is not None else 0
    key = "down" if target > current else "up"
    await pilot.press(*[key] * abs(target - current), "enter")
    await settle(pilot)
    assert select.value == value


async def toggle(pilot, selector: str, values: list[str]) -> None:
    """Toggle a SelectionList's options with keys: focus it, arrows to each option, space."""
    selection = pilot.app.screen.query_one(selector, SelectionList)
    selection.focus()
    await pilot.pause()
    order = [selection.get_option_at_index(i).value for i in range(selection.option_count)]
    if selection.highlighted is None:
        await pilot.press("down")
    for value in values:
        target = order.index(value)
        current = selection.highlighted or 0
        key = "down" if target > current else "up"
        await pilot.press(*[key] * abs(target - current))
        assert selection.highlighted == target
        await pilot.press("space")
    await settle(pilot)


async def type_into(pilot, selector: str, text: str) -> None:
    await pilot.click(selector)
    widget = pilot.app.screen.query_one(selector)
    if isinstance(widget, Input):
        widget.value = ""
    await pilot.press(*text) if text else None
    await settle(pilot)


async def start_scenario(pilot, scenario_id: str) -> None:
    await pilot.press("c")
    await settle(pilot)
    assert isinstance(pilot.app.screen.query_one(OptionList), OptionList)
    names = [s.id for s in pilot.app.store.library.scenarios()]
    await pilot.press(*["down"] * names.index(scenario_id), "enter")
    await settle(pilot)
    assert pilot.app.screen.scenario.id == scenario_id


def problems_text(app) -> str:
    return str(app.screen.query_one("#problems", Static).render())
