"""Sync: send unsynced records to the central store in a thread worker, with a progress bar,
the records the server rejected and why, and the header's unsynced count updated after. A laptop
not yet enrolled gets a small form for the server URL and the one-time token from the IT admin."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, DataTable, Input, ProgressBar, Static

from screens.common import alive
from screens.footer import AppFooter
from screens.form import make_input
from screens.header import AppHeader
from screens.tables import fit_columns
from sync.server_url import unencrypted_warning, url_problem


class SyncScreen(Screen):
    CSS_PATH = "sync.tcss"
    BINDINGS = [Binding("escape", "back", "Back"), Binding("s", "sync", "Sync now"),
                Binding("ctrl+e", "enrol", "Enrol", priority=True)]

    AUTO_FOCUS = ""  # the enrol fields are focused only when shown (else they'd swallow "s")
    enrolled: bool | None = None  # None until the store has been read
    warned_url: str | None = None  # an http:// address of another machine, warned about once

    def compose(self) -> ComposeResult:
        yield AppHeader("sync")
        with Vertical(id="sync-box"):
            yield Static(id="server")
            with Vertical(id="enrol-box"):
                yield Static("Enrol this laptop once: the IT admin gives you the server address and a "
                             "one-time token ('governance-store enrol-token'). Only the device's public "
                             "key is sent; the private key stays here.", classes="intro")
                yield make_input(self.app, id="enrol-url", placeholder="server URL, e.g. https://governance.example.org")
                yield make_input(self.app, id="enrol-token", placeholder="one-time token", password=True)
                yield Static(id="enrol-problems", classes="problems")
                yield Button("Enrol (Ctrl+E)", id="enrol", variant="primary")
            yield ProgressBar(id="progress", show_eta=False)
            yield Static("Press s to sync now.", id="message")
        table = DataTable(id="rejected", cursor_type="row")
        table.add_columns("Seq", "Kind", "Record", "Reason")
        yield table
        yield Static(id="set-aside", classes="problems")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one(DataTable).display = False
        self.query_one(ProgressBar).display = False  # shown once a sync runs (no idle animation)
        self.query_one("#enrol-box").display = False
        self.query_one("#enrol-problems").display = False
        self.query_one("#set-aside").display = False
        self._describe_server()

    @work(thread=True, group="sync-info")
    def _describe_server(self) -> None:
        app: Any = self.app
        with app.store_lock:
            from storage.sync_state import SETTING_SERVER, profile_server

            url = profile_server(app.store)  # this supervisor's enrolment (shared laptops)
            unsynced = app.store.unsynced_count()
            known = app.store.get_setting(SETTING_SERVER)  # another profile's server on this laptop
        app.call_from_thread(self._show_server, url, unsynced, known)

    @alive
    def _show_server(self, url: str | None, unsynced: int, known: str | None = None) -> None:
        text = (f"Central store: {url}" if url else
                "Not enrolled with a central store yet: records stay on this laptop until you enrol.")
        self.query_one("#server", Static).update(f"{text}\n{unsynced} record(s) not yet synced.")
        first_look = self.enrolled is None
        self.enrolled = bool(url)
        box = self.query_one("#enrol-box")
        box.display = not url
        if not url:
            self.query_one("#message", Static).update("")
            field = self.query_one("#enrol-url", Input)
            if first_look and known and not field.value:
                # A second supervisor on a shared laptop: same server, their own token.
                field.value = known
                self.query_one("#enrol-token", Input).focus()
            elif first_look:
                field.focus()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "enrol":
            return self.enrolled is False or None
        if action == "sync":
            return self.enrolled is not False or None
        return True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "enrol":
            self.action_enrol()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "enrol-url":
            self.query_one("#enrol-token", Input).focus()
        elif event.input.id == "enrol-token":
            self.action_enrol()

    def _enrol_problems(self, lines: list[str]) -> None:
        box = self.query_one("#enrol-problems", Static)
        box.update("\n".join(f"✗ {line}" for line in lines))
        box.display = bool(lines)

    def action_enrol(self) -> None:
        if self.enrolled is not False:
            return
        url = self.query_one("#enrol-url", Input).value.strip().rstrip("/")
        token = self.query_one("#enrol-token", Input).value.strip()
        problems = []
        problem = url_problem(url)
        if problem:
            problems.append(f"server URL: {problem}")
        if not token:
            problems.append("token: required (from 'governance-store enrol-token')")
        warning = None if problems else unencrypted_warning(url)
        if warning and self.warned_url != url:  # said once; Ctrl+E again enrols anyway
            self.warned_url = url
            problems.append(f"{warning}. Ctrl+E again to enrol with it anyway.")
        self._enrol_problems(problems)
        if not problems:
            self.query_one("#message", Static).update(f"Enrolling with {url}…")
            self.run_enrol(url, token)

    @work(thread=True, exclusive=True, group="sync")
    def run_enrol(self, url: str, token: str) -> None:
        from sync.client import enrol_store
        from sync.transport import ServerRefused, Unreachable

        app: Any = self.app
        store = app.store.sibling()
        try:
            info = enrol_store(store, url, token, retry_budget=5.0)
        except Unreachable as exc:
            app.call_from_thread(self._enrol_failed, f"{exc}; check the address, or try again when the network is back")
            return
        except ServerRefused as exc:
            app.call_from_thread(self._enrol_failed, f"enrolment refused: {exc.reason}")
            return
        except Exception as exc:  # noqa: BLE001 - the TUI never crashes on the network
            app.call_from_thread(self._enrol_failed, f"enrolment failed: {exc}")
            return
        finally:
            store.close()
        app.call_from_thread(self._enrolled, info)

    @alive
    def _enrol_failed(self, reason: str) -> None:
        self.query_one("#message", Static).update("")
        self._enrol_problems([reason])

    @alive
    def _enrolled(self, info: dict[str, Any]) -> None:
        self._enrol_problems([])
        self._done_text(Text(f"Enrolled device {info['device']} ({info['supervisor']}). "
                             "Press s to sync now.", style="green"))
        self.set_focus(None)
        self._describe_server()
        check = getattr(self.app, "check_server", None)
        if callable(check):
            check()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_sync(self) -> None:
        if self.enrolled is False:
            self._enrol_problems(["enrol this laptop first (server URL and token above)"])
            return
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
        store = app.store.sibling()
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
        fit_columns(table)
        table.display = bool(result.rejected)
        aside = list(getattr(result, "set_aside", []) or [])
        box = self.query_one("#set-aside", Static)
        box.update(Text("Kept aside, not used on this laptop (they do not fit the checklists' rules;"
                        " `supervisor-tui verify` lists them):\n" + "\n".join(f"• {line}" for line in aside)))
        box.display = bool(aside)
