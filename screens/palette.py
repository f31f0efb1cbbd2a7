"""Command-palette entries: "Resume draft …", "Go to staff …", "Start scenario …", "Sync now",
and the screens."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from screens.drafts import Draft, describe_draft, read_drafts, resume_draft


class SupervisorCommands(Provider):
    """Commands built from the roster and the checklist library."""

    async def startup(self) -> None:
        app: Any = self.app

        def load() -> tuple[list[dict[str, str]], list[Draft]]:
            with app.store_lock:
                return app.store.roster(), read_drafts(app.store)

        self.staff, self.drafts = await asyncio.to_thread(load)
        self.scenarios = app.store.library.scenarios()

    def _commands(self) -> list[tuple[str, Any, str]]:
        app: Any = self.app
        names = {p["staff_id"]: p["name"] for p in self.staff}
        commands: list[tuple[str, Any, str]] = [
            (f"Resume draft: {describe_draft(d, names)}", partial(resume_draft, app, d),
             f"Unfinished, saved {d.saved}: reopens the form with what was typed")
            for d in reversed(self.drafts)  # newest first
        ]
        commands += [
            ("Sync now", app.action_sync_now, "Send unsynced records to the central store"),
            ("Restrictions", app.action_restrictions, "Start, review and lift restrictions"),
            ("Awaiting your approval", app.action_approvals,
             "Closure proposals of pathways you own: approve or return them"),
            ("Decision aid", app.action_decision_aid, "The one-page escalation thresholds"),
            ("Report", app.action_report, "Governance report"),
            ("Switch supervisor", app.action_switch_supervisor,
             "Hand the laptop over: your half-filled form stays your draft, your key is locked"),
            ("Lock now", app.action_lock, "Ctrl+L: cover the screen until your passphrase is typed"),
            ("Change my passphrase", app.action_change_passphrase,
             "Re-seal your signing key under a new passphrase (same key, same records)"),
        ]
        current = getattr(self.screen, "staff_id", None)
        for scenario in self.scenarios:
            if current:
                commands.append((f"Start scenario {scenario.title} ({current})",
                                 partial(app.start_scenario, current, scenario.id),
                                 f"Run {scenario.id} v{scenario.version} with {current}"))
            else:
                commands.append((f"Start scenario {scenario.title} …",
                                 partial(self._pick_staff_for, scenario.id),
                                 "Pick the staff member next"))
        for person in self.staff:
            commands.append((f"Go to staff {person['name']} ({person['staff_id']})",
                             partial(app.open_staff, person["staff_id"]),
                             f"{person['role']}, {person['cohort']}"))
        return commands

    def _pick_staff_for(self, scenario_id: str) -> None:
        from screens.common import ChoiceModal

        app: Any = self.app
        options = [(p["staff_id"], f"{p['name']} ({p['staff_id']}, {p['cohort']})") for p in self.staff]

        def chosen(staff_id: str | None) -> None:
            if staff_id:
                app.start_scenario(staff_id, scenario_id)

        app.push_screen(ChoiceModal("Start the scenario with…", options), chosen)

    async def discover(self) -> Hits:
        for text, command, help_text in self._commands()[:12]:
            yield DiscoveryHit(text, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, command, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, help=help_text)
