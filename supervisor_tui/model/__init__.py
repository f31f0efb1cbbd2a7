"""The record model: what laptop and server must agree on.

Envelope checks, body models per (kind, schema), the library rules, limits, canonical JSON and
Ed25519 signing. Imports only ``checklists`` (and libraries); never storage, sync, screens or Textual.
"""
