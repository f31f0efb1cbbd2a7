"""Restrictions: every restriction with time left and next review (overdue reviews highlighted);
start one for a cohort or a person, record the weekly review (continue or extend), lift it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Label, Select, Static
from textual.widgets.data_table import ColumnKey

from checklists.names import restrictions_in_words, short_restriction
from screens.common import ChoiceModal, alive
from screens.footer import AppFooter
from screens.form import FormScreen, make_input, make_textarea
from screens.header import AppHeader
from screens.preview import as_int
from screens.tables import fit_columns
from screens.toggles import TickList
from storage.overview import all_restrictions
from supervisor_tui.model.rules import RecordInvalid


def restriction_menu(app: Any, staff_id: str | None, restrictions: list[dict[str, Any]],
                     cohort: str | None = None) -> None:
    """Start / review / lift, offered from the staff screen."""
    options = [("start", f"Start a restriction for {staff_id}")]
    if cohort:
        options.append(("start-cohort", f"Start a restriction for cohort {cohort}"))
    active = {r["restriction_id"]: r for r in restrictions if r["status"] == "active"}
    for rid, r in active.items():
        options.append((f"review:{rid}", f"Review {rid} ({', '.join(short_restriction(c) for c in r['codes'])})"))
        options.append((f"lift:{rid}", f"Lift {rid}"))

    def chosen(choice: str | None) -> None:
        if choice == "start":
            app.push_screen(StartRestrictionScreen("staff", staff_id))
        elif choice == "start-cohort":
            app.push_screen(StartRestrictionScreen("cohort", cohort))
        elif choice and choice.startswith("review:"):
            app.push_screen(ReviewRestrictionScreen(active[choice[7:]]))
        elif choice and choice.startswith("lift:"):
            app.push_screen(LiftRestrictionScreen(active[choice[5:]]))

    app.push_screen(ChoiceModal("Restrictions", options), chosen)


class RestrictionsScreen(Screen):
    CSS_PATH = "restrictions.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("n", "new", "New for cohort"),
        Binding("v", "review", "Review"),
        Binding("l", "lift", "Lift"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, dict[str, Any]] = {}

    def compose(self) -> ComposeResult:
        yield AppHeader("restrictions")
        table = DataTable(id="restrictions", cursor_type="row", zebra_stripes=True)
        # The codes come last and wrap between codes to the width left, so none is cut off.
        table.add_columns("ID", "Status", "Time left", "Next review", "For", "Incident")
        table.add_column("Codes", key="codes", width=20)
        yield table
        yield Static("Loading…", id="pageinfo")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    def on_screen_resume(self) -> None:  # on first show and when back from a form
        self.load()

    @work(thread=True, exclusive=True, group="restrictions")
    def load(self) -> None:
        app: Any = self.app
        with app.store_lock:
            rows = all_restrictions(app.store, app.today())
            cohorts = [c["cohort_id"] for c in app.store.cohorts()]
        app.call_from_thread(self._loaded, rows, cohorts)

    @staticmethod
    def _left(r: dict[str, Any]) -> str:
        if r["status"] == "active":
            return f"{r['days_left']} days (to {r['expires_on']})"
        if r["status"] == "lifted":  # not its old expiry: when it was lifted
            return f"lifted {r['lifted_on']}"
        return f"expired {r['expires_on']}"

    @alive
    def _loaded(self, rows: list[dict[str, Any]], cohorts: list[str]) -> None:
        self.cohorts = cohorts
        table = self.query_one(DataTable)
        keep = self._selected()
        table.clear()
        self.items = {r["restriction_id"]: r for r in rows}
        cells = [(r["restriction_id"], r["status"], self._left(r),
                  (r["next_review_on"] or "—") + (" OVERDUE" if r["review_overdue"] else ""),
                  f"{r['scope']} {r['subject']}", r["incident_ref"]) for r in rows]
        widths = [max([len(h)] + [len(str(c[i])) for c in cells])
                  for i, h in enumerate(("ID", "Status", "Time left", "Next review", "For", "Incident"))]
        room = max(14, self.app.size.width - sum(widths) - 2 * 7 - 2)
        table.columns[ColumnKey("codes")].width = room
        for r in rows:
            active = r["status"] == "active"
            overdue = r["review_overdue"]
            review = Text(r["next_review_on"] or "—", style="bold red" if overdue else "")
            if overdue:
                review.append(" OVERDUE", style="bold red reverse")
            codes, height = wrap_long_codes(list(r["codes"]), room)
            codes = codes.replace("_\n", "\n").replace("_", " ")  # in short words, as on the roster
            table.add_row(r["restriction_id"], Text(r["status"], style="bold yellow" if active else "dim"),
                          self._left(r), review, f"{r['scope']} {r['subject']}", r["incident_ref"],
                          codes, key=r["restriction_id"], height=height)
        fit_columns(table)
        if keep and keep["restriction_id"] in self.items:
            table.move_cursor(row=list(self.items).index(keep["restriction_id"]))
        overdue = sum(1 for r in rows if r["review_overdue"])
        hidden = sum(widths) + room + 2 * 7 + 2 > self.app.size.width
        self.query_one("#pageinfo", Static).update(
            ("Incident and codes: → scrolls to them · " if hidden else "")
            + f"{len(rows)} restrictions · {overdue} review(s) overdue · n new, v review, l lift")

    def _selected(self) -> dict[str, Any] | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.items.get(str(key))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_new(self) -> None:
        def chosen(cohort: str | None) -> None:
            if cohort:
                self.app.push_screen(StartRestrictionScreen("cohort", cohort))

        self.app.push_screen(ChoiceModal("Restrict which cohort? (a person: from their staff screen)",
                                         [(c, c) for c in getattr(self, "cohorts", [])]), chosen)

    def action_review(self) -> None:
        r = self._selected()
        if r and r["status"] == "active":
            self.app.push_screen(ReviewRestrictionScreen(r))
        else:
            self.notify("Pick an active restriction.", severity="warning")

    def action_lift(self) -> None:
        r = self._selected()
        if r and r["status"] == "active":
            self.app.push_screen(LiftRestrictionScreen(r))
        else:
            self.notify("Pick an active restriction.", severity="warning")


def wrap_long_codes(codes: list[str], width: int) -> tuple[str, int]:
    """The codes comma-separated on as many lines as ``width`` needs, broken between codes; a
    code longer than the column breaks after an underscore. Nothing is ever cut off."""
    lines: list[str] = []
    for index, code in enumerate(codes):
        comma = "," if index < len(codes) - 1 else ""
        pieces = [code]
        if len(code) + 1 > width:  # break after underscores
            pieces = [""]
            for part in code.split("_"):
                word = part if not pieces[-1] else "_" + part
                if pieces[-1] and len(pieces[-1]) + len(word) + 1 > width:
                    pieces[-1] += "_"
                    pieces.append(part)
                else:
                    pieces[-1] += word
        pieces[-1] += comma
        if len(pieces) == 1 and lines and len(lines[-1]) + 1 + len(pieces[0]) <= width:
            lines[-1] += " " + pieces[0]
        else:
            lines += pieces
    return "\n".join(lines), max(1, len(lines))


class StartRestrictionScreen(FormScreen):
    KIND = "restriction_started"
    CSS_PATH = "forms.tcss"
    FIRST_FIELD = "restrictions"  # read top to bottom: what is restricted, then why

    def __init__(self, scope: str, subject: str | None, correcting: Any = None) -> None:
        super().__init__(f"restriction_started:{scope}:{subject}", correcting)
        self.scope, self.subject = scope, subject or ""

    def compose(self) -> ComposeResult:
        app: Any = self.app
        codes = app.store.library.restriction_codes()
        self.max_days = codes.max_duration_days
        expires = (app.today() + dt.timedelta(days=28)).isoformat()
        yield AppHeader(f"start restriction · {self.scope} {self.subject}")
        with VerticalScroll(classes="form", can_focus=False):
            yield Static(f"Restriction for {self.scope} {self.subject}. Time limited (at most "
                         f"{codes.max_duration_days} days), reviewed every "
                         f"{codes.default_review_every_days} days.", classes="hint")
            yield Label("Restrictions (space toggles)", classes="section-title")
            yield TickList(*[(f"{c.text} ({c.code})", c.code) for c in codes.codes],
                                id="restrictions", classes="field")
            with Horizontal(classes="row"):
                yield Label("Reason", classes="label")
                yield make_input(app, id="reason", classes="field",
                                 placeholder="why, e.g. missed escalation on a night visit")
            with Horizontal(classes="row"):
                yield Label("Incident ref", classes="label")
                yield make_input(app, id="incident_ref", placeholder="e.g. INC-2026-0142", classes="field")
            with Horizontal(classes="row"):
                yield Label("Expires on", classes="label")
                yield make_input(app, id="expires_on", value=expires, classes="field")
                yield Label("Review every (days)", classes="label inline")
                yield make_input(app, id="review_every_days", value=str(codes.default_review_every_days),
                                 classes="field")
            yield from self.correction_fields()
            yield Static(id="problems", classes="problems")
        yield AppFooter()

    def values_from_body(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"restrictions": body.get("restrictions", []), "reason": body.get("reason"),
                "incident_ref": body.get("incident_ref"), "expires_on": body.get("expires_on"),
                "review_every_days": str(body.get("review_every_days", 7))}

    def build_body(self, values: dict[str, Any]) -> dict[str, Any]:
        problems: list[str] = []
        every = as_int(values, "review_every_days", problems, 7)
        for key in ("reason", "incident_ref", "expires_on"):
            if not (values.get(key) or "").strip():
                problems.append(f"{key}: required")
        if not values.get("restrictions"):
            problems.append("restrictions: choose at least one")
        if problems:
            raise RecordInvalid(problems)
        key = "cohort_id" if self.scope == "cohort" else "staff_id"
        kept = {"restriction_id": self.correcting.body["restriction_id"]} if self.correcting else {}
        return {**kept, key: self.subject, "restrictions": list(values["restrictions"]),
                "reason": values["reason"], "incident_ref": values["incident_ref"],
                "review_every_days": every, "expires_on": values["expires_on"].strip()}


class ReviewRestrictionScreen(FormScreen):
    KIND = "restriction_reviewed"
    FIRST_FIELD = "note"
    CSS_PATH = "forms.tcss"

    def __init__(self, restriction: dict[str, Any], correcting: Any = None) -> None:
        super().__init__(f"restriction_reviewed:{restriction['restriction_id']}", correcting)
        self.restriction = restriction

    def compose(self) -> ComposeResult:
        app: Any = self.app
        r = self.restriction
        yield AppHeader(f"review {r['restriction_id']}")
        with VerticalScroll(classes="form", can_focus=False):
            status = Text(f"{r['restriction_id']} for {r['scope']} {r['subject']}: "
                          f"{restrictions_in_words(r['codes'], with_codes=False)}\n"
                          f"{r['days_left']} days left (expires {r['expires_on']}) · review due "
                          f"{r['next_review_on']}")
            if r["review_overdue"]:
                status.append(" · REVIEW OVERDUE", style="bold red")
            yield Static(status)
            with Horizontal(classes="row"):
                yield Label("Decision", classes="label")
                yield Select([("Continue", "continue"), ("Extend", "extend")], value="continue",
                             allow_blank=False, id="decision", classes="field")
                yield Label("New expiry", classes="label inline")
                yield make_input(app, id="expires_on", placeholder="YYYY-MM-DD",
                                 classes="field")
            yield Label("Note", classes="section-title")
            yield make_textarea(app, id="note", classes="field")
            yield from self.correction_fields()
            yield Static(id="problems", classes="problems")
        yield AppFooter()

    def values_from_body(self, body: dict[str, Any]) -> dict[str, Any]:
        return {k: body.get(k) for k in ("decision", "expires_on", "note")}

    def build_body(self, values: dict[str, Any]) -> dict[str, Any]:
        if not (values.get("note") or "").strip():
            raise RecordInvalid(["note: required"])
        body = {"restriction_id": self.restriction["restriction_id"], "decision": values["decision"],
                "note": values["note"].strip()}
        if values["decision"] == "extend":
            body["expires_on"] = (values.get("expires_on") or "").strip() or None
        return body


class LiftRestrictionScreen(FormScreen):
    KIND = "restriction_lifted"
    CSS_PATH = "forms.tcss"

    def __init__(self, restriction: dict[str, Any], correcting: Any = None) -> None:
        super().__init__(f"restriction_lifted:{restriction['restriction_id']}", correcting)
        self.restriction = restriction

    def compose(self) -> ComposeResult:
        app: Any = self.app
        r = self.restriction
        yield AppHeader(f"lift {r['restriction_id']}")
        with VerticalScroll(classes="form", can_focus=False):
            yield Static(f"{r['restriction_id']} for {r['scope']} {r['subject']}: "
                         f"{restrictions_in_words(r['codes'], with_codes=False)}"
                         f" · {r['days_left']} days left")
            with Horizontal(classes="row"):
                yield Label("Reason", classes="label")
                yield make_input(app, id="reason", placeholder="re-validation evidence", classes="field")
            yield from self.correction_fields()
            yield Static(id="problems", classes="problems")
        yield AppFooter()

    def values_from_body(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"reason": body.get("reason")}

    def build_body(self, values: dict[str, Any]) -> dict[str, Any]:
        if not (values.get("reason") or "").strip():
            raise RecordInvalid(["reason: required"])
        return {"restriction_id": self.restriction["restriction_id"], "reason": values["reason"]}
