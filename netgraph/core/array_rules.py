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
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.integers import is_int, plain_index
from netgraph.core.option_problems import VALUE_KIND
from netgraph.core.names import indexed
from netgraph.core.naming_scope import quoted
from netgraph.core.wording import few_names

__all__ = ["WILDCARDS", "rule_pattern", "matches", "refuse_unmatched", "no_match", "RuleIndex", "PathIndex"]

WILDCARDS = ("*", "_", "All", "all")


def rule_pattern(key: Any, top: Sequence[str] | Mapping[str, Any]) -> list[str] | None:
    """The key as a list of glob parts matched against an array's path, or None (a key of no known form). ``top``:
    the net's layer names, or its layers by name, through which an index in a tuple key names a layer at any depth
    (1-based, or negative from the end: ``(1, -1)`` is the last layer of the first, ``("map", "net", -1)`` the last
    of operator ``map``'s inner net ``net``, as in surgery paths; numpy's integers too)."""
    key = plain_index(key)
    if isinstance(key, str) and key in WILDCARDS:
        return []
    if isinstance(key, int) and not isinstance(key, bool):
        name = indexed(top, key)
        return None if name is None else [name]
    if isinstance(key, str):
        return key.split("/")
    if isinstance(key, tuple) and key:
        parts, level, holder = [], top, None
        for i, k in enumerate(key):
            if isinstance(k, int) and not isinstance(k, bool) and (i == 0 or isinstance(level, Mapping)):
                k = indexed(level, k)
                if k is None:
                    return None
            parts.append(str(k))
            level, holder = _inner_layers(level, holder, parts[-1])
        return parts
    return None


def _inner_layers(level: Any, holder: Any, name: str) -> tuple[Mapping[str, Any] | None, Any]:
    """The step along a tuple key past ``name``: (the layers by name that an index names next, or None; the operator
    whose inner net's option is named next, or None). ``name`` is among ``level`` (layers by name) or is an inner
    net's option of ``holder``."""
    if isinstance(level, Mapping):
        layer = level.get(name)
    elif name in getattr(holder, "NETS", ()):
        layer = getattr(holder, name)
    else:
        return None, None
    inner = getattr(layer, "layers", None)
    if isinstance(inner, Mapping):
        return inner, None
    return None, layer if getattr(layer, "NETS", None) else None


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


def _is_glob(pattern: list[str]) -> bool:
    return any(c in p for p in pattern for c in "*?[")


class RuleIndex:
    """Patterns (in order) indexed so that those matching an array are found without trying each: one without
    glob characters matches exactly the arrays under its path, so it is looked up by the array path's prefixes;
    only globs are tried one by one. ``matching(parts)`` gives what ``matches`` would, for any number of rules."""

    def __init__(self, patterns: Sequence[list[str] | None]) -> None:
        self.exact: dict[tuple, list[int]] = {}
        self.globs: list[tuple[int, list[str]]] = []
        for i, pattern in enumerate(patterns):
            if pattern is not None and _is_glob(pattern):
                self.globs.append((i, pattern))
            elif pattern is not None:
                self.exact.setdefault(tuple(_split(pattern)), []).append(i)

    def matching(self, parts: list[str]) -> list[int]:
        """The indices of the patterns that match the array path ``parts``, in order."""
        split = _split(parts)
        found = [i for k in range(len(split) + 1) for i in self.exact.get(tuple(split[:k]), ())]
        return sorted(found + [i for i, pattern in self.globs if matches(pattern, parts)])


class PathIndex:
    """Array paths (as parts) indexed by their prefixes: ``any_match(pattern)`` is ``any(matches(pattern, p) for p
    in paths)``, and ``picked(pattern)`` the indices of those it matches, in one lookup for a pattern without glob
    characters."""

    def __init__(self, paths: list[list[str]]) -> None:
        self.paths = paths
        self.under: dict[tuple, list[int]] = {}  # a prefix of the split paths -> the indices of the paths under it
        for i, split in enumerate(map(_split, paths)):
            for k in range(len(split) + 1):
                self.under.setdefault(tuple(split[:k]), []).append(i)

    def any_match(self, pattern: list[str] | None) -> bool:
        if pattern is None:
            return False
        if _is_glob(pattern):
            return any(matches(pattern, parts) for parts in self.paths)
        return tuple(_split(pattern)) in self.under

    def picked(self, pattern: list[str] | None) -> list[int]:
        """The indices of the paths ``pattern`` matches, in order."""
        if pattern is None:
            return []
        if _is_glob(pattern):
            return [i for i, parts in enumerate(self.paths) if matches(pattern, parts)]
        return self.under.get(tuple(_split(pattern)), [])


def refuse_unmatched(option: str, rules: Sequence[tuple[Any, list[str] | None]], used: set[int],
                     top: Mapping[str, Any], names: Iterable[str], field: str) -> None:
    """OptionError (``option`` its message's name for the option, ``field`` its Diagnostic's) naming the first of
    ``rules`` ((key, pattern) pairs) that matches no array of ``names`` (dotted array names), with a suggestion among
    the layers that have arrays (``top``: the net's layers by name). A rule whose index is in ``used`` picked an
    array; one that did not may still match arrays earlier rules picked first (``{"a": 0, "*": 1}`` with only
    layer ``a``): that is fine, the first matching rule wins."""
    paths, index = [n.split(".") for n in names], None
    for i, (key, pattern) in enumerate(rules):
        if i in used:
            continue
        index = index or PathIndex(paths)
        if not index.any_match(pattern):
            raise OptionError(f"{option} {no_match(key, top, paths)}", kind=VALUE_KIND, found=key, option=field)


def _layer_at(parts: list[str] | None, top: Any) -> Any:
    """The layer a tuple key's ``parts`` (``rule_pattern``'s) name through ``top`` (layers by name), None where they
    name none (an array, a name no layer has)."""
    level, holder, layer = top, None, None
    for name in parts or ():
        if isinstance(level, Mapping) and name in level:
            layer = level[name]
        elif name in getattr(holder, "NETS", ()):
            layer = getattr(holder, name)
        else:
            return None
        level, holder = _inner_layers(level, holder, name)
    return layer


def no_match(key: Any, top: Sequence[str] | Mapping[str, Any], paths: list[list[str]], guess: bool = True) -> str:
    """'key K matches no array' with a suggestion among the layers with arrays (``paths``: array paths as parts);
    none without ``guess`` (a guess reads every layer name: a caller with thousands of keys guesses a few)."""
    layers = sorted({"/".join(p[:-1]) for p in paths})
    shown = few_names(layers)
    if isinstance(key, (slice, range)) or isinstance(key, str) and ";;" in key:
        return (f"key {quoted(key)} is a span of layers (Wolfram's m;;n), which rules do not take: give a rule per "
                f"layer, such as {{1: r, 2: r}}, or a glob ('enc*'); layers with arrays: {shown}")
    at = indexed(top, key)  # the layer an index in range names; None for anything else
    if is_int(key) and at is None:  # 0 or past the end
        return (f"key {quoted(key)} names no layer: the net's {len(top)} layers are numbered 1 to {len(top)}, or -1 "
                f"for the last (Wolfram's n -> r); layers with arrays: {shown}")
    if key in top or is_int(key) or isinstance(key, tuple) and _layer_at(rule_pattern(key, top), top) is not None:
        named = "" if at is None else f" ({at!r})"
        return f"key {quoted(key)}{named} names a layer without arrays; layers with arrays: {shown}"
    arrays = ["/".join(p) for p in paths] if isinstance(key, str) and "/" in key else []  # 'enc/Wieghts'
    hint = did_you_mean(key, [*top, *layers, *arrays]) if isinstance(key, str) and guess else ""
    return f"key {quoted(key)} matches no array{hint}; layers with arrays: {shown}"
