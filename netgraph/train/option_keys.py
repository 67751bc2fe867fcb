"""The keys of net_train's option dicts (``method=``, ``stopping=``) as ours: Wolfram's CamelCase read as snake_case.

>>> snake_keys({"LearningRate": 0.1, "momentum": 0.9}, "method")
({'learning_rate': 0.1, 'momentum': 0.9}, {'learning_rate': 'LearningRate', 'momentum': 'momentum'})
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from netgraph.core.errors import OptionError, did_you_mean

__all__ = ["snake", "snake_keys"]


def snake(key: str) -> str:
    """'L2Regularization' -> 'l2_regularization', 'InitialPatience' -> 'initial_patience'.

    >>> snake("GradientClipping"), snake("max_gradient_norm")
    ('gradient_clipping', 'max_gradient_norm')
    """
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(key)).lower()


def snake_keys(spec: Mapping, option: str, known: list[str] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """``spec`` by snake_case key, and the user's spelling of each key (for messages); an OptionError naming both
    spellings where two keys are one (``"learning_rate"`` and ``"LearningRate"``), not the last one silently kept,
    and, given the ``known`` keys, one for a key not among them (each key checked in the user's order)."""
    fields: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    for key, value in spec.items():
        name = snake(key)
        if known is not None and (name not in known or not isinstance(key, str)):
            hint = did_you_mean(name if isinstance(key, str) else str(key), known)
            raise OptionError(f"{option} has no key {key!r}{hint}; it takes {known}", option=option,
                              kind="unknown-key", expected=tuple(known), found=key)
        if name in fields:
            raise OptionError(f"{option} gives {name!r} twice (as {spelled[name]!r} and {str(key)!r}); give one of "
                              f"them", option=option, kind="option-combination", found=(spelled[name], str(key)))
        fields[name], spelled[name] = value, str(key)
    return fields, spelled
