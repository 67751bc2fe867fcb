"""Hypothesis strategies of random *valid* nets across layer families: vectors, Integer ports into embeddings,
"n" sequences, nested NetGraph/NetChain, operators; each with the inputs it runs on (``inputs_for``)."""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import strategies as st

from netgraph import (AggregationLayer, BasicRecurrentLayer, BatchNormalizationLayer, CatenateLayer, ConstantArrayLayer,
                      DropoutLayer, ElementwiseLayer, EmbeddingLayer, FlattenLayer, GatedRecurrentLayer,
                      LayerNormalizationLayer, LinearLayer, LongShortTermMemoryLayer, NetBidirectionalOperator,
                      NetChain, NetGraph, NetMapOperator, NetNestOperator, NetPort, NormalizationLayer,
                      ParametricRampLayer, ReplicateLayer, ReshapeLayer, SequenceLastLayer, SequenceMostLayer,
                      SequenceRestLayer, SequenceReverseLayer, SoftmaxLayer, SummationLayer, ThreadingLayer,
                      TotalLayer)

ACTIVATIONS = ["Tanh", "Ramp", "LogisticSigmoid", "Sin", "Softplus", "ELU", "SELU", "GELU", "Swish", "Abs", "Square"]
_SIZE = st.integers(1, 4)


def _branches(draw: Any, size: int, depth: int) -> tuple[Any, int]:
    """Two vector nets on one input joined by a TotalLayer (same sizes) or a CatenateLayer."""
    (a, size_a), (b, size_b) = _vector_layer(draw, size, depth + 1), _vector_layer(draw, size, depth + 1)
    if size_a == size_b and draw(st.booleans()):
        return NetGraph({"a": a, "b": b, "t": TotalLayer()}, [("a", "t"), ("b", "t")]), size_a
    return NetGraph({"a": a, "b": b, "c": CatenateLayer()}, [("a", "c"), ("b", "c")]), size_a + size_b


def _squared(draw: Any, _size: int) -> tuple[Any, int]:
    out = draw(_SIZE)
    function = draw(st.sampled_from(["Times", "Plus", "Subtract", "Max"]))
    return NetGraph({"l": LinearLayer(out), "m": ThreadingLayer(function)},
                    [(NetPort("Input"), "l"), ("l", NetPort("m", "Input1")), ("l", NetPort("m", "Input2"))]), out


def _plus_constant(draw: Any, size: int) -> tuple[Any, int]:
    constant = torch.tensor(draw(st.lists(st.floats(-2, 2, width=32), min_size=size, max_size=size)))
    return NetGraph({"c": ConstantArrayLayer(constant), "p": ThreadingLayer("Plus")},
                    [(NetPort("Input"), NetPort("p", "Input1")), ("c", NetPort("p", "Input2"))]), size


_SAME_SIZE = [lambda d: ElementwiseLayer(d(st.sampled_from(ACTIVATIONS))), lambda d: SoftmaxLayer(),
              lambda d: DropoutLayer(d(st.sampled_from([0.0, 0.3]))), lambda d: BatchNormalizationLayer(),
              lambda d: LayerNormalizationLayer(), lambda d: ParametricRampLayer(),
              lambda d: NormalizationLayer(aggregation_levels=1),
              lambda d: NetChain([ReplicateLayer(2), AggregationLayer(d(st.sampled_from(["Max", "Mean", "Min"])), 1)])]


def _vector_layer(draw: Any, size: int, depth: int) -> tuple[Any, int]:
    """A layer (or nested net) taking a vector of ``size``, and its output size."""
    kinds = ["same", "linear"] + (["chain", "branches", "squared", "constant", "nest", "sum", "reshape"]
                                  if depth < 2 else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "same":
        return draw(st.sampled_from(_SAME_SIZE))(draw), size
    if kind == "linear":
        out = draw(_SIZE)
        return LinearLayer(out, biases=False) if draw(st.booleans()) else LinearLayer(out), out
    if kind == "chain":
        layers, out = vector_chain(draw, size, depth + 1)
        return NetChain(layers), out
    if kind == "branches":
        return _branches(draw, size, depth)
    if kind == "squared":
        return _squared(draw, size)
    if kind == "constant":
        return _plus_constant(draw, size)
    if kind == "nest":
        return NetNestOperator(LinearLayer(size), draw(st.integers(1, 3))), size
    if kind == "sum":
        return NetChain([SummationLayer(), ReshapeLayer([1])]), 1
    return NetChain([ReshapeLayer([1, size]), FlattenLayer()]), size


def vector_chain(draw: Any, size: int, depth: int = 0) -> tuple[list, int]:
    """1-3 layers in a row from a vector of ``size``, and the last one's output size."""
    layers = []
    for _ in range(draw(st.integers(1, 3))):
        layer, size = _vector_layer(draw, size, depth)
        layers.append(layer)
    return layers, size


_SEQUENCE_TAILS = [lambda: [LongShortTermMemoryLayer(3), SequenceLastLayer()], lambda: [GatedRecurrentLayer(2)],
                   lambda: [NetMapOperator(LinearLayer(3))], lambda: [BasicRecurrentLayer(2), SequenceLastLayer()],
                   lambda: [AggregationLayer("Max", 1)], lambda: [NetBidirectionalOperator(GatedRecurrentLayer(2))],
                   lambda: [SequenceReverseLayer(), SequenceMostLayer()],
                   lambda: [SequenceRestLayer(), SequenceLastLayer()], lambda: [SummationLayer()],
                   lambda: [AggregationLayer("Total", 1), ParametricRampLayer()]]


@st.composite
def valid_nets(draw: Any) -> Any:
    """A random valid, uninitialised net: a vector chain, tokens into an embedding and a sequence layer, a map over
    an "n" sequence of vectors, or a graph of a Real and an Integer input."""
    kind = draw(st.sampled_from(["vector", "tokens", "map", "two inputs"]))
    size = draw(_SIZE)
    if kind == "vector":
        return NetChain(vector_chain(draw, size)[0], input=size)
    if kind == "tokens":
        vocabulary = draw(st.integers(2, 6))
        return NetChain([EmbeddingLayer(size, vocabulary), *draw(st.sampled_from(_SEQUENCE_TAILS))()], input=["n"])
    if kind == "map":
        last = draw(st.sampled_from([SequenceLastLayer(), SummationLayer(), AggregationLayer("Mean", 1)]))
        return NetChain([NetMapOperator(NetChain(vector_chain(draw, size, 1)[0])), last], input=("n", size))
    layers, out = vector_chain(draw, size, 1)
    return NetGraph({"emb": EmbeddingLayer(out, draw(st.integers(2, 5))), "f": NetChain(layers),
                     "cat": CatenateLayer(), "out": LinearLayer(2)},
                    [(NetPort("x"), "f"), (NetPort("i"), "emb"), ("f", "cat"), ("emb", "cat"), ("cat", "out")],
                    x=size, i="Integer")


#: Real inputs take these exactly, now and then: 0 (where Ramp-like layers' two branches meet), negatives, over 1
SPECIAL_REALS = (0.0, -0.5, 1.5)


def inputs_for(net: Any, batch: int, length: int, seed: int, dtype: torch.dtype = torch.float32) -> dict:
    """Inputs for every port of ``net``: Real ones uniform in (-1.5, 1.5) or, a third of them, exactly one of
    ``SPECIAL_REALS``; Integer ones 0 or 1; "n" of ``length``; for an even ``seed``, the first example all 0 (zeros
    that reach layers deep in a net, through zero biases and odd functions, to their kinks). Every generated layer
    takes any real (no log, no square root: were one added, its family would need its own domain here)."""
    generator, inputs = torch.Generator().manual_seed(seed), {}
    for port in net.input_ports:
        kind = net.port_types[port]
        shape = (batch, *(length if d == "n" else d for d in kind.shape))
        if kind.dtype == "Integer":
            inputs[port] = torch.randint(0, 2, shape, generator=generator)
        else:
            uniform = 3 * torch.rand(shape, generator=generator, dtype=torch.float64) - 1.5
            special = torch.tensor(SPECIAL_REALS, dtype=torch.float64)[
                torch.randint(len(SPECIAL_REALS), shape, generator=generator)]
            inputs[port] = torch.where(torch.rand(shape, generator=generator) < 1 / 3, special, uniform).to(dtype)
            if seed % 2 == 0:
                inputs[port][0] = 0
    return inputs
