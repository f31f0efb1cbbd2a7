"""The key footer of every screen: Textual's ``Footer``, rebuilt only when the keys it shows
change. Textual's footer recomposes (removes and re-mounts a widget per key, re-applying CSS to
each) on every bindings signal, which fires several times while a screen opens (focus moves,
options load); those rebuilds were a large part of opening the roster and a staff member."""

from __future__ import annotations

from typing import Any

from textual.widgets import Footer


class AppFooter(Footer):
    """A ``Footer`` that shows its keys in the screen's first frame (Textual's waits for the
    first bindings signal, then rebuilds, which costs another layout and paint) and skips a
    rebuild when the shown keys are the same as last time."""

    _shown: tuple[Any, ...] | None = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.set_reactive(Footer._bindings_ready, True)

    def compose(self) -> Any:
        self._shown = self._signature()
        yield from super().compose()

    def _signature(self) -> tuple[Any, ...]:
        app = self.app
        keys = tuple(
            (binding.key, binding.description, binding.action, binding.group, enabled, tooltip)
            for (_node, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show or binding.key == app.COMMAND_PALETTE_BINDING
        )
        return (self.show_command_palette, app.ENABLE_COMMAND_PALETTE, keys)

    async def recompose(self) -> None:
        if not self.is_attached:
            return await super().recompose()
        signature = self._signature()
        if signature == self._shown:
            return None
        self._shown = signature
        return await super().recompose()
