"""The governance web view: read-only pages over the central store for directors, quality
leads and auditors, served by ``governance-store serve`` beside ``/v1`` (under ``/web``).

``accounts`` (roles, set-up links, Argon2id passwords), ``sessions`` (cookies, CSRF, idle expiry,
slowing failed logins), ``access`` (the append-only access log), ``figures`` (dashboard figures
from the governance report), ``pages`` (the routes), ``security`` (headers on every response).
"""
