"""ReportScreen mounted in a minimal App and driven by Pilot."""

from __future__ import annotations

from textual.app import App

from screens.report import ReportScreen
from tests.export.dataset import TODAY


class _App(App):
    def __init__(self, store):
        super().__init__()
        self.store = store

    def on_mount(self) -> None:
        self.push_screen(ReportScreen(self.store, today=TODAY))


async def test_report_screen_shows_each_cohort_and_filters(store, data):
    app = _App(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReportScreen)
        text = screen.report_text
        assert "Overnight float staff (overnight-float)" in text and "New starters" in text
        assert "RS-A" in text and "review overdue" in text and "OVERDUE PW-A" in text
        select = screen.query_one("#cohort")
        select.value = "new-starters"
        await pilot.pause()
        assert "New starters" in screen.report_text and "Overnight float" not in screen.report_text
        assert "Note rework: 1/4 = 25%" in screen.report_text
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Note rework: 1/4 = 25%" in screen.report_text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ReportScreen)


def test_report_screen_snapshot(store, data, snap_compare):
    async def ready(pilot):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        pilot.app.screen.query_one("#cohort").value = "overnight-float"
        await pilot.pause()

    assert snap_compare(_App(store), terminal_size=(120, 40), run_before=ready)


async def test_the_app_opens_the_report_with_its_own_store_and_clock(store, data):
    """SupervisorApp pushes ``ReportScreen()`` with no arguments: it uses app.store and app.today()."""
    import datetime as dt

    from supervisor_tui.shell.app import SupervisorApp

    now = dt.datetime.combine(TODAY, dt.time(12, 0), tzinfo=dt.UTC)
    app = SupervisorApp(store, clock=lambda: now, cursor_blink=False, health_interval=0)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        app.action_report()
        for _ in range(3):
            await pilot.pause()
            await app.workers.wait_for_complete()
        assert isinstance(app.screen, ReportScreen)
        text = app.screen.report_text
        assert "Governance report as of 2026-10-20" in text and "review overdue" in text
        options = [value for _, value in app.screen._cohort_options]
        assert options == ["community-outreach", "elm-street", "new-starters", "overnight-float"]


async def test_report_screen_shows_incidents_pulled_at_the_last_sync(store, data):
    from storage.pulled_incidents import save_pulled_incidents
    from tests.export.dataset import INCIDENTS_CSV

    header, *lines = INCIDENTS_CSV.strip().splitlines()
    names = header.split(",")
    save_pulled_incidents(store.home, [dict(zip(names, line.split(","), strict=True)) for line in lines],
                          "2026-10-19T17:30:00Z")
    app = _App(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = app.screen.report_text
        assert "Incidents from the central store, pulled 2026-10-19T17:30:00Z" in text
        assert "PW-A (delayed escalation): before 1.5/quarter, after n/a" in text
        assert "PW-B (documentation error): before 0.5/quarter, after 1/quarter" in text


async def test_report_screen_says_the_central_store_had_no_incidents(store, data):
    """Synced, and the central store had none: not "they arrive with the next sync" (they won't)."""
    from storage.pulled_incidents import save_pulled_incidents

    app = _App(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "No incidents yet: they arrive with the next sync" in app.screen.report_text
    save_pulled_incidents(store.home, [], "2026-10-19T17:30:00Z")
    app = _App(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = app.screen.report_text
        assert ("No incidents in the central store, pulled 2026-10-19T17:30:00Z: the IT admin imports them"
                " ('governance-store incidents import')") in text
        assert "arrive with the next sync" not in text
