"""supervisor-tui: offline-first re-validation checklists for care-provider supervisors.

The package holds the lowest and the highest layer (see docs/architecture.md):
``supervisor_tui.model`` (the record model both laptop and server agree on),
``supervisor_tui.reports`` (pure projections and figures over records) and
``supervisor_tui.shell`` (the Textual app, the CLI and its commands). Only the shell and
``screens`` import Textual.
"""

__version__ = "0.1.0"
