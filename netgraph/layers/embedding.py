"""EmbeddingLayer: integer indices -> learned vectors (Wolfram's EmbeddingLayer[size, n]).

``Input`` holds integer indices (dtype Integer, any shape, e.g. a sequence ``("n",)``) **counted
from 0** (torch's convention; Wolfram counts from 1); ``Output`` has the input's shape plus one
last dimension of ``output`` = size. Array: ``Weights`` (n, size), initialised N(0, 1) like torch.

>>> EmbeddingLayer(8, 100, input=["n"]).declared_types()["Output"]
PortType(shape=('n', 8), dtype='Real')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Optional

import torch
import torch.nn.functional as F
from torch import nn

from netgraph.layers._shapes import fill, is_int, ranged_int
from netgraph.layers.index_checks import check_indices
from netgraph.core.option_ranges import Within
from netgraph.core.layer import EmitContext, Layer
from netgraph.core.options import Array, Shape
from netgraph.core.errors import OptionError, ShapeError
from netgraph.core.option_problems import ARGUMENT_KIND, missing_option, none_given, option_problem
from netgraph.core.types import INTEGER, REAL, PortType, format_shape
from netgraph.layers._modules import LayerModule

__all__ = ["EmbeddingLayer"]


_NO_COUNT = ("EmbeddingLayer needs n= (the number of distinct indices): give EmbeddingLayer(size, n), or feed its Input "
             "from a graph input with a ClassEncoder or TokensEncoder, which gives n")
_TORCH_ORDER = (" (EmbeddingLayer(size, n) takes n indices: torch's Embedding(num_embeddings, embedding_dim) is "
                "EmbeddingLayer(embedding_dim, num_embeddings) here)")


class EmbeddingModule(LayerModule):
    def __init__(self, weights: torch.Tensor):
        super().__init__()
        self.Weights = nn.Parameter(weights.clone())
        self.layer_label = "EmbeddingLayer"  # the compiler names the layer: "layer 'emb' (EmbeddingLayer)"
        self.layer_path: tuple[str, ...] | None = None  # and tells its path, for its errors' Diagnostic.layer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        where = f"{self.layer_label} port 'Input'"
        x = check_indices(x, self.Weights.shape[0], where, _TORCH_ORDER, layer=self.layer_path, port="Input")
        return F.embedding(x, self.Weights)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class EmbeddingLayer(Layer):
    """``EmbeddingLayer(size, n)`` embeds indices 0..n-1 as vectors of length ``size``.

    >>> import torch
    >>> from netgraph import net_initialize
    >>> layer = net_initialize(EmbeddingLayer(4, 10), seed=0)
    >>> layer.arrays["Weights"].shape, layer(torch.tensor([[1, 7, 7]])).shape
    (torch.Size([10, 4]), torch.Size([1, 3, 4]))
    """

    output: Optional[int] = None
    n: Optional[int] = None
    input: Shape = None
    weights: Array = None
    ARRAYS = {"Weights": "weights"}
    NEEDS_ONE_OF = (("output", "weights"),)  # the embedding size, given or from the weights
    RANGES = {"output": Within(1), "n": Within(1, 2**63 - 1)}  # n indices 0..n - 1, int64 ones
    POSITIONAL = "output"
    CHECKS_INDICES = True  # its errors name the bad index's example (and element in a map or fold): check_indices
    POSITIONALS = ("output", "n")
    input_ports = ("Input",)

    def validate(self) -> None:
        w = self.weights
        if w is not None and w.dim() != 2:
            w = option_problem(OptionError(f"EmbeddingLayer weights= must be a matrix (n, size), found "
                                           f"{format_shape(tuple(w.shape))}", option="weights", expected="a matrix",
                                           found=tuple(w.shape)), None)
            if self.output is None or self.n is None:
                return  # the sizes the weights would give are not known
        good = True  # every size given is a positive integer: only then compared with the weights
        for option, value in (("output", self.output), ("n", self.n)):
            if option == "output" and none_given(self, *self.NEEDS_ONE_OF):  # n: from an encoder or at init
                missing_option("EmbeddingLayer needs output= (the embedding size): EmbeddingLayer(size, n)", option)
            elif value is not None:
                good &= is_int(value) and ranged_int(self, option) == value
        for option, value, axis in (("output", self.output, 1), ("n", self.n, 0)) if good and w is not None else ():
            if value is not None and w.shape[axis] != value:
                raise OptionError(f"EmbeddingLayer: weights= has shape {format_shape(tuple(w.shape))} but "
                                  f"{option}= is {value}", option=option,
                                  expected=value, found=int(w.shape[axis]))

    @property
    def size(self) -> int:
        return self.output if self.output is not None else int(self.weights.shape[1])

    @property
    def count(self) -> int | None:
        """n, the number of distinct indices (None while neither n= nor weights= gives it)."""
        return self.n if self.n is not None else None if self.weights is None else int(self.weights.shape[0])

    ENCODER_KEEPS_TYPES = True  # with_encoder sets n alone, which infer never reads (Layer.ENCODER_KEEPS_TYPES)

    def with_encoder(self, port: str, encoder: Any) -> EmbeddingLayer:
        """Without n, the one the encoder feeding its Input gives (Wolfram's EmbeddingLayer[size] takes n from a
        NetEncoder["Class"]), else itself; never an n of 2**63 or more (a range up to 2**63 - 1: indices are int64),
        which the graph refuses (``check_decoders``)."""
        count = encoder.index_count
        return self.replace(n=count) if self.count is None and count and count < 2**63 else self

    def declared_types(self) -> dict[str, PortType]:
        out = None if self.input is None else (*self.input, self.size)
        return {"Input": PortType(self.input, INTEGER), "Output": PortType(out, REAL)}

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        types = dict(types)
        x, y = types["Input"].shape, types["Output"].shape
        if x is not None:
            fill(types, "Output", (*x, self.size))
        elif y is not None:
            if len(y) == 0:
                fill(types, "Output", (self.size,))
            fill(types, "Input", y[:-1])
            fill(types, "Output", (*y[:-1], self.size))
        return types

    def array_shapes(self, types: Mapping[str, PortType]) -> dict[str, tuple]:
        if self.count is None:
            raise ShapeError(_NO_COUNT, kind=ARGUMENT_KIND, option="n")
        return {"Weights": (self.count, self.size)}

    def init_array(self, name: str, shape: tuple, generator: torch.Generator) -> torch.Tensor:
        return torch.randn(shape, generator=generator)

    def masking(self, types: Mapping[str, PortType]) -> str:
        return "pointwise"  # each sequence element alone (padded sequences keep their lengths)

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return EmbeddingModule(self.weights)

    def emit(self, ctx: EmitContext) -> str:
        return f"{ctx.module}({ctx.args[0]})"  # the module checks the index range
