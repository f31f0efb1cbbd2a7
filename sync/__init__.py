"""Canonical encoding, signing and verification, the sync client and the central store."""
