"""A problem inside a YAML anchor's value is met once per layer that uses it (``a: &L {...}`` then ``b: *L``), each
at the anchor's line:col: told once, at the anchor, naming the other layers that take the value and where.

>>> from netgraph.core.errors import Diagnostic
>>> from netgraph.spec.yaml_nodes import Loc
>>> errors = [("s.yaml", Loc(3, 29), f"layer {n!r} has no option 'outptu'", Diagnostic("", layer=(n,)))
...           for n in ("a", "b")]
>>> [message for _, _, message, _ in alias_repeats_merged(errors, {("b",): ("s.yaml", Loc(4, 3))})]
["layer 'a' has no option 'outptu'; the same for layer 'b' (4:3), which takes this value through a YAML alias or reference"]
"""

from __future__ import annotations

from typing import Any

from netgraph.core.wording import first_few

__all__ = ["alias_repeats_merged"]


def alias_repeats_merged(errors: list[tuple], layer_locs: dict[tuple, tuple]) -> list[tuple]:
    """``errors`` (file, loc, message, Diagnostic) with the problems at one place that differ only in the layer they
    name (the users of one anchored value) told once, by the first, naming the others' layers and their places
    (``layer_locs``: layer path -> (file, loc) where it is defined)."""
    groups: dict[tuple, list[tuple]] = {}
    for error in errors:
        groups.setdefault(_key(error), []).append(error)
    merged = []
    for group in groups.values():
        first, *others = group
        users = list(dict.fromkeys(e[3].layer for e in others if e[3].layer not in (None, first[3].layer)))
        if not users:
            merged.extend(group[:1] if len(group) > 1 and first[3].layer is not None else group)
            continue
        file, loc, message, source = first
        told = first_few(users, ", " if len(users) > 2 else " and ",
                         lambda path: f"{_layer(path)!r}{_place(_taken_at(path, first[3].layer, layer_locs), file)}")
        which = "which takes" if len(users) == 1 else "which take"
        merged.append((file, loc, f"{message}; the same for layer{'s' * (len(users) > 1)} {told}, {which} this "
                                  f"value through a YAML alias or reference", source))
    return merged


def _key(error: tuple) -> tuple:
    """What the problems of one anchored value share: the place, kind and option, and the message with its layer's
    name masked; a problem naming no layer is its own."""
    file, loc, message, source = error
    if not source.layer:
        return (id(error),)
    for shown in dict.fromkeys((_layer(source.layer), source.layer[-1])):
        message = message.replace(repr(shown), "'\0'")
    return file, loc.line, loc.col, source.kind, source.option, message


def _taken_at(path: tuple, first: tuple, layer_locs: dict[tuple, tuple]) -> Any:
    """Where layer ``path`` takes the value ``first`` holds: its first enclosing layer (itself included) defined at
    another place than ``first``'s alike (``b: *L``'s ``b``; ``y`` of ``y: {ref: blk}`` for ``y/lin``)."""
    for n in range(1, len(path) + 1):
        where = layer_locs.get(path[:n])
        if where is not None and where != layer_locs.get(first[:n]):
            return where
    return None


def _layer(path: tuple) -> str:
    return "/".join(path)


def _place(where: Any, file: str) -> str:
    """`` (line:col)`` of a layer's (file, loc), the file named where it is another than ``file``."""
    if where is None:
        return ""
    name = getattr(where[0], "name", where[0])
    return f" ({'' if name == file else f'{name}:'}{where[1].line}:{where[1].col})"
