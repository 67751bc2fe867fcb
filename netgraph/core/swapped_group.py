"""A hint for a shape conflict that a group edge's order explains: ``[y, pred] -> loss`` (Keras's
``(y_true, y_pred)``) into a loss layer's ``Input, Target``. Called only on the error path: the net is inferred
again with the two sources swapped, and the hint given only when that fits."""

from __future__ import annotations

import dataclasses
from typing import Any

from netgraph.core.errors import Diagnostic, ShapeError
from netgraph.core.inference import conflict_error
from netgraph.core.naming_scope import quoted, scoped_name
from netgraph.core.trial_solve import solves_with

__all__ = ["MAX_SWAP_TRIALS", "swapped_group_error"]

MAX_SWAP_TRIALS = 5  # groups tried swapped (each a whole inference again): a big net can have thousands


def swapped_group_error(net: Any, exc: ShapeError) -> ShapeError | None:
    """``exc`` with its first problem at a group edge of ``net`` saying that the group fits with its two sources
    swapped; None when no problem is at such a group (two sources feeding two inputs of one layer) or the swapped
    order fails too (for each of the first ``MAX_SWAP_TRIALS`` groups: a trial infers the whole net again)."""
    problems, seen, groups, tried = list(exc.diagnostics), set(), _groups(net), 0
    for i, diagnostic in enumerate(problems):
        key = (diagnostic.edge, diagnostic.layer)
        if diagnostic.edge is None or diagnostic.graph != () or len(diagnostic.layer or ()) != 1 or key in seen:
            continue
        seen.add(key)
        group = groups.get((diagnostic.edge, diagnostic.layer[0]), [])
        if len(group) != 2 or group[0].src == group[1].src:
            continue
        if tried == MAX_SWAP_TRIALS:
            return None
        tried += 1
        if _fits_swapped(net, group):
            problems[i] = _with_hint(net, diagnostic, group)
            return conflict_error(problems)
    return None


def _groups(net: Any) -> dict[tuple[int, str], list]:
    """``net``'s edges by (the index of the user's edge they come from, the layer they feed)."""
    groups: dict[tuple[int, str], list] = {}
    for e in net._edges:
        groups.setdefault((e.index, e.dst.layer), []).append(e)
    return groups


def _fits_swapped(net: Any, group: list) -> bool:
    first, second = group
    swapped = {first: dataclasses.replace(first, src=second.src), second: dataclasses.replace(second, src=first.src)}
    return solves_with(net, _edges=tuple(swapped.get(e, e) for e in net._edges))


def _with_hint(net: Any, diagnostic: Diagnostic, group: list) -> Diagnostic:
    """``diagnostic`` ending with the hint (the group's edge as an ``EdgeRef``, for readers that place it)."""
    name = group[0].dst.layer
    ports = [e.dst.port for e in group]
    keras = " (Keras's losses take (y_true, y_pred), netgraph's the prediction first)" \
        if ports == ["Input", "Target"] else ""
    edge = next((ref for ref in diagnostic.edges if (ref.index, ref.hop) == (diagnostic.edge, diagnostic.hop)),
                group[0].text)
    hint = ("; the group ", edge, f" fits with its sources swapped: layer {scoped_name(name)!r} "
                                  f"({net._layers[name].type_name}) takes {quoted(ports[0])} then "
                                  f"{quoted(ports[1])}{keras}")
    return dataclasses.replace(diagnostic, message=diagnostic.message + "".join(map(str, hint)),
                               parts=(*(diagnostic.parts or (diagnostic.message,)), *hint))
