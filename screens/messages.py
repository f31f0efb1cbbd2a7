"""App-wide messages posted by thread workers and screens."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class RecordSigned(Message):
    """A record was durably appended; screens showing data refresh themselves."""

    def __init__(self, record: dict[str, Any]) -> None:
        super().__init__()
        self.record = record


class StoreChanged(Message):
    """Something in the store changed (sync, import): refresh counts and lists."""
