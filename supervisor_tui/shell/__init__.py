"""The application shell: the Textual ``App``, the ``supervisor-tui`` CLI and its commands, the
sign-in session and idle lock, the key queue and user settings. The top layer: it may import
every layer below (screens, sync, storage, reports, model, checklists); nothing imports it.
"""
