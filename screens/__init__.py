"""Textual screens, one module per screen or flow, with their .tcss beside them."""
