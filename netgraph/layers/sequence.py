"""Sequence layers (Wolfram's): SequenceMostLayer, SequenceRestLayer, SequenceReverseLayer, AppendLayer,
PrependLayer and SequenceIndicesLayer.

A sequence port has shape ``(n, ...)``: its first dim is the sequence, a fixed length or a variable ``"n"``
(one element fewer is the length ``"n_minus_1"``, one more ``"n_plus_1"``: ``shifted_length``). Real and
integer sequences alike (the dtype passes through).

* ``SequenceMostLayer()``: all elements but the last, ``(L, ...)`` -> ``(L - 1, ...)``.
* ``SequenceRestLayer()``: all elements but the first, ``(L, ...)`` -> ``(L - 1, ...)``.
* ``SequenceReverseLayer()``: the elements in reverse order.
* ``SequenceIndicesLayer(n=None)``: each element's position, counted from 0, ``(L, ...)`` -> ``(L)`` Integer;
  positions past ``n - 1`` are ``n - 1`` (Wolfram's ``SequenceIndicesLayer[nmax]``, counting from 1), so that
  ``EmbeddingLayer(size, n)`` takes them: learned positional embeddings for any length.
* ``AppendLayer()`` / ``PrependLayer()``: ports ``Input`` ``(L, ...)`` and ``Element`` ``(...)`` -> ``Output``
  ``(L + 1, ...)``, the element added at the end / the front.

>>> from netgraph import NetGraph
>>> NetGraph([SequenceMostLayer()], [], Input=(5, 3)).output_shapes, NetGraph([AppendLayer()], [], Input=("n", 2)).output_shapes
({'Output': (4, 3)}, {'Output': ('n_plus_1', 2)})
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Optional

import torch
from torch import nn

from netgraph.core.layer import EmitContext, Layer
from netgraph.core.options import Shape
from netgraph.core.conflicts import Conflict
from netgraph.core.types import INTEGER, PortType, format_shape
from netgraph.core.length_names import shifted_length
from netgraph.core.naming_scope import quoted
from netgraph.core.tracing import symbolic_tracing
from netgraph.layers._masks import MaskedFnModule, append, reverse
from netgraph.layers.bad_index import Where, located_error
from netgraph.layers.joined_places import appended_places
from netgraph.layers._shapes import _ShapeLayer, fill, joined_range, pass_dtype, ranged_int
from netgraph.core.option_ranges import Within
from netgraph.layers._modules import LayerModule

__all__ = ["SequenceMostLayer", "SequenceRestLayer", "SequenceReverseLayer", "AppendLayer", "PrependLayer",
           "SequenceIndicesLayer"]

SEQUENCE = "n"


def _sequence(shape: tuple | None, port: str) -> tuple | None:
    """``shape`` when it is a sequence (rank >= 1), else Conflict naming the port."""
    if shape is not None and len(shape) == 0:
        raise Conflict(f"port {quoted(port)} must be a sequence (rank >= 1, the first dim the sequence), found a "
                       f"scalar ()",
                       port=port, expected="rank >= 1", found=())
    return shape


_shifted = shifted_length  # a variable length "n" changed by one is "n_minus_1" / "n_plus_1"


class _Shortened(_ShapeLayer):
    """Drops one element: ``(L, ...)`` -> ``(L - 1, ...)``, L >= 2."""

    moved_inputs = ("Input",)  # its output's values are its input's: an index range is carried

    def forward_shape(self, shape: tuple | None) -> tuple | None:
        shape = _sequence(shape, "Input")
        if shape is None:
            return None
        if isinstance(shape[0], int) and shape[0] < 2:
            raise Conflict(f"port 'Input' must be a sequence of length 2 or more, found {format_shape(shape)}",
                           port="Input", expected="length 2 or more", found=shape)
        return (_shifted(shape[0], -1), *shape[1:])

    def backward_shape(self, out: tuple | None, shape: tuple | None) -> tuple | None:
        out = _sequence(out, "Output")
        return None if out is None else (_shifted(out[0], 1), *out[1:])

    def least_lengths(self, types: Mapping[str, PortType]) -> dict[str, tuple[int, str]]:
        """A variable length needs 2 (one left after the drop): checked before a call or training step
        (``netgraph.backend.derived_lengths``), as ``forward_shape`` refuses a fixed length of 1."""
        shape = types["Input"].shape
        return {shape[0]: (2, "it drops one element")} if shape and isinstance(shape[0], str) else {}

    def masking(self, types: Mapping[str, PortType]) -> str:
        return "masked"  # padded: the same slice, each length one shorter

    def padded_outputs(self, types: Mapping[str, PortType]) -> dict[str, tuple[str, int]]:
        return {"Output": ("Input", -1)}

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        checked = _AtLeastTwo(self.function(types), self.type_name)
        return MaskedFnModule(checked, checked)

    def emit(self, ctx: EmitContext) -> str:
        return f"{ctx.module}.plain({ctx.args[0]})"  # the length check, then the slice


class _AtLeastTwo:
    """``fn`` (a slice dropping one element), refusing a sequence shorter than 2 (it would leave an empty one, which
    the next layer reads as garbage or fails on inside torch); with ``lengths``, each padded sequence's own."""

    def __init__(self, fn: Any, layer: str):
        self.fn, self.layer = fn, layer

    def __call__(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        if symbolic_tracing():  # fx's proxies: no length to test
            return self.fn(x)
        if lengths is None and x.shape[1] >= 2:
            return self.fn(x)
        own = [x.shape[1]] * x.shape[0] if lengths is None else lengths.tolist()
        short = [(Where(i, ()), n) for i, n in enumerate(own) if n < 2]
        if short:
            wheres, found = [w for w, _ in short], [n for _, n in short]
            raise located_error(wheres, lambda at: f"{self.layer} needs sequences of length 2 or more (it drops one "
                                                   f"element), but {_lengths_at(at, found)}", port="Input",
                                kind="data-shape")
        return self.fn(x)


def _lengths_at(wheres: list[Where], lengths: list[int]) -> str:
    """'examples 1, 3 have length 1' (the first 5), or the first place and its length where they differ or lie in
    maps ('example 1, sequence element 0 has length 1 (and 2 more shorter than 2)')."""
    if len(wheres) > 1 and len(set(lengths)) == 1 and not any(w.elements for w in wheres):
        more = f" and {len(wheres) - 5} more" if len(wheres) > 5 else ""
        return f"examples {', '.join(str(w.example) for w in wheres[:5])}{more} have length {lengths[0]}"
    more = f" (and {len(wheres) - 1} more shorter than 2)" if len(wheres) > 1 else ""
    return f"{wheres[0].by_example()} has length {lengths[0]}{more}"


class SequenceMostLayer(_Shortened):
    """All elements of a sequence but the last: ``Input`` (L, ...) -> ``Output`` (L - 1, ...).

    >>> import torch
    >>> SequenceMostLayer()(torch.tensor([1.0, 2.0, 3.0]))
    tensor([1., 2.])
    """

    def function(self, types: Mapping[str, PortType]) -> Any:
        return _most

    def code(self, x: str, types: Mapping[str, PortType]) -> str:
        return f"{x}[:, :-1]"


class SequenceRestLayer(_Shortened):
    """All elements of a sequence but the first: ``Input`` (L, ...) -> ``Output`` (L - 1, ...).

    >>> import torch
    >>> SequenceRestLayer()(torch.tensor([1.0, 2.0, 3.0]))
    tensor([2., 3.])
    """

    def function(self, types: Mapping[str, PortType]) -> Any:
        return _rest

    def code(self, x: str, types: Mapping[str, PortType]) -> str:
        return f"{x}[:, 1:]"


class SequenceReverseLayer(_ShapeLayer):
    """The elements of a sequence in reverse order: ``Input`` (L, ...) -> ``Output`` (L, ...).

    >>> import torch
    >>> SequenceReverseLayer()(torch.tensor([1.0, 2.0, 3.0]))
    tensor([3., 2., 1.])
    """

    moved_inputs = ("Input",)  # its output's values are its input's: an index range is carried

    def forward_shape(self, shape: tuple | None) -> tuple | None:
        return _sequence(shape, "Input")

    def backward_shape(self, out: tuple | None, shape: tuple | None) -> tuple | None:
        return _sequence(out, "Output")

    def function(self, types: Mapping[str, PortType]) -> Any:
        return _reverse

    def code(self, x: str, types: Mapping[str, PortType]) -> str:
        return f"{x}.flip(1)"

    def masking(self, types: Mapping[str, PortType]) -> str:
        return "masked"  # padded: reversed within each length

    def padded_outputs(self, types: Mapping[str, PortType]) -> dict[str, tuple[str, int]]:
        return {"Output": ("Input", 0)}

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return MaskedFnModule(_reverse, reverse)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class SequenceIndicesLayer(Layer):
    """``SequenceIndicesLayer(n=None)``: the position of each element of the sequence ``Input`` (L, ...), counted
    from 0, as ``Output`` (L) Integer; with ``n``, positions past n - 1 are n - 1 (EmbeddingLayer(size, n) takes them).

    >>> from netgraph import NetChain
    >>> NetChain([SequenceIndicesLayer(3)], input=[5])(torch.zeros(1, 5, dtype=torch.long)).tolist()
    [[0, 1, 2, 2, 2]]
    """

    n: Optional[int] = None
    input: Shape = None
    POSITIONAL = "n"
    RANGES = {"n": Within(1, 2 ** 63 - 1)}  # int64's range: n - 1 is a clamp bound torch and ONNX hold
    input_ports = ("Input",)

    def normalize(self) -> dict[str, Any]:
        return {} if self.n is None else {"n": ranged_int(self, "n")}

    def declared_types(self) -> dict[str, PortType]:
        return {"Input": PortType(self.input, None), "Output": PortType(None, INTEGER)}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        types = dict(types)
        x = _sequence(types["Input"].shape, "Input")
        if x is not None:
            fill(types, "Output", (x[0],), INTEGER)
        return types

    def masking(self, types: Mapping[str, PortType]) -> str:
        return "pointwise"  # an element's position does not depend on the padding after it

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return IndicesModule(self.n)

    def emit(self, ctx: EmitContext) -> str:
        x = ctx.args[0]
        code = f"torch.arange({x}.shape[1], device={x}.device).expand({x}.shape[0], -1)"
        return code if self.n is None else f"{code}.clamp(max={self.n - 1})"


class IndicesModule(LayerModule):
    """Each element's position (0, 1, ...), clipped at ``n - 1`` when ``n`` is given."""

    def __init__(self, n: int | None):
        super().__init__()
        self.n = n

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(x.shape[1], device=x.device).expand(x.shape[0], -1)
        return positions if self.n is None else positions.clamp(max=self.n - 1)


def _most(x: torch.Tensor) -> torch.Tensor:
    return x[:, :-1]


def _rest(x: torch.Tensor) -> torch.Tensor:
    return x[:, 1:]


def _reverse(x: torch.Tensor) -> torch.Tensor:
    return x.flip(1)


class _Added(Layer):
    """``Input`` (L, ...) and ``Element`` (...) -> ``Output`` (L + 1, ...); ``AT_END`` says where it goes. Where both
    have an index range, the output has the widest."""

    AT_END = True
    input: Shape = None
    element: Shape = None
    input_ports = ("Input", "Element")
    moved_inputs = ("Input", "Element")  # its output's values are theirs
    moved_places = appended_places  # the Element after (AT_END) or before the Input's elements

    def declared_types(self) -> dict[str, PortType]:
        return {"Input": PortType(self.input, None), "Element": PortType(self.element, None),
                "Output": PortType(None, None)}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        types = dict(types)
        dtype = pass_dtype(types, ("Input", "Element", "Output"))
        fill(types, "Output", None, dtype, joined_range(types, self.input_ports))
        x, out = _sequence(types["Input"].shape, "Input"), _sequence(types["Output"].shape, "Output")
        if out and isinstance(out[0], int) and out[0] < 2:
            raise Conflict(f"port 'Output' must be a sequence of length 2 or more (an Input of length 1 or more and "
                           f"the Element), found {format_shape(out)}",
                           port="Output", expected="length 2 or more", found=out)
        # Element from Input, Output from both, then Element from Output: a declared Output at odds is the one blamed
        fill(types, "Element", None if x is None else x[1:], dtype)
        if types["Element"].shape is not None:
            fill(types, "Output", (_shifted(x[0], 1) if x else None, *types["Element"].shape), dtype)
        out = _sequence(types["Output"].shape, "Output")
        fill(types, "Element", None if out is None else out[1:], dtype)
        if types["Element"].shape is not None:
            fill(types, "Input", (_shifted(out[0], -1) if out else None, *types["Element"].shape), dtype)
        for port in ("Input", "Output"):
            fill(types, port, None, dtype)
        return types

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return AddElementModule(self.AT_END)

    def masking(self, types: Mapping[str, PortType]) -> str:
        return "masked"  # padded: the element right after each sequence's last real one

    def padded_outputs(self, types: Mapping[str, PortType]) -> dict[str, tuple[str, int]]:
        return {"Output": ("Input", 1)}

    def emit(self, ctx: EmitContext) -> str:
        x, e = ctx.args
        parts = f"{x}, {e}.unsqueeze(1)" if self.AT_END else f"{e}.unsqueeze(1), {x}"
        return f"torch.cat([{parts}], 1)"


class AddElementModule(LayerModule):
    """Adds ``Element`` to the end (or the front) of the sequence ``Input``."""

    def __init__(self, at_end: bool):
        super().__init__()
        self.at_end = at_end

    def forward(self, x: torch.Tensor, element: torch.Tensor, lengths: tuple | None = None) -> torch.Tensor:
        if self.at_end and lengths and lengths[0] is not None:
            return append(x, element, lengths[0])
        parts = [x, element.unsqueeze(1)]
        return torch.cat(parts if self.at_end else parts[::-1], 1)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class AppendLayer(_Added):
    """``AppendLayer(input=None, element=None)``: ``Element`` added at the end of the sequence ``Input``.

    >>> import torch
    >>> AppendLayer()(Input=torch.tensor([1.0, 2.0]), Element=torch.tensor(9.0))
    tensor([1., 2., 9.])
    """


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class PrependLayer(_Added):
    """``PrependLayer(input=None, element=None)``: ``Element`` added at the front of the sequence ``Input``.

    >>> import torch
    >>> PrependLayer()(Input=torch.tensor([1.0, 2.0]), Element=torch.tensor(9.0))
    tensor([9., 1., 2.])
    """

    AT_END = False
