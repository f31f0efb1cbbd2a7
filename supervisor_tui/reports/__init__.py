"""Pure projections and figures over signed records: no database, no network, no Textual.

What a person's pathway looks like (``projections``, ``decisions``), the governance report's
figures (``facts``, ``report``, ``sessions``), a person's evidence pack (``history``, ``pack``,
``inputs``) and the renderers (HTML, CSV, SVG charts, control pack). The laptop fills the inputs
from ``storage/``, the central store from ``sync/central/``; both render with the same code.
"""
