"""supervisor-tui: offline-first re-validation checklists for care-provider supervisors.

This package holds the application shell (CLI, settings, domain models and rules). Only
``supervisor_tui.app`` and ``screens`` import Textual.
"""

__version__ = "0.1.0"
