"""A light, read-only table with a row cursor, drawn line by line.

Textual's DataTable renders every visible cell through Rich's console (padding, wrapping,
measuring) and measures new rows only when it next goes idle, then adds its scrollbars in a
second layout pass; on the staff screen that was about half the time of opening a person. A
timeline row is a handful of plain strings, so this widget builds each visible line straight
from segments: fixed column widths measured once per fill, one column that takes the width left
(cut with "…"), a header line that stays put, zebra stripes and a cursor row.

The roster uses it too: there a cell may be a styled ``rich.text.Text`` (its colours and
attributes drawn as DataTable drew them: over the row's stripe; on the cursor row the cursor's
colours win, the cell's attributes stay), a row may be several lines high (a cell holding
"\n"), the caller may fix a column's width, and a table wider than the widget scrolls sideways.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.events import Click, Leave, MouseMove
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

PADDING = 1  # blank cells either side of a column, like DataTable's cell padding
Cell = str | Text


class LineTable(ScrollView, can_focus=True):
    """Rows of plain-text cells, keyed; ``flex`` names the column that absorbs spare width."""

    COMPONENT_CLASSES = {"line-table--header", "line-table--cursor", "line-table--stripe",
                         "line-table--hover"}
    DEFAULT_CSS = """
    LineTable {
        background: $surface;
        color: $foreground;
        & > .line-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .line-table--stripe { background: $surface-lighten-1 50%; }
        &:dark > .line-table--stripe { background: $surface-darken-1 40%; }
        & > .line-table--hover { background: $block-hover-background; }
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
                 id: str | None = None, click_selects: bool = False,  # noqa: A002
                 hover: bool = False) -> None:
        """``click_selects``: a click on the row the cursor is already on chooses it (as in a
        DataTable); otherwise only a double click does. ``hover``: the row under the mouse is
        shaded (until a key moves the cursor), as in a DataTable."""
        super().__init__(id=id)
        self.columns = list(columns)
        self.flex = flex
        self.click_selects = click_selects
        self.hover = hover
        self.hover_row: int | None = None
        self.keys: list[str] = []
        self._rows: list[tuple[Cell, ...]] = []
        self._natural = [cell_len(c) for c in self.columns]
        self._fixed: list[int | None] = [None] * len(self.columns)
        self._tops: list[int] = []  # first line (below the header) of each row
        self._lines = 0  # lines of all rows
        self._pieces: dict[int, list[list[list[tuple[str, Style | None]]]]] = {}
        self.cursor_row = 0
        self._styles: dict[str, Style] = {}

    # -- data --------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[Sequence[Cell]], keys: Sequence[str],
                 widths: Sequence[int | None] | None = None) -> None:
        """Replace every row (cursor back to the first) and size the columns to their cells,
        or to ``widths`` where one is given (a wider cell is cut)."""
        self._rows = [tuple(c if isinstance(c, Text) else str(c) for c in row) for row in rows]
        self.keys = [str(key) for key in keys]
        self._fixed = list(widths) if widths is not None else [None] * len(self.columns)
        self._pieces = {}
        natural = [cell_len(c) for c in self.columns]
        tops = []
        line = 0
        for row in self._rows:
            tops.append(line)
            height = 1
            for i, cell in enumerate(row):
                plain = cell.plain if isinstance(cell, Text) else cell
                if "\n" in plain:
                    parts = plain.split("\n")
                    height = max(height, len(parts))
                    width = max(cell_len(part) for part in parts)
                else:
                    width = cell_len(plain)
                if width > natural[i]:
                    natural[i] = width
            line += height
        self._natural = natural
        self._tops = tops
        self._lines = line
        self.cursor_row = 0
        # Guess the scrollbars before the layout does: deciding them there costs a second
        # layout (and mounting a scrollbar a third) before the rows are on screen.
        region = self.scrollable_content_region
        shown = line + 1 > (region.height or 10)
        if shown != self.show_vertical_scrollbar:
            self.show_vertical_scrollbar = shown
            self.vertical_scrollbar.display = shown
        wide = self._content_width() if self.flex is None else 0
        room = region.width or (self.app.size.width - (2 if shown else 0))
        sideways = wide > room
        if sideways != self.show_horizontal_scrollbar:
            self.show_horizontal_scrollbar = sideways
            self.horizontal_scrollbar.display = sideways
        self.virtual_size = Size(wide if sideways else 0, line + 1)
        if self.scroll_y or self.scroll_x:
            self.scroll_to(x=0, y=0, animate=False)
        self.refresh()

    def _content_width(self) -> int:
        return sum((f if f is not None else n) + 2 * PADDING
                   for f, n in zip(self._fixed, self._natural, strict=True))

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def get_row_at(self, index: int) -> tuple[Cell, ...]:
        return self._rows[index]

    def _row_at_line(self, line: int) -> int:
        """The row drawn on ``line`` (0 = the first line below the header)."""
        if len(self._tops) == len(self._rows) == self._lines:  # every row one line high
            return line
        return bisect_right(self._tops, line) - 1

    def _row_height(self, row: int) -> int:
        end = self._tops[row + 1] if row + 1 < len(self._tops) else self._lines
        return end - self._tops[row]

    @property
    def cursor_key(self) -> str | None:
        return self.keys[self.cursor_row] if self._rows else None

    def move_cursor(self, row: int, scroll: bool = True) -> None:
        """Put the cursor on ``row`` (clamped) and scroll it into view (unless ``scroll`` is
        False: the caller has scrolled)."""
        if not self._rows:
            return
        row = max(0, min(len(self._rows) - 1, row))
        if row != self.cursor_row:
            self.cursor_row = row
            self.post_message(self.RowHighlighted(self, self.keys[row]))
        if not scroll:
            self.refresh()
            return
        visible = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_y)
        first, height = self._tops[row], self._row_height(row)
        if first < top:
            self.scroll_to(y=first, animate=False)
        elif first + height > top + visible:
            self.scroll_to(y=min(first, first + height - visible), animate=False)
        self.refresh()

    # -- keys and mouse ---------------------------------------------------------------------
    def action_cursor(self, delta: int) -> None:
        self.set_hover(None)
        self.move_cursor(self.cursor_row + delta)

    def action_page(self, delta: int) -> None:
        self.set_hover(None)
        self.move_cursor(self.cursor_row + delta * max(1, self.scrollable_content_region.height - 1))

    def action_cursor_to(self, row: int) -> None:
        self.set_hover(None)
        self.move_cursor(row if row >= 0 else len(self._rows) - 1)

    def set_hover(self, row: int | None) -> None:
        if row != self.hover_row:
            self.hover_row = row
            self.refresh()

    def on_mouse_move(self, event: MouseMove) -> None:
        if self.hover:
            line = int(self.scroll_y) + event.y - 1
            self.set_hover(self._row_at_line(line) if 0 <= line < self._lines else None)

    def on_leave(self, event: Leave) -> None:
        self.set_hover(None)

    def on_click(self, event: Click) -> None:
        if event.y < 1:
            return
        line = int(self.scroll_y) + event.y - 1
        if line >= self._lines:
            return
        row = self._row_at_line(line)
        again = row == self.cursor_row
        if self.hover:
            self.set_hover(row)
        self.move_cursor(row)
        if event.chain >= 2 or (again and self.click_selects):
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
        widths = [f if f is not None else n for f, n in zip(self._fixed, self._natural, strict=True)]
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

    def _cell_pieces(self, index: int) -> list[list[list[tuple[str, Style | None]]]]:
        """Row ``index`` as columns of lines of (text, style) pieces, worked out once a fill."""
        pieces = self._pieces.get(index)
        if pieces is None:
            console = self.app.console
            pieces = []
            for cell in self._rows[index]:
                if isinstance(cell, Text):
                    lines = cell.split("\n", allow_blank=True) if "\n" in cell.plain else [cell]
                    # Text.render leaves the text's own style to the console when it has no spans
                    own = console.get_style(cell.style, default=Style.null()) if cell.style else None
                    pieces.append([[(seg.text, own + seg.style if own and seg.style else own or seg.style)
                                    for seg in line.render(console)] for line in lines])
                else:
                    pieces.append([[(line, None)] for line in cell.split("\n")])
            self._pieces[index] = pieces
        return pieces

    def _styled_line(self, index: int, sub: int, widths: list[int], style: Style,
                     post: Style | None) -> list[Segment]:
        """One line of a row with styled or multi-line cells, every column padded to its width."""
        pad = Segment(" " * PADDING, style)
        segments: list[Segment] = []
        for column, w in zip(self._cell_pieces(index), widths, strict=False):
            cell: list[Segment] = []
            for text, own in column[sub] if sub < len(column) else []:
                combined = style + own if own is not None else style
                cell.append(Segment(text, combined + post if post is not None else combined))
            segments.append(pad)
            segments.extend(Segment.adjust_line_length(cell, w, style))
            segments.append(pad)
        return segments

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        widths = self._widths(width)
        sideways = self.flex is None and self.virtual_size.width > width
        if y == 0:
            header = base + self._style("line-table--header")
            if not sideways:
                return self._line(self.columns, widths, header, width)
            line = self._line(self.columns, widths, header, sum(w + 2 * PADDING for w in widths))
            return line.crop(int(self.scroll_x), int(self.scroll_x) + width).extend_cell_length(width, header)
        line = int(self.scroll_y) + y - 1
        if line >= self._lines:
            return Strip.blank(width, base)
        index = self._row_at_line(line)
        style = base
        if index % 2 == 0:  # DataTable's "even" rows: the first, third, …
            style += self._style("line-table--stripe")
        post = None
        if index == self.hover_row:
            style += self._style("line-table--hover")
        if index == self.cursor_row:
            cursor = self._style("line-table--cursor")
            style += cursor
            post = Style(color=cursor.color, bgcolor=cursor.bgcolor)
        cells = self._rows[index]
        if not sideways and all(type(cell) is str and "\n" not in cell for cell in cells):
            return self._line(cells, widths, style, width)  # plain one-line cells: one segment
        strip = Strip(self._styled_line(index, line - self._tops[index], widths, style, post))
        if sideways:
            strip = strip.crop(int(self.scroll_x), int(self.scroll_x) + width)
        return strip.adjust_cell_length(width, style)
