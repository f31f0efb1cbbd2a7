"""Keys are applied one at a time, in order, each where the previous one left the focus; and keys
typed while a screen opens are queued, not dropped.

Textual reads which widget has the focus when a key arrives, but a key's effect (Tab moving the
focus, Enter opening a screen) happens a moment later, once the key has travelled through the
widget's queue to a binding. Typed fast (a trainer, a paste-like burst from a terminal
multiplexer) the next key would go to the old focus: "SUP01", Tab, "Alex" all landed in the first
field. So after each key the app holds the next ones until the app and every widget of the open
screens have handled what that key started, then lets the next one go.

A form also holds the keys from the moment it is built until its draft is restored and its first
field focused (the app does the same from Enter on a person until their screen is shown); then
they are replayed in the same way. A key that opens another form makes that form hold the keys
still queued, so they reach it, not the screen it covers."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from textual import events

# Quitting keeps its place in the queue (Ctrl+Q after marks asks about the half-filled form
# they made), unless the queue has been held this long: a screen that never got ready must not
# stop anyone quitting.
PASS_THROUGH = frozenset({"ctrl+q", "ctrl+c"})
STUCK_AFTER = 3.0  # seconds
SETTLE_ROUNDS = 20  # a bound: a key's effects reach quiet in a few rounds
SETTLE_TIMEOUT = 1.0  # seconds; only a safety net (a widget stuck awaiting must not freeze typing)


class KeyQueueMixin:
    """Mixed into the App: ``hold_keys``/``release_keys`` around a screen's opening."""

    _holders: set[int]
    _held: list[tuple[str, str | None]]
    _busy: bool
    _replayed: set[int]
    _held_since: float

    def _key_queue_init(self) -> None:
        if not hasattr(self, "_holders"):
            self._holders, self._held, self._busy, self._replayed = set(), [], False, set()
            self._held_since = 0.0

    def hold_keys(self, holder: object) -> None:
        self._key_queue_init()
        self._holders.add(id(holder))

    def release_keys(self, holder: object) -> None:
        self._key_queue_init()
        self._holders.discard(id(holder))
        self._next_key()

    def _next_key(self) -> None:
        """Start replaying the queued keys, unless a key is still settling or a screen holds them."""
        if self._holders or not self._held or self._busy:
            return
        self._busy = True
        self.run_worker(self._replay(), group="key-queue")  # type: ignore[attr-defined]

    async def _replay(self) -> None:
        try:
            while self._held and not self._holders:
                key, character = self._held.pop(0)
                event = events.Key(key, character)
                self._replayed.add(id(event))
                self.post_message(event)  # type: ignore[attr-defined]
                await self._settled()
        finally:
            self._busy = False
        self._next_key()  # a key came in as the last one settled

    async def _after_key(self) -> None:
        try:
            await self._settled()
        finally:
            self._busy = False
        self._next_key()

    async def _settled(self) -> None:
        """Wait until the app and every widget of the open screens are idle: each has handled
        what was pending (a key travels app → focused widget → its parents → a binding's action
        → a pushed screen's mounting…), checked round by round until no queue holds anything."""
        try:
            await asyncio.wait_for(self._quiet(), SETTLE_TIMEOUT)
        except TimeoutError:
            pass

    async def _quiet(self) -> None:
        app: Any = self
        for _ in range(SETTLE_ROUNDS):
            pumps = [app, *(w for s in app.screen_stack for w in s.walk_children(with_self=True))]
            waits = []
            for pump in pumps:
                done = asyncio.Event()
                if pump.call_later(done.set):
                    waits.append(done.wait())
            await asyncio.gather(*waits)
            # Textual (pinned) has no public "is idle": its message queue and next-callbacks.
            if not any(p._message_queue.qsize() or p._next_callbacks  # noqa: SLF001
                       for p in (app, *(w for s in app.screen_stack
                                        for w in s.walk_children(with_self=True)))):
                return

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._key_queue_init()
            if id(event) in self._replayed:  # a queued key, let go by the replay (which settles it)
                self._replayed.discard(id(event))
            elif event.key in PASS_THROUGH and self._held and time.monotonic() - self._held_since > STUCK_AFTER:
                pass
            elif self._holders or self._held or self._busy:
                if not self._held:
                    self._held_since = time.monotonic()
                self._held.append((event.key, event.character))  # behind the ones still queued
                return
            else:  # apply it now; the next key waits until this one has settled
                self._busy = True
                try:
                    await super().on_event(event)  # type: ignore[misc]
                finally:
                    self.run_worker(self._after_key(), group="key-settle")  # type: ignore[attr-defined]
                return
        await super().on_event(event)  # type: ignore[misc]
