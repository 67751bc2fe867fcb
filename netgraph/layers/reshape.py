"""Shape layers: FlattenLayer, ReshapeLayer, TransposeLayer, PartLayer, ReplicateLayer.

They move elements without changing them, so they work on real and integer arrays alike (the
dtype passes through). Levels are Wolfram's: 1 is the first dimension after the batch, -1 the last.
Part indices are 1-based as Wolfram's (negative ones count from the end); ``"All"`` keeps a level and
``"i;;j"`` is the span i..j.

>>> PartLayer(-1).part, PartLayer([1, "2;;3"]).part
(-1, [1, '2;;3'])
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import partial
from typing import Annotated, Any, Optional

import torch
from torch import nn

from netgraph.core.layer import EmitContext
from netgraph.layers._reshape_dims import (bad_dim, dims_hint, flatten_code, input_dims, normal_dims, output_dims,
                                           reshape, run_dims)
from netgraph.layers._part_range import PartModule, fitting_lengths, part_level, span_count, span_length, span_text
from netgraph.layers._transpose_levels import level_groups_advice, level_swap, swap_permutation, torch_dims_hint
from netgraph.layers._shapes import (_ShapeLayer, fixed_product, is_int, level_option, level_range, oversized_size,
                                     positive_int, slice_step, solved_dims)
from netgraph.core.errors import OptionError
from netgraph.core.integers import INT64_BOUND
from netgraph.core.option_problems import option_problem
from netgraph.core.option_words import part_schema
from netgraph.core.options import Level, OptionKind
from netgraph.core.option_ranges import Within
from netgraph.core.conflicts import Conflict
from netgraph.core.types import PortType, format_shape
from netgraph.core.naming_scope import quoted

__all__ = ["FlattenLayer", "ReshapeLayer", "TransposeLayer", "PartLayer", "ReplicateLayer"]


def _index(x: torch.Tensor, index: tuple) -> torch.Tensor:
    return x[index]


def _expand(x: torch.Tensor, index: tuple, sizes: tuple) -> torch.Tensor:
    return x[index].expand(*sizes)


#: A permutation of levels (distinct, from 1), or Wolfram's swap of two of them ("1<->3"): k distinct levels up to k
#: (all of 1..k, none for k = 0) for k up to 8, as the loader's check says; longer ones distinct levels from 1.
Permutation = Annotated[Any, OptionKind("ints", None, {"anyOf": [
    *({"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": k}, "minItems": k, "maxItems": k,
       "uniqueItems": True} for k in range(9)),  # [] too: no level moved
    {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 9, "uniqueItems": True},
    {"type": "string", "pattern": "^\\s*[1-9][0-9]*\\s*<->\\s*[1-9][0-9]*\\s*$"}]})]
#: ReplicateLayer's counts: one, or a list of them (none: nothing replicated, as ReplicateLayer([]) takes).
Counts = Annotated[Any, OptionKind("ints", None, {"anyOf": [{"type": "integer"}, {"type": "array", "items": {
    "type": "integer"}}]})]
#: Sizes, one of which may be -1 or Wolfram's Automatic (inferred), any Wolfram's Inherited (the input's size there);
#: one size alone as a list of one.
_DIM = {"anyOf": [{"type": "integer", "minimum": 1}, {"enum": [-1, "Automatic", "Inherited"]}]}  # as _reshape_dims
Dims = Annotated[Any, OptionKind("ints", None, {"anyOf": [_DIM, {"type": "array", "items": _DIM, "contains": {
    "enum": [-1, "Automatic"]}, "minContains": 0, "maxContains": 1}]})]  # at most one inferred, as normal_dims
#: PartLayer's part: a level spec (a non-zero index, All, a span, a stepped span: ``part_level``) or a list of them.
Parts = Annotated[Any, OptionKind("levels", None, part_schema())]

@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class FlattenLayer(_ShapeLayer):
    """Flattens levels: ``FlattenLayer()`` gives a vector; ``FlattenLayer(n)`` merges the first n+1 levels,
    ``FlattenLayer(-n)`` the last n+1 (Wolfram's FlattenLayer[n])."""

    moved_inputs = ("Input",)  # its output's values are its input's: an index range is carried

    level: Optional[Level] = None
    POSITIONAL = "level"

    def validate(self) -> None:
        if self.level is not None:
            level_option(self.level, "FlattenLayer", advice=level_groups_advice(self.level))

    def _group(self, rank: int) -> tuple[int, int]:
        """[start, stop) of the merged dims."""
        if self.level is None:
            if rank < 1:
                raise Conflict("port 'Input' must have rank >= 1 to flatten, found a scalar ()",
                               port="Input", expected="rank >= 1", found=())
            return 0, rank
        n = abs(self.level) + 1
        if rank < n:
            raise Conflict(f"FlattenLayer({self.level}) merges {n} levels; port 'Input' needs rank >= {n}, "
                           f"found rank {rank}", port="Input", expected=f"rank >= {n}", found=rank)
        return (0, n) if self.level > 0 else (rank - n, rank)

    def forward_shape(self, shape: tuple | None) -> tuple | None:
        if shape is None:
            return None
        a, b = self._group(len(shape))
        return (*shape[:a], fixed_product(shape[a:b], "flatten"), *shape[b:])

    def backward_shape(self, out: tuple | None, shape: tuple | None) -> tuple | None:
        if out is None or (shape is None and self.level is None):
            return None
        merged = len(shape) - len(out) + 1 if shape is not None else abs(self.level) + 1
        rank = len(out) + merged - 1
        if shape is not None and len(shape) != rank:
            raise Conflict(f"port 'Output' {format_shape(out)} does not fit port 'Input' {format_shape(shape)}",
                           port="Input", expected=f"rank {rank}", found=shape)
        a, b = self._group(rank)
        group = tuple(shape[a:b]) if shape is not None else (None,) * (b - a)
        total = out[a] if isinstance(out[a], int) else None
        return (*out[:a], *solved_dims(group, total), *out[a + 1:])

    def function(self, types: Mapping[str, PortType]) -> Any:
        a, b = self._group(len(types["Input"].shape))
        return partial(torch.flatten, start_dim=a + 1, end_dim=b)

    def code(self, x: str, types: Mapping[str, PortType], local: Any = None) -> str:
        a, b = self._group(len(types["Input"].shape))
        if b - a == 1:
            return x
        rank = len(types["Input"].shape)
        if a == 0 and b == rank:
            return f"{x}.flatten(1)"  # ONNX's Flatten
        return flatten_code(x, tuple(types["Input"].shape), a, b, local)

    def emit(self, ctx: EmitContext) -> str:
        return self.code(ctx.args[0], ctx.types, ctx.local)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ReshapeLayer(_ShapeLayer):
    """Reshapes each example to ``dims`` (a list of sizes; one may be -1, inferred from the input size, and any may be
    Wolfram's ``"Inherited"``, the input's size at that position, which keeps a variable length in place).

    >>> ReshapeLayer([2, -1]).dims
    (2, -1)
    """

    moved_inputs = ("Input",)  # its output's values are its input's: an index range is carried

    dims: Dims
    POSITIONAL = "dims"

    def normalize(self) -> dict[str, Any]:
        dims = normal_dims(self.dims)
        if dims is None:
            return option_problem(OptionError(f"ReshapeLayer dims must be a list of positive sizes with at most one "
                                              f"-1 (inferred, Wolfram's Automatic), or Inherited (the input's size "
                                              f"there), found {quoted(self.dims)}{dims_hint(self.dims)}", option="dims",
                                              expected="positive sizes with at most one -1", found=self.dims,
                                              item=bad_dim(self.dims)), {})
        return {} if isinstance(dims, tuple) and oversized_size("ReshapeLayer", "dims", dims) else {"dims": dims}

    def forward_shape(self, shape: tuple | None) -> tuple | None:
        return output_dims(self.dims, shape)

    def backward_shape(self, out: tuple | None, shape: tuple | None) -> tuple | None:
        return input_dims(self.dims, out, shape)

    def function(self, types: Mapping[str, PortType]) -> Any:
        return partial(reshape, dims=run_dims(self.dims, tuple(types["Output"].shape)))

    def code(self, x: str, types: Mapping[str, PortType]) -> str:
        dims = run_dims(self.dims, tuple(types["Output"].shape))
        sizes = ", ".join(f"{x}.shape[{i + 1}]" if d is None else str(d) for i, d in enumerate(dims))
        return f"{x}.reshape({x}.shape[0], {sizes})"


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class TransposeLayer(_ShapeLayer):
    """Permutes levels as Wolfram's Transpose: level k of the input becomes level ``perm[k]`` of the output.

    The default ``[2, 1]`` swaps the first two levels; further levels stay in place.

    >>> TransposeLayer().perm
    (2, 1)
    """

    moved_inputs = ("Input",)  # its output's values are its input's: an index range is carried

    perm: Permutation = (2, 1)
    POSITIONAL = "perm"

    def normalize(self) -> dict[str, Any]:
        swap = level_swap(self.perm) if isinstance(self.perm, str) else None
        p = self.perm if swap is None else [1]  # a swap's permutation waits for the rank (_full)
        if not isinstance(p, (list, tuple)) or not all(is_int(v) for v in p) or sorted(p) != list(range(1, len(p) + 1)):
            return option_problem(OptionError(f"TransposeLayer perm= must be a permutation of 1..k (level k of the "
                                              f"input goes to level perm[k]), or Wolfram's swap of two levels, such as "
                                              f"'1<->3', found {quoted(self.perm)}{torch_dims_hint(p)}", option="perm",
                                              expected="a permutation of 1..k", found=self.perm), {})
        if swap is not None:
            return {"perm": f"{swap[0]}<->{swap[1]}", "_swap": swap, "_levels_moved": max(swap)}
        return {"perm": tuple(int(v) for v in p), "_swap": None, "_levels_moved": len(p)}

    def _full(self, rank: int) -> tuple[int, ...]:
        if rank < self._levels_moved:
            shown = repr(self.perm) if self._swap else list(self.perm)
            raise Conflict(f"perm {shown} needs port 'Input' of rank >= {self._levels_moved}, found rank {rank}",
                           port="Input", expected=f"rank >= {self._levels_moved}", found=rank)
        perm = self.perm if self._swap is None else swap_permutation(self._swap, rank)
        return tuple(v - 1 for v in perm) + tuple(range(len(perm), rank))

    def forward_shape(self, shape: tuple | None) -> tuple | None:
        if shape is None:
            return None
        perm, out = self._full(len(shape)), [None] * len(shape)
        for k, target in enumerate(perm):
            out[target] = shape[k]
        return tuple(out)

    def backward_shape(self, out: tuple | None, shape: tuple | None) -> tuple | None:
        if out is None:
            return None
        perm = self._full(len(out))
        return tuple(out[perm[k]] for k in range(len(out)))

    def _source(self, types: Mapping[str, PortType]) -> list[int]:
        """Output dim j (after the batch) comes from input dim source[j]."""
        perm = self._full(len(types["Input"].shape))
        return sorted(range(len(perm)), key=lambda k: perm[k])

    def function(self, types: Mapping[str, PortType]) -> Any:
        return partial(torch.permute, dims=(0, *(s + 1 for s in self._source(types))))

    def code(self, x: str, types: Mapping[str, PortType]) -> str:
        return f"{x}.permute(0, {', '.join(str(s + 1) for s in self._source(types))})"


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class PartLayer(_ShapeLayer):
    """Takes a part of each example: ``PartLayer(2)`` (the 2nd row), ``PartLayer(-1)`` (the last, e.g. of a
    sequence), ``PartLayer("2;;4")`` (a span), ``PartLayer("1;;-1;;2")`` (every second), ``PartLayer(["All", 1])``
    (column 1). Indices are 1-based."""

    moved_inputs = ("Input",)  # its output's values are its input's: an index range is carried

    part: Parts
    POSITIONAL = "part"

    def normalize(self) -> dict[str, Any]:
        specs = self.part if isinstance(self.part, (list, tuple)) else [self.part]
        if not specs:
            option_problem(OptionError("PartLayer needs at least one level spec", option="part",
                                       expected="at least one level spec", found=self.part), None)
        levels = tuple(part_level(s) for s in specs)
        return {"_levels": levels, "part": list(self.part) if isinstance(self.part, tuple) else self.part}

    def _check_rank(self, rank: int) -> None:
        if rank < len(self._levels):
            raise Conflict(f"part {self.part!r} needs port 'Input' of rank >= {len(self._levels)}, found rank {rank}",
                           port="Input", expected=f"rank >= {len(self._levels)}", found=rank)

    def _span(self, spec: tuple, size: Any) -> int | None:
        """How many elements a span takes, or None when the size is not a known int."""
        if not isinstance(size, int):
            return None
        count = span_count(spec, size)
        if not count:
            raise Conflict(f"span {span_text(spec)} is out of range for a dimension of size {size}",
                           expected=size, found=span_text(spec))
        return count

    def forward_shape(self, shape: tuple | None) -> tuple | None:
        if shape is None:
            return None
        self._check_rank(len(shape))
        out = []
        for spec, size in zip(self._levels, shape):
            if isinstance(spec, int):
                if isinstance(size, int) and not 1 <= abs(spec) <= size:
                    raise Conflict(f"part {spec} is out of range for a dimension of size {size} (port 'Input' "
                                   f"{format_shape(shape)})", port="Input", expected=size, found=spec)
            elif spec == "All":
                out.append(size)
            else:
                count = self._span(spec, size)
                out.append(span_length(spec, size) if count is None else count)
        return (*out, *shape[len(self._levels):])

    def backward_shape(self, out: tuple | None, shape: tuple | None) -> tuple | None:
        if out is None:
            return None
        kept = sum(not isinstance(s, int) for s in self._levels)
        rank = len(out) - kept + len(self._levels)
        self._check_rank(rank)
        dims, i = [], 0
        for spec in self._levels:
            dims.append(out[i] if spec == "All" else None)
            i += not isinstance(spec, int)
        return (*dims, *out[kept:])

    def _ranged(self, types: Mapping[str, PortType]) -> tuple[tuple[int, Any, str, str], ...]:
        """The levels sized only at the call (a variable length "n") whose part does not fit every length: for
        PartModule to check, as a fixed size is checked when the net is built."""
        texts = self.part if isinstance(self.part, list) else [self.part]
        return tuple((level + 1, spec, repr(texts[level]), size if isinstance(size, str) else f"level {level + 1}")
                     for level, (spec, size) in enumerate(zip(self._levels, types["Input"].shape))
                     if not isinstance(size, int) and spec != "All" and fitting_lengths(spec) != "of at least 1")

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        ranged = self._ranged(types)
        return PartModule(self.function(types).keywords["index"], ranged) if ranged else super().build(types)

    def emit(self, ctx: EmitContext) -> str:
        return f"{ctx.module}({ctx.args[0]})" if self._ranged(ctx.types) else super().emit(ctx)

    def function(self, types: Mapping[str, PortType]) -> Any:
        index: list[Any] = [slice(None)]
        for spec in self._levels:
            if isinstance(spec, int):
                index.append(spec - 1 if spec > 0 else spec)
            elif spec == "All":
                index.append(slice(None))
            else:
                index.append(slice(spec[0] - 1 if spec[0] > 0 else spec[0],
                                   None if spec[1] == -1 else (spec[1] if spec[1] > 0 else spec[1] + 1),
                                   slice_step(spec[2]) if len(spec) > 2 else None))
        return partial(_index, index=tuple(index))

    def code(self, x: str, types: Mapping[str, PortType]) -> str:
        index = [":"]
        for spec in self._levels:
            if isinstance(spec, int):
                index.append(str(spec - 1 if spec > 0 else spec))
            elif spec == "All":
                index.append(":")
            else:
                start = spec[0] - 1 if spec[0] > 0 else spec[0]
                stop = "" if spec[1] == -1 else str(spec[1] if spec[1] > 0 else spec[1] + 1)
                index.append(f"{start or ''}:{stop}" + (f":{slice_step(spec[2])}" if len(spec) > 2 else ""))
        while index[-1] == ":" and len(index) > 1:
            index.pop()
        return f"{x}[{', '.join(index)}]" if len(index) > 1 else x


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ReplicateLayer(_ShapeLayer):
    """Repeats each example ``n`` times along new dims inserted at ``level`` (1 = in front, -1 = at the end).

    ``n`` may be a list for several new dims: ``ReplicateLayer([2, 3])`` maps (4,) to (2, 3, 4).

    >>> ReplicateLayer(3).forward_shape((4,))
    (3, 4)
    """

    moved_inputs = ("Input",)  # its output's values are its input's: an index range is carried

    n: Counts
    level: Level = 1
    POSITIONAL = "n"
    POSITIONALS = ("n", "level")
    RANGES = {"n": Within(1)}  # each count

    def normalize(self) -> dict[str, Any]:
        ns = self.n if isinstance(self.n, (list, tuple)) else [self.n]
        low = int(self.RANGES["n"].low)  # the first bad count alone is reported: a problem per count made 10,000
        bad = next((i for i, v in enumerate(ns) if not (is_int(v) and low <= v < INT64_BOUND)), None)
        if bad is not None:  # an index: a bad count may be None itself
            positive_int(ns[bad], "ReplicateLayer", "n", low)
        return {"n": list(self.n) if isinstance(self.n, tuple) else self.n,
                "level": level_option(self.level, "ReplicateLayer"), "_ns": tuple(ns)}

    def _position(self, rank: int) -> int:
        pos = self.level - 1 if self.level > 0 else rank + self.level + 1
        if not 0 <= pos <= rank:
            raise Conflict(f"level {self.level} is out of range for port 'Input' of rank {rank} (levels run from "
                           f"{level_range(rank + 1)})", port="Input", expected=level_range(rank + 1), found=self.level)
        return pos

    def forward_shape(self, shape: tuple | None) -> tuple | None:
        if shape is None:
            return None
        pos = self._position(len(shape))
        return (*shape[:pos], *self._ns, *shape[pos:])

    def backward_shape(self, out: tuple | None, shape: tuple | None) -> tuple | None:
        if out is None:
            return None
        rank = len(out) - len(self._ns)
        if rank < 0:
            raise Conflict(f"port 'Output' {format_shape(out)} has fewer dims than the {len(self._ns)} replicated ones",
                           port="Output", expected=len(self._ns), found=out)
        pos = self._position(rank)
        return (*out[:pos], *out[pos + len(self._ns):])

    def function(self, types: Mapping[str, PortType]) -> Any:
        rank = len(types["Input"].shape)
        pos = self._position(rank)
        index = (slice(None),) * (pos + 1) + (None,) * len(self._ns)
        return partial(_expand, index=index, sizes=(-1,) * (pos + 1) + self._ns + (-1,) * (rank - pos))

    def code(self, x: str, types: Mapping[str, PortType]) -> str:
        rank = len(types["Input"].shape)
        pos = self._position(rank)
        index = ", ".join([":"] * (pos + 1) + ["None"] * len(self._ns))
        sizes = ["-1"] * (pos + 1) + [str(n) for n in self._ns] + ["-1"] * (rank - pos)
        return f"{x}[{index}].expand({', '.join(sizes)})"
