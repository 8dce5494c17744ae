"""Texts of charlm's other_tabs (see catalogue/__init__.py)."""

TEXTS: dict[str, tuple[str, str]] = {}
