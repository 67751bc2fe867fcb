"""Wolfram's broadcasting specification (ThreadingLayer's second argument), per input port.

A spec is ``"Automatic"`` (numpy's rules: missing dims are inserted in front, size-1 dims replicate),
``"None"`` (no replication: the input has the output's shape), a non-zero level n (a lower-rank input gets
its missing dims inserted at level n: 1 in front, -1 at the end, -2 before the last dim; then size-1
dims replicate), or a list of these, one per input.

>>> insert_at(2, 3, -1, "a"), insert_at(1, 3, 2, "a"), insert_at(1, 3, "Automatic", "a")
(2, 1, 0)
>>> aligned((4,), 3, 2, "a"), aligned((4,), 3, "Automatic", "a")
((4, 1, 1), (1, 1, 4))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import torch

from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.guessed_lengths import is_guessed
from netgraph.core.naming_scope import quoted
from netgraph.core.option_problems import option_problem
from netgraph.core.options import OptionKind
from netgraph.core.conflicts import Conflict
from netgraph.core.types import REAL, PortType, broadcast, length_reason, format_shape, unify
from netgraph.layers._shapes import is_int, level_range
from netgraph.layers.expression import Expression, evaluate
from netgraph.layers._modules import LayerModule

__all__ = ["BroadcastSpec", "broadcast_option", "spec_of", "insert_at", "aligned", "broadcast_infer", "insert_code",
           "BroadcastModule", "unknown_dims_taken"]

NAMED_SPECS = ("Automatic", "None")
_ONE = {"anyOf": [{"enum": list(NAMED_SPECS)}, {"type": "integer", "not": {"const": 0}}, {"type": "null"}]}
BroadcastSpec = Annotated[Any, OptionKind("broadcast", None, {"anyOf": [_ONE, {"type": "array", "items": _ONE}]})]
"""A broadcasting specification: "Automatic", "None", a non-zero level, or a list of these per input."""


def _one(value: Any, layer: str) -> Any:
    if value is None:
        return "None"
    if value in NAMED_SPECS or (is_int(value) and value != 0):
        return value
    return option_problem(OptionError(f"{layer} option broadcast= must be 'Automatic', 'None', a non-zero level (where "
                                      f"missing dims are inserted) or a list of these per input, found {quoted(value)}"
                                      f"{did_you_mean(value, NAMED_SPECS) if isinstance(value, str) else ''}",
                                      option="broadcast", expected="'Automatic', 'None', a non-zero level or a list "
                                      "of these", found=value), "Automatic")


def broadcast_option(value: Any, layer: str) -> Any:
    """The checked spec: one spec, or a list of them."""
    if isinstance(value, (list, tuple)):
        if not value:
            return option_problem(OptionError(f"{layer} option broadcast= must not be an empty list",
                                              option="broadcast", expected="a non-empty list", found=value),
                                  "Automatic")
        return [_one(v, layer) for v in value]
    return _one(value, layer)


def spec_of(spec: Any, index: int) -> Any:
    return spec[index] if isinstance(spec, list) else spec


def insert_at(rank: int, out_rank: int, spec: Any, port: str) -> int:
    """The 0-based non-batch position where an input of ``rank`` gets its ``out_rank - rank`` missing dims."""
    if rank == out_rank or spec == "Automatic":
        return 0
    if spec == "None":
        raise Conflict(f"port {quoted(port)} has rank {rank} but the output has rank {out_rank}, and its broadcast "
                       f"spec 'None' replicates nothing", port=port, expected=out_rank, found=rank)
    position = spec - 1 if spec > 0 else rank + spec + 1
    if not 0 <= position <= rank:
        raise Conflict(f"port {quoted(port)} of rank {rank} has no level {spec} to insert its missing dims at (levels "
                       f"run from {level_range(rank + 1)})", port=port, expected=level_range(rank + 1),
                       found=spec)
    return position


def aligned(shape: tuple, out_rank: int, spec: Any, port: str) -> tuple:
    """``shape`` with its missing dims inserted as size 1 where ``spec`` says."""
    position, missing = insert_at(len(shape), out_rank, spec, port), out_rank - len(shape)
    return (*shape[:position], *(1,) * missing, *shape[position:])


def broadcast_infer(ports: tuple[str, ...], spec: Any, types: Mapping[str, PortType]) -> dict[str, PortType]:
    """Output = the inputs aligned by their specs and broadcast; an input of unknown shape takes the output's."""
    types = dict(types)
    known = {p: types[p].shape for p in ports if types[p].shape is not None}
    ranks = [len(s) for s in known.values()] + ([len(types["Output"].shape)] if types["Output"].shape else [])
    if known and ranks:
        out_rank = max(ranks)
        shapes = {p: aligned(s, out_rank, spec_of(spec, ports.index(p)), p) for p, s in known.items()}
        try:
            joint = broadcast(*shapes.values())
        except Conflict as exc:
            shown = ", ".join(f"{p!r} {format_shape(s)}" for p, s in known.items())
            reason = length_reason(exc)
            at = {s: p for p, s in reversed(shapes.items())}  # the port of each aligned shape (the first of equal ones)
            raise Conflict(f"input ports {shown} do not broadcast together under broadcast= {spec!r}{reason}",
                           port=at[exc.found], expected=known[at[exc.expected]], found=known[at[exc.found]]) from None
        types["Output"] = unify(types["Output"], PortType(joint, REAL))
        out = types["Output"].shape
        for p, s in shapes.items():
            if spec_of(spec, ports.index(p)) == "None" and any(a == 1 and b != 1 for a, b in zip(s, out)):
                raise Conflict(f"port {p!r} {format_shape(known[p])} would be replicated to {format_shape(out)}, "
                               f"but its broadcast spec is 'None'", port=p, expected=out, found=known[p])
    out = types["Output"].shape
    for p in ports if out is not None else ():
        if (shape := types[p].shape) is None:
            types[p] = PortType(out, types[p].dtype)
        elif None in shape or any(map(is_guessed, shape)):
            position, missing = insert_at(len(shape), len(out), spec_of(spec, ports.index(p)), p), len(out) - len(shape)
            types[p] = PortType(unknown_dims_taken(shape, out[:position] + out[position + missing:]), types[p].dtype)
    return types


def unknown_dims_taken(shape: tuple, facing: tuple) -> tuple:
    """``shape`` with each unknown dim taking the output's dim facing it (``facing``) where that is a length name:
    a port without a length name takes the other's length (README), as a loss's Target does, and so does a length
    netgraph guessed (the two are one); an unknown dim facing a size stays unknown (it may be 1, broadcast)."""
    return tuple(f if (d is None or is_guessed(d)) and isinstance(f, str) else d for d, f in zip(shape, facing))


def insert_code(var: str, position: int, missing: int) -> str:
    """``x[:, :, None]``: the code that inserts ``missing`` dims at non-batch ``position``."""
    return f"{var}[{':, ' * (position + 1)}{', '.join(['None'] * missing)}]" if missing else var


class BroadcastModule(LayerModule):
    """Evaluates an expression on inputs whose missing dims are inserted at their positions (the reference path)."""

    def __init__(self, expression: Expression, inserts: tuple[tuple[int, int], ...]):
        super().__init__()
        self.expression, self.inserts = expression, inserts

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        env = {}
        for slot, x, (position, missing) in zip(self.expression.slots, inputs, self.inserts):
            for _ in range(missing):
                x = x.unsqueeze(position + 1)
            env[slot] = x
        return evaluate(self.expression.tree, env)
