"""Round trips of sequences through an ONNX recurrence's layout glue and a reversal: torch's exporter joins a
transpose before a recurrence with the glue's Transpose [1, 0, 2] (one Transpose [2, 0, 1]); a SequenceReverse's
ONNX form (a Slice of step -1) keeps the sizes a Reshape after it needs."""

from __future__ import annotations

import onnx
import pytest

from netgraph import (BasicRecurrentLayer, ConvolutionLayer, FlattenLayer, GatedRecurrentLayer,
                      LongShortTermMemoryLayer, NetChain, PoolingLayer, ReshapeLayer, SequenceReverseLayer,
                      TransposeLayer, export_onnx, net_initialize)
from tests.onnx_helpers import round_trip

RECURRENCES = {"gru": GatedRecurrentLayer, "rnn": BasicRecurrentLayer, "lstm": LongShortTermMemoryLayer}


def _transposes(net, tmp_path) -> list[list[int]]:
    model = onnx.load(export_onnx(net_initialize(net, seed=0), tmp_path / "perms.onnx"))
    return [list(a.ints) for n in model.graph.node if n.op_type == "Transpose" for a in n.attribute]


@pytest.mark.parametrize("kind", sorted(RECURRENCES))
def test_a_transpose_joined_with_a_recurrences_glue_imports(kind, tmp_path):
    net = NetChain([TransposeLayer(), RECURRENCES[kind](2)], input=(3, 4))
    assert [2, 0, 1] in _transposes(net, tmp_path)  # the joined form this test is about
    back = round_trip(net, tmp_path)
    assert back.port_types["Output"].shape == (4, 2)  # 4 steps of the transposed (4, 3) sequence


@pytest.mark.parametrize("kind", sorted(RECURRENCES))
@pytest.mark.parametrize("middle", ["convolution", "pooling"])
@pytest.mark.parametrize("length", ["n", 6])
def test_a_transposed_sequence_between_layers_feeds_a_recurrence(kind, middle, length, tmp_path):
    spatial = ConvolutionLayer(2, 1) if middle == "convolution" else PoolingLayer(1)
    net = NetChain([TransposeLayer(), spatial, TransposeLayer(), RECURRENCES[kind](2)], input=(length, 4))
    assert [2, 0, 1] in _transposes(net, tmp_path)
    round_trip(net, tmp_path)
    if length == "n":  # the imported net keeps the variable length: another one computes as the original too
        round_trip(net, tmp_path, length=9)


@pytest.mark.parametrize("after", ["flatten", "reshape"])
def test_a_reshape_after_a_reversal_of_a_variable_length_imports(after, tmp_path):
    reshape = FlattenLayer(-1) if after == "flatten" else ReshapeLayer(["Inherited", 1, 3])
    net = NetChain([SequenceReverseLayer(), reshape], input=("n", 1, 3))
    back = round_trip(net, tmp_path)
    assert back.port_types["Input"].shape == ("n", 1, 3)
    round_trip(net, tmp_path, length=7)  # the length stays variable through the reversal
