"""PaddingLayer and ResizeLayer: Wolfram's layers that change an array's size without learned arrays.

``PaddingLayer(padding_size)`` pads level k (1 = the first dim after the batch) by ``padding_size[k-1]``
elements, ``[before, after]`` (an int pads both sides alike); levels past the list are left alone. The
``padding`` option is Wolfram's "Padding": a number (the constant, default 0), ``"Reflected"`` (mirrored
without repeating the edge: 3 2 | 1 2 3 | 2 1), ``"Periodic"`` (wrapped around) or ``"Fixed"`` (the edge
element repeated); a padding longer than the dim reflects (or wraps) again. A method pads a variable length
too, its indices made from the length each call finds.

``ResizeLayer(dims)`` resamples the spatial dims of a (channels, *spatial) input (1 to 3 spatial dims)
to ``dims``, or by factors with ``scale=`` (Wolfram's ``Scaled[s]``: size ``floor(n s)``; a variable length
``"n"`` by a whole number k: ``"n_times_k"``);
``resampling`` is ``"Linear"`` (default), ``"Nearest"`` or ``"Cubic"`` (torch's ``"bicubic"``, of 2 spatial dims).
``scheme`` is Wolfram's "Scheme" for "Linear" and "Cubic": ``"Bin"`` (default; half-pixel centres, torch's
``align_corners=False``) or ``"Point"`` (the first and last elements on the input's, torch's ``align_corners=True``;
Wolfram's Automatic picks "Point" for "Linear").

>>> from netgraph import NetChain
>>> NetChain([PaddingLayer([0, [1, 2]], padding="Reflected")], input=(3, 4)).output_shapes
{'Output': (3, 7)}
>>> NetChain([ResizeLayer([8, 6])], input=(3, 4, 4)).output_shapes
{'Output': (3, 8, 6)}
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union

import torch
import torch.nn.functional as F
from torch import nn

from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.option_problems import COMBINATION_KIND, missing_option, none_given, option_problem
from netgraph.core.layer import EmitContext
from netgraph.core.option_rules import Among, Excludes, ListsNotOf, Not, refuses
from netgraph.core.options import IntOrInts, OptionKind, Shape, Within
from netgraph.core.conflicts import Conflict
from netgraph.core.types import INTEGER, REAL, PortType, format_shape
from netgraph.core.length_names import shifted_length, times_length
from netgraph.core.naming_scope import quoted
from netgraph.layers._shapes import _ShapeLayer, as_float, is_int, oversized_size
from netgraph.layers.dist_limits import FLOAT_MAX
from netgraph.layers._pad_modules import IndexPadModule, PadModule, reflect_index  # noqa: F401 (its old home)

__all__ = ["PaddingLayer", "ResizeLayer", "PADDING_METHODS", "RESAMPLING", "SCHEMES"]

PADDING_METHODS = ("Reflected", "Periodic", "Fixed")
RESAMPLING = ("Linear", "Nearest", "Cubic")
SCHEMES = ("Bin", "Point")
_PAIR = {"anyOf": [{"type": "integer", "minimum": 0},
                   {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 2, "maxItems": 2}]}
PaddingSizes = Annotated[Any, OptionKind("padding-sizes", None, {"anyOf": [_PAIR, {"type": "array", "items": _PAIR}]})]
"""Padding per level: an int (both sides of level 1), or a list of ints or [before, after] pairs, one per level."""
Scales = Annotated[Any, OptionKind("scales", None, {"anyOf": [
    {"type": "number", "exclusiveMinimum": 0}, {"type": "array", "items": {"type": "number", "exclusiveMinimum": 0}},
    {"type": "null"}]})]
"""A positive factor, or one per spatial dim."""


def _pairs(value: Any) -> tuple[tuple[int, int], ...]:
    def pair(v: Any) -> tuple[int, int] | None:
        if is_int(v) and v >= 0:
            return int(v), int(v)
        if isinstance(v, (list, tuple)) and len(v) == 2 and all(is_int(i) and i >= 0 for i in v):
            return int(v[0]), int(v[1])
        return None
    items = list(value)
    if not items:
        option_problem(OptionError("PaddingLayer option padding_size= must name at least one level, found []",
                                   option="padding_size", expected="at least one level", found=value), None)
    pairs = tuple(map(pair, items))
    bad = next((i for i, p in enumerate(pairs) if p is None), None)
    if bad is not None:  # the first bad level named once (a problem per level froze the whole value each time)
        option_problem(OptionError(f"PaddingLayer option padding_size= needs, per level, an integer >= 0 or a pair "
                                   f"[before, after] of them, found {quoted(items[bad])} in {quoted(value)}",
                                   option="padding_size", expected="an integer >= 0 or a pair of them",
                                   found=value), None)
    oversized_size("PaddingLayer", "padding_size", [n for p in pairs if p for n in p])
    return tuple(p or (0, 0) for p in pairs)


_F_PAD_MODES = {"Reflected": "reflect", "Fixed": "replicate", "Periodic": "circular"}  # F.pad's for each method


def _scaled_hint(items: list) -> str:
    """For Wolfram's ``Scaled[s]`` sizes: the ``scale=`` that gives them (a fixed size beside them has no scale)."""
    found = [re.fullmatch(r"\s*Scaled\[\s*([0-9.eE+-]+)\s*\]\s*", d) if isinstance(d, str) else None for d in items]
    if not any(found):
        return ""
    scales = [m.group(1) if m else "?" for m in found]
    mixed = "; a fixed size and a scale together are not taken" if "?" in scales else ""
    return f" (Wolfram's Scaled[s] sizes are scale=s here: ResizeLayer(scale=[{', '.join(scales)}]){mixed})"

@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class PaddingLayer(_ShapeLayer):
    """``PaddingLayer([[1, 1], [2, 0]], padding=0.0)``: pads levels 1 and 2; see the module docstring.

    >>> import torch
    >>> PaddingLayer([[1, 0], [0, 2]])(torch.tensor([[1.0, 2.0]]))  # one row before; two columns after
    tensor([[0., 0., 0., 0.],
            [1., 2., 0., 0.]])
    """

    padding_size: PaddingSizes
    padding: Union[float, Literal["Reflected", "Periodic", "Fixed"]] = 0.0
    POSITIONAL = "padding_size"

    @property
    def moved_inputs(self) -> tuple[str, ...]:
        """A method's padding repeats the input's values (an index range carried, as PartLayer's); a constant joins
        a new value to them (none carried)."""
        return ("Input",) if isinstance(self.padding, str) else ()

    def moved_places(self, port: str, places: torch.Tensor, types: Mapping[str, PortType]) -> torch.Tensor | None:
        """``places`` padded by the method's indices, as the values are (one example's: its sizes are known)."""
        if port not in self.moved_inputs:
            return None
        return IndexPadModule(self._sizes(tuple(places.shape)), self.padding)(places[None])[0]

    def normalize(self) -> dict[str, Any]:
        p = self.padding
        if isinstance(p, bool) or not (isinstance(p, (int, float)) or p in PADDING_METHODS):
            p = option_problem(OptionError(f"PaddingLayer option padding= must be a number or one of "
                                           f"{', '.join(map(repr, PADDING_METHODS))}, found {quoted(p)}"
                                           f"{did_you_mean(p, PADDING_METHODS)}", option="padding",
                                           expected=f"a number or one of {list(PADDING_METHODS)}", found=p), 0.0)
        # compared as it is: an int too large for a float (10**400) is beyond float32's range too
        if not isinstance(p, str) and not (isinstance(p, float) and math.isinf(p)) and abs(p) > FLOAT_MAX:
            p = option_problem(OptionError(f"PaddingLayer option padding= must lie within float32's range "
                                           f"(±{FLOAT_MAX:.7g}) or be ±inf, found {quoted(p)}: torch cannot pad "
                                           f"a float32 array with it", option="padding",
                                           expected="a number within float32's range", found=p), 0.0)
        sizes = self.padding_size if isinstance(self.padding_size, (list, tuple)) else [self.padding_size]
        return {"_pairs": _pairs(list(sizes)), "padding": p if isinstance(p, str) else float(p)}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        types = super().infer(types)
        p = self.padding
        if types["Input"].dtype == INTEGER and not isinstance(p, str) and not (p.is_integer() and -2**63 <= p < 2**63):
            raise Conflict(f"padding={p!r} cannot pad port 'Input' of dtype Integer: give an integer padding value "
                           f"(within int64's range), or a method such as 'Fixed'",
                           port="Input", expected="an integer padding value", found=p)
        return types

    def _check_rank(self, shape: tuple) -> None:
        if len(shape) < len(self._pairs):
            raise Conflict(f"padding_size= pads {len(self._pairs)} levels but port 'Input' {format_shape(shape)} "
                           f"has {len(shape)}", port="Input", expected=len(self._pairs), found=len(shape))

    def forward_shape(self, shape: tuple | None) -> tuple | None:
        if shape is None:
            return None
        self._check_rank(shape)
        out = list(shape)
        for level, (a, b) in enumerate(self._pairs):  # a method's indices are made from the length a call finds
            out[level] = shifted_length(shape[level], a + b)  # a variable length "h": "h_plus_3", as F.pad gives
        return tuple(out)

    def backward_shape(self, out: tuple | None, shape: tuple | None) -> tuple | None:
        if out is None:
            return None
        self._check_rank(out)
        sizes = [None if isinstance(o, int) and o - a - b < 1 else shifted_length(o, -a - b) if a + b else o
                 for o, (a, b) in zip(out, self._pairs)]
        return (*sizes, *out[len(self._pairs):])

    def _flat(self, rank: int) -> tuple[int, ...]:
        """F.pad's argument: pairs from the input's last level back to level 1 (F.pad counts from the last dim,
        so levels past the padded ones get (0, 0))."""
        pairs = (*self._pairs, *[(0, 0)] * (rank - len(self._pairs)))
        return tuple(v for pair in reversed(pairs) for v in pair)

    def _sizes(self, shape: tuple) -> dict[int, tuple[int, int, int]]:
        """Per padded torch dim: (size, before, after)."""
        return {level + 1: (shape[level], a, b) for level, (a, b) in enumerate(self._pairs) if a or b}

    def _native_mode(self, types: Mapping[str, PortType]) -> str | None:
        """F.pad's mode that pads as this method does ("reflect", "replicate", "circular"), where F.pad takes it: a
        real input of 2-4 levels, all of fixed sizes > 0, level 1 not padded (F.pad's channels: the batch stays a
        batch, of any size), each padding less than its level's size for "Reflected" and at most it for
        "Periodic"; else None (the source indices' gathers)."""
        shape, mode = types["Input"].shape, _F_PAD_MODES.get(self.padding)
        if mode is None or types["Input"].dtype != REAL or not 2 <= len(shape) <= 4 or self._pairs[0] != (0, 0) \
                or not all(isinstance(n, int) and n > 0 for n in shape):
            return None
        limit = {"reflect": 1, "circular": 0, "replicate": -math.inf}[mode]
        return mode if all(a <= n - limit and b <= n - limit for n, (a, b) in zip(shape, self._pairs)) else None

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        rank = len(types["Input"].shape)
        if isinstance(self.padding, float):
            return PadModule(self._flat(rank), self.padding)
        if mode := self._native_mode(types):
            return PadModule(self._flat(rank)[:-2], None, mode)
        return IndexPadModule(self._sizes(types["Input"].shape), self.padding)

    def emit(self, ctx: EmitContext) -> str:
        x, rank = ctx.args[0], len(ctx.types["Input"].shape)
        if isinstance(self.padding, float):
            return f"F.pad({x}, {self._flat(rank)}, 'constant', {self.padding!r})"
        if mode := self._native_mode(ctx.types):  # the pairs but level 1's (0, 0): F.pad's channels
            return f"F.pad({x}, {self._flat(rank)[:-2]}, {mode!r})"
        for dim, (size, _, _) in self._sizes(ctx.types["Input"].shape).items():
            length = f", {ctx.args[0]}.shape[{dim}]" if isinstance(size, str) else ""  # a variable one: each call's
            x = f"{x}.index_select({dim}, {ctx.module}.index({dim}, {ctx.args[0]}.device{length}))"
        return x


def _scales(value: Any) -> Any:
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if not items or not all((f := as_float(v)) is not None and 0 < f < math.inf for v in items):
        return option_problem(OptionError(f"ResizeLayer option scale= must be a positive finite number or a list of "
                                          f"them, found {quoted(value)}", option="scale",
                                          expected="a positive finite number or a list of them", found=value), None)
    return [float(v) for v in items] if isinstance(value, (list, tuple)) else float(value)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ResizeLayer(_ShapeLayer):
    """``ResizeLayer([h, w])`` or ``ResizeLayer(scale=2)``: resamples (channels, *spatial); see the module docstring.

    >>> from netgraph import NetChain
    >>> NetChain([ResizeLayer([8, 6])], input=(3, 4, 3)).output_shapes
    {'Output': (3, 8, 6)}
    >>> NetChain([ResizeLayer(scale=2)], input=(3, 4, 3)).output_shapes
    {'Output': (3, 8, 6)}
    """

    dims: IntOrInts = None
    scale: Scales = None
    resampling: Literal["Linear", "Nearest", "Cubic"] = "Linear"
    scheme: Literal["Bin", "Point"] = "Bin"
    input: Shape = None
    NEEDS_ONE_OF = (("dims", "scale"),)
    RANGES = {"dims": Within(1)}  # each output size
    RULES = (Excludes("dims", Not(Among(None)), "scale", Not(Among(None))),  # sizes or factors, not both
             Excludes("scheme", Among("Point"), "resampling", Among("Nearest")),  # align_corners: of Linear, Cubic
             *(Excludes("resampling", Among("Cubic"), given, ListsNotOf(2)) for given in ("dims", "scale")))  # bicubic
    POSITIONAL = "dims"

    def normalize(self) -> dict[str, Any]:
        if self.resampling not in RESAMPLING:
            option_problem(OptionError(f"ResizeLayer: unknown resampling {quoted(self.resampling)}"
                                       f"{did_you_mean(self.resampling, RESAMPLING)}; use one of "
                                       f"{', '.join(map(repr, RESAMPLING))}", option="resampling",
                                       expected=list(RESAMPLING), found=self.resampling), None)
        if self.scheme not in SCHEMES:
            option_problem(OptionError(f"ResizeLayer: unknown scheme {quoted(self.scheme)}"
                                       f"{did_you_mean(self.scheme, SCHEMES)}"
                                       f"; use one of {', '.join(map(repr, SCHEMES))}", option="scheme",
                                       expected=list(SCHEMES), found=self.scheme), None)
        scale = self._scale_alone()
        if none_given(self, self.NEEDS_ONE_OF[0]):
            missing_option("ResizeLayer needs either the output sizes, ResizeLayer([h, w]), or scale= factors", "dims")
            return {}
        given = self.dims if self.dims is not None else scale
        count = len(given) if isinstance(given, (list, tuple)) else None
        if count is not None and not 1 <= count <= 3:
            return option_problem(OptionError(f"ResizeLayer works on 1 to 3 spatial dims, found {count}: "
                                              f"{quoted(given)}",
                                              option="dims" if self.dims is not None else "scale",
                                              expected="1 to 3 spatial dims", found=given), {})
        if count is not None and refuses(self, "resampling", "dims" if self.dims is not None else "scale", given):
            option_problem(OptionError(f"ResizeLayer: resampling='Cubic' (torch's bicubic) takes 2 spatial dims, found "
                                       f"{count}: {quoted(given)}", option="resampling", expected="2 spatial dims",
                                       found=given, kind=COMBINATION_KIND), None)
        if self.dims is not None:
            items = list(self.dims) if count else [self.dims]
            if not all(is_int(d) and d >= self.RANGES["dims"].low for d in items):
                return option_problem(OptionError(f"ResizeLayer option dims= must be positive integers, found "
                                                  f"{quoted(self.dims)}{_scaled_hint(items)}", option="dims",
                                                  expected="positive integers", found=self.dims), {})
            if oversized_size("ResizeLayer", "dims", items):
                return {}
            return {"dims": [int(d) for d in items] if count else int(self.dims), "_count": count}
        return {"scale": _scales(scale), "_count": count}

    def _scale_alone(self) -> Any:
        """``scale``, reported (and None standing in) when the output sizes are given too."""
        if not refuses(self, "dims"):
            return self.scale
        return option_problem(OptionError(f"ResizeLayer takes either the output sizes, ResizeLayer([h, w]), or scale= "
                                          f"factors, not both: found dims= {quoted(self.dims)} and scale= "
                                          f"{quoted(self.scale)}",
                                          option="scale", expected="no scale= beside dims=", found=self.scale,
                                          kind=COMBINATION_KIND), None)

    def validate(self) -> None:
        if refuses(self, "scheme"):
            raise OptionError(f"ResizeLayer: scheme='Point' (torch's align_corners=True) is for resampling='Linear' "
                              f"or 'Cubic' only, found resampling={quoted(self.resampling)}", option="scheme",
                              expected="resampling='Linear' or 'Cubic'",
                              found=self.resampling)

    def declared_types(self) -> dict[str, PortType]:
        return {"Input": PortType(self.input, None), "Output": PortType(None, None)}

    def _per_dim(self, value: Any, d: int) -> list:
        return list(value) if isinstance(value, list) else [value] * d

    def forward_shape(self, shape: tuple | None) -> tuple | None:
        if shape is None:
            if self.dims is not None and self._count is not None:
                return (None, *self.dims)
            return None
        d = len(shape) - 1
        if not 1 <= d <= 3 or (self._count is not None and self._count != d):
            want = f"{self._count} spatial dims" if self._count else "1 to 3 spatial dims"
            raise Conflict(f"port 'Input' must be (channels, *spatial) with {want}, found {format_shape(shape)}",
                           port="Input", expected=f"(channels, *spatial) with {want}", found=shape)
        if self.resampling == "Cubic" and d != 2:
            raise Conflict(f"resampling='Cubic' (torch's bicubic) takes port 'Input' as (channels, h, w), 2 spatial "
                           f"dims, found {format_shape(shape)}", port="Input", expected="(channels, h, w)", found=shape)
        if self.dims is not None:
            return (shape[0], *self._per_dim(self.dims, d))
        scales = self._per_dim(self.scale, d)
        variable = any(isinstance(n, str) for n in shape[1:])
        return (shape[0], *(self._scaled(n, s, shape, variable) for n, s in zip(shape[1:], scales)))

    @staticmethod
    def _scaled(n: Any, s: float, shape: tuple, variable: bool) -> Any:
        """Size ``n`` scaled by ``s``: ``floor(n s)``; a variable length ``n`` by a whole number ``k`` is ``n_times_k``.
        Beside a variable length (resized by ``scale_factor``, torch mapping coordinates by the scale, not by the
        sizes' ratio) a known size must scale to a whole size, where the two maps agree."""
        if isinstance(n, str):
            if not s.is_integer():
                raise Conflict(f"port 'Input' {format_shape(shape)}: a variable length ({n}) takes a whole-number "
                               f"scale (its size then known from its length), found scale {s}",
                               port="Input", expected="a whole-number scale", found=s)
            return times_length(n, int(s))
        if n is None:
            return None
        if math.floor(n * s) < 1:
            raise Conflict(f"port 'Input' {format_shape(shape)}: size {n} scaled by {s} is empty",
                           port="Input", expected="a size of at least 1", found=math.floor(n * s))
        if variable and not (n * s).is_integer():
            raise Conflict(f"port 'Input' {format_shape(shape)}: size {n} scaled by {s} is {n * s}, not a whole size, "
                           f"beside a variable length (scaled by the factor, whose coordinates differ from the sizes' "
                           f"ratio): give a scale that makes a whole size, or dims=",
                           port="Input", expected="a whole size", found=n * s)
        return math.floor(n * s)

    def backward_shape(self, out: tuple | None, shape: tuple | None) -> tuple | None:
        if out is None:
            return None
        if self.scale is None:
            return (out[0], *(None,) * (len(out) - 1))
        scales = self._per_dim(self.scale, len(out) - 1)
        return (out[0], *(times_length(o, int(s), inverse=True) if isinstance(o, str) and s.is_integer() else None
                          for o, s in zip(out[1:], scales)))

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        types = super().infer(types)
        dtype = types["Input"].dtype
        if dtype is not None and dtype != REAL:
            raise Conflict(f"port 'Input' must hold reals to be resampled, found {dtype}",
                           port="Input", expected=REAL, found=dtype)
        return {p: PortType(t.shape, REAL) for p, t in types.items()}

    def _call(self, types: Mapping[str, PortType]) -> dict[str, Any]:
        """F.interpolate's options: the output's sizes (dims= given, or all known), else the scale factors (over a
        variable length, scaled by whole numbers)."""
        shape = types["Input"].shape
        d = len(shape) - 1
        linear = ("linear", "bilinear", "trilinear")[d - 1]
        mode = {"Nearest": "nearest", "Cubic": "bicubic"}.get(self.resampling, linear)
        extra = {} if mode == "nearest" else {"align_corners": self.scheme == "Point"}
        if self.dims is None and any(isinstance(n, str) for n in shape[1:]):
            return {"scale_factor": tuple(self._per_dim(self.scale, d)), "mode": mode, **extra}
        return {"size": tuple(types["Output"].shape[1:]), "mode": mode, **extra}

    def function(self, types: Mapping[str, PortType]) -> Any:
        return functools.partial(F.interpolate, **self._call(types))

    def code(self, x: str, types: Mapping[str, PortType]) -> str:
        return f"F.interpolate({x}, {', '.join(f'{k}={v!r}' for k, v in self._call(types).items())})"
