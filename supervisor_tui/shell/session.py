"""The app's sign-in session: which supervisor is signed in, the idle lock, switching supervisor,
and the reminder to sync before quitting. Mixed into ``SupervisorApp``.

The idle clock is the app's clock (``SupervisorApp.now``), so tests advance it instead of
waiting. Locking forgets every unlocked key (``Store.lock``): nothing can be signed until the
passphrase is typed again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual import events, work

from supervisor_tui.shell.idle import IDLE_DEFAULT, IDLE_RANGE, IDLE_SETTING, idle_minutes  # noqa: F401

IDLE_CHECK_S = 5.0
_INPUT_EVENTS = (events.Key, events.MouseDown, events.MouseUp, events.MouseScrollDown,
                 events.MouseScrollUp, events.Paste, events.Click)


class SessionMixin:
    """Sign-in, idle lock and supervisor switching for ``SupervisorApp``."""

    signed_in_profile: Any = None
    locked: bool = False
    idle_lock_minutes: int = IDLE_DEFAULT
    _last_input: dt.datetime | None = None
    _quit_reminded: bool = False

    def _session_init(self) -> None:
        """Nothing yet: wrong-passphrase counts live in the store (``screens.identity``)."""

    # -- start ---------------------------------------------------------------------------
    def first_screen(self, profiles: list[Any], legacy_key: bool) -> Any:
        """The screen a start opens on: first run, protect an old key, pick or unlock."""
        from screens.identity import ProfilePickScreen, ProtectKeyScreen, UnlockScreen

        app: Any = self
        if not profiles:
            from screens.first_run import FirstRunScreen

            return FirstRunScreen()
        if legacy_key and len(profiles) == 1:
            return ProtectKeyScreen(profiles[0])
        if app.store.unlocked:  # handed an unlocked store (tests, benchmarks)
            return None
        if len(profiles) == 1:
            return UnlockScreen(profiles[0])
        return ProfilePickScreen(profiles)

    def signed_in(self, profile: Any) -> None:
        """``profile`` unlocked its key: show the roster as them."""
        from screens.roster import RosterScreen

        app: Any = self
        self.signed_in_profile = profile
        self.locked = False
        self._quit_reminded = False
        self._last_input = app.now()
        app.supervisor_label = f"{profile.name} ({profile.supervisor})"
        self._reset_stack(RosterScreen())
        app.refresh_unsynced()

    def _reset_stack(self, screen: Any) -> None:
        app: Any = self
        while len(app.screen_stack) > 1:
            app.pop_screen()
        app.push_screen(screen)

    # -- idle lock -----------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, _INPUT_EVENTS):
            self._last_input = self.now()  # type: ignore[attr-defined]
        await super().on_event(event)  # type: ignore[misc]

    def check_idle(self) -> None:
        """Lock when nothing was typed or clicked for the idle-lock minutes (every few seconds,
        and called by tests after advancing the clock)."""
        if self.signed_in_profile is None or self.locked or self._last_input is None:
            return
        if self.now() - self._last_input >= dt.timedelta(minutes=self.idle_lock_minutes):  # type: ignore[attr-defined]
            self.action_lock()

    def _flush_form(self) -> None:
        """Keep a half-filled form as its owner's draft (written now, before anything else)."""
        from screens.form import FormScreen

        app: Any = self
        for screen in app.screen_stack:
            if isinstance(screen, FormScreen) and screen.dirty:
                screen._pending = screen.collect()  # noqa: SLF001 - the latest values, now
                screen.flush_draft()

    def action_lock(self) -> None:
        """Ctrl+L, or the idle timer: cover every screen and forget the key."""
        from screens.identity import UnlockScreen

        app: Any = self
        profile = self.signed_in_profile
        if profile is None or self.locked:
            return
        self._flush_form()
        with app.store_lock:
            app.store.lock()
        self.locked = True
        app.push_screen(UnlockScreen(profile, locked=True))

    def unlocked_again(self, screen: Any) -> None:
        """The same supervisor typed their passphrase on the lock screen: back where they were."""
        app: Any = self
        profile = self.signed_in_profile
        self.locked = False
        self._last_input = app.now()
        app.supervisor_label = f"{profile.name} ({profile.supervisor})"
        if screen is app.screen:
            app.pop_screen()

    def action_command_palette(self) -> None:
        """The palette lists staff: only for a signed-in, unlocked supervisor."""
        if self.signed_in_profile is None or self.locked:
            self.notify("Sign in first: the command palette opens once you are signed in.")  # type: ignore[attr-defined]
            return
        super().action_command_palette()  # type: ignore[misc]

    def action_change_passphrase(self) -> None:
        from screens.identity import ChangePassphraseScreen

        if self.signed_in_profile is not None and not self.locked:
            self.push_screen(ChangePassphraseScreen(self.signed_in_profile))  # type: ignore[attr-defined]

    # -- switching supervisor ------------------------------------------------------------
    def action_switch_supervisor(self) -> None:
        self.switch_supervisor()

    def switch_supervisor(self) -> None:
        """Hand the laptop over: any half-filled form stays its owner's draft, every key is
        forgotten, and the profile pick opens."""
        self._flush_form()
        self._switch_read()

    @work(thread=True, exclusive=True, group="switch")
    def _switch_read(self) -> None:
        app: Any = self
        with app.store_lock:
            app.store.lock()
            profiles = app.store.profiles()
        app.call_from_thread(self._switched, profiles)

    def _switched(self, profiles: list[Any]) -> None:
        from screens.identity import ProfilePickScreen

        app: Any = self
        self.signed_in_profile = None
        self.locked = False
        app.supervisor_label = "not signed in"
        app.unsynced = 0
        self._reset_stack(ProfilePickScreen(profiles))

    # -- quitting --------------------------------------------------------------------------
    def unsynced_reminder(self) -> bool:
        """True when quitting should first remind the signed-in supervisor of unsynced records
        (once per session)."""
        app: Any = self
        if self._quit_reminded or self.signed_in_profile is None or not app.unsynced:
            return False
        self._quit_reminded = True
        from screens.common import ChoiceModal

        def chosen(choice: str | None) -> None:
            if choice == "quit":
                app.exit()
            elif choice == "sync":
                app.action_sync_now()
            else:
                self._quit_reminded = False

        count = app.unsynced
        app.push_screen(ChoiceModal(
            f"{count} of your records {'is' if count == 1 else 'are'} not synced yet.",
            [("sync", "Sync now (the central store has none of them yet)"),
             ("quit", "Quit anyway: they stay safe on this laptop; sync later"), ("stay", "Stay")]), chosen)
        return True
