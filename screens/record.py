"""Record view: one record from a person's timeline in full, in words (items and elements with
the checklist's own text), with who signed it, whether its hash and signature check out, whether
the central store holds it, and every amendment with its reason and what it changed."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from screens.common import alive
from screens.describe import KIND_LABELS, kind_label
from screens.footer import AppFooter
from storage.record_view import record_view

RESULT_STYLE = {"pass": "green", "fail": "bold red", "na": "dim"}


def _when(created_at: str) -> str:
    return created_at[:16].replace("T", " ") + " UTC"


def _grid(label_style: str = "bold") -> Table:
    """Two columns, the second wrapping under itself (not under the label)."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style=label_style, no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    return grid


def _details(kind: str, body: dict[str, Any], library: Any, proposal: bool = False) -> list[RenderableType]:
    """The body in words: the export's plain-language details, with scenario items and note
    elements one per line in the checklist's own wording."""
    from supervisor_tui.reports.describe import describe

    titles = {key: c.title for key, c in library.by_key.items()} if library else {}
    title, _outcome, details = describe(kind, body, titles, proposal)
    grid = _grid()
    for label, value in details:
        if label == "Items" and kind == "scenario_check":
            grid.add_row("Items", _items(body, library))
        elif label == "Missing elements" and kind == "note_assessment" and body.get("elements"):
            grid.add_row("Elements", _elements(body, library))
        else:
            grid.add_row(label, value)
    return [Text(title, style="bold"), Padding(grid, (0, 0, 0, 2))]


def _items(body: dict[str, Any], library: Any) -> Table:
    scenario = library.get(body.get("scenario_id", ""), body.get("scenario_version")) if library else None
    known = {i.item_id: i for i in getattr(scenario, "items", [])}
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    for item in body.get("items", []):
        found = known.get(item.get("item_id"))
        result = str(item.get("result", "?"))
        mark = Text(f"{result.upper():<4}", style=RESULT_STYLE.get(result, ""))
        mark.append(" ★" if found is not None and found.critical else "  ", style="bold")
        line = Text(found.text if found is not None else str(item.get("item_id")))
        if item.get("note"):
            line.append(f" ({item['note']})", style="italic")
        grid.add_row(mark, line)
    return grid


def _elements(body: dict[str, Any], library: Any) -> Table:
    standard = library.get(body.get("standard_id", ""), body.get("standard_version")) if library else None
    known = {e.element_id: e.text for e in getattr(standard, "elements", [])}
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    for element in body.get("elements", []):
        present = bool(element.get("present"))
        grid.add_row(Text("✓" if present else "✗", style="green" if present else "bold red"),
                     known.get(element.get("element_id"), str(element.get("element_id"))))
    return grid


def _changes(old: dict[str, Any], new: dict[str, Any], library: Any = None) -> Padding:
    from screens.changes import changes

    grid = _grid(label_style="")
    for what, was, becomes in changes(old, new, library):
        grid.add_row(f"{what}:", f"{was} → {becomes}")
    return Padding(grid, (0, 0, 0, 2))


def _attempts(view: dict[str, Any]) -> Text:
    """The note's rework chain: "attempt 1 rework 2026-10-12 → attempt 2 compliant …"."""
    text = Text("Attempts at this note: ", style="bold")
    for index, attempt in enumerate(view["attempts"]):
        if index:
            text.append(" → ")
        this = attempt["hash"] == view["record"]["hash"]
        text.append(f"{'▶ ' if this else ''}attempt {attempt['attempt']} {attempt['outcome']} "
                    f"{attempt['created_at'][:10]}", style="bold" if this else "")
    if len(view["attempts"]) > 1:
        text.append("  (a: go to the next attempt)", style="dim")
    return text


def record_renderable(view: dict[str, Any], library: Any) -> Group:
    """What the record view shows for ``record_view``'s answer."""
    record = view["record"]
    parts: list[RenderableType] = []
    head = Text(kind_label(record["kind"], bool(view.get("proposal"))), style="bold reverse")
    head.append(f"  {_when(record['created_at'])} · signed by {record['author']} on device "
                f"{record['device']} (record {record['seq']})\n", style="not reverse")
    parts.append(head)
    if record["kind"] == "amendment":
        original = view["amends"]
        grid = _grid()
        if original is None:
            grid.add_row("Corrects:", f"record {record['body'].get('amends', '')[:16]}… (not held on this laptop)")
        else:
            grid.add_row("Corrects:", f"{KIND_LABELS.get(original['kind'], original['kind'])} of "
                                      f"{_when(original['created_at'])} by {original['author']}")
        grid.add_row("Reason:", str(record["body"].get("reason", "")))
        parts.append(grid)
        if original is not None:
            corrected = record["body"].get("body", {})
            parts += [_changes(original["body"], corrected, library), Text("\nCorrected record", style="bold"),
                      *_details(original["kind"], corrected, library)]
    else:
        parts += _details(record["kind"], record["body"], library, bool(view.get("proposal")))
        body = record["body"]
        for amendment in view["amendments"]:
            line = Text(f"\nAmended {_when(amendment['created_at'])} by {amendment['author']}",
                        style="bold yellow")
            line.append(f": {amendment['body'].get('reason', '')}")
            corrected = amendment["body"].get("body", {})
            parts += [line, _changes(body, corrected, library)]
            body = corrected
        if view.get("attempts"):
            parts.append(_attempts(view))
        if view["amendments"]:
            parts.append(Text("The last amendment is what counts for status and exports; the "
                              "original stays as it was signed.", style="dim"))
    parts.append(Text(""))
    if view["problems"]:
        parts.append(Text("✗ Does not verify: " + "; ".join(view["problems"]), style="bold red"))
    else:
        parts.append(Text("✓ Hash and signature verified with the device's public key", style="green"))
    synced = view["synced"]
    if not view.get("own", True):
        parts.append(Text("Signed on another supervisor's device; pulled from the central store"))
    elif synced:
        parts.append(Text(f"Held by the central store {synced['server']} since {_when(synced['accepted_at'])}"))
    else:
        parts.append(Text("Not yet synced to the central store", style="yellow"))
    parts.append(Text(f"hash {record['hash']}\nprev {record['prev'] or '(first record of this device)'}",
                      style="dim"))
    return Group(*parts)


def plain_text(renderable: RenderableType, width: int = 200) -> str:
    """The renderable as plain text (tests and copying)."""
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.export_text()


class RecordScreen(ModalScreen[None]):
    """Opened with Enter on a timeline row; Esc closes, e starts an amendment of the record."""

    DEFAULT_CSS = """
    RecordScreen { align: center middle; }
    RecordScreen > VerticalScroll { width: 90%; max-width: 110; height: auto; max-height: 90%; border: thick $primary;
        background: $surface; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("e", "amend", "Amend"),
        Binding("a", "next_attempt", "Next attempt", show=False),
        Binding("left", "step(-1)", "Newer", priority=True),
        Binding("right", "step(1)", "Older", priority=True),
    ]

    def __init__(self, record_hash: str, table: Any = None) -> None:
        """``table``: the timeline it was opened from; ← → then step through its rows (and
        move its cursor along, so Esc lands on the record last shown)."""
        super().__init__()
        self.record_hash = record_hash
        self.table = table
        self.view: dict[str, Any] | None = None
        self.shown: RenderableType = ""

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("Loading…", id="record")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
        self.load()

    @work(thread=True, exclusive=True)
    def load(self) -> None:
        app: Any = self.app
        with app.store_lock:
            view = record_view(app.store, self.record_hash)
            library = app.store.library
        app.call_from_thread(self._loaded, view, library)

    @alive
    def _loaded(self, view: dict[str, Any] | None, library: Any) -> None:
        self.view = view
        static = self.query_one("#record", Static)
        if view is None:
            static.update("This record is not in the local store.")
            return
        self.shown = record_renderable(view, library)
        static.update(self.shown)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_step(self, delta: int) -> None:
        keys = list(getattr(self.table, "keys", []))
        if self.record_hash not in keys:
            return
        index = keys.index(self.record_hash) + delta
        if not 0 <= index < len(keys):
            self.notify("Newest record on this page." if delta < 0 else
                        "Oldest record on this page ([ ] on the timeline pages).", timeout=2)
            return
        self.record_hash = keys[index]
        self.table.move_cursor(index)
        self.query_one(VerticalScroll).scroll_home(animate=False)
        self.load()

    def action_next_attempt(self) -> None:
        """Follow a note's rework chain: the next attempt at the same note (then the first)."""
        chain = [a["hash"] for a in (self.view or {}).get("attempts", [])]
        if len(chain) < 2 or self.record_hash not in chain:
            self.notify("This note has no other attempt.", timeout=2)
            return
        self.record_hash = chain[(chain.index(self.record_hash) + 1) % len(chain)]
        keys = list(getattr(self.table, "keys", []))
        if self.table is not None and self.record_hash in keys:
            self.table.move_cursor(keys.index(self.record_hash))
        self.query_one(VerticalScroll).scroll_home(animate=False)
        self.load()

    def action_amend(self) -> None:
        from screens.correct_record import open_correction

        if self.view is None:
            return
        record = self.view["record"]
        if record["kind"] == "amendment":
            self.notify("This is an amendment: amend the original record instead.", severity="warning")
            return
        self.dismiss(None)
        open_correction(self.app, record)
