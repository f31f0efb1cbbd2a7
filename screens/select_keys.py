"""Typing into a closed Select chooses an option instead of losing the text (as a browser's
select box does): a letter or digit picks the next option whose label starts with it."""

from __future__ import annotations

from typing import Any

from textual.widgets import Select


class SelectTyping:
    """Mixed into a Screen: handles letters typed while a closed Select has the focus."""

    def on_key(self, event: Any) -> None:
        """Typing into a closed Select chooses the next option starting with that letter (as
        a browser's select box does) instead of losing the text."""
        select = self.focused
        char = event.character or ""
        if not isinstance(select, Select) or select.expanded or len(char) != 1 or not char.isalnum():
            return
        options = [(str(prompt), value) for prompt, value in select._options  # noqa: SLF001
                   if value is not Select.NULL]
        matches = [value for prompt, value in options if prompt.lower().startswith(char.lower())]
        if not matches:
            self.notify(f"No option starts with “{char}”.", timeout=2)
        else:
            after = matches.index(select.value) + 1 if select.value in matches else 0
            select.value = matches[after % len(matches)]
        event.stop()
        event.prevent_default()

