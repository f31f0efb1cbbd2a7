"""Defect 6 of issue 15: at 80x24 a refused Ctrl+S is never invisible. Every problem is listed
at once in the form's words, a one-line summary stays on screen above the keys, and the first
invalid field is scrolled to and focused."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import RadioSet, Static

from tests.tui.conftest import make_app, settle
from tests.tui.helpers import open_staff, problems_text, start_scenario


async def test_refused_sign_at_80x24_summarises_and_focuses_the_first_problem(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_staff(pilot, "S002")
        await start_scenario(pilot, "new-confusion-news2")
        await pilot.press("p", "p", "f", "p", "p", "p")  # the threshold (critical) failed
        await pilot.press("ctrl+s")
        await settle(pilot)
        bar = app.screen.query_one("#problem-summary", Static)
        assert bar.display
        assert str(bar.render()).startswith("✗ 3 problems: Endpoint chosen, Decision seconds, Remediation")
        assert 0 <= bar.region.y < 24 and bar.region.height == 1  # on screen, above the keys
        text = problems_text(app)
        assert "Endpoint chosen: choose the endpoint the staff member chose (1-4)" in text
        assert "Remediation: required when the check fails" in text
        assert "_" not in text  # no field names
        endpoint = app.screen.query_one("#chosen_endpoint", RadioSet)
        assert app.focused is endpoint or endpoint in app.focused.ancestors
        assert endpoint.region.y < 24 - 2 and endpoint.region.bottom > 1  # scrolled into view
        assert "✗" in str(endpoint.border_title)  # marked without colour as well

        await pilot.press("1")  # the endpoint: that problem disappears at once
        await settle(pilot)
        assert "Endpoint chosen" not in problems_text(app)
        assert str(bar.render()).startswith("✗ 2 problems: Decision seconds, Remediation")


async def test_problems_use_the_forms_words_never_field_names(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S006")
        await pilot.press("n")
        await settle(pilot)
        app.screen.query_one("#sequence").focus()
        await pilot.press("end", "backspace", *"abc", "ctrl+s")
        await settle(pilot)
        assert "Note #: 'abc' is not a whole number" in problems_text(app)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("r", "enter")  # start a restriction for this person
        await settle(pilot)
        app.screen.query_one("#restrictions").focus()
        await pilot.press("space")  # the first code
        for selector, text in (("#reason", "Missed escalation"), ("#incident_ref", "INC-2026-0300")):
            app.screen.query_one(selector).focus()
            await pilot.press(*text)
        for selector, text in (("#expires_on", "2026-13-01"), ("#review_every_days", "0")):
            app.screen.query_one(selector).focus()
            await pilot.press("end", "ctrl+u", *text)
        await pilot.press("ctrl+s")
        await settle(pilot)
        text = problems_text(app)
        assert "Expires on: must be a date written YYYY-MM-DD" in text
        assert "Review every: must be at least 1" in text
        assert "Input should" not in text and "_" not in text.replace("INC-", "")
