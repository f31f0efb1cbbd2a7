"""The idle-lock setting (no heavy imports: the app reads it at start-up, the CLI sets it)."""

from __future__ import annotations

IDLE_SETTING = "idle_lock_minutes"  # in the store's settings table (laptop-wide)
IDLE_DEFAULT = 10
IDLE_RANGE = (1, 120)


def idle_minutes(value: str | None) -> int:
    """The idle-lock setting, read leniently: anything out of 1-120 gives the default."""
    try:
        minutes = int(value) if value is not None else IDLE_DEFAULT
    except ValueError:
        return IDLE_DEFAULT
    return minutes if IDLE_RANGE[0] <= minutes <= IDLE_RANGE[1] else IDLE_DEFAULT
