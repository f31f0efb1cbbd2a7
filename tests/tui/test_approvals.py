"""The owner's "Awaiting your approval" list: a proposal by another supervisor, its evidence
summary, approve (the pathway closes) and return (a reason is required, then shown)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from screens.approvals import ApprovalsScreen, ClosureDecisionScreen
from screens.linetable import LineTable
from storage.demo import ensure_demo_roster, sign_as_owner
from storage.store import Store
from tests.conftest import scenario_body
from tests.tui.conftest import FIXED, make_app, settle
from tests.tui.helpers import open_staff, problems_text, type_into


def _owner_home(tmp_path: Path, pathways: int = 2) -> Path:
    """DIR01's laptop: pathways DIR01 owns, evidence, and closure proposals by SUP07 (pulled)."""
    home = tmp_path / "owner"
    store = Store(home)
    store.init_profile("DIR01", "Rosa Alvarez")
    ensure_demo_roster(store)
    start = FIXED - dt.timedelta(days=10)
    for i in range(pathways):
        pid, staff = f"PW-T{i + 1}", f"S00{i + 2}"
        store.append("pathway_assigned", {
            "pathway_id": pid, "staff_id": staff, "incident_ref": "INC-2026-0300", "gap": "knowledge",
            "owner": "Rosa Alvarez", "owner_id": "DIR01", "due_on": "2026-12-01",
            "requirements": {"scenarios": ["new-confusion-news2"]}}, now=start)
        store.append("scenario_check", scenario_body(staff), now=start + dt.timedelta(days=1))
        sign_as_owner(store, "SUP07", {"pathway_id": pid, "verification": {
            "what": "Scenario re-run as a simulated call", "by": "Sam Lee", "result": "Passed"}},
            start + dt.timedelta(days=2), kind="pathway_closed")
    store.close()
    return home


async def test_owner_approves_and_returns_from_the_list(tmp_path: Path) -> None:
    home = _owner_home(tmp_path)
    app = make_app(home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalsScreen)
        assert sorted(app.screen.items) == ["PW-T1", "PW-T2"]
        shown = str(app.screen.query_one("#evidence").render())
        assert "Proposed by SUP07" in shown and "✓ scenario: New confusion with raised breathing rate" in shown
        # people by name (the roster's), the proposer by id: SUP07 has no profile on this laptop
        assert "knowledge gap · Ben Kowalski (S002) · due" in shown
        table = app.screen.query_one("#approvals")
        assert [str(c) for c in table.get_row("PW-T1")][1:4] == ["Ben Kowalski (S002)", "INC-2026-0300", "SUP07"]
        assert "What was checked: Scenario re-run as a simulated call" in shown  # the form's label, not "what:"

        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ClosureDecisionScreen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalsScreen)
        assert sorted(app.screen.items) == ["PW-T2"]
        said = [n.message for n in app._notifications]  # noqa: SLF001
        assert any(m.startswith("Closure of PW-T1 approved and signed") and m.endswith("the pathway is closed.")
                   for m in said), said

        await pilot.press("t")
        await settle(pilot)
        await pilot.press("ctrl+s")  # returning needs a reason
        await settle(pilot)
        assert isinstance(app.screen, ClosureDecisionScreen)
        assert "say why the closure is returned" in problems_text(app)
        await type_into(pilot, "#reason", "Add a shadow shift first")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalsScreen) and not app.screen.items
        said = [n.message for n in app._notifications]  # noqa: SLF001
        assert any(m.startswith("Closure of PW-T2 returned to SUP07 and signed") for m in said), said
        await pilot.press("escape")
        await open_staff(pilot, "S003")
        status = str(app.screen.query_one("#status").render())
        assert "returned by Rosa Alvarez (DIR01): Add a shadow shift first" in status
        rows = app.screen.query_one(LineTable)._rows  # noqa: SLF001 - what the table draws
        assert [r[1:3] for r in rows[:2]] == [
            ("Closure decision", "PW-T2 closure returned: Add a shadow shift first"),
            ("Closure proposed", "PW-T2 closure proposed: Passed")], rows[:2]
    store = Store(home)
    views = {p["pathway_id"]: p for s in ("S002", "S003") for p in store.status(s, FIXED.date())["pathways"]}
    assert views["PW-T1"]["status"] == "closed" and views["PW-T1"]["decided_by"] == "DIR01"
    assert views["PW-T2"]["approval"] == "returned"
    assert views["PW-T2"]["decision_reason"] == "Add a shadow shift first"
    store.close()
