"""Text fields honouring the app's cursor-blink setting (off in snapshot tests). Kept apart from
``screens.form`` so the roster can build its search field without importing the form machinery
(and through it the rules and record models)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.text import Text
from textual.expand_tabs import expand_tabs_inline
from textual.widgets import Input

if TYPE_CHECKING:
    from textual.widgets import TextArea

VS16, VS15 = "\ufe0f", "\ufe0e"  # emoji / text presentation selectors
_EMOJI_STYLE = re.compile(f"(.){VS16}")


def as_text_presentation(value: str) -> str:
    """The text drawn for ``value``: a one-cell character asked to look like an emoji (followed
    by VS16, e.g. "☺️", "❤️", "✔️") is drawn in text presentation (VS15) instead. Terminals do
    not agree on how wide the emoji form is (one cell or two), so a field's border moved by a
    cell on some; the text form is one cell everywhere. Same length, so every position in the
    value is the same position on screen; the value itself is never changed."""
    if VS16 not in value:
        return value
    return _EMOJI_STYLE.sub(lambda m: m.group(1) + (VS15 if cell_len(m.group(1)) == 1 else VS16), value)


class TextField(Input):
    """An Input drawing emoji-presentation sequences of one-cell characters as text (see
    :func:`as_text_presentation`): its border stays put in every terminal."""

    @property
    def _value(self) -> Text:
        if self.password or VS16 not in self.value:
            return super()._value
        text = Text(as_text_presentation(self.value), no_wrap=True, overflow="ignore", end="")
        return self.highlighter(text) if self.highlighter is not None else text

    def _position_to_cell(self, position: int) -> int:
        if self.password or VS16 not in self.value:
            return super()._position_to_cell(position)
        return cell_len(expand_tabs_inline(as_text_presentation(self.value)[:position], 4))


def make_input(app: Any, **kwargs: Any) -> Input:
    """An Input honouring the app's cursor-blink setting (off in snapshot tests). Focusing it
    never selects its text: a restored draft or a pre-filled value must never be replaced by
    the first key typed (the cursor goes to the end instead)."""
    kwargs.setdefault("select_on_focus", False)
    field = TextField(**kwargs)
    field.cursor_blink = getattr(app, "cursor_blink", True)
    return field


def make_textarea(app: Any, **kwargs: Any) -> TextArea:
    """A TextArea honouring the app's cursor-blink setting (imported here: the roster, built at
    start-up, has no TextArea)."""
    from textual.widgets import TextArea

    area = TextArea(**kwargs)
    area.cursor_blink = getattr(app, "cursor_blink", True)
    return area
