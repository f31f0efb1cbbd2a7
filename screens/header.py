"""The app header: product, supervisor, today's date, unsynced count and server state."""

from __future__ import annotations

import re

from rich.text import Text
from textual.widgets import Static


class AppHeader(Static):
    """One line at the top of every screen; follows the app's reactive counters."""

    DEFAULT_CSS = """
    AppHeader { dock: top; height: 1; background: $primary; color: $text; padding: 0 1; }
    """

    def __init__(self, title: str = "") -> None:
        super().__init__(id="app-header")
        self.header_title = title

    def on_mount(self) -> None:
        for name in ("unsynced", "server_state", "supervisor_label"):
            self.watch(self.app, name, lambda _value: self.refresh_text(), init=False)
        self.refresh_text()

    def refresh_text(self) -> None:
        app = self.app
        label = str(getattr(app, "supervisor_label", ""))
        name_only = re.sub(r" \([^()]*\)$", "", label)  # "Sam Lee (SUP09)" -> "Sam Lee"
        # narrow: the gaps close up, then the supervisor's id goes, before the title is shortened
        for sep, person in (("   ", label), ("  ", label), ("  ", name_only)):
            figures = self._figures(sep)
            room = self.size.width - 2 - figures.cell_len if self.size.width else 10_000  # (the padding)
            text = self._left(self.header_title, person, room, sep)
            if self.header_title in text.plain and text.plain.endswith(person):
                break
        text.append_text(figures)
        self.update(text)

    def _figures(self, sep: str) -> Text:
        app = self.app
        figures = Text(f"{sep}{app.today().isoformat()}" if hasattr(app, "today") else "")
        unsynced = getattr(app, "unsynced", 0)
        if getattr(app, "signed_in_profile", True) is not None:  # nobody's count before sign-in
            figures.append(sep)
            figures.append(f"{unsynced} unsynced", style="bold reverse" if unsynced else "")
        state = getattr(app, "server_state", "")
        if state:
            figures.append(f"{sep}{state}", style="bold" if state == "server reachable" else "dim")
        return figures

    @staticmethod
    def _left(title: str, label: str, room: int, sep: str = "   ") -> Text:
        """The left part in ``room`` cells. The figures on the right are never pushed off; when
        the line is narrow the product name goes first, then (``refresh_text``) the gaps close
        up to two spaces and the supervisor's id goes (the name stays), then the screen's title
        is shortened, and the person signed in is cut last (on a shared laptop, who is signed
        in matters)."""
        full = Text()
        full.append("Supervisor TUI", style="bold")
        if title:
            full.append(f" · {title}")
        full.append(f"{sep}{label}")
        if full.cell_len <= room:
            return full
        short = Text(f"{title}{sep}{label}" if title else label)
        if short.cell_len <= room:
            return short
        title_room = room - len(label) - len(sep)
        if title and title_room >= 6:
            cut = Text(title)
            cut.truncate(title_room, overflow="ellipsis")
            cut.append(f"{sep}{label}")
            return cut
        person = Text(label)
        person.truncate(max(room, 1), overflow="ellipsis")
        return person

    def on_resize(self) -> None:
        self.refresh_text()
