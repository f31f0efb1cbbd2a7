"""The store's profiles and keys: which supervisor acts, unlocking and locking their key.

Mixed into ``storage.store.Store``; the work (key files, rotation, migration) is done by
``storage.profiles`` and ``storage.keyfile``, imported where first used (PyNaCl's Argon2 and
the file formats are not needed to open a store and read it).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from supervisor_tui.model.signing import DeviceKey

from storage.profile import AmbiguousProfile, KeyLocked, Profile, StoreError  # noqa: F401

KEY_NAME = "device.key"  # an old store's plaintext key, sealed by 'passphrase set' or the app


class ProfilesMixin:
    """Profiles of one store (``Store`` provides ``conn``, ``home`` and ``write``)."""

    home: Path
    conn: Any
    _keys: dict[str, DeviceKey]
    active: str | None
    env_unlock: bool

    # -- profiles and keys (storage/profiles.py does the work) ---------------------------------
    def profiles(self) -> list[Profile]:
        return [Profile(*row) for row in self.conn.execute(
            "SELECT supervisor, name, device, created_at FROM profiles ORDER BY name, supervisor")]

    @property
    def profile(self) -> Profile | None:
        """The active profile: the one chosen with ``use``, else the only one (None when the
        store has none, or several and none was chosen)."""
        found = self.profiles()
        if self.active is not None:
            return next((p for p in found if p.supervisor == self.active), None)
        return found[0] if len(found) == 1 else None

    def use(self, supervisor: str) -> Profile:
        """Act as ``supervisor`` from now on (CLI ``--as``, the app's profile pick)."""
        found = self.profiles()
        for p in found:
            if p.supervisor == supervisor:
                self.active = supervisor
                return p
        known = ", ".join(f"{p.supervisor} ({p.name})" for p in found) or "none"
        raise StoreError(f"no profile {supervisor!r} on this laptop (profiles: {known})")

    def require_profile(self) -> Profile:
        profile = self.profile
        if profile is None:
            found = self.profiles()
            if found:
                raise AmbiguousProfile(found)
            if self.legacy_key_path.exists():
                raise StoreError(f"{self.home} has a device.key but no profile: the store is damaged")
            raise StoreError(f"no supervisor profile in {self.home}: run 'supervisor-tui init' first")
        return profile

    def init_profile(self, supervisor: str, name: str, passphrase: str | None = None) -> Profile:
        """The store's first profile (``add_profile`` adds more)."""
        if self.legacy_key_path.exists():
            raise StoreError(f"a device key already exists at {self.legacy_key_path}; refusing to overwrite it")
        if self.profiles():
            raise StoreError(f"a profile already exists in {self.home} (refusing to overwrite it);"
                             " add another supervisor with 'supervisor-tui profile add'")
        return self.add_profile(supervisor, name, passphrase)

    def add_profile(self, supervisor: str, name: str, passphrase: str | None = None) -> Profile:
        """A new profile whose key is sealed under ``passphrase`` (default: from
        ``$SUPERVISOR_TUI_PASSPHRASE``); it becomes the active one, unlocked."""
        from storage.keyfile import PassphraseNeeded, env_passphrase
        from storage.profiles import create_profile

        passphrase = passphrase or env_passphrase()
        if passphrase is None:
            raise PassphraseNeeded("passphrase needed to protect the new key")
        profile, key = create_profile(self, supervisor, name, passphrase)
        self._keys[profile.device] = key
        self.active = profile.supervisor
        return profile

    @property
    def legacy_key_path(self) -> Path:
        """An old store's plaintext key (``passphrase set`` or the app seals it)."""
        return self.home / KEY_NAME

    @property
    def key_path(self) -> Path:
        """The active profile's sealed key file."""
        from storage.profiles import key_path

        profile = self.profile
        return key_path(self.home, profile.device) if profile else self.legacy_key_path

    @property
    def key(self) -> DeviceKey:
        """The active profile's unlocked signing key (KeyLocked when it is not unlocked)."""
        return self.key_for(self.require_profile().device)

    def key_for(self, device: str) -> DeviceKey:
        key = self._keys.get(device)
        if key is None:
            from storage.keyfile import env_passphrase
            from storage.profiles import open_device_key

            passphrase = env_passphrase() if self.env_unlock else None
            if passphrase is None:
                raise KeyLocked("the key is locked: a passphrase is needed to sign")
            key = self._keys[device] = open_device_key(self, device, passphrase)
        return key

    def unlock(self, passphrase: str, supervisor: str | None = None) -> DeviceKey:
        """Open the key of ``supervisor`` (default: the active profile), which becomes the
        active profile. Argon2id: slow on purpose, keep it off the UI thread."""
        from storage.profiles import open_device_key, open_retired_keys

        profile = self.use(supervisor) if supervisor else self.require_profile()
        key = open_device_key(self, profile.device, passphrase)
        self._keys[profile.device] = key
        self._keys.update(open_retired_keys(self, profile.supervisor, passphrase))
        return key

    @property
    def unlocked(self) -> bool:
        profile = self.profile
        return profile is not None and profile.device in self._keys

    def lock(self) -> None:
        """Forget every unlocked key (the idle lock, switching supervisor)."""
        self._keys.clear()

    forget_keys = lock

    def remember_key(self, device: str, key: DeviceKey) -> None:
        self._keys[device] = key

    def public_keys(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT device, public_key FROM devices"))
