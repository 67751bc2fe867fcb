"""SequenceIndicesLayer (Wolfram's): each element's position in its sequence, counted from 0 as netgraph's indices
are, so that an EmbeddingLayer turns positions into learned positional embeddings for sequences of any length."""

from __future__ import annotations

import pytest
import torch

from netgraph import (EmbeddingLayer, NetChain, NetGraph, NetPort, OptionError, SequenceIndicesLayer, ShapeError,
                      export_onnx, net_initialize)
from netgraph.backend.masks import plan


def test_positions_count_from_zero_and_n_clips_them_for_an_embedding_of_n():
    net = NetChain([SequenceIndicesLayer()], input=("n", 3))
    assert net.port_types["Output"].shape == ("n",) and net.port_types["Output"].dtype == "Integer"
    out = net(torch.randn(2, 5, 3))
    assert out.dtype == torch.int64 and out.tolist() == [[0, 1, 2, 3, 4]] * 2
    clipped = NetChain([SequenceIndicesLayer(3)], input=[6])
    assert clipped(torch.zeros(1, 6, dtype=torch.long)).tolist() == [[0, 1, 2, 2, 2, 2]]
    assert clipped.compile()(torch.zeros(1, 6, dtype=torch.long)).tolist() == [[0, 1, 2, 2, 2, 2]]


def test_bad_options_and_a_scalar_input_are_refused():
    with pytest.raises(OptionError, match="n= must be a positive integer, found 0"):
        SequenceIndicesLayer(0)
    # Found by qa-layers11: an n past int64 was torch's OverflowError "int too big to convert" at net(x) time
    with pytest.raises(OptionError, match="n= must be an integer from 1 to 9223372036854775807, found 10{30}") as info:
        SequenceIndicesLayer(10 ** 30)
    assert (info.value.diagnostics[0].option, info.value.diagnostics[0].found) == ("n", 10 ** 30)
    with pytest.raises(OptionError, match="found 9223372036854775808"):
        SequenceIndicesLayer(2 ** 63)
    # Found by mends-b11: a cap at 10**15 refused 2**53 and sys.maxsize, which ran before (int64's range is the limit)
    for n in (2 ** 53, 2 ** 63 - 1):  # the largest n: no position clipped, in the net, compiled and read back
        widest = NetChain([SequenceIndicesLayer(n)], input=[3])
        assert NetChain.from_yaml(widest.to_yaml()) == widest
        for run in (widest, widest.compile()):
            assert run(torch.zeros(1, 3, dtype=torch.long)).tolist() == [[0, 1, 2]]
    with pytest.raises(ShapeError, match="must be a sequence"):
        NetChain([SequenceIndicesLayer()], input=())


def _positional_classifier():
    return net_initialize(NetGraph(
        {"tokens": EmbeddingLayer(4, 10), "positions": SequenceIndicesLayer(6), "where": EmbeddingLayer(4, 6),
         "add": "Plus"},
        [(NetPort("Input"), ["tokens", "positions"]), ("positions", "where"), (["tokens", "where"], "add")],
        Input=["n"]), seed=0)


def test_learned_positional_embeddings_of_ragged_sequences_run_padded_as_each_alone():
    net = _positional_classifier()
    assert plan(net, ("Input",)).outputs == {"Output": ("Input", 0)}
    xs = [torch.tensor([1, 2, 3]), torch.tensor([4, 5, 6, 7, 8, 9, 1, 2]), torch.tensor([7])]
    weights = net.layers["where"].arrays["Weights"]
    for got, x in zip(net(xs), xs):
        torch.testing.assert_close(got, net(x[None])[0])
        torch.testing.assert_close(got - net.layers["tokens"].arrays["Weights"][x], weights[torch.arange(len(x)).clamp(max=5)])


def test_yaml_round_trip_and_onnx_export_at_any_length(tmp_path):
    import onnxruntime
    net = _positional_classifier()
    again = NetGraph.from_yaml(net.to_yaml())
    assert again.layers["positions"] == SequenceIndicesLayer(6)
    export_onnx(net, tmp_path / "p.onnx")
    session = onnxruntime.InferenceSession(str(tmp_path / "p.onnx"))
    for length in (2, 9):
        x = torch.randint(0, 10, (3, length))
        torch.testing.assert_close(torch.from_numpy(session.run(None, {"Input": x.numpy()})[0]), net(x))


@pytest.mark.parametrize("n", [None, 6])
def test_onnx_import_reads_the_positions_back_as_the_layer(tmp_path, n):
    """torch's export of positions is Range(0, Shape(x)[1], 1) expanded to the batch (then Clip at n - 1): the import
    gave "Range: no layer for this op" and refused the Shape feeding it."""
    from netgraph import import_onnx
    net = _positional_classifier()
    if n is None:
        net = net.replace_layers({"positions": SequenceIndicesLayer(), "where": EmbeddingLayer(4, 20,
                                  weights=torch.randn(20, 4, generator=torch.Generator().manual_seed(1)))})
    back = import_onnx(export_onnx(net, tmp_path / "p.onnx"))
    assert SequenceIndicesLayer(n) in back.layers.values()
    for length in (3, 11):
        x = torch.randint(0, 10, (2, length))
        torch.testing.assert_close(back(x), net(x))
