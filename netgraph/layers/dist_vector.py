"""The base of distributions over vectors and classes, and RandomArrayLayer's shape rules for them.

A vector distribution has one **event size** k: each parameter ends in ``PARAM_EVENT_RANKS[name]``
dims of size k (a mean vector (k,), a covariance (k, k)), and each draw ends in
``draw_event_rank(estimator)`` of them (a Multinormal draw (k,); a Categorical class index none,
its one-hot vector one). The dims before those are the *sample* dims: parameters broadcast there
as the univariate ones do elementwise, so ``RandomArrayLayer``'s ``Output`` shape is
``(*sample, k)`` (or ``sample`` for class indices), and ``output=`` declares that whole shape.

>>> from netgraph.layers.dist_multivariate import MultinormalDistribution
>>> from netgraph.core.types import PortType
>>> d = MultinormalDistribution("#mu", [[1, 0], [0, 1]])
>>> vector_types(d, "pathwise", {"mu": PortType((5, 2)), "Output": PortType(None)})["Output"]
PortType(shape=(5, 2), dtype='Real')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, NamedTuple

import torch

from netgraph.core.conflicts import Conflict
from netgraph.core.types import REAL, PortType, broadcast, format_shape, unify
from netgraph.core.torch_state import working_dtype
from netgraph.layers.dist_constraints import REAL as REAL_NUMBERS, raise_constant_problems
from netgraph.layers.bad_index import Piece, bad_text, first_bad_at, piece_text
from netgraph.layers.dist_base import Distribution, slot_name
from netgraph.layers._shapes import broadcasts_to
from netgraph.layers.dist_limits import named_overflow_problems

__all__ = ["VectorDistribution", "ValueProblem", "vector_types"]


class ValueProblem(NamedTuple):
    """A joint condition that parameter ``option`` breaks: the message, what the value must be and what it is."""

    message: str | Piece
    option: str
    expected: Any
    found: Any


class VectorDistribution(Distribution, register=False):
    """A distribution whose parameters and draws end in event dims of one size k (see the module doc).

    >>> from netgraph import NetGraph, RandomArrayLayer, MultinormalDiagonalDistribution
    >>> issubclass(MultinormalDiagonalDistribution, VectorDistribution)
    True
    >>> events = RandomArrayLayer(MultinormalDiagonalDistribution([0.0, 1.0, 2.0], [1.0, 1.0, 1.0]), output=(4, 3))
    >>> NetGraph(events).output_shapes  # 4 draws of an event of size k = 3
    {'Output': (4, 3)}
    """

    PARAM_EVENT_RANKS: ClassVar[dict[str, int]] = {}  # trailing dims of size k in each parameter

    def draw_event_rank(self, estimator: str) -> int:
        """How many trailing dims of size k a draw has with ``estimator`` (1: a vector)."""
        return 1

    def draw_dtype(self, estimator: str) -> str:
        """The dtype of the Output port: Real, or Integer for class indices."""
        return REAL

    def encode_draw(self, x: torch.Tensor, params: Sequence[Any], estimator: str) -> torch.Tensor:
        """A detached draw as the layer outputs it with ``estimator`` (Categorical: one-hot vectors)."""
        return x

    def event_size(self, params: Sequence[Any]) -> int:
        """k, from the parameter tensors' trailing dims (traced slots only: fx's node of a slot's last size)."""
        sizes = [int(p.shape[-1]) for p in params if isinstance(p, torch.Tensor) and p.dim()]
        return max(sizes) if sizes else next(p.shape[-1] for p in params if isinstance(p, torch.fx.Proxy))

    # -- checks -----------------------------------------------------------------------------------------
    def _check_constants(self) -> None:
        errors: list[tuple] = []  # (the parameter, None for several together; the problem[; expected, found])
        for name, value in zip(self.PARAMS, self.params):
            rank = self.PARAM_EVENT_RANKS.get(name, 0)
            if isinstance(value, float) and rank:
                errors.append((name, f"parameter {self.role(name)} must be {_event_text(rank)} or a '#slot', found "
                                     f"{value!r}"))
            elif isinstance(value, torch.Tensor):
                c = self.CONSTRAINTS.get(name, REAL_NUMBERS)
                if value.dim() < rank or (rank and 0 in value.shape[value.dim() - rank:]):  # k = 0: nothing to draw
                    errors.append((name, f"parameter {self.role(name)} must be {_event_text(rank)}"
                                         f"{' with k ≥ 1' if value.dim() >= rank else ''}, found shape "
                                         f"{format_shape(tuple(value.shape))}"))
                elif value.numel() == 0:  # a 0-size sample dim: no port may have one
                    errors.append((name, f"parameter {self.role(name)} must not be empty, found an array of shape "
                                         f"{format_shape(tuple(value.shape))}"))
                elif not c.ok_tensor(value):
                    bad = first_bad_at(value, c)
                    errors.append((name, f"parameter {self.role(name)} must be {c.text}, found {bad_text(value, bad)}",
                                   c.text, None if bad is None else bad[0]))
        if not errors:
            problem = self.relation(list(self.params))
            problem = None if problem is None else piece_text(problem)
            errors = [(None, problem)] if problem else named_overflow_problems(self, self.params)
        raise_constant_problems(type(self).__name__, errors)

    def check(self, values: Sequence[Any], where: Any, draws: bool = True,
              inputs: Sequence[torch.Tensor] | None = None,
              given: Mapping[str, str] | None = None) -> dict[str, tuple[float, float]]:
        """``Distribution.check`` on the slot tensors as given, where there are: ``value_problems`` look at one
        parameter at a time, so a bad matrix is named at its index in its port's data, not in the broadcast tensor."""
        if inputs is not None:
            tensors = {s: t if t.is_floating_point() else t.to(working_dtype())
                       for s, t in zip(self.slots, inputs)}
            values = [tensors[slot_name(p)] if isinstance(p, str) else v for p, v in zip(self.params, values)]
        return super().check(values, where, draws, inputs, given)

    def relation(self, params: Sequence[Any], at_ports: bool = True) -> str | Piece | None:
        """Event sizes that disagree, then ``value_problems`` (each tensor parameter may be checked alone)."""
        problems = [p.message for p in self.joint_problems(params, at_ports)]
        return problems[0] if len(problems) == 1 else "; ".join(map(piece_text, problems)) or None

    def relation_facts(self, params: Sequence[Any]) -> dict[str, Any]:
        problem = next(iter(self.joint_problems(params)), None)
        return {} if problem is None else {"option": problem.option, "expected": problem.expected,
                                           "found": problem.found}

    def joint_problems(self, params: Sequence[Any], at_ports: bool = True) -> list[ValueProblem]:
        """A parameter whose event dims differ, else event sizes that disagree, else ``value_problems`` (values named
        at their slots' ports where ``at_ports``)."""
        found: list[tuple[str, int]] = []
        at_port = self._at_port if at_ports else lambda name: ""
        for name, value in zip(self.PARAMS, params):
            rank = self.PARAM_EVENT_RANKS.get(name, 0)
            if isinstance(value, torch.Tensor) and rank:
                shape = tuple(map(int, value.shape))  # torch.jit.trace's sizes are tensors
                if len(set(shape[len(shape) - rank:])) > 1:
                    return [ValueProblem(f"parameter {self.role(name)}{at_port(name)} must be "
                                         f"{_event_text(rank)}, found shape {format_shape(shape)}", name,
                                         _event_text(rank), shape)]
                found.append((name, shape[-1]))
        if len({k for _, k in found}) > 1:
            shown = ", ".join(f"{self.role(n)} {k}{at_port(n)}" for n, k in found)
            odd = next(n for n, k in found if k != found[0][1])
            return [ValueProblem(f"the parameters' event sizes k disagree: {shown}", odd, found[0][1],
                                 dict(found)[odd])]
        return self.value_problems({n: v for n, v in zip(self.PARAMS, params) if isinstance(v, torch.Tensor)},
                                   at_ports)

    def value_problems(self, values: Mapping[str, torch.Tensor], at_ports: bool = True) -> list[ValueProblem]:
        """Parameter values that break a joint condition (not positive definite, ...); the message a ``Piece``
        where it names the index of a value in a port's data."""
        return []

    def _at_port(self, name: str) -> str:
        """' at port 'S'' for a parameter fed by a port, '' for a constant."""
        slot = self._slot_of(name)
        return f" at port {slot!r}" if slot else ""


def _event_text(rank: int) -> str:
    return {1: "a vector (a list of k numbers)", 2: "a k×k matrix"}.get(rank, f"an array ending in {rank} dims of size k")


def vector_types(dist: VectorDistribution, estimator: str, types: Mapping[str, PortType]) -> dict[str, PortType]:
    """RandomArrayLayer's shape inference for a vector distribution (see the module doc); Conflict on a mismatch."""
    types = dict(types)
    name = type(dist).__name__
    known = _parameter_shapes(dist, types)
    out_rank = dist.draw_event_rank(estimator)
    out = types["Output"].shape
    k, source = None, None
    for label, shape, rank, port in known + [("output", out, out_rank, "Output")]:
        if shape is None:
            continue
        if len(shape) < rank:
            raise Conflict(f"{name}: {label} must be {_event_text(rank)}, found shape {format_shape(shape)}",
                           port=port, found=shape, expected=_event_text(rank))
        for d in shape[len(shape) - rank:]:
            if isinstance(d, int) and k is None:
                k, source = d, f"{label} {format_shape(shape)}"
            elif isinstance(d, int) and d != k:
                expected = (*shape[:len(shape) - rank], *(k,) * rank)
                raise Conflict(f"{name}: {label} has shape {format_shape(shape)}, expected {format_shape(expected)}: "
                               f"the event size k = {k} comes from {source}", port=port, expected=expected, found=shape)
    samples = [None if s is None else s[:len(s) - r] for _, s, r, _ in known]
    out_sample = None if out is None else out[:len(out) - out_rank]
    full = out_sample is not None and None not in out_sample
    try:
        sample = broadcast(*samples, *([out_sample] if full else []))
        fits = sample is None or not full or broadcast(sample, out_sample) == out_sample
    except Conflict:  # (whose own text said no more than "shapes (2), (5) do not broadcast")
        sample, fits = None, False
    if not fits:
        shown = ", ".join(f"{label} {format_shape(s)}" for label, s, _, _ in known)
        misfits = [(p, s, (*out_sample, *s[len(s) - r:])) for (_, s, r, p), at in zip(known, samples)
                   if p and at is not None and full and not broadcasts_to(at, out_sample)]
        port, found, expected = misfits[0] if misfits else (None, None, None)
        raise Conflict(f"{name}: {shown} do not broadcast {f'to output {format_shape(out)}' if full else 'together'} "
                       f"(the dims before the event dims of each parameter must broadcast to the output's)", port=port,
                       expected=expected, found=found)
    dtype = dist.draw_dtype(estimator)
    if out is None and sample is not None:
        out, out_sample = (*sample, *(k,) * out_rank), sample
    types["Output"] = unify(types["Output"], PortType(out, dtype))
    for pname, value in zip(dist.PARAMS, dist.params):
        slot = slot_name(value) if isinstance(value, str) else None
        if slot is not None and types[slot].shape is None and out_sample is not None and k is not None:
            types[slot] = PortType((*out_sample, *(k,) * dist.PARAM_EVENT_RANKS.get(pname, 0)), REAL)
    return types


def _parameter_shapes(dist: VectorDistribution, types: Mapping[str, PortType]) -> list[tuple[str, Any, int, Any]]:
    """(label, shape or None, event rank, port or None) of each slot and constant-array parameter."""
    out = []
    for pname, value in zip(dist.PARAMS, dist.params):
        rank = dist.PARAM_EVENT_RANKS.get(pname, 0)
        if isinstance(value, str):
            slot = slot_name(value)
            out.append((f"parameter {dist.role(pname)} (port {slot!r})", types[slot].shape, rank, slot))
        elif isinstance(value, torch.Tensor):
            out.append((f"parameter {dist.role(pname)} (constant)", tuple(value.shape), rank, None))
    return out
