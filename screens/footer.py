"""The key footer of every screen: one widget drawing one line of keys.

Textual's ``Footer`` is a container with a widget per key, recomposed (every key removed,
re-mounted and re-styled) on each bindings signal, several of which fire while a screen opens.
Building, styling and first painting those dozen widgets was about a quarter of the time it took
to open a staff member. This footer looks the same, draws the keys as one line of text, redraws
only when the shown keys change, and maps a click back to its key.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.widget import Widget

Key = tuple[str, str, str, bool]  # key, how it is shown, description, enabled
NORMAL, DIM = Style(), Style(dim=True)


class AppFooter(Widget, can_focus=False):
    """The screen's shown key bindings (first binding per action), the palette key on the right."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"app-footer--key", "app-footer--description", "app-footer--rule"}
    DEFAULT_CSS = """
    AppFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .app-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .app-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .app-footer--rule { color: $foreground 20%; }
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown: tuple[tuple[Key, ...], Key | None] | None = None
        self._spans: list[tuple[int, int, int, str, bool]] = []  # y, x from, x to, key, enabled

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: Any) -> None:
        if self._keys() != self._shown:
            self.refresh()

    def _keys(self) -> tuple[tuple[Key, ...], Key | None]:
        app = self.app
        keys: list[Key] = []
        palette: Key | None = None
        actions: set[str] = set()
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            shown = (binding.key, app.get_key_display(binding), binding.description, enabled)
            if binding.key == app.COMMAND_PALETTE_BINDING:
                palette = shown if app.ENABLE_COMMAND_PALETTE else None
            elif binding.show and binding.action not in actions:
                actions.add(binding.action)
                keys.append(shown)
        return tuple(keys), palette

    def render(self) -> Text:
        """One line of keys, or two when they do not fit (at 80 columns): no key is ever cut
        off, and the palette key stays at the right of the last line."""
        keys, palette = self._shown = self._keys()
        key_style = self.get_component_rich_style("app-footer--key")
        text_style = self.get_component_rich_style("app-footer--description")
        width = max(1, self.size.width)
        tail = Text()
        if palette is not None:
            tail.append("▏", self.get_component_rich_style("app-footer--rule"))
            tail.append(f"{palette[1]}", key_style)
            tail.append(f" {palette[2]} ", text_style)
        room = max(0, width - tail.cell_len)
        lines = [Text(no_wrap=True, overflow="crop")]
        self._spans = []
        for key, display, description, enabled in keys:
            size = cell_len(f" {display} {description} ")
            if lines[-1].cell_len + size > room and lines[-1].cell_len and len(lines) < 2:
                lines.append(Text(no_wrap=True, overflow="crop"))
            line = lines[-1]
            start = line.cell_len
            if start >= room:
                break
            dim = NORMAL if enabled else DIM
            line.append(f" {display} ", key_style + dim)
            line.append(f"{description} ", text_style + dim)
            self._spans.append((len(lines) - 1, start, min(line.cell_len, room), key, enabled))
        for line in lines[:-1]:
            line.truncate(width, pad=True)
        lines[-1].truncate(room, pad=True)
        if palette is not None:
            self._spans.append((len(lines) - 1, room, width, palette[0], palette[3]))
        lines[-1].append_text(tail)
        if self.styles.height is None or self.styles.height.value != len(lines):
            self.call_after_refresh(self._set_height, len(lines))
        return Text("\n").join(lines)

    def _set_height(self, lines: int) -> None:
        self.styles.height = lines

    def on_resize(self, event: events.Resize) -> None:
        self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        for y, start, end, key, enabled in self._spans:
            if y == event.y and start <= event.x < end:
                if enabled:
                    self.app.simulate_key(key)
                else:
                    self.app.bell()
                return

