"""The app header: product, supervisor, today's date, unsynced count and server state."""

from __future__ import annotations

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
        text = Text()
        text.append("Supervisor TUI", style="bold")
        if self.header_title:
            text.append(f" · {self.header_title}")
        text.append(f"   {getattr(app, 'supervisor_label', '')}")
        text.append(f"   {app.today().isoformat()}" if hasattr(app, "today") else "")
        unsynced = getattr(app, "unsynced", 0)
        if getattr(app, "signed_in_profile", True) is not None:  # nobody's count before sign-in
            text.append("   ")
            text.append(f"{unsynced} unsynced", style="bold reverse" if unsynced else "")
        state = getattr(app, "server_state", "")
        if state:
            text.append(f"   {state}", style="bold" if state == "server reachable" else "dim")
        self.update(text)
