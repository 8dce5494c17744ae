"""Texts of charlm's presets (see catalogue/__init__.py)."""

TEXTS: dict[str, tuple[str, str]] = {}
