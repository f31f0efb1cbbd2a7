"""Staff detail: status summary, each pathway's requirements with progress, restrictions, latest
scenario outcomes, and a paged timeline of every record touching the person; every kind of
record starts from here with one key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Static

from checklists.names import names_of, short_restriction
from screens.common import ChoiceModal, alive
from screens.describe import kind_label, proposal_pathways, requirement_lines, summarise
from screens.drafts import Draft, read_drafts
from screens.footer import AppFooter
from screens.header import AppHeader
from screens.linetable import LineTable
from storage.overview import staff_detail, timeline_page

PAGE_SIZE = 40
DRAFT_KEYS = {"scenario_check": "c", "shadow_escalation": "h", "note_assessment": "n",
              "pathway_assigned": "a", "pathway_closed": "x", "restriction_started": "r",
              "restriction_reviewed": "r", "restriction_lifted": "r"}
STATE_TEXT = {"restricted": ("RESTRICTED", "bold yellow"), "in_progress": ("IN PROGRESS", "cyan"),
              "validated": ("VALIDATED", "green"), "none": ("NO PATHWAY", "dim")}


def read_staff(app: Any, staff_id: str, page: int = 0) -> tuple:
    """One staff member's detail, a page of their timeline and their unfinished drafts (call
    from a thread worker)."""
    from storage.history import note_attempts

    with app.store_lock:
        detail = staff_detail(app.store, staff_id, app.today())
        records, total = timeline_page(app.store, staff_id, page * PAGE_SIZE, PAGE_SIZE)
        drafts = [d for d in read_drafts(app.store)
                  if d.staff_id == staff_id or (detail is not None and _about(d, detail, staff_id))]
        if detail is not None:
            detail["rework"] = rework_links(note_attempts(app.store, staff_id))
            detail["names"] = names_of(app.store.loaded_library)
            if any(p["scope"] == "cohort" for p in detail["pathways"]):  # members named when closing
                detail["people"] = {p["staff_id"]: p["name"] for p in app.store.roster()}
    return detail, records, total, drafts


def not_counted(body: dict[str, Any], pathways: list[dict[str, Any]] | tuple = ()) -> str:
    """" · not counted: before the pathway" for a shift worked before a shadow-shift pathway
    was assigned (it does not count towards it)."""
    before = [p["pathway_id"] for p in pathways if p["requirements"].get("shadow_shifts")
              and p["status"] == "open" and body.get("shift_date", "") < p.get("assigned_on", "")]
    if not before:
        return ""
    return " · not counted: before the pathway" + (f"s {', '.join(before)}" if len(before) > 1 else "")


def _about(draft: Draft, detail: dict[str, Any], staff_id: str) -> bool:
    """A draft of a form about one of this person's pathways or restrictions (closing a pathway,
    reviewing or lifting a restriction, starting one for them)."""
    subject = draft.parts[0] if draft.parts else ""
    if draft.kind == "pathway_closed":
        return subject in {p["pathway_id"] for p in detail["pathways"]}
    if draft.kind in ("restriction_reviewed", "restriction_lifted"):
        return subject in {r["restriction_id"] for r in detail["restrictions"]}
    return draft.kind == "restriction_started" and draft.parts == ("staff", staff_id)


def rework_links(chains: dict[tuple[str, int], list[dict[str, Any]]]) -> dict[str, str]:
    """Note assessment hash -> where its rework chain went ("→ attempt 2 compliant"), for every
    attempt that has a later one."""
    links = {}
    for chain in chains.values():
        for index, attempt in enumerate(chain[:-1]):
            links[attempt["hash"]] = " → " + " → ".join(
                f"attempt {a['attempt']} {a['outcome']}" for a in chain[index + 1:])
    return links


class StaffScreen(Screen):
    AUTO_FOCUS = "#timeline"  # focused as the screen is built, not moved after its first frame
    CSS_PATH = "staff.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("enter", "view_record", "View record", show=False),
        Binding("c", "scenario", "Scenario"),
        Binding("h", "shadow", "Shadow"),
        Binding("n", "note", "Note"),
        Binding("a", "assign", "Assign"),
        Binding("x", "close_pathway", "Close"),
        Binding("r", "restrict", "Restrict"),
        Binding("e", "amend", "Amend"),
        Binding("o", "export", "Export"),
        Binding("t", "resume_session", "Resume session"),  # shown only with a session draft
        Binding("left_square_bracket", "page(-1)", "Prev page", show=False),
        Binding("right_square_bracket", "page(1)", "Next page", show=False),
    ]

    def __init__(self, staff_id: str = "", data: tuple | None = None) -> None:
        """``data`` is what ``read_staff`` returned, when the caller read it before opening
        the screen (``App.open_staff`` does, in a worker), so the first frame shows it. Without
        a ``staff_id`` the screen is built empty, to be given a person later by ``show``."""
        super().__init__()
        self.staff_id = staff_id
        self.detail: dict[str, Any] | None = None  # the detail on screen (set once painted)
        self.page = 0
        self.total = 0
        self.records: dict[str, dict[str, Any]] = {}
        self.drafts: list[Draft] = []
        self.exports: list[str] = []  # files exported from this screen for this person
        self._mounted = False
        self._shown = False
        self._early: tuple | None = data

    def show(self, staff_id: str, data: tuple, width: int) -> None:
        """Make this kept, already built screen show another person before it is pushed again
        (building a new screen was most of the time it took to open one)."""
        self.staff_id = staff_id
        self.detail = None
        self.exports = []
        self.page = 0
        self._shown = False  # the coming resume is this opening, not a return from a form
        self.set_class(width < 100, "narrow")
        header = self.query_one(AppHeader)
        header.header_title = f"staff {staff_id}"
        header.refresh_text()
        left = self.query_one("#left", VerticalScroll)
        if left.scroll_y:
            left.scroll_home(animate=False)
        self.query_one(LineTable).focus()
        self._loaded(*data)

    def compose(self) -> ComposeResult:
        if self._early is None and self.staff_id:
            self.load()  # start reading while the widgets are built
        yield AppHeader(f"staff {self.staff_id}")
        yield Static("Loading…" if self.staff_id else "", id="summary")
        with Horizontal(id="body"):
            with VerticalScroll(id="left"):
                # Pathways, restrictions and scenario checks: one widget (fewer to build and
                # style when the screen opens).
                yield Static(id="status")
            with Vertical(id="right") as right:
                # Shown only below 100 columns, where the timeline sits under the summary and its
                # header row would otherwise read as the last summary heading's table.
                right.border_title = " Timeline "
                yield LineTable(("When", "Record", "Summary", "By"), flex=2, id="timeline")
                yield Static(id="pageinfo")
        yield AppFooter()

    def on_mount(self) -> None:
        try:
            self.query_one(LineTable).focus()
        except NoMatches:  # the app closed while this screen was being built in the background
            return
        self._mounted = True
        if self._early is not None:
            self._loaded(*self._early)

    def on_screen_resume(self) -> None:
        if self._shown:  # back from a form or modal: records may have changed
            self.load()
        elif self._mounted and self.detail is None:  # the kept screen, given a person by show()
            # Lay out and draw now, not at the screen's next update tick (up to 1/60 s away,
            # about a third of opening a person). Textual has no public call for it; this is
            # what that tick runs (Textual is pinned in pyproject.toml).
            self._on_timer_update()
        self._shown = True

    def on_resize(self, event: Any) -> None:
        """Below 100 columns the summary sits above the timeline instead of beside it."""
        self.set_class(event.size.width < 100, "narrow")

    @work(thread=True, exclusive=True, group="staff")
    def load(self) -> None:
        app: Any = self.app
        data = read_staff(app, self.staff_id, self.page)
        app.call_from_thread(self._loaded, *data)

    @alive
    def _loaded(self, detail: dict[str, Any] | None, records: list[dict[str, Any]], total: int,
                drafts: list[Draft] | tuple = ()) -> None:
        if not self._mounted:
            self._early = (detail, records, total, drafts)  # arrived before on_mount: applied there
            return
        if detail is None:
            self.query_one("#summary", Static).update(f"{self.staff_id} is not on the roster.")
            self.query_one("#status", Static).update("")
            self.query_one(LineTable).set_rows([], [])
            return
        self.total = total
        self.drafts = list(drafts)
        self.refresh_bindings()
        self._summary(detail)
        self._timeline(records, detail.get("rework", {}), detail.get("pathways", []))
        self.call_after_refresh(self._painted, detail)

    def _painted(self, detail: dict[str, Any]) -> None:
        self.detail = detail

    def _summary(self, detail: dict[str, Any]) -> None:
        person, row = detail["person"], detail["row"]
        label, style = STATE_TEXT[row.state]
        text = Text()
        text.append(f"{person['name']} ({person['staff_id']})", style="bold")
        text.append(f" · {person['role']} · {person['cohort']} · ")
        text.append(label, style=style)
        if row.next_due:
            text.append(f" · next due {row.next_due}")
        if row.overdue:
            text.append(" OVERDUE", style="bold red reverse")
        names = detail.get("names") or names_of(None)
        active = [r for r in detail["restrictions"] if r["status"] == "active"]
        if active:  # on the line that is always visible (the section may be scrolled away)
            codes = sorted({c for r in active for c in r["codes"]})
            # in short words here (the Restrictions section below gives each one's full text)
            text.append(f" · restricted: {', '.join(short_restriction(c) for c in codes)}", style="bold")
            text.append(f" (review by {min(r['next_review_on'] for r in active)})")
        self.query_one("#summary", Static).update(text)

        pathways = Text("Pathways\n", style="bold")
        if not detail["pathways"]:
            pathways.append("  none · press a to assign one\n", style="dim")
        for view in detail["pathways"]:
            overdue = view["overdue"]
            head = (f"{view['pathway_id']} · {view['incident_ref']} · {view['gap']} gap · "
                    f"{view['status']}")
            head += f" {view['closed_on']}" if view["closed_on"] else f" · due {view['due_on']}"
            if view.get("approval_text") and view["status"] == "open":
                head += f" · {view['approval_text']}"
            pathways.append(head, style="bold red" if overdue else "")
            pathways.append(" OVERDUE\n" if overdue else "\n", style="bold red")
            owner = view["owner"] + (f" ({view['owner_id']})" if view.get("owner_id") else "")
            if view["scope"] == "cohort":
                pathways.append(f"  cohort {view['subject']}, owner {owner}\n", style="dim")
            else:
                pathways.append(f"  owner {owner}\n", style="dim")
            if view.get("conflict_text"):
                pathways.append(f"  ⚠ CONFLICT {view['conflict_text']}\n", style="bold yellow")
            # the decider by name when it is the owner (the deputy is known by id only)
            decider = owner if view.get("decided_by") == view.get("owner_id") else view.get("decided_by")
            if view.get("approval") == "returned":
                pathways.append(f"  returned by {decider}: {view['decision_reason']}\n")
            elif view.get("approval") == "closed" and view.get("decided_by"):
                pathways.append(f"  closure approved by {decider}\n", style="dim")
            if view["status"] == "open":
                pathways.append("\n".join(requirement_lines(view, names)) + "\n")
                if view["scope"] == "cohort" and view["unmet"]:
                    pathways.append(f"  cohort: {len(view['unmet'])} requirement(s) unmet\n", style="dim")

        restrictions = Text("Restrictions\n", style="bold")
        if not detail["restrictions"]:
            restrictions.append("  none\n", style="dim")
        for r in detail["restrictions"]:
            if r["status"] != "active":
                when = r["lifted_on"] if r["status"] == "lifted" else r["expires_on"]
                restrictions.append(f"{r['restriction_id']} {r['status']} {when or ''}\n", style="dim")
                continue
            restrictions.append(f"{r['restriction_id']} ({r['scope']}):\n")
            for code in r["codes"]:
                restrictions.append(f"  • {names.restriction(code)}\n")
            restrictions.append(f"  {r['days_left']} days left (to {r['expires_on']}) · review by "
                                f"{r['next_review_on']}")
            restrictions.append(" REVIEW OVERDUE\n" if r["review_overdue"] else "\n",
                                style="bold red")
            if r.get("conflict_text"):
                restrictions.append(f"  ⚠ CONFLICT {r['conflict_text']}\n", style="bold yellow")

        scenarios = Text("Latest scenario checks\n", style="bold")
        for scenario_id, s in detail["scenarios"].items():
            style = "green" if s["outcome"] == "pass" else "red"
            scenarios.append(f"  {names.scenario(scenario_id)} v{s['version']}: ")
            scenarios.append(s["outcome"], style=style)
            scenarios.append(f" {s['on']}\n")
        if not detail["scenarios"]:
            scenarios.append("  none yet · press c to run one\n", style="dim")
        parts = [pathways, restrictions, scenarios]
        if self.exports:
            exported = Text("Exported\n", style="bold")
            for path in self.exports:
                exported.append(f"  {path}\n")
            parts.append(exported)
        if self.drafts:
            unfinished = Text("Unfinished drafts\n", style="bold yellow")
            for draft in self.drafts:
                key = "t" if draft.session_id else DRAFT_KEYS.get(draft.kind, "")
                unfinished.append(f"  {draft.in_words} · saved {draft.saved} ({key})\n")
            parts.insert(0, unfinished)
        gap = Text("\n")  # the blank line between the parts
        self.query_one("#status", Static).update(gap.join(parts))

    def _timeline(self, records: list[dict[str, Any]], rework: dict[str, str] | None = None,
                  pathways: list[dict[str, Any]] = ()) -> None:
        self.records = {}
        amended = {r["body"]["amends"] for r in records if r["kind"] == "amendment"}
        proposing = proposal_pathways(pathways)
        rows = []
        for record in records:
            self.records[record["hash"]] = record
            proposal = record["kind"] == "pathway_closed" and record["body"].get("pathway_id") in proposing
            label = kind_label(record["kind"], proposal) + (" (amended)" if record["hash"] in amended else "")
            summary = summarise(record, proposal=proposal) + (rework or {}).get(record["hash"], "")
            if record["kind"] == "shadow_escalation":
                summary += not_counted(record["body"], pathways)
            rows.append((record["created_at"][:16].replace("T", " "), label, summary,
                         record["author"]))
        table = self.query_one(LineTable)
        # Back from a record or a form: stay on the record that was picked (on the top row, a
        # newly signed record takes the top as before).
        before = table.cursor_key if table.cursor_row else None
        table.set_rows(rows, [r["hash"] for r in records])
        if before in table.keys:
            table.move_cursor(table.keys.index(before))
        pages = max(1, -(-self.total // PAGE_SIZE))
        self.query_one("#pageinfo", Static).update(
            f"{self.total} record{'' if self.total == 1 else 's'} · page {self.page + 1}/{pages} ([ ]) · newest first · Enter views one")

    # -- actions -------------------------------------------------------------------------
    def _session_drafts(self) -> list[Draft]:
        return [d for d in self.drafts if d.session_id and d.kind == "scenario_check"]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """"Resume session" is in the footer only while this person has a check half run in a
        training session."""
        if action == "resume_session":
            return bool(self._session_drafts())  # False: hidden
        return True

    def action_resume_session(self) -> None:
        """Reopen the training session this person's half-run check belongs to, at them, with
        the check over it (the newest such draft when there are several)."""
        from screens.drafts import resume_session

        drafts = self._session_drafts()
        if drafts:
            resume_session(self.app, max(drafts, key=lambda d: d.updated_at))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_page(self, delta: int) -> None:
        pages = max(1, -(-self.total // PAGE_SIZE))
        page = max(0, min(pages - 1, self.page + delta))
        if page != self.page:
            self.page = page
            self.load()

    def _open_pathways(self) -> list[dict[str, Any]]:
        return [p for p in (self.detail or {}).get("pathways", []) if p["status"] == "open"]

    def _pathway_needing(self) -> dict[str, str]:
        """Scenario id -> the open pathway that needs it (a check run here counts towards it)."""
        return {s: p["pathway_id"] for p in self._open_pathways()
                for s in p["requirements"].get("scenarios", [])}

    def action_scenario(self) -> None:
        app: Any = self.app
        open_ids = self._pathway_needing()
        options = []
        for s in app.store.library.scenarios():
            needed = f" · needed by {open_ids[s.id]}" if s.id in open_ids else ""
            options.append((s.id, f"{s.title} (v{s.version}){needed}"))

        def chosen(scenario_id: str | None) -> None:
            if scenario_id:
                app.start_scenario(self.staff_id, scenario_id, open_ids.get(scenario_id))

        app.push_screen(ChoiceModal("Run which scenario?", options), chosen)

    def resume_form(self, draft: Draft) -> None:
        """Reopen the form a draft of this person belongs to (the form restores the draft)."""
        if draft.kind == "scenario_check" and len(draft.parts) > 1:
            self.app.start_scenario(self.staff_id, draft.parts[1], self._pathway_needing().get(draft.parts[1]))
        elif draft.kind == "shadow_escalation":
            self.action_shadow()
        elif draft.kind == "note_assessment":
            self.action_note()
        elif draft.kind == "pathway_assigned":
            self.action_assign()

    def action_shadow(self) -> None:
        from screens.shadow import ShadowScreen

        self.app.push_screen(ShadowScreen(self.staff_id))

    def action_note(self) -> None:
        from screens.note import NoteScreen

        self.app.push_screen(NoteScreen(self.staff_id))

    def action_assign(self) -> None:
        from screens.pathway import AssignPathwayScreen

        person = (self.detail or {}).get("person") or {}
        self.app.push_screen(AssignPathwayScreen(self.staff_id, person.get("cohort", "")))

    def action_close_pathway(self) -> None:
        from screens.pathway import ClosePathwayScreen

        pathways = self._open_pathways()
        if not pathways:
            self.notify("No open pathway to close.", severity="warning")
            return
        people = (self.detail or {}).get("people") or {}
        pathways = [{**p, "people": people} if p["scope"] == "cohort" else p for p in pathways]
        if len(pathways) == 1:
            self.app.push_screen(ClosePathwayScreen(pathways[0]))
            return
        by_id = {p["pathway_id"]: p for p in pathways}

        def chosen(pathway_id: str | None) -> None:
            if pathway_id:
                self.app.push_screen(ClosePathwayScreen(by_id[pathway_id]))

        self.app.push_screen(ChoiceModal("Close which pathway?", [
            (p["pathway_id"], f"{p['pathway_id']} · {p['incident_ref']} · due {p['due_on']}")
            for p in pathways]), chosen)

    def action_restrict(self) -> None:
        from screens.restrictions import restriction_menu

        restriction_menu(self.app, self.staff_id, (self.detail or {}).get("restrictions", []),
                         ((self.detail or {}).get("person") or {}).get("cohort"))

    def action_view_record(self) -> None:
        from screens.record import RecordScreen

        table = self.query_one(LineTable)
        if table.cursor_key is not None:
            self.app.push_screen(RecordScreen(table.cursor_key, table))

    def on_line_table_row_chosen(self, event: LineTable.RowChosen) -> None:
        self.action_view_record()

    def action_amend(self) -> None:
        from screens.correct_record import open_correction

        key = self.query_one(LineTable).cursor_key
        if key is None:
            return
        record = self.records.get(key)
        if record is None or record["kind"] == "amendment":
            self.notify("Pick an original record (not an amendment) in the timeline.",
                        severity="warning")
            return
        open_correction(self.app, record)

    def action_export(self) -> None:
        def chosen(fmt: str | None) -> None:
            if fmt:
                self._export(fmt)

        self.app.push_screen(ChoiceModal("Export this person's re-validation history as…", [
            ("html", "HTML evidence pack (printable)"), ("json", "JSON (signed records)"),
            ("csv", "CSV")]), chosen)

    @work(thread=True, group="export")
    def _export(self, fmt: str) -> None:
        app: Any = self.app
        try:
            from storage.export import export_staff
        except ImportError:
            app.call_from_thread(app.notify, "Export is not available in this build.",
                                 severity="warning")
            return
        out_dir = Path(app.store.home) / "exports"
        out_dir.mkdir(parents=True, exist_ok=True)
        stamp = app.now().strftime("%Y%m%d-%H%M%S")
        out = out_dir / f"{self.staff_id}-{stamp}.{fmt}"
        try:
            with app.store_lock:
                written = export_staff(app.store, self.staff_id, fmt, out)
        except Exception as exc:  # noqa: BLE001 - reported, never a crash
            app.call_from_thread(app.notify, f"Export failed: {exc}", severity="error")
            return
        app.call_from_thread(self._exported, str(written))

    @alive
    def _exported(self, path: str) -> None:
        """The path stays on screen: in a notice kept until dismissed (click it), and on this
        person's screen until another person is opened."""
        self.exports.append(path)
        self.app.notify(f"Written to {path}", title="Exported (click to dismiss)", timeout=24 * 3600)
        if self.detail is not None:
            self._summary(self.detail)
