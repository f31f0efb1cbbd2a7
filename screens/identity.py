"""Who is signing: pick your profile, unlock your key, the idle lock, protecting an old key.

Opening a key runs Argon2id (slow on purpose), always in a thread worker. These screens show no
staff data: the lock screen covers whatever was open (a half-filled form stays underneath, its
draft saved) until the same passphrase is typed, or another supervisor takes over.
"""

from __future__ import annotations

import time
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from screens.common import alive
from screens.footer import AppFooter
from screens.header import AppHeader
from screens.inputs import make_input
from screens.passphrase import PassphrasePair

FREE_TRIES = 5  # wrong passphrases in a row before the screen makes you wait
MAX_WAIT_S = 300


def wait_after(failures: int) -> int:
    """Seconds to wait before the next try: none for the first five, then 5, 10, 20 … 300."""
    if failures < FREE_TRIES:
        return 0
    return min(MAX_WAIT_S, 5 * 2 ** (failures - FREE_TRIES))


def _parse_failures(value: str | None) -> tuple[int, float]:
    """(wrong tries in a row, epoch seconds until the next try is allowed) from the setting."""
    try:
        count, until = (value or "0 0").split()
        return max(0, int(count)), float(until)
    except ValueError:
        return 0, 0.0


class ProfilePickScreen(Screen):
    """Start: choose your name from the profiles on this laptop, or add yourself."""

    DEFAULT_CSS = """
    ProfilePickScreen { align: center top; }
    ProfilePickScreen > Vertical { width: 70; max-width: 100%; height: auto; padding: 1 2;
        border: round $primary; }
    ProfilePickScreen OptionList { height: auto; max-height: 16; margin-top: 1; }
    """
    BINDINGS = [Binding("a", "add", "Add a supervisor")]

    def __init__(self, profiles: list[Any]) -> None:
        super().__init__()
        self.profiles = profiles

    def compose(self) -> ComposeResult:
        yield AppHeader("sign in")
        with Vertical():
            yield Static("Who is using this laptop? Pick your name, then type your passphrase.")
            options = [Option(f"{p.name} ({p.supervisor})", id=p.supervisor) for p in self.profiles]
            options.append(Option("+ Add a supervisor (a new profile with its own key)", id="__add__"))
            yield OptionList(*options, id="profiles")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == "__add__":
            self.action_add()
            return
        profile = next(p for p in self.profiles if p.supervisor == event.option.id)
        self.app.push_screen(UnlockScreen(profile))

    def action_add(self) -> None:
        from screens.first_run import FirstRunScreen

        self.app.push_screen(FirstRunScreen(adding=True))


class UnlockScreen(Screen):
    """Type your passphrase to unlock your key (``locked``: the idle lock over an open session)."""

    DEFAULT_CSS = """
    UnlockScreen { align: center top; }
    UnlockScreen > Vertical { width: 76; max-width: 100%; height: auto; padding: 1 2;
        border: round $primary; }
    UnlockScreen .row { height: 3; }
    UnlockScreen .label { width: 14; padding-top: 1; }
    UnlockScreen Input { width: 1fr; }
    UnlockScreen .problems { color: $error; }
    UnlockScreen .hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "switch", "Switch supervisor", priority=True)]

    def __init__(self, profile: Any, locked: bool = False) -> None:
        super().__init__()
        self.profile = profile
        self.locked = locked
        self._wait_until = 0.0

    def compose(self) -> ComposeResult:
        yield AppHeader("locked" if self.locked else "sign in")
        with Vertical():
            who = f"{self.profile.name} ({self.profile.supervisor})"
            if self.locked:
                yield Static(f"[b]Locked.[/b] This laptop was left idle (or Ctrl+L was pressed) while "
                             f"{who} was signed in. Anything half filled was kept as a draft.")
            else:
                yield Static(f"[b]{who}[/b]: type your passphrase to unlock your signing key.")
            with Horizontal(classes="row"):
                yield Label("Passphrase", classes="label")
                yield make_input(self.app, id="passphrase", password=True)
            yield Static(id="problems", classes="problems")
            yield Static("Enter: unlock   Esc: switch supervisor (or add one)", classes="hint")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one("#problems").display = False
        self.query_one("#passphrase", Input).focus()
        self._read_failures()

    @property
    def _failures_key(self) -> str:
        return f"unlock_failures:{self.profile.supervisor}"

    @work(thread=True, group="unlock-failures")
    def _read_failures(self) -> None:
        """A wait still running from before (quitting and restarting does not skip it)."""
        app: Any = self.app
        with app.store_lock:
            count, until = _parse_failures(app.store.get_setting(self._failures_key))
        left = until - time.time()
        if left > 0:
            app.call_from_thread(self._waiting, count, left)

    @alive
    def _waiting(self, count: int, left: float) -> None:
        self._wait_until = time.monotonic() + left
        self.query_one("#passphrase", Input).disabled = True
        self.set_timer(left, self._ready)
        self._say(f"{count} wrong passphrases in a row: wait {int(left) + 1} s before the next try.")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        wait = self._wait_until - time.monotonic()
        if wait > 0:
            self._say(f"Too many wrong passphrases: wait {int(wait) + 1} s before the next try.")
            return
        if not event.value:
            self._say("Type your passphrase, then Enter.")
            return
        event.input.disabled = True
        self._say("Unlocking…", error=False)
        self._unlock(event.value)

    @work(thread=True, exclusive=True, group="unlock")
    def _unlock(self, passphrase: str) -> None:
        from storage.keyfile import BadPassphrase

        app: Any = self.app
        try:
            with app.store_lock:
                app.store.unlock(passphrase, self.profile.supervisor)
                app.store.set_setting(self._failures_key, "0 0")
        except BadPassphrase:
            with app.store_lock:  # counted in the store: a restart does not reset it
                count, _until = _parse_failures(app.store.get_setting(self._failures_key))
                count += 1
                wait = wait_after(count)
                app.store.set_setting(self._failures_key, f"{count} {time.time() + wait:.0f}")
            app.call_from_thread(self._wrong, count, wait)
            return
        except Exception as exc:  # noqa: BLE001 - shown as it is (a damaged key file...)
            app.call_from_thread(self._failed, str(exc))
            return
        app.call_from_thread(self._opened)

    @alive
    def _say(self, text: str, error: bool = True) -> None:
        box = self.query_one("#problems", Static)
        box.update(f"✗ {text}" if error else text)
        box.display = bool(text)

    @alive
    def _wrong(self, failures: int, wait: int) -> None:
        field = self.query_one("#passphrase", Input)
        field.value = ""
        text = f"Wrong passphrase ({failures} in a row). Nothing was signed."
        if wait:
            self._wait_until = time.monotonic() + wait
            text += f" Wait {wait} s before the next try."
            self.set_timer(wait, self._ready)
        else:
            field.disabled = False
            field.focus()
        self._say(text)

    def _ready(self) -> None:
        if self.is_attached:
            field = self.query_one("#passphrase", Input)
            field.disabled = False
            field.focus()
            self._say("You can try again.", error=False)

    @alive
    def _failed(self, message: str) -> None:
        self.query_one("#passphrase", Input).disabled = False
        self._say(message)

    @alive
    def _opened(self) -> None:
        app: Any = self.app
        if self.locked:
            app.unlocked_again(self)
        else:
            app.signed_in(self.profile)

    def action_switch(self) -> None:
        self.app.switch_supervisor()


class ProtectKeyScreen(Screen):
    """An old store's plaintext ``device.key``: choose a passphrase; the key is sealed under it
    (same device, same chain) and the plaintext file overwritten and removed."""

    DEFAULT_CSS = """
    ProtectKeyScreen { align: center top; }
    ProtectKeyScreen > Vertical { width: 90; max-width: 100%; height: auto; padding: 1 2;
        border: round $warning; }
    ProtectKeyScreen .row { height: 3; }
    ProtectKeyScreen .label { width: 14; padding-top: 1; }
    ProtectKeyScreen Input { width: 1fr; }
    ProtectKeyScreen .problems { color: $error; }
    """
    BINDINGS = [Binding("ctrl+s", "protect", "Protect my key", priority=True)]

    def __init__(self, profile: Any) -> None:
        super().__init__()
        self.profile = profile

    def compose(self) -> ComposeResult:
        yield AppHeader("protect your key")
        with Vertical():
            yield Static(f"[b]{self.profile.name} ({self.profile.supervisor})[/b]: your signing key is"
                         " stored unprotected on this laptop. Choose a passphrase: from now on every"
                         " signature needs it. Same device, same records.")
            yield PassphrasePair()
            yield Static(id="problems", classes="problems")
            yield Static("Ctrl+S: protect my key")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one("#problems").display = False
        self.query_one("#passphrase", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "passphrase":
            self.query_one("#passphrase2", Input).focus()
        else:
            self.action_protect()

    def action_protect(self) -> None:
        problems = self.query_one(PassphrasePair).problems()
        box = self.query_one("#problems", Static)
        box.update("\n".join(f"✗ {p}" for p in problems))
        box.display = bool(problems)
        if not problems:
            self._protect(self.query_one(PassphrasePair).value)

    @work(thread=True, exclusive=True, group="unlock")
    def _protect(self, passphrase: str) -> None:
        from storage.profiles import migrate_legacy_key

        app: Any = self.app
        try:
            with app.store_lock:
                key = migrate_legacy_key(app.store, passphrase)
                app.store.remember_key(self.profile.device, key)
        except Exception as exc:  # noqa: BLE001 - shown; the plaintext file stays until it works
            app.call_from_thread(self._failed, str(exc))
            return
        app.call_from_thread(self._done)

    @alive
    def _failed(self, message: str) -> None:
        box = self.query_one("#problems", Static)
        box.update(f"✗ {message}")
        box.display = True

    @alive
    def _done(self) -> None:
        self.app.notify("Your key is now sealed under your passphrase; the plaintext file is gone.")
        self.app.signed_in(self.profile)


class ChangePassphraseScreen(Screen):
    """Palette "Change my passphrase": the current one, then the new one twice; every key of
    the signed-in supervisor is re-sealed (nothing else changes: same device, same chain)."""

    DEFAULT_CSS = """
    ChangePassphraseScreen { align: center top; }
    ChangePassphraseScreen > Vertical { width: 90; max-width: 100%; height: auto; padding: 1 2;
        border: round $primary; }
    ChangePassphraseScreen .row { height: 3; }
    ChangePassphraseScreen .label { width: 14; padding-top: 1; }
    ChangePassphraseScreen Input { width: 1fr; }
    ChangePassphraseScreen .problems { color: $error; }
    """
    BINDINGS = [Binding("ctrl+s", "change", "Change passphrase", priority=True),
                Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, profile: Any) -> None:
        super().__init__()
        self.profile = profile

    def compose(self) -> ComposeResult:
        yield AppHeader("change passphrase")
        with Vertical():
            yield Static(f"[b]{self.profile.name} ({self.profile.supervisor})[/b]: your current"
                         " passphrase, then the new one twice.")
            with Horizontal(classes="row"):
                yield Label("Current", classes="label")
                yield make_input(self.app, id="current", password=True)
            yield PassphrasePair()
            yield Static(id="problems", classes="problems")
            yield Static("Ctrl+S: change it   Esc: back")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one("#problems").display = False
        self.query_one("#current", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        following = {"current": "#passphrase", "passphrase": "#passphrase2"}.get(event.input.id or "")
        if following:
            self.query_one(following, Input).focus()
        else:
            self.action_change()

    def _show(self, problems: list[str]) -> None:
        box = self.query_one("#problems", Static)
        box.update("\n".join(f"✗ {p}" for p in problems))
        box.display = bool(problems)

    def action_change(self) -> None:
        current = self.query_one("#current", Input).value
        problems = [] if current else ["Current: type your current passphrase"]
        problems += self.query_one(PassphrasePair).problems()
        self._show(problems)
        if not problems:
            self._change(current, self.query_one(PassphrasePair).value)

    @work(thread=True, exclusive=True, group="unlock")
    def _change(self, current: str, new: str) -> None:
        from storage.keyfile import BadPassphrase
        from storage.profiles import change_passphrase

        app: Any = self.app
        try:
            with app.store_lock:
                count = change_passphrase(app.store, self.profile.supervisor, current, new)
        except BadPassphrase:
            app.call_from_thread(self._failed, "Current: that is not your current passphrase;"
                                 " nothing was changed")
            return
        except Exception as exc:  # noqa: BLE001 - shown, nothing changed
            app.call_from_thread(self._failed, str(exc))
            return
        app.call_from_thread(self._changed, count)

    @alive
    def _failed(self, message: str) -> None:
        self._show([message])

    @alive
    def _changed(self, count: int) -> None:
        self.app.notify(f"Passphrase changed: {count} key file(s) re-sealed. Use the new one from now on.")
        self.app.pop_screen()
