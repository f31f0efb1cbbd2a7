"""Open a record's correction: look up what it now reads in a thread worker, then push the same
form as the record's kind, pre-filled (``screens.correction`` holds what the forms share)."""

from __future__ import annotations

from typing import Any

from screens.correction import Correction, read_correction


def open_correction(app: Any, record: dict[str, Any]) -> None:
    """Look up the record's latest correction in a thread worker, then open its kind's form."""
    if record["kind"] == "amendment":
        app.notify("This is a correction: correct the original record instead.", severity="warning")
        return

    def look_up() -> None:
        with app.store_lock:
            correction = read_correction(app.store, record)
            subject = _subject(app, record["kind"], correction.body)
        app.call_from_thread(lambda: _push(app, correction, subject))

    app.run_worker(look_up, thread=True, group="correction")


def _subject(app: Any, kind: str, body: dict[str, Any]) -> Any:
    """What the restriction and pathway-close forms show about their subject."""
    from storage.overview import all_restrictions, pathway_views

    if kind in ("restriction_reviewed", "restriction_lifted"):
        return next((r for r in all_restrictions(app.store, app.today())
                     if r["restriction_id"] == body.get("restriction_id")), None)
    if kind == "pathway_closed":
        return next((v for v in pathway_views(app.store, app.today())
                     if v["pathway_id"] == body.get("pathway_id")), None)
    if kind == "pathway_assigned" and body.get("staff_id"):
        person = app.store.staff(body["staff_id"])
        return person["cohort_id"] if person else ""
    return None


def _push(app: Any, c: Correction, subject: Any) -> None:
    from screens.note import NoteScreen
    from screens.pathway import AssignPathwayScreen, ClosePathwayScreen
    from screens.restrictions import (
        LiftRestrictionScreen,
        ReviewRestrictionScreen,
        StartRestrictionScreen,
    )
    from screens.scenario import ScenarioScreen
    from screens.shadow import ShadowScreen

    kind, body = c.record["kind"], c.body
    if kind == "scenario_check":
        form: Any = ScenarioScreen(body["staff_id"], body["scenario_id"], body.get("pathway_id"), correcting=c)
    elif kind == "shadow_escalation":
        form = ShadowScreen(body["staff_id"], body.get("pathway_id"), correcting=c)
    elif kind == "note_assessment":
        form = NoteScreen(body["staff_id"], body.get("pathway_id"), correcting=c)
    elif kind == "pathway_assigned":
        form = AssignPathwayScreen(body.get("staff_id") or "", subject or body.get("cohort_id", ""), correcting=c)
    elif kind == "restriction_started":
        scope = "cohort" if "cohort_id" in body else "staff"
        form = StartRestrictionScreen(scope, body.get("cohort_id") or body.get("staff_id"), correcting=c)
    elif subject is None:
        app.notify("What this record is about is not on this laptop; it cannot be corrected here.",
                   severity="warning")
        return
    elif kind == "restriction_reviewed":
        form = ReviewRestrictionScreen(subject, correcting=c)
    elif kind == "restriction_lifted":
        form = LiftRestrictionScreen(subject, correcting=c)
    else:
        form = ClosePathwayScreen(subject, correcting=c)
    app.push_screen(form)
