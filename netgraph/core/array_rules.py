"""Rules that pick arrays by layer path, shared by net_initialize's ``method=`` and learning-rate multipliers.

A key is a layer name, a path ``'outer/inner'`` or ``('outer', 'inner')`` (optionally ending in an
array name: ``'lin/Weights'``, ``('lin', 'Weights')``), a shell-style glob (``'enc*'``), a 1-based
top-level layer position, or ``'All'`` (also ``'*'``) for everything. An array is named by its
dotted path, ``'outer.inner.Weights'``.

>>> rule_pattern(("lin", "Weights"), ["lin"]), rule_pattern(2, ["a", "b"]), rule_pattern("All", [])
(['lin', 'Weights'], ['b'], [])
>>> matches(["enc*"], "enc1.Weights".split("."))
True
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from typing import Any

from netgraph.core.errors import OptionError, did_you_mean

__all__ = ["WILDCARDS", "rule_pattern", "matches", "refuse_unmatched", "no_match"]

WILDCARDS = ("*", "_", "All", "all")


def rule_pattern(key: Any, top: list[str]) -> list[str] | None:
    """The key as a list of glob parts matched against an array's path, or None (a key of no known form)."""
    if isinstance(key, str) and key in WILDCARDS:
        return []
    if isinstance(key, int) and not isinstance(key, bool):
        return [top[key - 1 if key > 0 else key]] if 1 <= abs(key) <= len(top) and key != 0 else None
    if isinstance(key, str):
        return key.split("/")
    if isinstance(key, tuple) and key:
        parts = [rule_pattern(k, top) if isinstance(k, int) and i == 0 else [str(k)] for i, k in enumerate(key)]
        return None if any(p is None for p in parts) else [q for p in parts for q in p]
    return None


def matches(pattern: list[str] | None, parts: list[str]) -> bool:
    """Whether an array path (its parts) lies under the pattern. A name with '/' (a layer ``net_flatten`` named
    ``enc/lin``) counts as its parts, so the rule ``'enc/lin'`` picks it as it picked the nested layer.

    >>> matches(["enc", "lin"], ["enc/lin", "Weights"]), matches(["enc/lin"], ["enc", "lin", "Weights"])
    (True, True)
    """
    if pattern is None:
        return False
    pattern, parts = _split(pattern), _split(parts)
    return len(pattern) <= len(parts) and all(fnmatch.fnmatchcase(p, q) for p, q in zip(parts, pattern))


def _split(parts: list[str]) -> list[str]:
    return [q for p in parts for q in p.split("/")] if any("/" in p for p in parts) else parts


def refuse_unmatched(option: str, rules: Sequence[tuple[Any, list[str] | None]], used: set[int], top: list[str],
                     names: Iterable[str]) -> None:
    """OptionError naming the first of ``rules`` ((key, pattern) pairs) that matches no array of ``names`` (dotted
    array names), with a suggestion among the layers that have arrays. A rule whose index is in ``used`` picked an
    array; one that did not may still match arrays earlier rules picked first (``{"a": 0, "*": 1}`` with only
    layer ``a``): that is fine, the first matching rule wins."""
    paths = [n.split(".") for n in names]
    for i, (key, pattern) in enumerate(rules):
        if i not in used and not any(matches(pattern, parts) for parts in paths):
            raise OptionError(f"{option} {no_match(key, top, paths)}")


def no_match(key: Any, top: list[str], paths: list[list[str]]) -> str:
    """'key K matches no array' with a suggestion among the layers with arrays (``paths``: array paths as parts)."""
    shown = sorted({"/".join(p[:-1]) for p in paths})
    if key in top:
        return f"key {key!r} names a layer without arrays; layers with arrays: {shown}"
    hint = did_you_mean(key, [*top, *shown]) if isinstance(key, str) else ""
    return f"key {key!r} matches no array{hint}; layers with arrays: {shown}"
