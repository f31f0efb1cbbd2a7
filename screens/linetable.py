"""A light, read-only table with a row cursor, drawn line by line.

Textual's DataTable renders every visible cell through Rich's console (padding, wrapping,
measuring) and measures new rows only when it next goes idle, then adds its scrollbars in a
second layout pass; on the staff screen that was about half the time of opening a person. A
timeline row is a handful of plain strings, so this widget builds each visible line straight
from segments: fixed column widths measured once per fill, one column that takes the width left
(cut with "…"), a header line that stays put, zebra stripes and a cursor row.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

PADDING = 1  # blank cells either side of a column, like DataTable's cell padding


class LineTable(ScrollView, can_focus=True):
    """Rows of plain-text cells, keyed; ``flex`` names the column that absorbs spare width."""

    COMPONENT_CLASSES = {"line-table--header", "line-table--cursor", "line-table--stripe"}
    DEFAULT_CSS = """
    LineTable {
        background: $surface;
        color: $foreground;
        & > .line-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .line-table--stripe { background: $surface-lighten-1 50%; }
        &:dark > .line-table--stripe { background: $surface-darken-1 40%; }
        & > .line-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .line-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
    }
    """
    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "cursor_to(0)", "First", show=False),
        Binding("end", "cursor_to(-1)", "Last", show=False),
    ]

    class RowHighlighted(Message):
        """The cursor moved to another row."""

        def __init__(self, table: LineTable, key: str | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

    class RowChosen(Message):
        """A row was double-clicked (Enter is left to the screen's bindings)."""

        def __init__(self, table: LineTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

    def __init__(self, columns: Sequence[str], *, flex: int | None = None,
                 id: str | None = None) -> None:  # noqa: A002 - Textual's name for it
        super().__init__(id=id)
        self.columns = list(columns)
        self.flex = flex
        self.keys: list[str] = []
        self._rows: list[tuple[str, ...]] = []
        self._natural = [cell_len(c) for c in self.columns]
        self.cursor_row = 0
        self._styles: dict[str, Style] = {}

    # -- data --------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[Sequence[str]], keys: Sequence[str]) -> None:
        """Replace every row (cursor back to the first) and size the columns to their cells."""
        self._rows = [tuple(str(cell) for cell in row) for row in rows]
        self.keys = [str(key) for key in keys]
        natural = [cell_len(c) for c in self.columns]
        for row in self._rows:
            for i, cell in enumerate(row):
                width = cell_len(cell)
                if width > natural[i]:
                    natural[i] = width
        self._natural = natural
        self.cursor_row = 0
        # Guess the scrollbar before the layout does: deciding it there costs a second layout
        # (and mounting the scrollbar a third) before the rows are on screen.
        shown = len(self._rows) + 1 > (self.scrollable_content_region.height or 10)
        if shown != self.show_vertical_scrollbar:
            self.show_vertical_scrollbar = shown
            self.vertical_scrollbar.display = shown
        self.virtual_size = Size(0, len(self._rows) + 1)
        if self.scroll_y:
            self.scroll_to(y=0, animate=False)
        self.refresh()

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def get_row_at(self, index: int) -> tuple[str, ...]:
        return self._rows[index]

    @property
    def cursor_key(self) -> str | None:
        return self.keys[self.cursor_row] if self._rows else None

    def move_cursor(self, row: int) -> None:
        """Put the cursor on ``row`` (clamped) and scroll it into view."""
        if not self._rows:
            return
        row = max(0, min(len(self._rows) - 1, row))
        if row != self.cursor_row:
            self.cursor_row = row
            self.post_message(self.RowHighlighted(self, self.keys[row]))
        visible = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_y)
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + visible:
            self.scroll_to(y=row - visible + 1, animate=False)
        self.refresh()

    # -- keys and mouse ---------------------------------------------------------------------
    def action_cursor(self, delta: int) -> None:
        self.move_cursor(self.cursor_row + delta)

    def action_page(self, delta: int) -> None:
        self.move_cursor(self.cursor_row + delta * max(1, self.scrollable_content_region.height - 1))

    def action_cursor_to(self, row: int) -> None:
        self.move_cursor(row if row >= 0 else len(self._rows) - 1)

    def on_click(self, event: Click) -> None:
        if event.y < 1:
            return
        row = int(self.scroll_y) + event.y - 1
        self.move_cursor(row)
        if event.chain >= 2 and row < len(self._rows):
            self.post_message(self.RowChosen(self, self.keys[row]))

    # -- drawing -----------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(name)
        return style

    def _widths(self, width: int) -> list[int]:
        widths = list(self._natural)
        if self.flex is not None:
            others = sum(w + 2 * PADDING for i, w in enumerate(widths) if i != self.flex)
            widths[self.flex] = max(cell_len(self.columns[self.flex]),
                                    width - others - 2 * PADDING)
        return widths

    def _line(self, cells: Sequence[str], widths: list[int], style: Style, width: int) -> Strip:
        pad = " " * PADDING
        parts = []
        for cell, w in zip(cells, widths, strict=False):
            if cell_len(cell) > w:
                cell = set_cell_size(cell, w - 1) + "…"
            parts.append(pad + set_cell_size(cell, w) + pad)
        text = set_cell_size("".join(parts), width)
        return Strip([Segment(text, style)], width)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        widths = self._widths(width)
        if y == 0:
            return self._line(self.columns, widths, base + self._style("line-table--header"), width)
        index = int(self.scroll_y) + y - 1
        if index >= len(self._rows):
            return Strip.blank(width, base)
        style = base
        if index % 2 == 0:  # DataTable's "even" rows: the first, third, …
            style += self._style("line-table--stripe")
        if index == self.cursor_row:
            style += self._style("line-table--cursor")
        return self._line(self._rows[index], widths, style, width)
