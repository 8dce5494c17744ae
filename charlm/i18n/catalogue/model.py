"""Texts of charlm's model (see catalogue/__init__.py)."""

TEXTS: dict[str, tuple[str, str]] = {}
