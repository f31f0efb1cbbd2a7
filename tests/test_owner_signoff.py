"""Named owners who sign (issue 13): a ``pathway_closed`` on a schema-2 pathway proposes closure;
the owner's ``closure_decision`` closes it or returns it; every refusal; schema 1 and 2 side by
side in one store."""

from __future__ import annotations

import datetime as dt

import pytest

from storage.demo import sign_as_owner
from supervisor_tui.model.rules import RecordInvalid, prepare_body
from tests.conftest import NOW, note_body, scenario_body

DAY = dt.timedelta(days=1)
CLOSE = {"pathway_id": "PW-1", "verification": {"what": "Scenario re-checked", "by": "Rosa Alvarez",
                                                 "result": "Competent"}}


def _pathway(store, pathway_id="PW-1", schema=None, **extra):
    body = {"pathway_id": pathway_id, "staff_id": "S002", "incident_ref": "INC-2026-0142", "gap": "knowledge",
            "owner": "Rosa Alvarez", "due_on": "2026-12-01", "requirements": {"scenarios": ["new-confusion-news2"]},
            **extra}
    return store.append("pathway_assigned", body, now=NOW, schema=schema)


def _decide(store, author: str, decision: dict, when=NOW + 3 * DAY) -> list[str]:
    """What the rules say when ``author`` signs ``decision`` on this store (empty: accepted)."""
    ctx = store.context(when.date())
    ctx.author = author
    try:
        prepare_body("closure_decision", decision, ctx)
    except RecordInvalid as exc:
        return exc.problems
    return []


@pytest.fixture
def proposed(store):
    _pathway(store, owner_id="DIR01", deputy_id="QL01")
    check = store.append("scenario_check", scenario_body("S002"), now=NOW + DAY)
    proposal = store.append("pathway_closed", CLOSE, now=NOW + 2 * DAY)
    return store, proposal, check


def test_a_closure_is_a_proposal_until_the_owner_approves(proposed):
    store, proposal, _ = proposed
    assert proposal["schema"] == 2 and proposal["body"]["after"] == []
    assert store.records(kind="pathway_assigned")[0]["schema"] == 2
    view = store.status("S002", NOW.date() + 2 * DAY)["pathways"][0]
    assert view["status"] == "open" and view["approval"] == "awaiting_approval"
    assert view["approval_text"] == "awaiting owner approval" and view["proposed_by"] == "SUP01"
    approve = {"pathway_id": "PW-1", "proposal": proposal["hash"], "decision": "approve"}
    assert _decide(store, "DIR01", approve) == []
    sign_as_owner(store, "DIR01", approve, NOW + 3 * DAY)
    view = store.status("S002", NOW.date() + 3 * DAY)["pathways"][0]
    assert view["status"] == "closed" and view["approval"] == "closed" and view["decided_by"] == "DIR01"
    assert _decide(store, "DIR01", approve) == ["proposal: already decided (closed)"]


def test_refusals(proposed):
    store, proposal, check = proposed
    approve = {"pathway_id": "PW-1", "proposal": proposal["hash"], "decision": "approve"}
    assert _decide(store, "SUP01", approve) == ["only the pathway's owner DIR01 can decide its closure"]
    assert _decide(store, "QL01", approve) == ["only the pathway's owner DIR01 can decide its closure"]
    assert _decide(store, "DIR01", {**approve, "proposal": "ab" * 32}) == [
        "proposal: not the latest closure proposal of PW-1"]
    assert any("say why" in p for p in _decide(store, "DIR01", {**approve, "decision": "return"}))
    # an amendment undoes the evidence: approving is refused, returning is not
    failed = {k: v for k, v in check["body"].items() if k not in ("outcome", "expected_endpoint", "failed_critical")}
    failed.update(chosen_endpoint="supervisor", remediation="Repeat the scenario")
    store.append("amendment", {"amends": check["hash"], "reason": "wrong endpoint recorded", "body": failed},
                 now=NOW + 2 * DAY + dt.timedelta(hours=1))
    assert _decide(store, "DIR01", approve) == [
        'cannot approve: no longer met: scenario "New confusion with raised breathing rate" not passed (last: fail)']
    assert _decide(store, "DIR01", {**approve, "decision": "return", "reason": "Evidence was corrected"}) == []


def test_owner_proposing_needs_the_deputy(store):
    _pathway(store, owner_id="SUP01", deputy_id="QL01")  # this laptop's supervisor owns it
    store.append("scenario_check", scenario_body("S002"), now=NOW + DAY)
    proposal = store.append("pathway_closed", CLOSE, now=NOW + 2 * DAY)
    approve = {"pathway_id": "PW-1", "proposal": proposal["hash"], "decision": "approve"}
    with pytest.raises(RecordInvalid) as refused:
        store.append("closure_decision", approve, now=NOW + 3 * DAY)
    assert refused.value.problems == ["the owner SUP01 proposed this closure: only the deputy QL01 can decide it"]
    assert _decide(store, "QL01", approve) == []
    sign_as_owner(store, "SUP01", approve, NOW + 3 * DAY)  # signed by the owner elsewhere: not counted
    assert store.status("S002", NOW.date() + 3 * DAY)["pathways"][0]["approval"] == "awaiting_approval"
    sign_as_owner(store, "QL01", approve, NOW + 3 * DAY)
    assert store.status("S002", NOW.date() + 3 * DAY)["pathways"][0]["status"] == "closed"


def test_returned_closure_reopens_with_the_reason_and_can_be_proposed_again(proposed):
    store, proposal, _ = proposed
    sign_as_owner(store, "DIR01", {"pathway_id": "PW-1", "proposal": proposal["hash"], "decision": "return",
                                   "reason": "Add a night-shift shadow note first"}, NOW + 3 * DAY)
    view = store.status("S002", NOW.date() + 3 * DAY)["pathways"][0]
    assert view["status"] == "open" and view["approval"] == "returned"
    assert view["decision_reason"] == "Add a night-shift shadow note first" and view["decided_by"] == "DIR01"
    again = store.append("pathway_closed", CLOSE, now=NOW + 4 * DAY)
    view = store.status("S002", NOW.date() + 4 * DAY)["pathways"][0]
    assert view["approval"] == "awaiting_approval" and view["proposal"] == again["hash"]


def test_schema_1_and_2_side_by_side(store):
    _pathway(store, "PW-OLD", schema=1)
    _pathway(store, "PW-NEW", owner_id="DIR01")
    store.append("scenario_check", scenario_body("S002"), now=NOW + DAY)
    store.append("note_assessment", note_body("S002"), now=NOW + DAY)
    store.append("pathway_closed", {**CLOSE, "pathway_id": "PW-OLD"}, now=NOW + 2 * DAY)
    store.append("pathway_closed", {**CLOSE, "pathway_id": "PW-NEW"}, now=NOW + 2 * DAY)
    schemas = {r["body"]["pathway_id"]: r["schema"] for r in store.records(kind="pathway_assigned")}
    assert schemas == {"PW-OLD": 1, "PW-NEW": 2}
    views = {v["pathway_id"]: v for v in store.status("S002", NOW.date() + 2 * DAY)["pathways"]}
    assert views["PW-OLD"]["status"] == "closed" and views["PW-OLD"]["approval"] is None
    assert views["PW-NEW"]["status"] == "open" and views["PW-NEW"]["approval"] == "awaiting_approval"
    assert _decide(store, "DIR01", {"pathway_id": "PW-OLD", "proposal": "ab" * 32, "decision": "approve"}) == [
        "pathway_id: PW-OLD names no signing owner: its closure needs no approval"]
    assert store.verify().ok


def test_an_amendment_cannot_change_who_signs_off(store):
    assigned = _pathway(store, owner_id="DIR01")
    body = {k: v for k, v in assigned["body"].items()}
    with pytest.raises(RecordInvalid) as refused:
        store.append("amendment", {"amends": assigned["hash"], "reason": "x", "body": {**body, "owner_id": "SUP01"}},
                     now=NOW + DAY)
    assert refused.value.problems == ["body.owner_id: an amendment cannot change owner_id"]


def test_a_proposal_is_never_called_closed(store):
    """On a pathway with a signing owner, ``pathway_closed`` only proposes: the timeline, the
    record view and the HTML and CSV exports say "Closure proposed", never "closed"; a
    schema-1 pathway's ``pathway_closed`` still reads "Pathway closed"."""
    from screens.describe import kind_label, proposal_pathways, summarise
    from storage.export import gather_local, render_local
    from storage.record_view import record_view
    from supervisor_tui.reports.history import build_history

    _pathway(store, "PW-OLD", schema=1)
    _pathway(store, "PW-NEW", owner_id="DIR01")
    store.append("scenario_check", scenario_body("S002"), now=NOW + DAY)
    old = store.append("pathway_closed", {**CLOSE, "pathway_id": "PW-OLD"}, now=NOW + 2 * DAY)
    new = store.append("pathway_closed", {**CLOSE, "pathway_id": "PW-NEW"}, now=NOW + 2 * DAY)

    proposing = proposal_pathways(store.status("S002", NOW.date() + 2 * DAY)["pathways"])
    assert proposing == {"PW-NEW"}
    assert (kind_label("pathway_closed", True), summarise(new, proposal=True)) == (
        "Closure proposed", "PW-NEW closure proposed: Competent")
    assert (kind_label("pathway_closed"), summarise(old)) == ("Pathway closed", "PW-OLD closed: Competent")
    assert record_view(store, new["hash"])["proposal"] and not record_view(store, old["hash"])["proposal"]

    now = NOW + 2 * DAY
    entries = {e["hash"]: e for e in build_history(gather_local(store, "S002", now))["entries"]}
    assert (entries[new["hash"]]["kind_label"], entries[new["hash"]]["outcome"]) == ("Closure proposed", "proposed")
    assert entries[new["hash"]]["title"] == "Closure of pathway PW-NEW proposed, with verification"
    assert (entries[old["hash"]]["kind_label"], entries[old["hash"]]["outcome"]) == ("Pathway closed", "closed")
    html = render_local(store, "S002", "html", now)
    assert "Closure of pathway PW-NEW proposed, with verification" in html
    assert "Pathway PW-NEW closed" not in html and "Pathway PW-OLD closed with verification" in html
    csv_text = render_local(store, "S002", "csv", now)
    assert '"Closure of pathway PW-NEW proposed, with verification",proposed' in csv_text
