"""Pushes of one device taking their turn in seq order when a laptop sends its next batch before
the answer to the previous one (a pipelined push: the laptop's upload and the server's checks of
one batch overlap the writing of the one before).

A batch that starts beyond the device's held head would be answered "gap". When it is marked
pipelined, its push instead waits (not holding the device's lock: its transaction is ended, so
the batch before can be written) while a push of the same device is at work in this process, or
for a short grace period (the batch before may not have reached its push yet, or went to another
instance), then decides as usual. Nothing about what is accepted changes: a batch is still
decided against the head in its own transaction, under the device's lock.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

GRACE_S = 0.3  # waiting for a batch before that no push here is working on (yet)
LIMIT_S = 30.0  # never longer than this in all
POLL_S = 0.01  # re-check at least this often (the batch before may be on another instance)


class Turns:
    """Which devices have pushes at work in this process."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._active: Counter[str] = Counter()

    @contextmanager
    def pushing(self, device: str) -> Iterator[None]:
        with self._changed:
            self._active[device] += 1
        try:
            yield
        finally:
            with self._changed:
                self._active[device] -= 1
                if not self._active[device]:
                    del self._active[device]
                self._changed.notify_all()

    def worth_waiting(self, device: str, started: float) -> bool:
        """Whether a pipelined batch beyond the head should wait for the batch before it."""
        waited = time.monotonic() - started
        if waited >= LIMIT_S:
            return False
        with self._changed:
            others = self._active[device] > 1
        return others or waited < GRACE_S

    def wait(self) -> None:
        """Until a push ends here, or ``POLL_S``."""
        with self._changed:
            self._changed.wait(POLL_S)
