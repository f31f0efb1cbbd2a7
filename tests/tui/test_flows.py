"""Pilot tests: every flow from key presses to the signed record in the store, and the refusals."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input, SelectionList, Static

from screens.form import FormScreen
from screens.linetable import LineTable
from storage.store import Store
from supervisor_tui.model.rules import RecordInvalid
from tests.tui.conftest import FIXED, make_app, settle
from tests.tui.helpers import (
    open_staff,
    pick,
    problems_text,
    records,
    start_scenario,
    toggle,
    type_into,
)


async def test_scenario_pass_from_keys_to_signed_record(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S001")
        await start_scenario(pilot, "new-confusion-news2")
        await pilot.press("p", "p", "p", "p", "p", "p", "1")
        await type_into(pilot, "#decision_seconds", "45")
        assert "PASS" in str(app.screen.query_one("#outcome", Static).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Review before signing" in str(app.screen.query_one("Label").render())
        review = str(app.screen.query_one("#review-summary", Static).render())
        assert "· Simulated call" in review and "simulated_call" not in review  # words, not codes
        await pilot.press("y")
        await settle(pilot)
        assert type(app.screen).__name__ == "StaffScreen"
        said = [n.message for n in app._notifications]  # noqa: SLF001
        assert any(m.startswith("Scenario check for Amara Okafor (S001) signed: PASS (record ") for m in said), said
    checks = records(demo_home, "scenario_check")
    body = checks[-1]["body"]
    assert body["staff_id"] == "S001" and body["scenario_id"] == "new-confusion-news2"
    assert body["outcome"] == "pass" and body["decision_seconds"] == 45
    assert body["chosen_endpoint"] == "on_call_clinician"
    assert body["pathway_id"] == "PW-OVN-0142"
    assert {i["result"] for i in body["items"]} == {"pass"}
    assert checks[-1]["created_at"].startswith("2026-11-02")


async def test_critical_fail_needs_remediation_and_is_saved_as_fail(demo_home: Path) -> None:
    app = make_app(demo_home)
    before = len(records(demo_home, "scenario_check"))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S002")
        await start_scenario(pilot, "new-confusion-news2")
        # threshold (3rd item) is critical: fail it
        await pilot.press("p", "p", "f", "p", "p", "p", "1")
        await type_into(pilot, "#decision_seconds", "120")
        assert "FAIL" in str(app.screen.query_one("#outcome", Static).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Remediation: required when the check fails" in problems_text(app)
        assert type(app.screen).__name__ == "ScenarioScreen"
        assert app.screen.query_one("#decision_seconds", Input).value == "120"
        outcome = app.screen.query_one("#outcome", Static)
        assert "remediation is required before signing" in str(outcome.render())
        await type_into(pilot, "#remediation", "Repeat within 7 days")
        # once remediation is written, the outcome no longer asks for it
        assert "remediation is required" not in str(outcome.render())
        assert "FAIL" in str(outcome.render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    checks = records(demo_home, "scenario_check")
    assert len(checks) == before + 1
    body = checks[-1]["body"]
    assert body["outcome"] == "fail" and body["failed_critical"] == ["threshold"]
    assert body["remediation"] == "Repeat within 7 days"
    # And the store itself refuses to record that check as a pass.
    store = Store(demo_home)
    raw = {k: v for k, v in body.items() if k not in ("failed_critical", "expected_endpoint")}
    try:
        store.append("scenario_check", {**raw, "outcome": "pass"}, now=FIXED)
        raise AssertionError("a failed critical item was saved as a pass")
    except RecordInvalid as exc:
        assert any("contradicts the checklist" in p for p in exc.problems)
    finally:
        store.close()


async def test_tab_after_the_endpoint_goes_to_the_labelled_decision_seconds(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S001")
        await start_scenario(pilot, "new-confusion-news2")
        # 1 picks the endpoint from the items; Tab goes to the endpoint list, Tab again to the seconds
        await pilot.press("p", "p", "p", "p", "p", "p", "1", "tab", "tab", "4", "5")
        await settle(pilot)
        assert app.screen.query_one("#decision_seconds", Input).value == "45"
        labels = [str(w.render()) for w in app.screen.query(".field-label")]
        assert labels == ["Decision seconds", "Setting"]


async def test_timer_started_and_stopped_by_key_fills_decision_seconds(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S003")
        await start_scenario(pilot, "chest-pain-home-visit")
        await pilot.press("t")
        assert "RUNNING" in str(app.screen.query_one("#timer", Static).render())
        await pilot.press("t")
        assert "stopped" in str(app.screen.query_one("#timer", Static).render())
        assert app.screen.query_one("#decision_seconds", Input).value.isdigit()


async def test_shadow_note_empty_fields_refused_then_signed(demo_home: Path) -> None:
    app = make_app(demo_home)
    before = len(records(demo_home, "shadow_escalation"))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S004")
        await pilot.press("h")
        await settle(pilot)
        await type_into(pilot, "#situation", "Client quieter than usual")
        await pilot.press("ctrl+s")
        await settle(pilot)
        text = problems_text(app)
        assert "Shift: required" in text and "Staff chose: required" in text
        assert app.screen.query_one("#situation", Input).value == "Client quieter than usual"
        await pick(pilot, "#shift", "night")
        await pick(pilot, "#staff_choice", "no_escalation")
        await pick(pilot, "#supervisor_choice", "supervisor")
        await settle(pilot)
        assert "DIFFERED" in str(app.screen.query_one("#agreed", Static).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Learning note: required when the choices differ" in problems_text(app)
        await type_into(pilot, "#learning_note", "Soft signs: call the supervisor")
        await pilot.press("ctrl+s")
        await settle(pilot)
    shadows = records(demo_home, "shadow_escalation")
    assert len(shadows) == before + 1
    body = shadows[-1]["body"]
    assert body["agreed"] is False and body["shift"] == "night" and body["staff_id"] == "S004"
    assert body["shift_date"] == "2026-11-02"


async def test_note_assessment_compliant_and_rework(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S011")
        await pilot.press("n")
        await settle(pilot)
        elements = app.screen.query_one("#elements", SelectionList)
        every = [elements.get_option_at_index(i).value for i in range(elements.option_count)]
        await toggle(pilot, "#elements", every)
        assert "COMPLIANT" in str(app.screen.query_one("#outcome", Static).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.query_one("#attempt", Input).value == "2"
        await toggle(pilot, "#elements", [v for v in every if v != "client-response"])
        assert "REWORK" in str(app.screen.query_one("#outcome", Static).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Feedback: required" in problems_text(app)
        await type_into(pilot, "#feedback", "Say how the client responded.")
        await pilot.press("ctrl+s")
        await settle(pilot)
    notes = [r for r in records(demo_home, "note_assessment") if r["body"]["staff_id"] == "S011"]
    assert [n["body"]["outcome"] for n in notes] == ["compliant", "rework"]
    assert notes[1]["body"]["attempt"] == 2
    assert notes[1]["body"]["missing_elements"] == ["client-response"]


async def test_close_pathway_refused_with_unmet_list_then_closed_when_met(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S005")
        await pilot.press("x")
        await settle(pilot)
        unmet = str(app.screen.query_one("#unmet", Static).render())
        assert "Unmet requirements" in unmet and "✗ Farid Haddad (S006): shadow shifts 1 of 3" in unmet
        await type_into(pilot, "#what", "Scenarios and shadow shifts")
        await type_into(pilot, "#result", "All passed")
        await pilot.press("ctrl+s")
        await settle(pilot)
        text = problems_text(app)
        assert "cannot be closed, unmet" in text and "S005" in text
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await open_staff(pilot, "S009")
        await pilot.press("x")
        await settle(pilot)
        await type_into(pilot, "#what", "Two sample notes re-checked")
        await type_into(pilot, "#result", "Compliant")
        await pilot.press("ctrl+s")
        await settle(pilot)
        said = [n.message for n in app._notifications]  # noqa: SLF001
        assert any(m.startswith("Closure of PW-DOC-003 proposed and signed (record ") and m.endswith(
            "the pathway stays open until Tom Reid (quality lead) (QL01) approves it.") for m in said), said
    closed = records(demo_home, "pathway_closed")
    assert [r["body"]["pathway_id"] for r in closed][-1] == "PW-DOC-003"
    assert "PW-OVN-0142" not in {r["body"]["pathway_id"] for r in closed}


async def test_assign_pathway(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S020")
        await pilot.press("a")
        await settle(pilot)
        await type_into(pilot, "#incident_ref", "INC-2026-0200")
        await type_into(pilot, "#owner", "Rosa Alvarez")
        await type_into(pilot, "#owner_id", "DIR01")
        await pick(pilot, "#gap", "workflow")
        await type_into(pilot, "#shadow_shifts", "2")
        await pilot.press("ctrl+s")
        await settle(pilot)
    body = records(demo_home, "pathway_assigned")[-1]["body"]
    assert body["staff_id"] == "S020" and body["gap"] == "workflow"
    assert body["requirements"]["shadow_shifts"] == 2 and body["due_on"] == "2026-11-30"
    assert body["owner_id"] == "DIR01" and "deputy_id" not in body


async def test_restriction_start_review_lift(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S021")
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("enter")  # start for this person
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Restrictions: choose at least one" in problems_text(app)
        await toggle(pilot, "#restrictions", ["paired_working"])
        await type_into(pilot, "#reason", "Handover gap")
        await type_into(pilot, "#incident_ref", "INC-2026-0201")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("r")  # restrictions screen from the roster
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        ids = [str(k.value) for k in table.rows]
        rid = next(i for i in ids if i not in ("RS-OVN-0142", "RS-OUT-0163"))
        table.move_cursor(row=ids.index(rid))
        await pilot.press("v")
        await settle(pilot)
        await type_into(pilot, "#note", "Week 1: keep paired working")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        await type_into(pilot, "#reason", "Re-validated")
        await pilot.press("ctrl+s")
        await settle(pilot)
    started = records(demo_home, "restriction_started")[-1]["body"]
    assert started["staff_id"] == "S021" and started["restrictions"] == ["paired_working"]
    assert started["expires_on"] == "2026-11-30"
    reviewed = records(demo_home, "restriction_reviewed")[-1]["body"]
    assert reviewed == {"restriction_id": rid, "decision": "continue",
                        "note": "Week 1: keep paired working", "after": []}
    assert records(demo_home, "restriction_lifted")[-1]["body"]["restriction_id"] == rid


async def test_amend_a_record(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S013")
        table = app.screen.query_one(LineTable)
        kinds = [app.screen.records[key]["kind"] for key in table.keys]
        original = app.screen.records[table.keys[kinds.index("shadow_escalation")]]
        table.move_cursor(row=kinds.index("shadow_escalation"))
        await pilot.press("e")
        await settle(pilot)
        assert type(app.screen).__name__ == "ShadowScreen"  # the shadow form, filled in
        assert app.screen.query_one("#situation", Input).value == original["body"]["situation"]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Reason for the correction: required" in problems_text(app)
        assert "Nothing changed" in problems_text(app)
        await pick(pilot, "#shift", "evening" if original["body"]["shift"] != "evening" else "night")
        await type_into(pilot, "#correction_reason", "Shift was evening, not day")
        await pilot.press("ctrl+s")
        await settle(pilot)
        changes = str(app.screen.query_one("#changes", Static).render())
        assert "1 change to this record" in changes and "Shift" in changes
        await pilot.press("y")
        await settle(pilot)
        assert type(app.screen).__name__ == "StaffScreen"
        table = app.screen.query_one(LineTable)
        labels = [table.get_row_at(i)[1] for i in range(table.row_count)]
        assert "Amendment" in labels and "Shadow shift (amended)" in labels
    amendment = records(demo_home, "amendment")[-1]["body"]
    assert amendment["reason"] == "Shift was evening, not day"
    assert amendment["amends"] == original["hash"] and "base" not in amendment


async def test_draft_restored_after_app_closed_mid_form(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S006")
        await pilot.press("h")
        await settle(pilot)
        await type_into(pilot, "#situation", "Breathless on the stairs")
        assert isinstance(app.screen, FormScreen) and app.screen.dirty
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert type(app.screen).__name__ == "LeaveFormModal"
        await pilot.press("k")
        await settle(pilot)
    assert app.return_code == 0 or app.return_code is None
    app2 = make_app(demo_home)
    async with app2.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S006")
        await pilot.press("h")
        await settle(pilot)
        assert app2.screen.query_one("#situation", Input).value == "Breathless on the stairs"
        assert app2.screen.restored


async def test_leaving_a_half_filled_form_asks_and_discard_removes_draft(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S007")
        await pilot.press("h")
        await settle(pilot)
        await type_into(pilot, "#situation", "Ate less")
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "LeaveFormModal"
        await pilot.press("d")
        await settle(pilot)
        assert type(app.screen).__name__ == "StaffScreen"
    store = Store(demo_home)
    assert store.load_draft("shadow_escalation:S007") is None
    store.close()


async def test_decision_aid_one_key_away_from_a_form(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S001")
        await pilot.press("h")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert type(app.screen).__name__ == "DecisionAidScreen"
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "ShadowScreen"


async def test_palette_starts_a_scenario_for_the_open_person(demo_home: Path) -> None:
    app = make_app(demo_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_staff(pilot, "S003")
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"start scenario new confusion")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "ScenarioScreen"
        assert app.screen.staff_id == "S003" and app.screen.scenario.id == "new-confusion-news2"


async def test_double_sign_key_saves_one_record(demo_home: Path) -> None:
    app = make_app(demo_home)
    before = len(records(demo_home, "restriction_lifted"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        await type_into(pilot, "#reason", "Done")
        await pilot.press("ctrl+s", "ctrl+s")
        await settle(pilot)
    assert len(records(demo_home, "restriction_lifted")) == before + 1


async def test_marks_typed_past_the_last_item_do_not_wrap_to_the_first(demo_home: Path) -> None:
    """A mark moves to the next item; ↓ after it at the last item used to wrap round to the first,
    and the next mark overwrote the first item's FAIL with PASS (typed "f ↓ p ↓ p ↓ p ↓ p")."""
    app = make_app(demo_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_staff(pilot, "S001")
        await start_scenario(pilot, "new-confusion-news2")
        await pilot.press("f", "down", "p", "down", "p", "down", "p", "down", "p")
        results = dict(app.screen.results)
        items = app.screen.query_one("#items")
        assert results["recognised-change"] == "fail"  # still the first mark typed
        assert items.highlighted == items.option_count - 1
        await pilot.press("up", *["up"] * items.option_count)
        assert items.highlighted == 0  # and ↑ stops at the first
