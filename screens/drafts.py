"""Unfinished drafts: what each saved draft is, in words, and how to reopen its form.

A form's draft is keyed ``KIND:...`` (see each FormScreen's ``draft_key``). The roster counts
them, the staff screen lists a person's own, and the command palette offers "Resume draft …"
for every one: resuming opens the same form on the same subject, which restores the draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from screens.describe import KIND_LABELS

# Forms opened from a person's staff screen: the draft key's second part is the staff id.
STAFF_KINDS = ("scenario_check", "shadow_escalation", "note_assessment", "pathway_assigned")


@dataclass(frozen=True)
class Draft:
    key: str
    kind: str
    updated_at: str
    parts: tuple[str, ...]  # the draft key after the kind

    @property
    def staff_id(self) -> str | None:
        return self.parts[0] if self.kind in STAFF_KINDS and self.parts else None

    @property
    def session_id(self) -> str | None:
        """The trainer's group session a draft belongs to (the session itself, or one of its
        checks: ``scenario_check:STAFF:SCENARIO:SESSION``)."""
        if self.kind == "session" and self.parts:
            return self.parts[0]
        if self.kind == "scenario_check" and len(self.parts) > 2:
            return self.parts[2]
        return None

    @property
    def form(self) -> str:
        """The form in words: "Scenario check chest-pain-home-visit", "Shadow shift"."""
        if self.kind == "session":
            return "Training session"
        label = KIND_LABELS.get(self.kind, self.kind)
        if self.kind == "scenario_check" and len(self.parts) > 1:
            return f"{label} {self.parts[1]}"
        return label

    @property
    def in_words(self) -> str:
        """The form, and the training session it is part of: "Scenario check new-confusion-news2
        · training session SES-…"."""
        return self.form + (f" · training session {self.session_id}"
                            if self.session_id and self.kind != "session" else "")

    @property
    def saved(self) -> str:
        return self.updated_at[:16].replace("T", " ")


def read_drafts(store: Any, staff_id: str | None = None) -> list[Draft]:
    """Every saved draft, oldest first, or only those of one person's staff-screen forms (call
    from a thread worker)."""
    drafts = []
    for row in store.drafts():
        kind, *parts = row["draft_key"].split(":")
        draft = Draft(row["draft_key"], kind, row["updated_at"], tuple(parts))
        if staff_id is None or draft.staff_id == staff_id:
            drafts.append(draft)
    return drafts


def describe_draft(draft: Draft, names: dict[str, str] | None = None) -> str:
    """"Scenario check chest-pain-home-visit for Amara Okafor (S001)" and the like."""
    names = names or {}
    label = draft.form
    if draft.kind == "session":
        return f"Training session {draft.parts[0] if draft.parts else ''}".strip()
    if draft.session_id and draft.staff_id:
        who = f"{names[draft.staff_id]} ({draft.staff_id})" if draft.staff_id in names else draft.staff_id
        return f"{label} for {who}, in training session {draft.session_id}"
    if draft.staff_id:
        who = f"{names[draft.staff_id]} ({draft.staff_id})" if draft.staff_id in names else draft.staff_id
        return f"{label} for {who}"
    if draft.kind == "restriction_started" and len(draft.parts) == 2:
        return f"{label} for {draft.parts[0]} {draft.parts[1]}"
    if draft.kind == "amendment":
        return f"Amendment of record {draft.parts[0][:12]}…" if draft.parts else label
    return f"{label} {' '.join(draft.parts)}"


def resume_draft(app: Any, draft: Draft) -> None:
    """Reopen the draft's form (which restores it). Staff-screen forms open over that person's
    screen; the others look up what their form needs in a thread worker first. A training
    session (or one of its checks) reopens the session at its next person."""
    if draft.session_id:
        resume_session(app, draft)
        return
    if draft.staff_id:
        app.open_staff(draft.staff_id, then=lambda screen: screen.resume_form(draft))
        return
    if draft.kind == "restriction_started" and len(draft.parts) == 2:
        from screens.restrictions import StartRestrictionScreen

        app.push_screen(StartRestrictionScreen(draft.parts[0], draft.parts[1]))
        return
    app.run_worker(lambda: _look_up_and_open(app, draft), thread=True, group="resume-draft")


def resume_session(app: Any, draft: Draft) -> None:
    """Reopen a training session from its draft: the session's own draft at its next person; one
    of its check drafts at that person, with their half-run check reopened over it (signing it
    counts in the session)."""
    person = draft.staff_id if draft.kind == "scenario_check" else None
    app.run_worker(lambda: _resume_session(app, str(draft.session_id), person), thread=True,
                   group="resume-draft")


def _resume_session(app: Any, session_id: str, person: str | None = None) -> None:
    """In a thread worker: read the session's state, then open it on the UI thread."""
    from screens.session_state import KIND, Session

    with app.store_lock:
        data = app.store.load_draft(f"{KIND}:{session_id}")
    if not data:
        app.call_from_thread(app.notify, "That training session is no longer kept on this laptop; "
                             "its check draft is kept.", severity="warning")
        return

    def open_session() -> None:
        from screens.session import SessionScreen

        app.push_screen(SessionScreen(Session.from_dict(data), run_first=person))

    app.call_from_thread(open_session)


def _look_up_and_open(app: Any, draft: Draft) -> None:
    """In a thread worker: find what the draft's form is about, then open the form on the UI
    thread (screens are built there, not in the worker)."""
    from screens.correct_record import open_correction
    from screens.pathway import ClosePathwayScreen
    from screens.restrictions import LiftRestrictionScreen, ReviewRestrictionScreen
    from storage.overview import all_restrictions, pathway_views

    subject = draft.parts[0] if draft.parts else ""
    found: list[Any] = []
    with app.store_lock:
        if draft.kind == "amendment":
            form: Any = lambda record: open_correction(app, record)  # noqa: E731 - opens in a worker
            found = [r for r in [app.store.record_by_hash(subject)] if r]
        elif draft.kind in ("restriction_reviewed", "restriction_lifted"):
            form = ReviewRestrictionScreen if draft.kind == "restriction_reviewed" else LiftRestrictionScreen
            found = [r for r in all_restrictions(app.store, app.today())
                     if r["restriction_id"] == subject and r["status"] == "active"]
        elif draft.kind == "pathway_closed":
            form = ClosePathwayScreen
            found = [v for v in pathway_views(app.store, app.today())
                     if v["pathway_id"] == subject and v["status"] == "open"]
    if not found:
        app.call_from_thread(app.notify, "What this draft was for is no longer open (closed, lifted "
                             "or not on this laptop); the draft is kept.", severity="warning")
        return
    if draft.kind == "amendment":
        app.call_from_thread(form, found[0])
        return
    app.call_from_thread(lambda: app.push_screen(form(found[0])))
