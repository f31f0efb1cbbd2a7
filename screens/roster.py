"""Roster / home: every staff member's re-validation state, open pathway progress, active
restrictions and next due date; filter by cohort and state, incremental search, overdue rows
stand out. The overview comes from ``storage.overview`` (a few indexed queries, not every
record) in a thread worker; the table shows one page at a time."""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, Select, Static

from checklists.names import short_restriction
from screens.common import alive
from screens.footer import AppFooter
from screens.header import AppHeader
from screens.inputs import make_input
from screens.linetable import LineTable
from storage.overview import StaffOverview, roster_overview

PAGE_SIZE = 100
PRELOAD_WAIT_S = 0.25  # how long the first frame waits for the start-up read of the overview
STATE_LABELS = {"restricted": "Restricted", "in_progress": "In progress",
                "validated": "Validated", "none": "—"}
STATE_STYLES = {"restricted": "bold yellow", "in_progress": "cyan", "validated": "green", "none": "dim"}


HEADERS = ("ID", "Name", "Cohort", "State", "Progress", "Next due", "Restrictions")
CODES_MIN = 28  # the longest code and its comma: the column is never narrower, codes wrap
# Room a table needs besides its columns' content: one cell of padding either side of each
# column, and the vertical scrollbar.
TABLE_CHROME = 2 * len(HEADERS) + 2


def codes_width(screen_width: int, rows: list[list[Any]]) -> int | None:
    """Width of the restriction column: what the other columns (sized to the page's content)
    leave of the screen; None when that is under ``CODES_MIN`` (a narrow terminal: the codes
    then stay on one line, reached by scrolling the table sideways)."""
    widths = [len(h) for h in HEADERS[:-1]]
    for cells in rows:
        widths = [max(w, Text(c).cell_len if isinstance(c, str) else c.cell_len)
                  for w, c in zip(widths, cells, strict=True)]
    width = screen_width - sum(widths) - TABLE_CHROME
    return width if width >= CODES_MIN else None


def wrap_codes(codes: list[str], width: int | None) -> tuple[str, int]:
    """The codes comma-separated, broken between codes onto as many lines as the width needs
    (so a code is never cut off), and the number of lines."""
    if width is None:
        return ", ".join(codes), 1
    lines: list[str] = []
    for code in codes:
        if lines and len(lines[-1]) + 2 + len(code) + 1 <= width:  # room for a trailing ','
            lines[-1] += ", " + code
        else:
            if lines:
                lines[-1] += ","
            lines.append(code)
    return "\n".join(lines), max(1, len(lines))


def matches(row: StaffOverview, query: str, cohort: str | None, state: str | None) -> bool:
    if cohort and row.cohort != cohort:
        return False
    if state == "overdue":
        if not row.overdue:
            return False
    elif state and row.state != state:
        return False
    query = query.strip().lower()
    return not query or query in row.name.lower() or query in row.staff_id.lower()


SORTS = {  # key: (words for the status line, sort key)
    "id": ("staff id", lambda r: r.staff_id),
    "due": ("next due, overdue first", lambda r: (not r.overdue, r.next_due or "9999-99-99", r.staff_id)),
    "name": ("name", lambda r: (r.name.lower(), r.staff_id)),
}


class RosterTable(LineTable):
    """The roster's rows, drawn line by line (``screens.linetable``: a DataTable rendered every
    cell through Rich and laid the screen out twice before its first frame). Keys as the
    DataTable had them: ←/→ and Home/End scroll sideways, Ctrl+Home/Ctrl+End go to the first and
    last row; a click on the highlighted row opens that person."""

    DEFAULT_CSS = """
    RosterTable:focus > .line-table--header { background-tint: $foreground 5%; }
    """  # the DataTable's focused header
    BINDINGS = [
        Binding("left", "scroll_left", "Scroll left", show=False),
        Binding("right", "scroll_right", "Scroll right", show=False),
        Binding("home", "scroll_x(0)", "Leftmost", show=False),
        Binding("end", "scroll_x(-1)", "Rightmost", show=False),
        Binding("ctrl+home", "cursor_to(0)", "First", show=False),
        Binding("ctrl+end", "cursor_to(-1)", "Last", show=False),
    ]

    def action_page(self, delta: int) -> None:
        """Page Up/Down as the DataTable did: the view moves a page and the cursor moves over
        the rows that fill a page."""
        self.set_hover(None)
        if not self.row_count:
            return
        height = self.scrollable_content_region.height - 1  # below the header
        row = self.cursor_row
        offset = steps = 0
        for index in range(row, self.row_count) if delta > 0 else range(row, -1, -1):
            offset += self._row_height(index)
            steps += 1
            if offset > height:
                break
        self.scroll_to(y=self.scroll_y + delta * height, animate=False)
        self.move_cursor(row + delta * (steps - 1), scroll=False)

    def action_scroll_x(self, where: int) -> None:
        self.scroll_to(x=self.max_scroll_x if where < 0 else 0, animate=False)


class RosterScreen(Screen):
    AUTO_FOCUS = "#roster"  # focused as the screen is built, not moved after its first frame
    CSS_PATH = "roster.tcss"
    BINDINGS = [
        Binding("slash", "search", "Search"),
        Binding("enter", "open", "Open", show=False),
        Binding("c", "cohort", "Cohort"),
        Binding("v", "state", "State"),
        Binding("o", "sort", "Sort"),
        Binding("r", "app.restrictions", "Restrictions"),
        Binding("t", "app.training_session", "Training"),
        Binding("w", "app.approvals", "Approvals"),
        Binding("s", "app.sync_now", "Sync"),
        Binding("g", "app.report", "Report"),
        Binding("u", "app.switch_supervisor", "Switch supervisor", show=False),  # footer is full: palette too
        Binding("left_square_bracket", "page(-1)", "Prev page", show=False),
        Binding("right_square_bracket", "page(1)", "Next page", show=False),
        Binding("escape", "clear", "Clear", show=False),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[StaffOverview] = []
        self.shown: list[StaffOverview] = []
        self.page = 0
        self.sort = "id"
        self._shown = False
        self._filled_width = 0
        self.draft_count = 0
        self.others_unsynced: list[str] = []

    def compose(self) -> ComposeResult:
        yield AppHeader("roster")
        with Horizontal(id="filters"):
            yield make_input(self.app, id="search", placeholder="/ search name or id",
                             select_on_focus=True)  # "/" again starts a new search
            yield Select([], prompt="All cohorts", id="cohort")
            yield Select([("Restricted", "restricted"), ("In progress", "in_progress"),
                          ("Validated", "validated"), ("No pathway", "none"),
                          ("Overdue", "overdue")], prompt="All states", id="state")
        yield RosterTable(HEADERS, id="roster", click_selects=True, hover=True)
        yield Static("Loading roster…", id="pageinfo")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one(RosterTable).focus()
        app: Any = self.app
        # At start-up the overview has usually been read while Textual started: fill the table
        # now, so the first frame already shows the rows. If it is still being read, wait a
        # little for it (the thread reading it then has the interpreter to itself; an empty
        # first frame would cost a layout and a render more than the wait), else read it in
        # a worker.
        preloaded = app.take_preloaded(wait=PRELOAD_WAIT_S) if hasattr(app, "take_preloaded") else None
        if preloaded is not None:
            self._loaded(*preloaded)
        else:
            self.load()

    def on_screen_resume(self) -> None:
        if self._shown and self.rows:  # back from another screen: records may have changed
            self.load()
            self.count_drafts()
        self._shown = True

    @work(thread=True, exclusive=True, group="roster")
    def load(self) -> None:
        app: Any = self.app
        preloaded = app.take_preloaded() if hasattr(app, "take_preloaded") else None
        if preloaded is not None:
            rows, cohorts = preloaded
        else:
            with app.store_lock:
                rows = roster_overview(app.store, app.today())
                cohorts = [(c["name"], c["cohort_id"]) for c in app.store.cohorts()]
        app.call_from_thread(self._loaded, rows, cohorts)

    @alive
    def _loaded(self, rows: list[StaffOverview], cohorts: list[tuple[str, str]]) -> None:
        self.rows = rows
        select = self.query_one("#cohort", Select)
        if len(select._options) <= 1 and cohorts:  # noqa: SLF001 - set options once
            select.set_options(cohorts)
        self.apply_filter()
        self.call_after_refresh(self._painted)

    def _painted(self) -> None:
        app: Any = self.app
        app.roster_painted_at = time.time()  # when the rows reached the screen (bench/tui.py)
        app.roster_ready.set()
        app.call_later(app.prepare_staff_screen)
        self.count_drafts()

    @work(thread=True, exclusive=True, group="roster-drafts")
    def count_drafts(self) -> None:
        app: Any = self.app
        with app.store_lock:
            count = len(app.store.drafts())
            active = app.store.profile
            others = [f"{p.name}: {n} unsynced" for p in app.store.profiles()  # a shared laptop
                      if active is not None and p.supervisor != active.supervisor
                      and (n := app.store.unsynced_count(p.supervisor))]
        app.call_from_thread(self._drafts_counted, count, others)

    @alive
    def _drafts_counted(self, count: int, others: list[str] | None = None) -> None:
        if count != self.draft_count or (others or []) != self.others_unsynced:
            self.draft_count = count
            self.others_unsynced = others or []
            self._show_info()

    def on_line_table_row_highlighted(self, event: LineTable.RowHighlighted) -> None:
        if event.key is not None:
            self.app.prefetch_staff(event.key)

    def apply_filter(self, keep_page: bool = False) -> None:
        query = self.query_one("#search", Input).value
        cohort = self.query_one("#cohort", Select).value
        state = self.query_one("#state", Select).value
        cohort = None if cohort is Select.NULL else cohort
        state = None if state is Select.NULL else state
        self.shown = sorted((r for r in self.rows if matches(r, query, cohort, state)),
                            key=SORTS[self.sort][1])
        pages = max(1, -(-len(self.shown) // PAGE_SIZE))
        self.page = min(self.page, pages - 1) if keep_page else 0
        self._fill()

    def _fill(self, keep_cursor: bool = False) -> None:
        table = self.query_one(RosterTable)
        cursor = table.cursor_row
        start = self.page * PAGE_SIZE
        rows = [(row.staff_id, self._cells(row), [short_restriction(c) for c in row.codes])
                for row in self.shown[start:start + PAGE_SIZE]]
        width = codes_width(self.app.size.width, [cells for _, cells, _ in rows])
        widest = max([len(", ".join(codes)) for _, _, codes in rows], default=0)
        self._filled_width = self.app.size.width
        self._codes_hidden = width is None and any(codes for _, _, codes in rows)
        table.set_rows([[*cells, wrap_codes(codes, width)[0]] for _, cells, codes in rows],
                       [staff_id for staff_id, _, _ in rows],
                       widths=[None] * (len(HEADERS) - 1) + [width or max(len(HEADERS[-1]), widest)])
        if keep_cursor and table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
        if table.cursor_key is not None:  # the highlighted person is read ahead
            self.app.prefetch_staff(table.cursor_key)
        self._show_info()

    def _show_info(self) -> None:
        pages = max(1, -(-len(self.shown) // PAGE_SIZE))
        overdue = sum(1 for r in self.rows if r.overdue)
        info = Text()
        if getattr(self, "_codes_hidden", False):  # a narrow terminal: say where they are
            info.append("Restrictions: → scrolls to them", style="bold")
            info.append(" · ")
        if self.draft_count:  # first, so a narrow terminal does not cut it off
            info.append(f"{self.draft_count} unfinished draft{'s' if self.draft_count > 1 else ''}"
                        " (Ctrl+P: resume)", style="bold yellow")
            info.append(" · ")
        if self.others_unsynced:  # the other supervisors of this laptop
            info.append("; ".join(self.others_unsynced) + " · ")
        info.append(f"{len(self.shown)} of {len(self.rows)} staff · page {self.page + 1}/{pages}"
                    f" ([ ]) · {overdue} overdue · sorted by {SORTS[self.sort][0]} (o)"
                    " · Enter opens")
        if not self.rows:
            info = Text("No staff on the roster yet: import a CSV with 'supervisor-tui roster import FILE'.")
        self.query_one("#pageinfo", Static).update(info)

    def _cells(self, row: StaffOverview) -> list[Any]:
        style = "bold red" if row.overdue else ""
        done, total = row.progress
        if row.open_pathways:
            progress = f"{done}/{total} met"  # of the person's open pathway requirements
            if len(row.open_pathways) > 1:
                progress += f" · {len(row.open_pathways)} open"
        else:
            progress = ""
        due = Text(row.next_due or "", style=style)
        if row.overdue:
            due.append(" OVERDUE", style="bold red reverse")
        return [
            Text(row.staff_id, style=style), Text(row.name, style=style), row.cohort,
            Text(STATE_LABELS[row.state], style=STATE_STYLES[row.state]), progress, due,
        ]

    def on_resize(self, event: Any) -> None:
        """The restriction column takes the width left over: re-wrap it when that changes."""
        if self.rows and event.size.width != self._filled_width:
            self._fill(keep_cursor=True)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "search":
            self.apply_filter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """"/", the name, Enter: opens the highlighted (first matching) person at once."""
        self.query_one(RosterTable).focus()
        self.action_open()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.apply_filter()

    def on_line_table_row_chosen(self, event: LineTable.RowChosen) -> None:
        self.app.open_staff(event.key)

    def action_open(self) -> None:
        key = self.query_one(RosterTable).cursor_key
        if key is not None:
            self.app.open_staff(key)

    def action_search(self) -> None:
        self.query_one("#search").focus()

    def action_cohort(self) -> None:
        self.query_one("#cohort", Select).action_show_overlay()

    def action_state(self) -> None:
        self.query_one("#state", Select).action_show_overlay()

    def action_sort(self) -> None:
        """Cycle the order: staff id, next due (overdue first), name."""
        order = list(SORTS)
        self.sort = order[(order.index(self.sort) + 1) % len(order)]
        self.apply_filter()  # the cursor is back on the first row

    def action_clear(self) -> None:
        self.query_one("#search", Input).value = ""
        self.query_one("#cohort", Select).clear()
        self.query_one("#state", Select).clear()
        self.query_one(RosterTable).focus()

    def action_page(self, delta: int) -> None:
        pages = max(1, -(-len(self.shown) // PAGE_SIZE))
        self.page = max(0, min(pages - 1, self.page + delta))
        self._fill()
