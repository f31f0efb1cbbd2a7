"""Local SQLite store: schema and migrations, append-only signed record log, roster, drafts
and projections. Knows nothing of Textual."""

from storage.store import Profile, Store, StoreError, VerifyReport

__all__ = ["Profile", "Store", "StoreError", "VerifyReport"]
