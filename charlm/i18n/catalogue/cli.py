"""Texts of charlm's cli (see catalogue/__init__.py)."""

TEXTS: dict[str, tuple[str, str]] = {}
