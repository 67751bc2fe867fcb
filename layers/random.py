"""RandomArrayLayer: draws from a distribution whose parameters may be inputs, with gradients."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from layers.base import Layer, shape_option
from layers.distributions import Distribution, slot_name
from layers.function import _callable_ports, align
from netgraph.errors import OptionError
from netgraph.types import REAL, Conflict, PortType, broadcast, format_shape, unify

__all__ = ["RandomArrayLayer"]


class RandomModule(nn.Module):
    """Draws ``(batch, *shape)`` samples; slot inputs arrive batched and are broadcast elementwise."""

    def __init__(self, distribution: Distribution, ranks: Mapping[str, int], shape: tuple):
        super().__init__()
        self.distribution, self.shape = distribution, tuple(shape)
        self.kinds: list[tuple[str, Any]] = []  # ("slot", index) | ("const", value) | ("buffer", name)
        slot_index = {s: i for i, s in enumerate(distribution.slots)}
        self.ranks = [ranks[s] for s in distribution.slots]
        for name, value in zip(distribution.PARAMS, distribution.params):
            slot = slot_name(value) if isinstance(value, str) else None
            if slot is not None:
                self.kinds.append(("slot", slot_index[slot]))
            elif isinstance(value, torch.Tensor):
                self.register_buffer(f"param_{name}", value.reshape((1,) * (len(shape) + 1 - value.dim()) + tuple(value.shape)).clone(), persistent=False)
                self.kinds.append(("buffer", f"param_{name}"))
            else:
                self.kinds.append(("const", float(value)))

    def params(self, inputs: tuple[torch.Tensor, ...]) -> list[Any]:
        """The distribution's parameters for this call, aligned to ``(batch, *shape)``."""
        out_rank = len(self.shape)
        aligned = [align(x, r, out_rank) for x, r in zip(inputs, self.ranks)]
        return [aligned[v] if k == "slot" else (getattr(self, v) if k == "buffer" else v) for k, v in self.kinds]

    def forward(self, *inputs: Any) -> torch.Tensor:
        if self.ranks:
            batch = inputs[0].shape[0]
            return self.distribution.rsample(self.params(inputs), (batch, *self.shape))
        return self.distribution.rsample(self.params(()), (inputs[0], *self.shape))


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class RandomArrayLayer(Layer):
    """Random draws of shape ``output`` from ``distribution``; Wolfram's RandomArrayLayer, differentiable.

    Parameters written ``"#name"`` become input ports, broadcast elementwise against ``output``;
    ``RandomArrayLayer(lambda mu, sigma: NormalDistribution(mu, sigma))`` does the same with the
    function's parameter names. Gradients reach every real parameter (see each distribution's
    estimator). Draws follow torch's global RNG, so ``torch.manual_seed`` makes them repeatable.

    >>> from layers.distributions import NormalDistribution
    >>> RandomArrayLayer(NormalDistribution("#mu", "#sigma")).input_ports
    ('mu', 'sigma')
    """

    distribution: Any
    output: Any = None
    estimator: Any = None
    POSITIONAL = "distribution"

    def __post_init__(self) -> None:
        dist = self.distribution
        if not isinstance(dist, Distribution):
            if not callable(dist):
                raise OptionError(f"RandomArrayLayer needs a distribution such as NormalDistribution(0, 1), found {dist!r}")
            dist = dist(*(f"#{p}" for p in _callable_ports(dist)))
            if not isinstance(dist, Distribution):
                raise OptionError(f"RandomArrayLayer's function must return a distribution, returned {dist!r}")
        if self.estimator is not None and self.estimator not in dist.ESTIMATORS:
            raise OptionError(f"{type(dist).__name__} supports estimator= {', '.join(map(repr, dist.ESTIMATORS))}; "
                              f"found {self.estimator!r}")
        object.__setattr__(self, "distribution", dist)
        object.__setattr__(self, "output", shape_option(self.output, "RandomArrayLayer", "output"))
        object.__setattr__(self, "input_ports", dist.slots)

    def declared_types(self) -> dict[str, PortType]:
        return {**{s: PortType(None, REAL) for s in self.input_ports}, "Output": PortType(self.output, REAL)}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        types = dict(types)
        shapes = [types[s].shape for s in self.input_ports]
        out = types["Output"].shape
        if shapes and all(s is not None for s in shapes):
            try:
                params = broadcast(*shapes, *([out] if out is not None and None not in out else []))
            except Conflict:
                params = None
            if params is None or (out is not None and None not in out and broadcast(params, out) != out):
                shown = ", ".join(map(format_shape, shapes))
                raise Conflict(f"parameter shapes {shown} do not broadcast to output {format_shape(out)}")
            if out is None:
                types["Output"] = unify(types["Output"], PortType(params, REAL))
        out = types["Output"].shape
        for s in self.input_ports:
            if types[s].shape is None and out is not None:
                types[s] = PortType(out, REAL)
        return types

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        ranks = {s: len(types[s].shape) for s in self.input_ports}
        return RandomModule(self.distribution, ranks, types["Output"].shape)
