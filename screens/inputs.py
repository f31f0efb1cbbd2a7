"""Text fields honouring the app's cursor-blink setting (off in snapshot tests). Kept apart from
``screens.form`` so the roster can build its search field without importing the form machinery
(and through it the rules and record models)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, TextArea


def make_input(app: Any, **kwargs: Any) -> Input:
    """An Input honouring the app's cursor-blink setting (off in snapshot tests)."""
    field = Input(**kwargs)
    field.cursor_blink = getattr(app, "cursor_blink", True)
    return field


def make_textarea(app: Any, **kwargs: Any) -> TextArea:
    """A TextArea honouring the app's cursor-blink setting."""
    area = TextArea(**kwargs)
    area.cursor_blink = getattr(app, "cursor_blink", True)
    return area
