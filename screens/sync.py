"""Sync: send unsynced records to the central store in a thread worker, with a progress bar,
the records the server rejected and why, and the header's unsynced count updated after."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, ProgressBar, Static

from screens.common import alive
from screens.header import AppHeader
from storage.store import Store


class SyncScreen(Screen):
    CSS_PATH = "sync.tcss"
    BINDINGS = [Binding("escape", "back", "Back"), Binding("s", "sync", "Sync now")]

    def compose(self) -> ComposeResult:
        yield AppHeader("sync")
        with Vertical(id="sync-box"):
            yield Static(id="server")
            yield ProgressBar(id="progress", show_eta=False)
            yield Static("Press s to sync now.", id="message")
        table = DataTable(id="rejected", cursor_type="row")
        table.add_columns("Seq", "Kind", "Record", "Reason")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).display = False
        self.query_one(ProgressBar).display = False  # shown once a sync runs (no idle animation)
        self._describe_server()

    @work(thread=True, group="sync-info")
    def _describe_server(self) -> None:
        app: Any = self.app
        with app.store_lock:
            url = app.store.get_setting("server_url")
            unsynced = app.store.unsynced_count()
        text = (f"Central store: {url}" if url else
                "Not enrolled with a central store yet (no server_url): records stay on this laptop.")
        app.call_from_thread(self.query_one("#server", Static).update,
                             f"{text}\n{unsynced} record(s) not yet synced.")

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_sync(self) -> None:
        self.query_one("#message", Static).update("Syncing…")
        self.query_one(ProgressBar).display = True
        self.run_sync()

    @work(thread=True, exclusive=True, group="sync")
    def run_sync(self) -> None:
        app: Any = self.app
        try:
            from sync.client import sync_store
        except ImportError:
            app.call_from_thread(self._done_text, Text(
                "Sync is not available in this build (sync.client missing).", style="yellow"))
            return

        def progress(p: Any) -> None:
            app.call_from_thread(self._progress, p)

        # Its own connection (WAL allows it), so forms keep saving drafts while the network works.
        store = Store(app.store.home, app.store.library)
        try:
            result = sync_store(store, progress=progress)
        except Exception as exc:  # noqa: BLE001 - the TUI never crashes on the network
            style = "yellow" if type(exc).__name__ == "SyncConfigError" else "red"
            app.call_from_thread(self._done_text, Text(f"Not synced: {exc}", style=style))
            return
        finally:
            store.close()
        app.call_from_thread(self._finished, result)

    @alive
    def _progress(self, p: Any) -> None:
        bar = self.query_one(ProgressBar)
        bar.update(total=max(getattr(p, "total", 0) or 0, 1), progress=getattr(p, "sent", 0))
        self.query_one("#message", Static).update(
            f"Sent {p.sent}/{p.total} · accepted {p.accepted} · rejected {p.rejected}"
            + (f" · {p.message}" if getattr(p, "message", "") else ""))

    @alive
    def _done_text(self, text: Text) -> None:
        self.query_one("#message", Static).update(text)

    @alive
    def _finished(self, result: Any) -> None:
        self.app.refresh_unsynced()
        self._describe_server()
        if getattr(result, "unreachable", False):
            self._done_text(Text(f"Server unreachable: {result.message}. Nothing lost; "
                                 "records stay queued.", style="yellow"))
            return
        if not result.ok and not (result.accepted or result.duplicates or result.rejected):
            self._done_text(Text(f"Not synced: {result.message}", style="yellow"))
            return
        style = "green" if result.ok else "red"
        self._done_text(Text(f"{'Done' if result.ok else 'Finished with problems'}: "
                             f"{result.accepted} accepted, {result.duplicates} already held, "
                             f"{len(result.rejected)} rejected, {result.pulled} pulled."
                             + ("" if result.ok else f" {result.message}"), style=style))
        table = self.query_one(DataTable)
        table.clear()
        for r in result.rejected:
            table.add_row(str(r.seq), r.kind, str(r.id)[:13], r.reason)
        table.display = bool(result.rejected)
