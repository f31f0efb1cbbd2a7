"""A supervisor's profile on this laptop, and the errors a store raises (unknown or locked key,
several profiles and none chosen)."""

from __future__ import annotations

from dataclasses import dataclass


class StoreError(Exception):
    """A store operation that cannot be done (no profile, key exists...)."""


class KeyLocked(StoreError):
    """Signing needs the profile's key, and it is not unlocked."""


class AmbiguousProfile(StoreError):
    """Several profiles and none chosen (``--as ID`` or ``$SUPERVISOR_TUI_PROFILE``)."""

    def __init__(self, profiles: list[Profile]):
        self.profiles = profiles
        listed = ", ".join(f"{p.supervisor} ({p.name})" for p in profiles)
        super().__init__(f"several supervisors use this store; choose one with --as ID or"
                         f" $SUPERVISOR_TUI_PROFILE: {listed}")


@dataclass(frozen=True)
class Profile:
    supervisor: str
    name: str
    device: str
    created_at: str
