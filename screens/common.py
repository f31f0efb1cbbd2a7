"""Small reusable modal screens: pick one of several choices, confirm leaving a form."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from screens.footer import AppFooter


class ChoiceModal(ModalScreen[str | None]):
    """Pick one option (Enter) or cancel (Escape); dismisses with the option id or None."""

    DEFAULT_CSS = """
    ChoiceModal { align: center middle; }
    ChoiceModal > Vertical { width: 80%; max-width: 90; height: auto; max-height: 80%;
        border: thick $primary; background: $surface; padding: 0 1; }
    ChoiceModal OptionList { height: auto; max-height: 20; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, options: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.options = options

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="modal-title")
            yield OptionList(*[Option(label, id=key) for key, label in self.options])
        yield AppFooter()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class LeaveFormModal(ModalScreen[str]):
    """Asked when leaving a half-filled form: keep the draft, discard it, or stay."""

    DEFAULT_CSS = """
    LeaveFormModal { align: center middle; }
    LeaveFormModal > Vertical { width: 90%; max-width: 66; height: auto; border: thick $warning;
        background: $surface; padding: 1 2; }
    LeaveFormModal Label { width: 1fr; }
    """
    BINDINGS = [
        Binding("k", "choose('keep')", "Keep draft & leave"),
        Binding("d", "choose('discard')", "Discard draft & leave"),
        Binding("escape,s", "choose('stay')", "Stay"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("This form is half filled. Its draft is saved on this laptop.")
            yield Label("[b]k[/b]       keep the draft and leave (resume it later)")
            yield Label("[b]d[/b]       discard the draft and leave")
            yield Label("[b]s[/b] / [b]Esc[/b] stay on the form")
        yield AppFooter()

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


def alive(method: Callable[..., Any]) -> Callable[..., Any]:
    """For callbacks a thread worker posts back: do nothing when the screen has been closed in
    the meantime (the user pressed Esc while the worker ran, or the app is exiting)."""

    @wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not self.is_attached:
            return None
        try:
            return method(self, *args, **kwargs)
        except NoMatches:
            return None

    return wrapper
