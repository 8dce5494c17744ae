"""Texts of charlm's data (see catalogue/__init__.py)."""

TEXTS: dict[str, tuple[str, str]] = {}
