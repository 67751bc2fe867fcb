"""Operators that run nets twice: NetBidirectionalOperator and NetPairEmbeddingOperator (Wolfram's).

* ``NetBidirectionalOperator([fwd, bwd], aggregation)``: ``fwd`` reads the sequence ``Input`` forwards,
  ``bwd`` reads it backwards (its output is reversed back), and their outputs are joined by ``aggregation``:
  ``"Catenate"`` (the last dim, the default), ``"Plus"`` or ``"Mean"``. Both nets have ports
  ``Input`` -> ``Output``; a single net is used for both directions (with arrays of its own in each).
* ``NetPairEmbeddingOperator(net, distance)``: embeds ``Input1`` and ``Input2`` with the same ``net``
  (ports ``Input`` -> ``Output``, shared arrays) and gives their ``"Euclidean"`` (default) or ``"Cosine"``
  distance (1 - cosine similarity) per example on ``Output``; pair it with a ContrastiveLoss-style loss.

>>> from netgraph import NetGraph, LinearLayer
>>> pair = NetGraph({"pair": NetPairEmbeddingOperator(NetGraph({"lin": LinearLayer(2)}, []))}, [], Input1=3)
>>> pair.input_shapes, pair.output_shapes
({'Input1': (3,), 'Input2': (3,)}, {'Output': ()})
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.option_problems import ARGUMENT_KIND, VALUE_KIND, option_problem
from netgraph.core.layer import EmitContext
from netgraph.core.operator import NetOperator, as_inner_net
from netgraph.core.options import Literal, Net
from netgraph.core.conflicts import Conflict
from netgraph.core.types import PortType, format_shape, unify
from netgraph.core.guessed_lengths import LocalLength
from netgraph.core.wording import counted
from netgraph.core.naming_scope import quoted
from netgraph.layers._modules import LayerModule
from netgraph.layers.cosine import cosine_code, cosine_distance

__all__ = ["NetBidirectionalOperator", "NetPairEmbeddingOperator"]

AGGREGATIONS = ("Catenate", "Plus", "Mean")
DISTANCES = ("Euclidean", "Cosine")
WOLFRAM_DISTANCES = {"EuclideanDistance": "Euclidean", "CosineDistance": "Cosine"}  # DistanceFunction -> ...
_PORTS = "one input port 'Input' and one output port 'Output'"


def _choice(value: Any, choices: tuple, layer: str, option: str) -> None:
    """An OptionError for ``value`` not among ``choices``, reported (``option_problem``) while the net is checked."""
    if value not in choices:
        option_problem(OptionError(f"{layer} option {option}= must be one of {list(choices)}, found {quoted(value)}"
                                   f"{did_you_mean(value, choices) if isinstance(value, str) else ''}", option=option,
                                   expected=list(choices), found=value), None)


def _joined(a: PortType, b: PortType, how: str) -> PortType:
    """The aggregated type of two directions' outputs (the forward net's ``a``, the backward net's ``b``); a Conflict
    where they do not join (``unify``'s carries no port: the caller places it at the backward net's 'Output')."""
    if how != "Catenate":
        return unify(a, b)
    if a.shape is None or b.shape is None:
        return PortType(None, a.dtype or b.dtype)
    if len(a.shape) < 2 or len(b.shape) < 2:  # a rank-1 output is the sequence itself: its elements are scalars
        short, field = (a.shape, "forward_net") if len(a.shape) < 2 else (b.shape, "backward_net")
        raise Conflict(f"a direction's output {format_shape(short)} is a sequence of scalars, with no element dim "
                       f"to join along (use aggregation 'Plus' or 'Mean')", port="Output", inner=(field,),
                       expected="an element dim to join along", found=short)
    head = unify(PortType(a.shape[:-1]), PortType(b.shape[:-1])).shape
    last = a.shape[-1] + b.shape[-1] if isinstance(a.shape[-1], int) and isinstance(b.shape[-1], int) else None
    return PortType((*head, last), a.dtype or b.dtype)


def _check_sequence_out(field: str, x: tuple | None, y: tuple | None) -> None:
    """Conflict, at the port 'Output' of the inner net at ``field``, unless that is a sequence as long as its Input
    (its output is reversed back)."""
    if not x or y is None or x[0] is None or (y and y[0] is None):
        return
    if not y or y[0] != x[0]:
        raise Conflict(f"the {field.replace('_', ' ')} must map a sequence to a sequence of the same length (the "
                       f"backward output is reversed back along it): its Input is {format_shape(x)}, its Output "
                       f"{format_shape(y)}", port="Output", inner=(field,), expected=x[0], found=y[0] if y else y)


def _check_sequence_in(shape: tuple | None) -> None:
    """Conflict unless the Input is a sequence: a variable first dim ("n") or a rank of 2 or more (a scalar or a
    plain vector has no dim to read backwards: flipping a vector reversed its features)."""
    if shape is not None and (not shape or len(shape) == 1 and isinstance(shape[0], int)):
        raise Conflict(f"input port 'Input' expects a sequence (a length first, e.g. (n, 4)), found "
                       f"{'a scalar' if not shape else 'a vector'} {format_shape(shape)}",
                       port="Input", expected="a sequence (a length first, e.g. (n, 4))", found=shape)


class NetBidirectionalOperator(NetOperator):
    """Run ``forward_net`` over the sequence and ``backward_net`` over it reversed; join them by ``aggregation``.

    ``NetBidirectionalOperator([fwd, bwd], "Plus")``, or ``NetBidirectionalOperator(net)`` for one net
    used in both directions (the backward copy has arrays of its own).

    >>> from netgraph import NetChain, GatedRecurrentLayer
    >>> NetChain([NetBidirectionalOperator(GatedRecurrentLayer(4))], input=("n", 3)).output_shapes  # Catenate: 4 + 4
    {'Output': ('n', 8)}
    """

    NETS = ("forward_net", "backward_net")
    RUNS = "runs one inner net over the sequence and the other over it reversed, and gives out only their aggregate"
    PAIR = NETS  # forward_net=[fwd, bwd] (a Python list, a YAML list) gives both nets
    POSITIONAL = "forward_net"
    POSITIONALS = ("forward_net", "aggregation")

    forward_net: Net = None
    NEEDS_ONE_OF = (("forward_net",),)
    aggregation: Literal["Catenate", "Plus", "Mean"] = "Catenate"
    backward_net: Net = None

    def normalize(self) -> Mapping[str, Any]:
        given = self.forward_net
        if isinstance(given, (list, tuple)):
            if len(given) != 2 or self.backward_net is not None:
                raise OptionError(f"NetBidirectionalOperator takes [forward net, backward net] (two nets), found "
                                  f"{counted(len(given), 'net')}" if len(given) != 2 else "NetBidirectionalOperator: the "
                                  "backward net is given twice (in the list and as backward_net=)",
                                  option="forward_net", kind=VALUE_KIND if len(given) != 2 else ARGUMENT_KIND)
            object.__setattr__(self, "forward_net", given[0])
            object.__setattr__(self, "backward_net", given[1])
        elif self.backward_net is None:
            if (backward := as_inner_net(given, self.type_name, "forward_net")) is None:
                return {}  # no net given, or none (reported)
            object.__setattr__(self, "backward_net", backward)
        return super().normalize()

    def validate(self) -> None:
        _choice(self.aggregation, AGGREGATIONS, self.type_name, "aggregation")
        for option in ("forward_net", "backward_net"):
            self.check_ports(getattr(self, option), ("Input",), ("Output",), _PORTS + " (sequence to sequence)", option)

    input_ports = ("Input",)
    output_ports = ("Output",)

    def passed_through(self, port: str) -> tuple[tuple[str, str], ...]:
        return tuple((field, "Input") for field in self.NETS) if port == "Input" else ()  # backward: reversed

    def passed_out(self, option: str, inner_output: str) -> tuple[str, ...]:
        """Catenate joins both nets' outputs as they are; Plus and Mean compute new values."""
        return ("Output",) if self.aggregation == "Catenate" and inner_output == "Output" else ()

    def inner_types(self, types: Mapping[str, PortType]) -> dict[str, dict[str, PortType]]:
        _check_sequence_in(types["Input"].shape)
        out = types["Output"] if self.aggregation != "Catenate" else PortType(None, None)
        return {field: {"Input": types["Input"], "Output": out} for field in self.NETS}

    def outer_types(self, types: Mapping[str, PortType], inner: Mapping[str, Any]) -> dict[str, PortType]:
        fwd, bwd = (inner[field].port_types for field in self.NETS)
        for field, ports in zip(self.NETS, (fwd, bwd)):
            _check_sequence_out(field, ports["Input"].shape, ports["Output"].shape)
        try:
            joined = _joined(fwd["Output"], bwd["Output"], self.aggregation)
        except Conflict as exc:
            raise exc.reworded(f"the forward and backward outputs do not join by {self.aggregation}: {exc}",
                               exc.port or "Output", exc.inner or ("backward_net",)) from None
        return {"Input": unify(fwd["Input"], bwd["Input"]), "Output": joined}

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        nets = self.compiled_nets(types)
        return _BidirectionalModule(nets["forward_net"], nets["backward_net"], self.aggregation)

    def emit(self, ctx: EmitContext) -> str:
        x = ctx.args[0]
        a, b = f"{ctx.module}.forward_net({x})", f"{ctx.module}.backward_net({x}.flip(1)).flip(1)"
        joined = {"Catenate": f"torch.cat(({a}, {b}), -1)", "Plus": f"{a} + {b}", "Mean": f"({a} + {b}) / 2"}
        return joined[self.aggregation]


class _BidirectionalModule(LayerModule):
    def __init__(self, forward_net: nn.Module, backward_net: nn.Module, aggregation: str):
        super().__init__()
        self.forward_net, self.backward_net, self.aggregation = forward_net, backward_net, aggregation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.forward_net(x)
        b = torch.flip(self.backward_net(torch.flip(x, [1])), [1])
        if self.aggregation == "Catenate":
            return torch.cat([a, b], dim=a.dim() - 1)
        return a + b if self.aggregation == "Plus" else (a + b) * 0.5


class NetPairEmbeddingOperator(NetOperator):
    """Embed ``Input1`` and ``Input2`` with the same ``net``; ``Output`` is their distance per example.

    >>> import torch
    >>> from netgraph import NetGraph, LinearLayer, net_initialize
    >>> net = net_initialize(NetGraph(NetPairEmbeddingOperator(LinearLayer(2)), Input1=3, Input2=3), seed=0)
    >>> x = torch.tensor([[1.0, 2.0, 3.0]])
    >>> net(Input1=x, Input2=x)  # the same input embeds to the same point: distance 0
    tensor([0.])
    """

    net: Net = None
    NEEDS_ONE_OF = (("net",),)
    distance: Literal["Euclidean", "Cosine"] = "Euclidean"
    POSITIONALS = ("net", "distance")
    RUNS = "runs its inner net on each input of the pair: the port has a value for each, none of which it gives out"

    def normalize(self) -> Mapping[str, Any]:
        if isinstance(self.distance, str) and self.distance in WOLFRAM_DISTANCES:  # Wolfram's function names
            object.__setattr__(self, "distance", WOLFRAM_DISTANCES[self.distance])
        return super().normalize()

    def validate(self) -> None:
        _choice(self.distance, DISTANCES, self.type_name, "distance")
        self.check_ports(self.net, ("Input",), ("Output",), _PORTS + " (the embedding)")

    input_ports = ("Input1", "Input2")
    output_ports = ("Output",)

    def passed_through(self, port: str) -> tuple[tuple[str, str], ...]:
        return (("net", "Input"),) if port in self.input_ports else ()  # each of the pair goes through the one net

    def inner_types(self, types: Mapping[str, PortType]) -> dict[str, dict[str, PortType]]:
        try:
            same = unify(types["Input1"], types["Input2"])
        except Conflict as exc:
            raise exc.reworded(f"'Input1' and 'Input2' go through the same net, so they must agree: {exc}",
                               "Input2") from None
        return {"net": {"Input": same}}

    def outer_types(self, types: Mapping[str, PortType], inner: Mapping[str, Any]) -> dict[str, PortType]:
        """Both inputs of the inner net's type, each with variable lengths of its own: the two are embedded apart,
        so ``Input2`` of a sequence ``(n, 2)`` is ``(n_2, 2)`` unless given or wired another length (each a length
        guessed afresh: a ``LocalLength`` of its own)."""
        t = inner["net"].port_types["Input"]
        if t.shape is None or not any(isinstance(d, str) for d in t.shape):
            return {"Input1": t, "Input2": t, "Output": PortType(())}
        out = {}
        for port in self.input_ports:
            own = types[port].shape if types[port].shape is not None and len(types[port].shape) == len(t.shape) \
                else (None,) * len(t.shape)
            dims = [(o if isinstance(o, str) else LocalLength(d)) if isinstance(d, str) else d  # (each its own)
                    for o, d in zip(own, t.shape)]
            out[port] = PortType(tuple(dims), t.dtype)
        return {**out, "Output": PortType(())}

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return _PairModule(self.compiled_nets(types)["net"], self.distance)

    def emit(self, ctx: EmitContext) -> str:
        a, b = (f"{ctx.module}.net({x}).unsqueeze(-1).flatten(1)" for x in ctx.args)  # a scalar embedding too
        if self.distance == "Cosine":
            return cosine_code(a, b)
        return f"torch.linalg.vector_norm({a} - {b}, dim=1)"


class _PairModule(LayerModule):
    def __init__(self, net: nn.Module, distance: str):
        super().__init__()
        self.net, self.distance = net, distance

    def forward(self, x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
        """The distance as the compiled forward (``emit``) computes it: its gradient at a distance of 0 is 0, not
        NaN (sqrt's), and small embeddings' cosine is theirs, not one of a clamped product of norms."""
        a, b = self.net(x1).unsqueeze(-1).flatten(1), self.net(x2).unsqueeze(-1).flatten(1)
        if self.distance == "Cosine":  # a zero embedding is 1 from any other (torch's, not CosineDistance's NaN)
            return cosine_distance(a, b)
        return torch.linalg.vector_norm(a - b, dim=1)
