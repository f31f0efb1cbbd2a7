"""The Textual application: wires screens, bindings, the command palette and background workers.

Business rules live in ``supervisor_tui.model.rules`` and the store; screens live in ``screens/``.
Every SQLite call from the UI runs in a thread worker holding ``store_lock`` (one connection,
one writer at a time); the network health check runs in a worker too.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive

import screens
from storage.overview import roster_overview, unsynced_count
from storage.store import Store
from supervisor_tui.shell.idle import IDLE_SETTING, idle_minutes
from supervisor_tui.shell.keyqueue import KeyQueueMixin
from supervisor_tui.shell.session import IDLE_CHECK_S, SessionMixin

Clock = Callable[[], dt.datetime]
SCREENS_DIR = Path(screens.__file__).parent
OPENING_STAFF = object()  # holds the keys typed between Enter on a person and their screen


def _supervisor_commands() -> type:
    """The palette's provider, imported when the palette first opens (not at start-up)."""
    from screens.palette import SupervisorCommands

    return SupervisorCommands


class SupervisorApp(SessionMixin, KeyQueueMixin, App):
    """The supervisor's app on one local store (sign-in and idle lock: ``session.py``; keys typed
    while a screen opens are queued: ``keyqueue.py``)."""

    TITLE = "Supervisor TUI"
    # The screens' own .tcss files are read once at start-up too, so opening a screen the first
    # time does not re-parse and re-apply the whole stylesheet (about 0.1 s per screen).
    CSS_PATH = ["app.tcss", *sorted(str(p) for p in SCREENS_DIR.glob("*.tcss"))]
    COMMANDS = App.COMMANDS | {_supervisor_commands}
    BINDINGS = [
        Binding("f2", "decision_aid", "Decision aid", priority=True),
        Binding("ctrl+q", "quit", "Quit", priority=True, show=False),
        Binding("ctrl+l", "lock", "Lock", priority=True, show=False),
    ]

    unsynced: reactive[int] = reactive(0)
    server_state: reactive[str] = reactive("")
    supervisor_label: reactive[str] = reactive("")

    def __init__(self, store: Store, clock: Clock | None = None, cursor_blink: bool = True,
                 health_interval: float = 30.0) -> None:
        super().__init__()
        self.store = store
        self.store.env_unlock = False  # a person here always types their passphrase
        self._session_init()
        self.store_lock = threading.RLock()
        self._clock = clock
        self.cursor_blink = cursor_blink
        self.health_interval = health_interval
        self.roster_ready = threading.Event()  # set once the roster's rows are on screen
        self.roster_painted_at: float | None = None  # time.time() of that moment
        # Read the profile and the roster overview while Textual starts up (the first screen
        # needs them); the UI thread never waits on SQLite for them.
        self._profile: Any = None
        self._profiles: list[Any] = []
        self._legacy_key = False
        self._profile_read = threading.Event()
        self._preload_error: Exception | None = None
        self._preloaded: tuple | None = None
        self._opening: str | None = None
        self._then: Callable[[Any], None] | None = None
        self._prefetched: tuple | None = None  # (staff_id, store token, read_staff's answer)
        self._highlighted: str | None = None  # the roster row the cursor is on
        self._kept_staff: Any = None
        self.staff_screen_prepared = False  # the kept staff screen is built and laid out
        self._preload = threading.Thread(target=self._preload_roster, daemon=True)
        self._preload.start()

    def _preload_roster(self) -> None:
        try:
            with self.store_lock:
                self._profiles = self.store.profiles()
                self._legacy_key = self.store.legacy_key_path.exists()
                self.idle_lock_minutes = idle_minutes(self.store.get_setting(IDLE_SETTING))
                self._profile = self.store.profile
                self._profile_read.set()
                if self._profile is not None:
                    self._preloaded = (roster_overview(self.store, self.today()),
                                       [(c["name"], c["cohort_id"]) for c in self.store.cohorts()])
        except Exception as exc:  # noqa: BLE001 - raised again on the UI thread (on_mount)
            self._preload_error = exc
        finally:
            self._profile_read.set()

    def take_preloaded(self, wait: bool | float = True) -> tuple | None:
        """The start-up roster data, once (None afterwards: screens then read it themselves).
        ``wait``: True waits for it; False, or a number of seconds that pass first, returns
        None when it is not read yet (the caller reads it in a worker)."""
        if wait is not True:
            self._preload.join(timeout=float(wait))  # False: 0, just a look
            if self._preload.is_alive():
                return None
        self._preload.join()
        data, self._preloaded = self._preloaded, None
        return data

    # -- time ----------------------------------------------------------------------------
    def now(self) -> dt.datetime:
        return self._clock() if self._clock else dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        return self.now().date()

    # -- start-up ------------------------------------------------------------------------
    def on_mount(self) -> None:
        from screens.roster import RosterScreen

        self._profile_read.wait()  # read by the start-up thread long before the app mounts
        if self._preload_error is not None and self._profile is None:
            raise self._preload_error  # the store could not even be read: not a first run
        profile = self._profile
        first = self.first_screen(self._profiles, self._legacy_key)
        if first is not None:
            self.supervisor_label = "not signed in" if self._profiles else ""
            self.push_screen(first)
        else:
            self.signed_in_profile = profile
            self._last_input = self.now()
            self.supervisor_label = f"{profile.name} ({profile.supervisor})"
            self.push_screen(RosterScreen())  # its worker refreshes the unsynced count after
            self.refresh_unsynced()
        self.set_interval(IDLE_CHECK_S, self.check_idle)
        if self.health_interval:
            self.check_server()
            self.set_interval(self.health_interval, self.check_server)

    def profile_created(self) -> None:
        self.signed_in(self.store.profile)

    # -- background work -----------------------------------------------------------------
    @work(thread=True, exclusive=True, group="unsynced")
    def refresh_unsynced(self) -> None:
        with self.store_lock:
            count = unsynced_count(self.store)
        self.call_from_thread(setattr, self, "unsynced", count)

    @work(thread=True, exclusive=True, group="health")
    def check_server(self) -> None:
        with self.store_lock:
            url = self.store.get_setting("server_url")
        if not url:
            state = ""
        else:
            try:
                from sync.client import server_reachable
            except ImportError:
                state = "sync not available"
            else:
                state = "server reachable" if server_reachable(url, timeout=2.0) else "offline"
        self.call_from_thread(setattr, self, "server_state", state)

    # -- navigation used by screens and the command palette --------------------------------
    def open_staff(self, staff_id: str, then: Callable[[Any], None] | None = None) -> None:
        """Read the person's detail in a worker, then open their screen with it (so its first
        frame shows the data, instead of painting "Loading…" and then again); ``then`` is
        called with the screen once it is shown (e.g. to reopen a form over it). Keys typed
        meanwhile are queued and replayed on that screen (``keyqueue``), not left to the roster."""
        self._opening = staff_id
        self._then = then
        self.hold_keys(OPENING_STAFF)
        data = self._read_ahead(staff_id)
        if data is not None:  # read ahead and still current: no worker to start and wait for
            self._show_staff(staff_id, data)
            return
        self._read_staff(staff_id)

    def _read_ahead(self, staff_id: str) -> tuple | None:
        """The person's detail as read ahead, if it is theirs and the store has not changed
        since; None otherwise, and when a worker holds the store (the UI thread never waits)."""
        ahead = self._prefetched
        if ahead is None or ahead[0] != staff_id or not self.store_lock.acquire(blocking=False):
            return None
        try:
            return ahead[2] if ahead[1] == self._store_token() else None
        finally:
            self.store_lock.release()

    @work(thread=True, group="open-staff")
    def _read_staff(self, staff_id: str) -> None:
        from screens.staff import read_staff

        with self.store_lock:
            ahead = self._prefetched
            if ahead is not None and ahead[0] == staff_id and ahead[1] == self._store_token():
                data = ahead[2]
            else:
                try:
                    data = read_staff(self, staff_id)
                except BaseException:
                    self.call_from_thread(self.release_keys, OPENING_STAFF)
                    raise
        self.call_from_thread(self._show_staff, staff_id, data)

    def prefetch_staff(self, staff_id: str) -> None:
        """Read a person's detail before Enter is pressed: the roster calls this when its
        cursor rests on a row, so opening that person skips the read. Until the roster is
        painted and the staff screen built, only remembered (nothing competes with those)."""
        self._highlighted = staff_id
        if self.staff_screen_prepared:
            self._prefetch_staff(staff_id)

    @property
    def prefetched_staff_id(self) -> str | None:
        """Whose detail is read ahead (the benchmark waits for it, as a person would)."""
        return self._prefetched[0] if self._prefetched else None

    @work(thread=True, exclusive=True, group="prefetch-staff")
    def _prefetch_staff(self, staff_id: str) -> None:
        import time

        from textual.worker import get_current_worker

        from screens.staff import read_staff

        time.sleep(0.03)  # the cursor is still moving: only the row it rests on is read
        if get_current_worker().is_cancelled or self._opening is not None:
            return
        with self.store_lock:
            token = self._store_token()
            if self._prefetched is not None and self._prefetched[:2] == (staff_id, token):
                return  # still current (the cursor came back to the same row)
            self._prefetched = (staff_id, token, read_staff(self, staff_id))

    def _store_token(self) -> tuple:
        """Changes whenever the store may have changed (this connection's writes, another
        connection's commits, e.g. a sync), the day turns or another supervisor signs in (their
        drafts differ); call holding ``store_lock``."""
        conn = self.store.conn
        return (conn.total_changes, conn.execute("PRAGMA data_version").fetchone()[0], self.today(),
                self.store.active)

    def _show_staff(self, staff_id: str, data: tuple) -> None:
        from screens.staff import StaffScreen

        if self._opening != staff_id:  # another person was asked for meanwhile
            return
        self._opening = None
        kept = self.kept_staff_screen()
        if kept.is_running and not any(kept in stack for stack in self._screen_stacks.values()):
            kept.show(staff_id, data, self.size.width)
            screen = kept
        else:  # still being built, or already open under a form: a screen of its own
            screen = StaffScreen(staff_id, data)
        self.push_screen(screen)
        then, self._then = self._then, None
        if then is not None:
            self.call_after_refresh(then, screen)  # a form opened by ``then`` holds keys itself
        self.call_after_refresh(self.release_keys, OPENING_STAFF)

    def kept_staff_screen(self) -> Any:
        """The one staff screen kept installed and reused for every person (building a
        screen's widgets is most of the time it takes to open one); built on first use."""
        from screens.staff import StaffScreen

        if self._kept_staff is None:
            self._kept_staff = StaffScreen()
            self.install_screen(self._kept_staff, name="staff")
        return self._kept_staff

    async def prepare_staff_screen(self) -> None:
        """Build and lay out the kept staff screen in the background (called once the roster
        is painted), so even the first person opens without building or sizing widgets."""
        screen = self.kept_staff_screen()
        if screen.is_running:
            return
        # Textual has no public call to build a screen without showing it; these are the two
        # steps push_screen takes first (Textual is pinned in pyproject.toml).
        self._load_screen_css(screen)
        _screen, mounted = self._get_screen(screen)
        await mounted
        screen._refresh_layout(self.size)
        self.staff_screen_prepared = True
        if self._highlighted is not None:  # then read the person the roster's cursor is on
            self._prefetch_staff(self._highlighted)

    def start_scenario(self, staff_id: str, scenario_id: str, pathway_id: str | None = None) -> None:
        from screens.scenario import ScenarioScreen

        self.push_screen(ScenarioScreen(staff_id, scenario_id, pathway_id))

    def action_training_session(self) -> None:
        """A trainer's group session: one scenario, several people, person by person."""
        from screens.session import SessionSetupScreen

        self.push_screen(SessionSetupScreen())

    def action_sync_now(self) -> None:
        from screens.sync import SyncScreen

        self.push_screen(SyncScreen())

    def action_restrictions(self) -> None:
        from screens.restrictions import RestrictionsScreen

        self.push_screen(RestrictionsScreen())

    def action_approvals(self) -> None:
        from screens.approvals import ApprovalsScreen

        self.push_screen(ApprovalsScreen())

    def action_report(self) -> None:
        try:
            from screens.report import ReportScreen
        except ImportError:
            self.notify("The report screen is not available in this build.", severity="warning")
            return
        self.push_screen(ReportScreen(self.store, self.today()))

    def action_decision_aid(self) -> None:
        from screens.decision_aid import DecisionAidScreen

        if isinstance(self.screen, DecisionAidScreen):
            self.screen.dismiss()
            return
        self.push_screen(DecisionAidScreen(getattr(self.screen, "scenario", None)))

    async def action_quit(self) -> None:
        from screens.form import FormScreen

        screen = self.screen
        if isinstance(screen, FormScreen) and screen.dirty:
            from screens.common import LeaveFormModal

            def chosen(choice: str | None) -> None:
                if choice == "keep":
                    screen.keep_draft()
                elif choice == "discard":
                    screen._done = True
                    with self.store_lock:
                        self.store.discard_draft(screen.draft_key)
                if choice in ("keep", "discard") and not self.unsynced_reminder():
                    self.exit()

            self.push_screen(LeaveFormModal(), chosen)
            return
        if self.unsynced_reminder():
            return
        self.exit()


def run(home: str | None = None) -> int:
    from supervisor_tui.shell.settings import resolve_home

    store = Store(resolve_home(home))
    try:
        SupervisorApp(store).run()
    finally:
        store.close()
    return 0
