"""Supervisor profiles of one store and their keys: create, unlock, migrate, re-encrypt, rotate.

A store holds several profiles (the day, evening and night supervisors of a unit share a
laptop). Each profile has its own device id, ``seq`` chain, enrolment, drafts and key pair; its
private key exists on disk only sealed under its owner's passphrase (``storage.keyfile``).
``own_devices`` lists every device whose key this laptop holds, including the ones a rotation
retired (their chain is closed by a signed ``key_rotated`` record and they sign nothing more,
but their last records may still need pushing).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage.profile import Profile
    from storage.store import Store
    from supervisor_tui.model.signing import DeviceKey


@dataclass(frozen=True)
class OwnDevice:
    device: str
    supervisor: str
    created_at: str
    retired_at: str | None
    rotated_to: str | None


def key_path(home: Path, device: str) -> Path:
    from storage.keyfile import KEYS_DIR

    return Path(home) / KEYS_DIR / f"{device}.key"


def legacy_key_path(home: Path) -> Path:
    from storage.keyfile import LEGACY_KEY_NAME

    return Path(home) / LEGACY_KEY_NAME


def new_device_id() -> str:
    from storage.rows import uuid7

    # The uuid7 prefix is the top of a millisecond clock (the same for a minute): laptops set up
    # together differ only by the random part, so it carries 48 bits (16 collided across 200
    # laptops provisioned at once about one time in three).
    return f"dev-{uuid7()[:8]}{os.urandom(6).hex()}"


def own_devices(store: Store, supervisor: str | None = None) -> list[OwnDevice]:
    sql = "SELECT device, supervisor, created_at, retired_at, rotated_to FROM own_devices"
    params: tuple = ()
    if supervisor is not None:
        sql, params = sql + " WHERE supervisor = ?", (supervisor,)
    return [OwnDevice(*row) for row in store.conn.execute(sql + " ORDER BY created_at, device", params)]


def create_profile(store: Store, supervisor: str, name: str, passphrase: str) -> tuple[Profile, DeviceKey]:
    """A new profile with a new key pair sealed under ``passphrase`` (refused when too short)."""
    from storage.keyfile import check_new_passphrase, seal_seed, write_key_file
    from storage.profile import Profile, StoreError
    from supervisor_tui.model.records import utc_now_iso
    from supervisor_tui.model.signing import DeviceKey

    check_new_passphrase(passphrase)
    if any(p.supervisor == supervisor for p in store.profiles()):
        raise StoreError(f"supervisor {supervisor} already has a profile in {store.home}")
    key = DeviceKey.generate()
    device = new_device_id()
    write_key_file(key_path(store.home, device),
                   seal_seed(key.signing_key.encode(), passphrase, supervisor, device))
    profile = Profile(supervisor, name, device, utc_now_iso())
    with store.write() as conn:
        conn.execute("INSERT INTO profiles VALUES (?, ?, ?, ?)",
                     (profile.supervisor, profile.name, profile.device, profile.created_at))
        conn.execute("INSERT INTO own_devices VALUES (?, ?, ?, NULL, NULL)",
                     (device, supervisor, profile.created_at))
        conn.execute("INSERT INTO devices VALUES (?, ?, ?)", (device, supervisor, key.public_key_hex))
    return profile, key


def open_device_key(store: Store, device: str, passphrase: str) -> DeviceKey:
    """Open one own device's key (Argon2id: run it off the UI thread)."""
    from storage.keyfile import open_seed, read_key_file
    from storage.profile import StoreError
    from supervisor_tui.model.signing import DeviceKey

    path = key_path(store.home, device)
    if not path.exists() and legacy_key_path(store.home).exists():
        raise StoreError("this store's key is still a plaintext device.key: set a passphrase first"
                         " ('supervisor-tui passphrase set', or start the app)")
    key = DeviceKey(open_seed(read_key_file(path), passphrase))
    registered = store.public_keys().get(device)
    if registered is not None and registered != key.public_key_hex:
        raise StoreError(f"the key file of device {device} does not match the public key this store"
                         " registered for it")
    return key


def open_retired_keys(store: Store, supervisor: str, passphrase: str) -> dict[str, DeviceKey]:
    """The keys a rotation retired that still have records to push and open with
    ``passphrase`` (a forgotten passphrase's old key does not: skipped)."""
    from supervisor_tui.model.signing import KeyFileError

    found = {}
    for dev in own_devices(store, supervisor):
        if dev.retired_at is None or not key_path(store.home, dev.device).exists():
            continue
        if not store.conn.execute("SELECT 1 FROM records r WHERE r.device = ? AND NOT EXISTS"
                                  " (SELECT 1 FROM sync_receipts s WHERE s.hash = r.hash) LIMIT 1",
                                  (dev.device,)).fetchone():
            continue
        try:
            found[dev.device] = open_device_key(store, dev.device, passphrase)
        except KeyFileError:
            continue
    return found


def migrate_legacy_key(store: Store, passphrase: str) -> DeviceKey:
    """Seal an old plaintext ``device.key`` under ``passphrase``, crash-safely: write the sealed
    file (atomically), check it opens to the same public key, then overwrite and remove the
    plaintext. Run again after a crash at any point, it finishes the job."""
    import nacl.signing

    from storage.keyfile import (
        check_new_passphrase,
        open_seed,
        read_key_file,
        read_legacy_seed,
        seal_seed,
        shred,
        write_key_file,
    )
    from storage.profile import StoreError
    from supervisor_tui.model.signing import DeviceKey, KeyFileError

    legacy = legacy_key_path(store.home)
    profiles = store.profiles()
    if not legacy.exists():
        raise StoreError("there is no plaintext device.key to protect in this store")
    if len(profiles) != 1:
        raise StoreError("a plaintext device.key belongs to a store with exactly one profile")
    profile = profiles[0]
    registered = store.public_keys().get(profile.device)
    sealed = key_path(store.home, profile.device)
    seed = read_legacy_seed(legacy)
    if seed is not None:
        public = DeviceKey(nacl.signing.SigningKey(seed)).public_key_hex
        if registered is not None and public != registered:
            raise StoreError("device.key does not match the public key this store registered; not touching it")
        reuse = False
        if sealed.exists():
            try:
                reuse = open_seed(read_key_file(sealed), passphrase).encode() == seed
            except KeyFileError:
                reuse = False
        if not reuse:
            check_new_passphrase(passphrase)
            write_key_file(sealed, seal_seed(seed, passphrase, profile.supervisor, profile.device))
    elif not sealed.exists():
        raise StoreError("device.key is damaged and there is no encrypted key: the key is lost"
                         " (docs/shared-laptops.md: 'Forgotten passphrase')")
    key = DeviceKey(open_seed(read_key_file(sealed), passphrase))
    if registered is not None and key.public_key_hex != registered:
        raise StoreError("the encrypted key does not open to this store's public key; the plaintext"
                         " device.key was kept")
    shred(legacy)
    return key


def change_passphrase(store: Store, supervisor: str, old: str, new: str) -> int:
    """Re-seal every key of ``supervisor`` held here under ``new``; returns how many."""
    from storage.keyfile import (
        check_new_passphrase,
        open_seed,
        read_key_file,
        seal_seed,
        write_key_file,
    )

    check_new_passphrase(new)
    opened = []
    for dev in own_devices(store, supervisor):
        path = key_path(store.home, dev.device)
        if path.exists():
            opened.append((path, dev.device, open_seed(read_key_file(path), old)))  # all or nothing
    for path, device, key in opened:
        write_key_file(path, seal_seed(key.encode(), new, supervisor, device))
    return len(opened)


def rotate_key(store: Store, supervisor: str, passphrase: str, reason: str | None = None,
               now: dt.datetime | None = None) -> tuple[dict[str, Any], Profile]:
    """A new key pair and device for ``supervisor``: the old chain is closed by a
    ``key_rotated`` record (signed by the old key) naming the new device and public key."""
    from storage.keyfile import seal_seed, write_key_file
    from storage.profile import Profile, StoreError
    from supervisor_tui.model.records import BODY_MODELS, utc_now_iso
    from supervisor_tui.model.signing import DeviceKey

    profile = next((p for p in store.profiles() if p.supervisor == supervisor), None)
    if profile is None:
        raise StoreError(f"no profile {supervisor} in {store.home}")
    old_key = open_device_key(store, profile.device, passphrase)
    new_key = DeviceKey.generate()
    device = new_device_id()
    write_key_file(key_path(store.home, device),
                   seal_seed(new_key.signing_key.encode(), passphrase, supervisor, device))
    now = now or dt.datetime.now(dt.UTC)
    raw = {"new_device": device, "new_public_key": new_key.public_key_hex}
    if reason:
        raw["reason"] = reason
    body = BODY_MODELS["key_rotated"].model_validate(raw).model_dump(mode="json", exclude_none=True)
    stamp = utc_now_iso(now)
    with store.write() as conn:
        record, body_json = store.sign_next_with(old_key, profile, "key_rotated", body, now)
        store.insert_signed(record, body_json)
        conn.execute("UPDATE profiles SET device = ? WHERE supervisor = ?", (device, supervisor))
        conn.execute("UPDATE own_devices SET retired_at = ?, rotated_to = ? WHERE device = ?",
                     (stamp, device, profile.device))
        conn.execute("INSERT INTO own_devices VALUES (?, ?, ?, NULL, NULL)", (device, supervisor, stamp))
        conn.execute("INSERT INTO devices VALUES (?, ?, ?)", (device, supervisor, new_key.public_key_hex))
    store.forget_keys()
    store.remember_key(device, new_key)
    store.remember_key(profile.device, old_key)
    return record, Profile(supervisor, profile.name, device, profile.created_at)


def reset_forgotten(store: Store, supervisor: str, new_passphrase: str) -> Profile:
    """Forgotten passphrase: a new key pair and device under a new passphrase, without a
    ``key_rotated`` record (the old key cannot sign one). The old device's records stay valid
    and attributable; the new device needs a new enrolment token from the IT admin."""
    from storage.keyfile import check_new_passphrase, seal_seed, write_key_file
    from storage.profile import Profile, StoreError
    from supervisor_tui.model.records import utc_now_iso
    from supervisor_tui.model.signing import DeviceKey

    check_new_passphrase(new_passphrase)
    profile = next((p for p in store.profiles() if p.supervisor == supervisor), None)
    if profile is None:
        raise StoreError(f"no profile {supervisor} in {store.home}")
    new_key = DeviceKey.generate()
    device = new_device_id()
    write_key_file(key_path(store.home, device),
                   seal_seed(new_key.signing_key.encode(), new_passphrase, supervisor, device))
    stamp = utc_now_iso()
    with store.write() as conn:
        conn.execute("UPDATE profiles SET device = ? WHERE supervisor = ?", (device, supervisor))
        conn.execute("UPDATE own_devices SET retired_at = ? WHERE device = ?", (stamp, profile.device))
        conn.execute("INSERT INTO own_devices VALUES (?, ?, ?, NULL, NULL)", (device, supervisor, stamp))
        conn.execute("INSERT INTO devices VALUES (?, ?, ?)", (device, supervisor, new_key.public_key_hex))
    # The old sealed key stays: if the passphrase comes back, its unsent records can still go.
    store.forget_keys()
    store.remember_key(device, new_key)
    return Profile(supervisor, profile.name, device, profile.created_at)
