"""Textual screens: one module per screen or flow, each with its ``.tcss`` beside it."""
