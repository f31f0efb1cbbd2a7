"""The base of every form: fields collected generically, drafts saved as you type (in a thread
worker), restored on reopening, inline problems from the store's rules, and a question before
leaving a half-filled form. Forms never lose typed text: a refused save keeps every value."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, ScrollableContainer
from textual.screen import Screen
from textual.widgets import (
    Checkbox,
    Input,
    Label,
    RadioSet,
    Select,
    SelectionList,
    Static,
    TextArea,
)

from screens.common import LeaveFormModal, alive
from screens.correction import ChangesModal, Correction, WarningsModal, changes_text
from screens.footer import AppFooter
from screens.form_problems import ProblemsMixin
from screens.inputs import make_input, make_textarea  # noqa: F401 - re-exported for the forms
from screens.select_keys import SelectTyping
from supervisor_tui.model.rules import RecordInvalid

DRAFT_DELAY = 0.4  # seconds of no typing before the draft is written
KEPT_IN_CORRECTIONS = ("session_id", "pathway_id", "after")


class FormScreen(SelectTyping, ProblemsMixin, Screen):
    """Subclasses set ``KIND`` and ``draft_key``, compose widgets with class ``field`` and an
    id, and implement ``build_body(values)``; ``extra_state``/``restore_extra`` carry values
    that are not widgets (scenario item marks, the timer)."""

    KIND = ""
    REVIEW_FIRST = False
    FIRST_FIELD = ""  # id of the widget focused on opening (default: the first text field)
    BINDINGS = [
        Binding("ctrl+s", "sign", "Sign & save", priority=True),
        Binding("escape", "leave", "Back"),
    ]

    def __init__(self, draft_key: str, correcting: Correction | None = None) -> None:
        super().__init__()
        self.correcting = correcting
        self.draft_key = correcting.draft_key if correcting else draft_key
        self._initial: dict[str, Any] | None = None
        self._pending: dict[str, Any] | None = None
        self._draft_lock = threading.Lock()
        self._done = False
        self._signing = False
        self._draft_timer: Any = None
        self.restored = False
        self.person_name: str | None = None  # read with the draft (see who())
        self._hold_keys()

    def _hold_keys(self) -> None:
        """Keys typed before the form is ready (draft restored, field focused) are queued by
        the app and replayed then (``supervisor_tui.shell.keyqueue``), never dropped."""
        try:
            app: Any = self.app
        except Exception:  # noqa: BLE001 - built outside a running app (unit tests)
            return
        if hasattr(app, "hold_keys"):
            app.hold_keys(self)

    def _release_keys(self) -> None:
        try:
            app: Any = self.app
        except Exception:  # noqa: BLE001
            return
        if hasattr(app, "release_keys"):
            app.release_keys(self)

    # -- values --------------------------------------------------------------------------
    def collect(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for widget in self.query(".field"):
            if widget.id is None:
                continue
            if isinstance(widget, Input):
                values[widget.id] = widget.value
            elif isinstance(widget, TextArea):
                values[widget.id] = widget.text
            elif isinstance(widget, Select):
                values[widget.id] = None if widget.value is Select.NULL else widget.value
            elif isinstance(widget, Checkbox):
                values[widget.id] = widget.value
            elif isinstance(widget, SelectionList):
                values[widget.id] = list(widget.selected)
            elif isinstance(widget, RadioSet):
                values[widget.id] = widget.pressed_index
        values.update(self.extra_state())
        if self.correcting is not None:  # the draft remembers which correction it started from
            values["_correction_base"] = self.correcting.base
        return values

    def restore(self, values: dict[str, Any]) -> None:
        for widget in self.query(".field"):
            if widget.id is None or widget.id not in values:
                continue
            value = values[widget.id]
            if isinstance(widget, Input):
                widget.value = str(value or "")
                widget.cursor_position = len(widget.value)  # typing carries on after it
            elif isinstance(widget, TextArea):
                widget.load_text(str(value or ""))
                widget.move_cursor(widget.document.end)
            elif isinstance(widget, Select):
                if value is None:
                    widget.clear()
                else:
                    try:
                        widget.value = value
                    except Exception:  # noqa: BLE001 - an option that no longer exists
                        pass
            elif isinstance(widget, Checkbox):
                widget.value = bool(value)
            elif isinstance(widget, SelectionList):
                widget.deselect_all()
                for item in value or []:
                    try:
                        widget.select(item)
                    except Exception:  # noqa: BLE001
                        pass
            elif isinstance(widget, RadioSet) and isinstance(value, int) and value >= 0:
                buttons = list(widget.query("RadioButton"))
                if value < len(buttons):
                    buttons[value].value = True
        self.restore_extra(values)

    def extra_state(self) -> dict[str, Any]:
        return {}

    def restore_extra(self, values: dict[str, Any]) -> None:
        return None

    def build_body(self, values: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def values_changed(self) -> None:
        """Hook for live previews (computed outcome, agreed...)."""

    def values_from_body(self, body: dict[str, Any]) -> dict[str, Any]:
        """The form's values showing ``body`` (a correction starts from the record as it reads)."""
        return {}

    @property
    def saved_kind(self) -> str:
        """The kind this form signs: its own, or ``amendment`` when correcting a record."""
        return "amendment" if self.correcting else self.KIND

    def correction_fields(self) -> ComposeResult:
        """What a correcting form adds (forms yield it above their problem list)."""
        if self.correcting is None:
            return
        c = self.correcting
        record = c.record
        since = f"; last corrected {c.corrected_on[:16].replace('T', ' ')}" if c.corrected_on else ""
        yield Static(f"Correcting the record of {record['created_at'][:16].replace('T', ' ')} by "
                     f"{record['author']}{since}. The form shows what it now reads; change what is "
                     "wrong and say why. The original stays in the timeline.", classes="hint correction")
        with Horizontal(classes="row"):
            yield Label("Reason for the correction", classes="label")
            yield make_input(self.app, id="correction_reason", placeholder="why the record is corrected",
                             classes="field")

    @property
    def dirty(self) -> bool:
        return not self._done and self._initial is not None and self.collect() != self._initial

    # -- lifecycle -----------------------------------------------------------------------
    def on_mount(self) -> None:
        # One line above the keys, always visible: a refused save never looks like nothing happened.
        if not self.query("#problem-summary"):  # (subclasses' on_mount may call this one too)
            bar = Static(id="problem-summary", classes="problem-summary")
            bar.display = False
            footers = self.query(AppFooter)
            self.mount(bar, before=footers.first()) if footers else self.mount(bar)  # above the keys
        if self.correcting is not None:
            from screens.header import AppHeader

            for header in self.query(AppHeader):
                header.header_title = f"correct {header.header_title}"
                header.refresh_text()
        self._load_draft()

    @work(thread=True, group="draft-load")
    def _load_draft(self) -> None:
        staff_id = getattr(self, "staff_id", None)
        with self.app.store_lock:
            draft = self.app.store.load_draft(self.draft_key)
            person = self.app.store.staff(staff_id) if isinstance(staff_id, str) else None
        self.app.call_from_thread(self._apply_draft, draft, person)

    def who(self, staff_id: Any) -> str:
        """The person as people say it: "Amara Okafor (S001)" once the name is read, else the id."""
        if self.person_name and staff_id == getattr(self, "staff_id", None):
            return f"{self.person_name} ({staff_id})"
        return str(staff_id)

    def _name_in_header(self) -> None:
        from screens.header import AppHeader

        staff_id = getattr(self, "staff_id", None)
        for header in self.query(AppHeader):
            if isinstance(staff_id, str) and f"· {staff_id}" in header.header_title:
                header.header_title = header.header_title.replace(f"· {staff_id}", f"· {self.who(staff_id)}", 1)
                header.refresh_text()

    @alive
    def _apply_draft(self, draft: dict[str, Any] | None, person: dict[str, Any] | None = None) -> None:
        if person and isinstance(person.get("name"), str) and person["name"]:
            self.person_name = person["name"]
            self._name_in_header()
        if draft:
            self.restore(draft)
            self.restored = True
            self.notify("Draft restored: carry on where you left off.", title="Draft")
            started = draft.get("_correction_base", self.correcting.base if self.correcting else None)
            if self.correcting is not None and started != self.correcting.base:
                # Corrected again since this draft was started: signing it would undo that
                # correction, so it keeps its old base and the store will refuse it.
                self.correcting = dataclasses.replace(self.correcting, base=started)
                self.notify("This record was corrected again after this draft was started: "
                            "discard the draft and start from the latest correction.",
                            title="Draft out of date", severity="warning", timeout=30)
        elif self.correcting is not None:
            self.restore(self.values_from_body(self.correcting.body))
        self.call_after_refresh(self._settled, draft)

    def _settled(self, draft: dict[str, Any] | None) -> None:
        current = self.collect()
        # A restored draft counts as half filled; a fresh form is clean until something changes.
        self._initial = {} if draft else current
        self.values_changed()
        focused = self.focused
        # Textual focuses the first focusable widget, often the scrolling form itself: move to
        # the first text field so typing goes where a newcomer expects.
        if focused is None or isinstance(focused, Select | ScrollableContainer):
            fields = [w for w in self.query(".field") if isinstance(w, Input | TextArea)]
            named = self.query(f"#{self.FIRST_FIELD}") if self.FIRST_FIELD else []
            first = named[0] if named else (fields[0] if fields else None)
            if first is not None:
                first.focus()
        self.call_after_refresh(self._release_keys)

    def _changed(self) -> None:
        if self._initial is None or self._done:
            return
        self.values_changed()
        self._recheck()
        self._pending = self.collect()
        # Debounced: one durable write per pause in typing; quitting or leaving flushes at once.
        if self._draft_timer is not None:
            self._draft_timer.reset()
        else:
            self._draft_timer = self.set_timer(DRAFT_DELAY, self._draft_due)

    def _draft_due(self) -> None:
        self._draft_timer = None
        self._save_draft()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._changed()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._changed()

    def on_select_changed(self, event: Select.Changed) -> None:
        self._changed()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self._changed()

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        self._changed()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self._changed()

    @work(thread=True, group="draft-save")
    def _save_draft(self) -> None:
        self.flush_draft()

    def stage_draft(self) -> None:
        """"Keep the draft": what the form holds now is written by the next flush, whether or
        not an autosave is due (a running timer, say, changes no field). UI thread only."""
        with self._draft_lock:
            if not self._done:
                self._pending = self.collect()

    def keep_draft(self) -> None:
        self.stage_draft()
        self.flush_draft()

    def flush_draft(self) -> None:
        """Write the latest pending values (called by the worker, and on unmount)."""
        with self._draft_lock:
            data, self._pending = self._pending, None
            if data is None or self._done:
                return
            with self.app.store_lock:
                self.app.store.save_draft(self.draft_key, self.saved_kind, data)

    def on_unmount(self) -> None:
        self._release_keys()
        self.flush_draft()

    # -- actions -------------------------------------------------------------------------
    def action_sign(self) -> None:
        if self._done:
            return
        values = self.collect()
        try:
            body = self.build_body(values)
        except RecordInvalid:
            self.show_problems(self.form_problems(), focus=True)  # every problem at once
            return
        if self.correcting is not None:
            self.review_correction(values, body)
            return
        warnings = self.warnings(body)
        if not warnings:
            self.review(body) if self.REVIEW_FIRST else self.sign(body)
            return

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.review(body) if self.REVIEW_FIRST else self.sign(body)

        self.app.push_screen(WarningsModal(warnings), confirmed)

    def warnings(self, body: dict[str, Any]) -> list[str]:
        """What the supervisor should know before signing, though it may be signed (a shift
        before the pathway, a second note for one shift); empty by default."""
        return []

    def review_correction(self, values: dict[str, Any], body: dict[str, Any]) -> None:
        """Refuse a correction without a reason or without a change; otherwise show what changes,
        field by field, and sign the amendment once confirmed."""
        from screens.changes import changes
        from screens.preview import preview

        app: Any = self.app
        c = self.correcting
        assert c is not None
        reason = (values.get("correction_reason") or "").strip()
        problems = [] if reason else ["correction_reason: required"]
        library = app.store.library
        if not changes(c.body, body, library, derived=False):
            problems.append("Nothing changed: a correction must change at least one field")
        if problems:
            self.show_problems(problems, focus=True)
            return
        self.show_problems([])
        for key in KEPT_IN_CORRECTIONS:  # what the form does not show stays as it was
            if key in c.body and key not in body:
                body[key] = c.body[key]
        prepared, _ = preview(self.KIND, body, library, app.today())
        found = changes(c.body, prepared, library) if prepared else changes(c.body, body, library, derived=False)
        amendment = {"amends": c.record["hash"], "reason": reason, "body": body}
        if c.base:
            amendment["base"] = c.base

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.sign(amendment, "amendment")

        header = f"{len(found)} change{'s' if len(found) != 1 else ''} to this record:"
        text = changes_text(found, reason, header)
        for warning in self.warnings(body):
            text.append(f"\n⚠ {warning}", style="bold")
        self.app.push_screen(ChangesModal(text), confirmed)

    def review(self, body: dict[str, Any]) -> None:
        self.sign(body)

    def sign(self, body: dict[str, Any], kind: str | None = None) -> None:
        """Sign once: a second Ctrl+S while the first save runs does nothing."""
        if self._signing or self._done:
            return
        self._signing = True
        self._sign(kind or self.KIND, body)

    @alive
    def _refused(self, problems: list[str]) -> None:
        self._signing = False
        self.show_problems(problems, focus=True)

    @work(thread=True, group="sign")
    def _sign(self, kind: str, body: dict[str, Any]) -> None:
        app = self.app
        try:
            with app.store_lock:
                record = app.store.append(kind, body, now=app.now())
        except RecordInvalid as exc:
            app.call_from_thread(self._refused, exc.problems)
            return
        with self._draft_lock:
            self._done = True
            self._pending = None
            with app.store_lock:
                app.store.discard_draft(self.draft_key)
        app.call_from_thread(self._signed, record)

    def saved_message(self, record: dict[str, Any]) -> str:
        """What the "Saved" notice says once ``record`` is signed."""
        from screens.describe import KIND_LABELS

        body = record["body"]
        outcome = body.get("outcome")
        about = f" for {self.who(body['staff_id'])}" if body.get("staff_id") else ""
        extra = f": {str(outcome).upper()}" if outcome else ""
        return (f"{KIND_LABELS.get(record['kind'], 'Record')}{about} signed{extra} "
                f"(record {record['seq']} of this laptop).")

    @alive
    def _signed(self, record: dict[str, Any]) -> None:
        self.app.notify(self.saved_message(record), title="Saved")
        self.app.refresh_unsynced()
        self.dismiss(record)

    def action_leave(self) -> None:
        if not self.dirty:
            self.app.pop_screen()
            return

        def chosen(choice: str | None) -> None:
            if choice == "keep":  # written before leaving, so the screen below lists it
                self.stage_draft()  # (read on this thread: widgets are not read from a worker)
                self.app.run_worker(self._keep_and_leave, thread=True, group="draft-keep")
            elif choice == "discard":
                with self._draft_lock:
                    self._done = True
                    self._pending = None
                self.app.run_worker(self._discard_and_leave, thread=True, group="draft-discard")

        self.app.push_screen(LeaveFormModal(), chosen)

    def _keep_and_leave(self) -> None:
        self.flush_draft()
        self.app.call_from_thread(self.app.pop_screen)

    def _discard_and_leave(self) -> None:
        with self.app.store_lock:
            self.app.store.discard_draft(self.draft_key)
        self.app.call_from_thread(self.app.pop_screen)

