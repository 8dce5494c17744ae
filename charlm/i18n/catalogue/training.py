"""Texts of charlm's training (see catalogue/__init__.py)."""

TEXTS: dict[str, tuple[str, str]] = {}
