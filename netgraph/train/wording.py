"""Counts in messages, spelled grammatically.

>>> counted(1, "round"), counted(2, "round"), counted(0, "batch", "batches")
('1 round', '2 rounds', '0 batches')
"""

from __future__ import annotations

__all__ = ["counted"]


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` with ``noun`` in the singular for exactly one, else in the plural (``noun + "s"`` by default)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
