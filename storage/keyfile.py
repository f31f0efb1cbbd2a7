"""Supervisors' private keys at rest: only ever encrypted under their passphrase.

A key file (``keys/<device>.key``, mode 0600) is JSON::

    {"format": "supervisor-tui-key", "version": 1, "supervisor": "SUP01", "device": "dev-…",
     "public_key": "<64 hex>",
     "kdf": {"algorithm": "argon2id", "opslimit": 2, "memlimit": 67108864, "salt": "<32 hex>"},
     "cipher": "xsalsa20-poly1305", "ciphertext": "<hex of nonce + sealed 32-byte seed>"}

The sealing key is derived from the passphrase by Argon2id (libsodium ``crypto_pwhash`` via
PyNaCl) with the parameters stored beside the ciphertext, so they can be raised later without
breaking old files; the seed is sealed with ``SecretBox`` (authenticated: a wrong passphrase or a
changed byte fails to open). The public key is kept in clear so that ``verify`` and the profile
list need no passphrase; after opening, the seed must give that same public key.

Files are written atomically (a temp file in the same directory, fsynced, renamed over, the
directory fsynced): a crash leaves either the old file or the new one whole, never half.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.signing
import nacl.utils

from supervisor_tui.model.signing import KeyFileError

ENV_PASSPHRASE = "SUPERVISOR_TUI_PASSPHRASE"
# Test suites only: Argon2id at libsodium's minimum limits, so hundreds of test stores open fast.
# Never set it for a real store: those keys are far cheaper to guess (README says so).
ENV_INSECURE_TEST_KDF = "SUPERVISOR_TUI_INSECURE_TEST_KDF"
MIN_PASSPHRASE = 10
FORMAT = "supervisor-tui-key"
LEGACY_KEY_NAME = "device.key"
KEYS_DIR = "keys"

_argon = nacl.pwhash.argon2id


class PassphraseNeeded(KeyFileError):
    """No passphrase was given and none can be asked for."""


class BadPassphrase(KeyFileError):
    """The passphrase does not open the key (or the key file was altered)."""


class WeakPassphrase(KeyFileError):
    """A new passphrase that is refused (too short)."""


@dataclass(frozen=True)
class KdfParams:
    opslimit: int
    memlimit: int


def kdf_params() -> KdfParams:
    """The limits used for new key files: libsodium's INTERACTIVE limits (about 0.05-0.2 s
    and 64 MiB here), unless the test-only variable asks for the minimum."""
    if os.environ.get(ENV_INSECURE_TEST_KDF) == "1":
        return KdfParams(_argon.OPSLIMIT_MIN, _argon.MEMLIMIT_MIN)
    return KdfParams(_argon.OPSLIMIT_INTERACTIVE, _argon.MEMLIMIT_INTERACTIVE)


def passphrase_problem(passphrase: str) -> str | None:
    """Why a new passphrase is refused, or None."""
    if len(passphrase) < MIN_PASSPHRASE:
        return f"the passphrase must be at least {MIN_PASSPHRASE} characters (it has {len(passphrase)})"
    if not passphrase.strip():
        return "the passphrase must not be only spaces"
    return None


def check_new_passphrase(passphrase: str) -> str:
    problem = passphrase_problem(passphrase)
    if problem:
        raise WeakPassphrase(problem)
    return passphrase


def strength_hint(passphrase: str) -> str:
    """A short, honest hint (length counts most; no false promises)."""
    n = len(passphrase)
    if n < MIN_PASSPHRASE:
        return f"too short: {n} of at least {MIN_PASSPHRASE} characters"
    words = len(passphrase.split())
    kinds = sum(any(test(c) for c in passphrase) for test in (str.islower, str.isupper, str.isdigit,
                                                              lambda c: not c.isalnum()))
    if n >= 20 or (words >= 4 and n >= 16):
        return "strong: long passphrases are the hardest to guess"
    if n >= 14 and kinds >= 2:
        return "good; a few more words make it stronger"
    return "acceptable; four unrelated words are stronger and easier to remember"


def env_passphrase() -> str | None:
    """``$SUPERVISOR_TUI_PASSPHRASE`` for scripts and tests (None when unset or empty)."""
    return os.environ.get(ENV_PASSPHRASE) or None


def _derive(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    return _argon.kdf(nacl.secret.SecretBox.KEY_SIZE, passphrase.encode("utf-8"), salt,
                      opslimit=params.opslimit, memlimit=params.memlimit)


def seal_seed(seed: bytes, passphrase: str, supervisor: str, device: str,
              params: KdfParams | None = None) -> dict[str, Any]:
    """The key-file document holding ``seed`` sealed under ``passphrase``."""
    params = params or kdf_params()
    salt = nacl.utils.random(_argon.SALTBYTES)
    box = nacl.secret.SecretBox(_derive(passphrase, salt, params))
    public = nacl.signing.SigningKey(seed).verify_key.encode().hex()
    return {
        "format": FORMAT, "version": 1, "supervisor": supervisor, "device": device,
        "public_key": public,
        "kdf": {"algorithm": "argon2id", "opslimit": params.opslimit, "memlimit": params.memlimit,
                "salt": salt.hex()},
        "cipher": "xsalsa20-poly1305", "ciphertext": bytes(box.encrypt(seed)).hex(),
    }


def open_seed(doc: dict[str, Any], passphrase: str) -> nacl.signing.SigningKey:
    """The signing key sealed in ``doc``; BadPassphrase when it does not open."""
    try:
        kdf = doc["kdf"]
        if kdf.get("algorithm") != "argon2id":
            raise KeyFileError(f"unknown key derivation {kdf.get('algorithm')!r}")
        params = KdfParams(int(kdf["opslimit"]), int(kdf["memlimit"]))
        salt, sealed = bytes.fromhex(kdf["salt"]), bytes.fromhex(doc["ciphertext"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise KeyFileError("the key file is damaged (fields missing)") from exc
    try:
        seed = nacl.secret.SecretBox(_derive(passphrase, salt, params)).decrypt(sealed)
    except nacl.exceptions.CryptoError as exc:
        raise BadPassphrase("wrong passphrase: nothing was signed") from exc
    key = nacl.signing.SigningKey(seed)
    if key.verify_key.encode().hex() != doc.get("public_key"):
        raise KeyFileError("the key file is damaged: the key does not match its public key")
    return key


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` through a fsynced temp file and a rename (never half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, mode)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def write_key_file(path: Path, doc: dict[str, Any]) -> None:
    write_atomic(path, (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode("ascii"))


def read_key_file(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text("ascii"))
    except FileNotFoundError as exc:
        raise KeyFileError(f"key file not found: {path}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"{path} is not a supervisor-tui key file") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise KeyFileError(f"{path} is not a supervisor-tui key file")
    return doc


def read_legacy_seed(path: Path) -> bytes | None:
    """The seed of an old plaintext ``device.key`` (64 hex digits), or None when the file is
    not whole (a migration overwrote it just before a crash)."""
    try:
        text = path.read_text("ascii").strip()
        seed = bytes.fromhex(text)
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return seed if len(seed) == 32 else None


def shred(path: Path) -> None:
    """Overwrite a plaintext key file with zeros (fsynced), then remove it. (On SSDs and
    copy-on-write file systems the old blocks may survive: full-disk encryption is IT's job.)"""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, b"\0" * max(size, 65))
        os.fsync(fd)
    finally:
        os.close(fd)
    path.unlink()
    fsync_dir(path.parent)
