"""AttentionLayer: Wolfram's attention over a sequence of keys and values, one or many queries.

Ports (shapes without the batch; ``n`` keys, ``m`` queries, either a fixed or a variable length):

* single head: ``Key`` (n, k), ``Value`` (n, v), ``Query`` (m, q) or one query vector (q) ->
  ``Output`` (m, v) or (v);
* ``multi_head=True`` (Wolfram's ``"MultiHead" -> True``: the second-to-last dim is the head): ``Key``
  (n, h, k), ``Value`` (n, h, v), ``Query`` (m, h, q) or (h, q) -> ``Output`` (m, h, v) or (h, v).

Each output is the softmax-weighted sum of the values, weights from the scores ``s = f(key, query)``:
``"Dot"`` (``k . q``, so q = k) or ``"Bilinear"`` (``k . W . q`` with a learned array ``Weights`` (k, q)).
``score_rescaling="DimensionSqrt"`` (the default here; Wolfram's is ``"None"``) divides the scores by
sqrt(k), as torch's ``scaled_dot_product_attention``; ``mask="Causal"`` lets query i see keys 1..i
(queries and keys then have the same length). ``dropout=p`` zeroes attention weights with probability ``p``
in training mode (scaling the rest by 1/(1-p)), as torch's ``dropout_p``; evaluation never drops. The compiled
forward calls ``F.scaled_dot_product_attention`` (heads moved before the sequence dim).

>>> AttentionLayer(multi_head=True, key=(6, 2, 4)).declared_types()["Key"].shape
(6, 2, 4)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from netgraph.core.layer import EmitContext, Layer
from netgraph.core.options import Array, Literal, Shape
from netgraph.core.errors import OptionError, did_you_mean
from netgraph.core.naming_scope import quoted
from netgraph.core.option_problems import option_problem
from netgraph.core.conflicts import Conflict
from netgraph.core.types import REAL, PortType, format_shape, unify
from netgraph.layers._masks import real_steps
from netgraph.layers._shapes import ranged_number
from netgraph.core.option_ranges import Within
from netgraph.core.option_rules import Among, Excludes, Not, refuses
from netgraph.layers._modules import LayerModule

__all__ = ["AttentionLayer"]

_CHOICES = {"scoring": ("Dot", "Bilinear"), "mask": ("None", "Causal"), "score_rescaling": ("DimensionSqrt", "None")}
_PORTS = ("Key", "Value", "Query", "Output")


def _dim(a: Any, b: Any, what: str) -> Any:
    try:
        return unify(PortType((a,)), PortType((b,))).shape[0]
    except Conflict:
        raise Conflict(f"{what}: {a} and {b} differ", expected=a, found=b) from None


@dataclasses.dataclass(frozen=True)
class _Plan:
    """How one call runs: heads moved before the sequence (``heads``), a single query (``vector``)."""

    heads: bool
    vector: bool
    causal: bool
    scale: float | None  # None: 1/sqrt(k), as scaled_dot_product_attention's default
    dropout: float = 0.0  # of the attention weights, in training mode only


class AttentionModule(LayerModule):
    """The interpreter's module: the same steps as the compiled code, with ``Weights`` for "Bilinear"."""

    def __init__(self, plan: _Plan, weights: torch.Tensor | None):
        super().__init__()
        self.plan = plan
        if weights is not None:
            self.Weights = nn.Parameter(weights.clone())

    def forward(self, key: torch.Tensor, value: torch.Tensor, query: torch.Tensor,
                lengths: tuple | None = None) -> torch.Tensor:
        plan = self.plan
        keys = next((n for n in (lengths or ())[:2] if n is not None), None)  # Key's (or Value's) lengths
        if "Weights" in self._parameters:
            query = F.linear(query, self.Weights)
        if plan.vector:
            query = query.unsqueeze(-2)
        if plan.heads:
            key, value = key.transpose(1, 2), value.transpose(1, 2)
            query = query if plan.vector else query.transpose(1, 2)
        dropout = plan.dropout if self.training else 0.0
        if keys is None:
            out = F.scaled_dot_product_attention(query, key, value, is_causal=plan.causal, scale=plan.scale,
                                                 dropout_p=dropout)
        else:
            out = F.scaled_dot_product_attention(query, key, value, attn_mask=key_mask(key, keys, plan, query.shape[-2]),
                                                 scale=plan.scale, dropout_p=dropout)
        if plan.vector:
            return out.squeeze(-2)
        return out.transpose(1, 2) if plan.heads else out


def key_mask(key: torch.Tensor, lengths: torch.Tensor, plan: _Plan, queries: int) -> torch.Tensor:
    """True where a query may attend: keys within each example's length (and, causal, not after the query, as
    ``is_causal`` aligns them: query i sees keys 0..i); ``key`` as scaled_dot_product_attention takes it, its
    sequence second to last, and ``queries`` the (padded) query length."""
    mask = real_steps(lengths, key.shape[-2], key.device).unsqueeze(1)  # (batch, 1 query, keys)
    if plan.causal:
        steps = torch.arange(key.shape[-2], device=key.device)
        later = torch.arange(queries, device=key.device).unsqueeze(1) >= steps  # (queries, keys)
        mask = mask & later  # (batch, queries, keys)
    return mask.unsqueeze(1) if plan.heads else mask


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class AttentionLayer(Layer):
    """Attention of ``Query`` over ``Key``/``Value`` (see the module doc for ports and shapes).

    >>> AttentionLayer("Bilinear").ARRAYS, AttentionLayer().ARRAYS
    ({'Weights': 'weights'}, {})
    """

    scoring: Literal["Dot", "Bilinear"] = "Dot"
    multi_head: bool = False
    mask: Literal["None", "Causal"] = "None"
    score_rescaling: Literal["DimensionSqrt", "None"] = "DimensionSqrt"
    key: Shape = None
    value: Shape = None
    query: Shape = None
    weights: Array = None
    dropout: float = 0.0
    ARRAYS = {"Weights": "weights"}
    RANGES = {"dropout": Within(0.0, 1.0, open_high=True)}
    RULES = (Excludes("weights", Not(Among(None)), "scoring", Among("Dot")),)  # weights: the Bilinear scoring's
    POSITIONAL = "scoring"
    input_ports = ("Key", "Value", "Query")

    def normalize(self) -> dict[str, Any]:
        for option, choices in _CHOICES.items():
            value = getattr(self, option)
            if value not in choices:
                option_problem(OptionError(f"AttentionLayer {option}= must be one of {list(choices)}, found "
                                           f"{quoted(value)}{did_you_mean(str(value), choices)}", option=option,
                                           expected=list(choices), found=value), None)
        if self.weights is not None and self.weights.dim() != 2:
            option_problem(OptionError(f"AttentionLayer weights= must be a (key size, query size) matrix, found shape "
                                       f"{format_shape(tuple(self.weights.shape))}", option="weights",
                                       expected="a (key size, query size) matrix", found=tuple(self.weights.shape)),
                           None)
        return {"ARRAYS": {"Weights": "weights"} if self.scoring == "Bilinear" else {},
                "dropout": ranged_number(self, "dropout")}

    def validate(self) -> None:
        if refuses(self, "weights") or self.scoring == "Dot" and "Weights" in self._shared:  # a value or shared
            raise OptionError("AttentionLayer weights= belongs to the 'Bilinear' scoring (scoring='Bilinear'); "
                              "'Dot' has no arrays", option="weights")

    @property
    def _rank(self) -> int:
        return 3 if self.multi_head else 2

    def declared_types(self) -> dict[str, PortType]:
        return {"Key": PortType(self.key, REAL), "Value": PortType(self.value, REAL),
                "Query": PortType(self.query, REAL), "Output": PortType(None, REAL)}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        shapes = self._shapes(types)
        k, v, q, o = (shapes[p] for p in _PORTS)
        k[0] = v[0] = _dim(k[0], v[0], "'Key' and 'Value' must have the same length")
        if self.multi_head:
            k[1] = v[1] = _dim(k[1], v[1], "heads of 'Key' and 'Value'")
        if q is not None:
            for i in range(len(q) - 1):
                q[i] = o[i] = _dim(q[i], o[i], f"'Output' dimension {i + 1} follows 'Query'")
            v[-1] = o[-1] = _dim(v[-1], o[-1], "'Output' has the size of the values")
            if self.multi_head:
                k[1] = v[1] = q[-2] = o[-2] = _dim(k[1], q[-2], "heads of 'Key' and 'Query'")
            if self.scoring == "Dot":
                k[-1] = q[-1] = _dim(k[-1], q[-1], "'Dot' scoring needs keys and queries of one size")
            if self.mask == "Causal":
                if len(q) < self._rank:
                    raise Conflict("mask='Causal' needs a sequence of queries, found one query vector "
                                   f"{format_shape(tuple(q))}",
                                   port="Query", expected="a sequence of queries", found=tuple(q))
                if not (isinstance(k[0], str) and isinstance(q[0], str)):  # lengths named apart stay apart: the
                    k[0] = v[0] = q[0] = o[0] = _dim(k[0], q[0], "mask='Causal' needs as many queries as keys")
                # mask aligns query i with key i, as is_causal does, whatever each example's lengths
        if self.weights is not None:
            k[-1] = _dim(k[-1], self.weights.shape[0], "'Key' size and the rows of weights=")
            if q is not None:
                q[-1] = _dim(q[-1], self.weights.shape[1], "'Query' size and the columns of weights=")
        return {p: PortType(None if s is None else tuple(s), REAL) for p, s in shapes.items()}

    def _shapes(self, types: Mapping[str, PortType]) -> dict[str, list | None]:
        """Each port's dims as a list (Key and Value have a known rank; Query and Output share theirs)."""
        r, shapes = self._rank, {}
        for port in _PORTS:
            shape = types[port].shape
            ranks = (r,) if port in ("Key", "Value") else (r - 1, r)
            if shape is not None and len(shape) not in ranks:
                raise Conflict(f"port {quoted(port)} must be {self._form(port)}, found {format_shape(shape)}"
                               f"{self._heads_hint(shape)}", port=port, expected=self._form(port), found=shape)
            shapes[port] = None if shape is None else list(shape)
        for port in ("Key", "Value"):
            shapes[port] = shapes[port] or [None] * r
        q, o = shapes["Query"], shapes["Output"]
        if q is not None and o is not None and len(q) != len(o):
            raise Conflict(f"'Output' {format_shape(tuple(o))} must have the rank of 'Query' {format_shape(tuple(q))}",
                           port="Output", expected=len(q), found=tuple(o))
        if (q is None) != (o is None):
            shapes["Query"], shapes["Output"] = (q or [None] * len(o)), (o or [None] * len(q))
        return shapes

    def _heads_hint(self, shape: tuple) -> str:
        """Where a rank that fits the other multi_head setting comes from: heads split by a projection, or not."""
        if not self.multi_head and len(shape) == 3:
            return " (heads? AttentionLayer(multi_head=True) takes (n, heads, size))"
        if self.multi_head and len(shape) == 2:
            size = shape[-1] if isinstance(shape[-1], int) else "size"
            return (f" (split each element into heads first, as torch's MultiheadAttention projects them: "
                    f"NetMapOperator(LinearLayer((heads, {size} // heads))) for each of Key, Value and Query)")
        return ""

    def _form(self, port: str) -> str:
        heads = "heads, " if self.multi_head else ""
        if port in ("Key", "Value"):
            return f"a sequence ({'n, ' + heads}size)"
        return f"({'m, ' + heads}size) or one query ({heads}size)"

    def array_shapes(self, types: Mapping[str, PortType]) -> dict[str, tuple]:
        if self.scoring != "Bilinear":
            return {}
        return {"Weights": (types["Key"].shape[-1], types["Query"].shape[-1])}

    def _plan(self, types: Mapping[str, PortType]) -> _Plan:
        vector = len(types["Query"].shape) < self._rank
        return _Plan(self.multi_head, vector, self.mask == "Causal",
                     None if self.score_rescaling == "DimensionSqrt" else 1.0, self.dropout)

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return AttentionModule(self._plan(types), self.weights if self.scoring == "Bilinear" else None)

    def masking(self, types: Mapping[str, PortType]) -> str:
        """Padded sequences: padded keys are never attended (the key mask, with the causal one)."""
        return "masked"

    def padded_outputs(self, types: Mapping[str, PortType]) -> dict[str, tuple[str, int]]:
        return {} if self._plan(types).vector else {"Output": ("Query", 0)}

    def emit(self, ctx: EmitContext) -> str:
        plan = self._plan(ctx.types)
        key, value, query = ctx.args
        if self.scoring == "Bilinear":
            query = f"F.linear({query}, {ctx.module}.Weights)"
        if plan.vector:
            query = f"{query}.unsqueeze(-2)"
        if plan.heads:
            key, value = f"{key}.transpose(1, 2)", f"{value}.transpose(1, 2)"
            query = query if plan.vector else f"{query}.transpose(1, 2)"
        extra = (", is_causal=True" if plan.causal else "") + ("" if plan.scale is None else f", scale={plan.scale!r}")
        if plan.dropout:
            extra += f", dropout_p={plan.dropout!r} if {ctx.module}.training else 0.0"
        call = f"F.scaled_dot_product_attention({query}, {key}, {value}{extra})"
        if plan.vector:
            return f"{call}.squeeze(-2)"
        return f"{call}.transpose(1, 2)" if plan.heads else call
