"""Keys typed while a screen opens are queued, not dropped: a form holds the keys from the moment
it is built until its draft is restored and its first field focused, then they are replayed in
order (a trainer typing marks fast right after Enter loses none of them)."""

from __future__ import annotations

from typing import Any

from textual import events

PASS_THROUGH = frozenset({"ctrl+q", "ctrl+c"})  # quitting is never held back


class KeyQueueMixin:
    """Mixed into the App: ``hold_keys``/``release_keys`` around a screen's opening."""

    _holders: set[int]
    _held: list[tuple[str, str | None]]

    def hold_keys(self, holder: object) -> None:
        if not hasattr(self, "_holders"):
            self._holders, self._held = set(), []
        self._holders.add(id(holder))

    def release_keys(self, holder: object) -> None:
        holders = getattr(self, "_holders", set())
        holders.discard(id(holder))
        if holders or not getattr(self, "_held", None):
            return
        held, self._held = self._held, []
        for key, character in held:
            self.post_message(events.Key(key, character))  # type: ignore[attr-defined]

    async def on_event(self, event: events.Event) -> None:
        if (isinstance(event, events.Key) and getattr(self, "_holders", None)
                and not event.is_forwarded and event.key not in PASS_THROUGH):
            self._held.append((event.key, event.character))
            return
        await super().on_event(event)  # type: ignore[misc]


def holding(app: Any) -> bool:
    return bool(getattr(app, "_holders", None))
