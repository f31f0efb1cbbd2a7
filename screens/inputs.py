"""Text fields honouring the app's cursor-blink setting (off in snapshot tests). Kept apart from
``screens.form`` so the roster can build its search field without importing the form machinery
(and through it the rules and record models)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, TextArea


def make_input(app: Any, **kwargs: Any) -> Input:
    """An Input honouring the app's cursor-blink setting (off in snapshot tests). Focusing it
    never selects its text: a restored draft or a pre-filled value must never be replaced by
    the first key typed (the cursor goes to the end instead)."""
    kwargs.setdefault("select_on_focus", False)
    field = Input(**kwargs)
    field.cursor_blink = getattr(app, "cursor_blink", True)
    return field


def make_textarea(app: Any, **kwargs: Any) -> TextArea:
    """A TextArea honouring the app's cursor-blink setting."""
    area = TextArea(**kwargs)
    area.cursor_blink = getattr(app, "cursor_blink", True)
    return area
