"""Correcting a record, the parts the forms use: what a correction starts from (``Correction``:
the record as it now reads, its latest correction applied) and the review step that shows field
by field what changes before the amendment is signed. A correction that changes nothing is
refused, and one started before another correction was signed is refused by the store
(``storage.history``). Opening the right form is ``screens.correct_record``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from screens.footer import AppFooter


@dataclass(frozen=True)
class Correction:
    record: dict[str, Any]  # the original record
    body: dict[str, Any]  # what it now reads (its latest correction applied)
    base: str | None  # the latest correction's hash, None while never corrected
    corrected_on: str | None = None  # when the latest correction was signed

    @property
    def draft_key(self) -> str:
        return f"amendment:{self.record['hash']}"


def read_correction(store: Any, record: dict[str, Any]) -> Correction:
    """The record as it now reads (call from a thread worker, under the store lock)."""
    from storage.history import latest_correction

    latest = latest_correction(store, record["hash"])
    if latest is None:
        return Correction(record, record["body"], None)
    amendment = store.record_by_hash(latest["hash"])
    return Correction(record, amendment["body"]["body"], latest["hash"], latest["created_at"])


def changes_text(found: list[tuple[str, str, str]], reason: str, header: str) -> Text:
    text = Text(header + "\n\n", style="bold")
    width = max(len(what) for what, _, _ in found)
    for what, was, becomes in found:
        text.append(f"  {what:<{width}}  ")
        text.append(was, style="strike dim")
        text.append("  →  ")
        text.append(becomes + "\n", style="bold")
    text.append(f"\nReason: {reason}")
    return text


class ChangesModal(ModalScreen[bool]):
    """What a correction changes, field by field, before it is signed."""

    BINDINGS = [Binding("y,enter", "confirm", "Sign correction"), Binding("escape", "back", "Back to form")]
    DEFAULT_CSS = """
    ChangesModal { align: center middle; }
    ChangesModal > VerticalScroll { width: 90%; max-width: 110; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1; }
    """

    def __init__(self, summary: Text) -> None:
        super().__init__()
        self.summary = summary

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label("Review the correction before signing", classes="modal-title")
            yield Static(self.summary, id="changes")
            yield Label("y/Enter: sign the correction   Esc: back to the form", classes="hint")
        yield AppFooter()

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_back(self) -> None:
        self.dismiss(False)


class WarningsModal(ModalScreen[bool]):
    """Things to know before signing that do not stop it (y signs, Esc goes back)."""

    BINDINGS = [Binding("y", "confirm", "Sign anyway"), Binding("escape", "back", "Back to form")]
    DEFAULT_CSS = """
    WarningsModal { align: center middle; }
    WarningsModal > VerticalScroll { width: 90%; max-width: 100; height: auto; max-height: 90%;
        border: thick $warning; background: $surface; padding: 0 1; }
    """

    def __init__(self, warnings: list[str]) -> None:
        super().__init__()
        self.warnings = warnings

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label("Before you sign", classes="modal-title")
            yield Static("\n".join(f"⚠ {w}" for w in self.warnings), id="warnings")
            yield Label("y: sign anyway   Esc: back to the form", classes="hint")
        yield AppFooter()

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_back(self) -> None:
        self.dismiss(False)
