"""A person's re-validation history rendered as CSV, HTML or a JSON evidence pack.

``render_history(inputs, fmt, signer=None, ...)`` is the seam shared by the laptop
(``storage.export``) and the central store (``sync.central.export``): ``inputs`` is an
:class:`~supervisor_tui.reports.inputs.ExportInputs`; the JSON pack's manifest is signed by
``signer`` when one is given.
"""

from __future__ import annotations

from supervisor_tui.reports.history import build_history
from supervisor_tui.reports.inputs import FORMATS, ExportError, ExportInputs
from supervisor_tui.reports.pack import Signer, build_pack, dumps
from supervisor_tui.reports.render_csv import render_csv
from supervisor_tui.reports.render_html import render_html

__all__ = ["FORMATS", "ExportError", "ExportInputs"]


def render_history(inputs: ExportInputs, fmt: str, signer: Signer | None = None,
                   signer_device: str | None = None, signer_public_key: str | None = None) -> str:
    """The export text in ``fmt`` for already-gathered inputs."""
    if fmt not in FORMATS:
        raise ExportError(f"format {fmt!r}: use one of {', '.join(FORMATS)}")
    history = build_history(inputs, describe_records=fmt != "json")
    if fmt == "csv":
        return render_csv(history)
    if fmt == "html":
        return render_html(history)
    return dumps(build_pack(history, signer, signer_device, signer_public_key), inputs.body_json)
