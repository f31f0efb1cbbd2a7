"""The weekly control pack from a laptop's store (its records, roster and the incidents pulled at
the last sync); the figures are ``supervisor_tui.reports.control_pack``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from storage.pulled_incidents import pulled_incidents
from storage.store import Store
from supervisor_tui.reports.control_pack import pack_from


def build_pack(store: Store, owner: str, monday: dt.date,
               incidents: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The pack for ``owner`` and the ISO week starting ``monday`` from a laptop's store (its
    incidents: those pulled at the last sync)."""
    if incidents is None:
        incidents, _ = pulled_incidents(store.home)
    return pack_from(store.records(), store.roster(), owner, monday, incidents)
