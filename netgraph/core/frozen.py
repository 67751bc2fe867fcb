"""Frozen values made in place: a module without torch, so that ``NetPort`` imports without it."""

from __future__ import annotations

from typing import Any

__all__ = ["frozen_init"]


def frozen_init(obj: Any, **values: Any) -> None:
    """Set attributes of a frozen value while it is being made (its normalised options, cached parts)."""
    for name, value in values.items():
        object.__setattr__(obj, name, value)
