"""Checkboxes, radio buttons and selection lists whose state shows as a glyph, not only as a
colour: ✓ ticked / blank unticked, ● chosen / blank not chosen, so ``NO_COLOR=1``, monochrome
terminals and colour-blind supervisors see the same thing."""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Checkbox, RadioButton, SelectionList
from textual.widgets._toggle_button import ToggleButton

TICK, DOT, BLANK = "✓", "●", " "


class TickBox(Checkbox):
    """A Checkbox showing ✓ when ticked."""

    @property
    def _button(self) -> Any:
        self.BUTTON_INNER = TICK if self.value else BLANK
        return super()._button


class DotButton(RadioButton):
    """A RadioButton showing ● when chosen."""

    @property
    def _button(self) -> Any:
        self.BUTTON_INNER = DOT if self.value else BLANK
        return super()._button


class TickList(SelectionList):
    """A SelectionList showing ✓ beside each ticked option."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 2 or segments[1].text != ToggleButton.BUTTON_INNER:
            return strip
        index = (segments[1].style.meta or {}).get("option") if segments[1].style else None
        if index is None:
            return strip
        selected = self.get_option_at_index(index).value in self._selected
        segments[1] = Segment(TICK if selected else BLANK, segments[1].style)
        return Strip(segments, strip.cell_length)
