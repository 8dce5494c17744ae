"""Texts of charlm's inspect_tab (see catalogue/__init__.py)."""

TEXTS: dict[str, tuple[str, str]] = {}
