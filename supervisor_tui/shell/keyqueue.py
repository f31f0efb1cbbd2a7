"""Keys typed while a screen opens are queued, not dropped: a form holds the keys from the moment
it is built until its draft is restored and its first field focused (the app does the same from
Enter on a person until their screen is shown), then they are replayed in order (a trainer
typing marks fast right after Enter loses none of them).

Replay is one key at a time: each key is handled, and whatever it started (a modal pushed, an
option chosen, a form opened over the screen) has processed its messages, before the next key
goes. A key that opens another form makes that form hold the keys still queued, so they reach
it, not the screen it covers. Keys typed during a replay queue behind it (order is kept)."""

from __future__ import annotations

import asyncio
from typing import Any

from textual import events

PASS_THROUGH = frozenset({"ctrl+q", "ctrl+c"})  # quitting is never held back
SETTLE_ROUNDS = 20  # a bound: a key's effects reach quiet in a few rounds


class KeyQueueMixin:
    """Mixed into the App: ``hold_keys``/``release_keys`` around a screen's opening."""

    _holders: set[int]
    _held: list[tuple[str, str | None]]
    _replaying: bool
    _replayed: set[int]

    def _key_queue_init(self) -> None:
        if not hasattr(self, "_holders"):
            self._holders, self._held, self._replaying, self._replayed = set(), [], False, set()

    def hold_keys(self, holder: object) -> None:
        self._key_queue_init()
        self._holders.add(id(holder))

    def release_keys(self, holder: object) -> None:
        self._key_queue_init()
        self._holders.discard(id(holder))
        if self._holders or not self._held or self._replaying:
            return
        self._replaying = True
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
            self._replaying = False
        if self._held and not self._holders:  # a key came in as the last one settled
            self.release_keys(self)

    async def _settled(self) -> None:
        """Wait until the app and every widget of the open screens are idle: each has handled
        what was pending (a key travels app → focused widget → its parents → a binding's action
        → a pushed screen's mounting…), checked round by round until no queue holds anything."""
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
            if id(event) in self._replayed:
                self._replayed.discard(id(event))
            elif (self._holders or self._held) and event.key not in PASS_THROUGH:
                self._held.append((event.key, event.character))  # behind the ones still queued
                return
        await super().on_event(event)  # type: ignore[misc]
