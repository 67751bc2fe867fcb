"""Restricted index ports (Wolfram's Restricted["Integer", n], counted from 0 here): declared in Python and YAML, an
EmbeddingLayer's n inferred from them, values outside the range a DataError at the call and in training, the range
shown by check and the diagram, and exported to ONNX as a plain int64 input."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch

from netgraph import (DataError, EmbeddingLayer, ExtractLayer, LinearLayer, NetChain, NetGraph, OptionError,
                      PartLayer, Restricted, ShapeError, SpecError, export_onnx, net_initialize, net_train)
from netgraph.cli.run import index_range
from netgraph.core.summary import one_line
from tests.onnx_helpers import run_onnx


def _net(port=Restricted("Integer", 10)):
    return net_initialize(NetGraph({"emb": EmbeddingLayer(4)}, [], Input=port), seed=0)


def test_a_count_and_a_span_give_the_range_and_an_integer_port():
    assert Restricted("Integer", 10).range == (0, 9) and Restricted("Integer", [2, 5]).range == (2, 5)
    net = _net(Restricted("Integer", (2, 5), shape=("n",)))
    assert net.port_types["Input"].dtype == "Integer" and net.input_shapes == {"Input": ("n",)}
    assert net.layers["emb"].count == 6  # n from the range: indices up to 5
    assert _net().layers["emb"].count == 10


@pytest.mark.parametrize("args, option", [
    (("Integer", 0), "range"), (("Integer", (5, 2)), "range"), (("Integer", 2.5), "range"), (("Real", 3), "dtype"),
    (("Integer", True), "range"), (("Integer", 2**70), "range"), (("Integer", (-2**70, 5)), "range")])
def test_bad_options_are_option_errors_naming_the_option(args, option):
    with pytest.raises(OptionError, match=rf"Restricted option {option}=") as info:
        Restricted(*args)
    assert info.value.diagnostics[0].option == option


def test_values_outside_the_range_are_a_data_error_naming_port_range_and_value():
    net = _net()
    torch.testing.assert_close(net(torch.tensor([0, 9])), net.layers["emb"].arrays["Weights"][[0, 9]])
    for bad, shown, example in ((torch.tensor([1, 12]), 12, None), ([3, -1], -1, 1), (np.array([10]), 10, None),
                                (11, 11, None)):
        where = "" if example is None else f"example {example}: "
        with pytest.raises(DataError, match=rf"input port 'Input' \(Restricted\('Integer', 0\.\.9\)\): {where}index "
                                            rf"{shown} is outside the port's range 0\.\.9") as info:
            net(bad)
        error = info.value
        fields = (error.kind, error.port, error.expected, error.found, error.diagnostics[0].example)
        assert fields == ("encoding", "Input", "0..9", shown, example)


def test_a_ragged_batch_is_checked_sequence_by_sequence():
    net = _net(Restricted("Integer", 5, shape=("n",)))
    assert [o.shape for o in net([torch.tensor([0, 4]), torch.tensor([1, 2, 3])])] == [(2, 4), (3, 4)]
    with pytest.raises(DataError, match="index 5 is outside the port's range 0..4"):
        net([torch.tensor([0, 4]), torch.tensor([1, 5, 3])])


def test_training_data_outside_the_range_is_refused_naming_the_port_and_value():
    net = NetChain([EmbeddingLayer(3), LinearLayer(1), PartLayer(1)], input=Restricted("Integer", (0, 4)))
    y = torch.zeros(5)
    net_train(net, {"Input": torch.arange(5), "Output": y}, max_training_rounds=1, progress=None)
    for inputs, example in ((torch.tensor([0, 1, 7, 3, 4]), None), ([0, 1, 7, 3, 4], 2), (["a", 1, 7, 3, 4], 2),
                            ([None, 1, 7, 3, 4], 2)):  # (review-a: the range check stopped at the label, another kind)
        where = "" if example is None else f"example {example}: "
        with pytest.raises(DataError, match=rf"training data: input port 'Input' \(Restricted\('Integer', 0..4\)\): "
                                            rf"{where}index 7 is outside the port's range 0..4") as info:
            net_train(net, {"Input": inputs, "Output": y}, max_training_rounds=1, progress=None)
        error = info.value
        fields = (error.kind, error.port, error.expected, error.found, error.diagnostics[0].example)
        assert fields == ("encoding", "Input", "0..4", 7, example)  # as net(x) gives them (encoded-form, None before)


def test_text_at_a_restricted_port_says_it_takes_indices_not_to_attach_an_encoder():
    with pytest.raises(DataError, match=r"input port 'Input' \(Restricted\('Integer', 0..9\)\) takes integer indices "
                                        r"in its range 0..9, but it was given str '3'") as info:
        _net()("3")
    assert "attach" not in str(info.value)
    net = NetChain([EmbeddingLayer(3), LinearLayer(1), PartLayer(1)], input=Restricted("Integer", (0, 4)))
    with pytest.raises(DataError, match="example 0: takes integer indices in its range 0..4, found str"):
        net_train(net, {"Input": ["a", "b"], "Output": [0.0, 1.0]}, max_training_rounds=1, progress=None)


def test_an_embedding_smaller_than_the_range_is_refused():
    with pytest.raises(ShapeError, match=r"takes indices in its range 0..19, but layer 'emb' \(EmbeddingLayer\) "
                                         r"takes n=10"):
        NetGraph({"emb": EmbeddingLayer(4, n=10)}, [], Input=Restricted("Integer", 20))


def test_a_range_no_n_can_take_suggests_narrowing_it_not_an_impossible_n():
    """Found by QA: it said 'give it n=9223372036854775808', beyond int64 (n is below 2**63)."""
    with pytest.raises(ShapeError) as info:
        NetGraph({"emb": EmbeddingLayer(4, n=10)}, [], Input=Restricted("Integer", (0, 2**63 - 1)))
    assert str(info.value).endswith("takes n=10 (indices 0 to 9); narrow the range to within 0..9 (no n takes index "
                                    "9223372036854775807: n is below 2**63)")
    (problem,) = info.value.diagnostics
    assert (problem.kind, problem.port, problem.option, problem.found) == ("encoder-range", "Input", "range",
                                                                           (0, 2**63 - 1))


_NO_N = ("graph input 'Input' takes indices in its range 0..9223372036854775807, but layer {} (EmbeddingLayer) takes "
         "its n from the range (n = hi + 1); narrow the range (no n takes index 9223372036854775807: n is below 2**63)")


@pytest.mark.parametrize("layers, where", [({"emb": EmbeddingLayer(4)}, "'emb'"),
                                           ({"box": NetChain({"emb": EmbeddingLayer(4)})}, "'box/emb'")])
def test_a_range_no_n_can_take_is_refused_where_the_embedding_takes_its_n_from_it(layers, where):
    """Found by QA: built with n=2**63 (beyond int64, no error)."""
    with pytest.raises(ShapeError) as info:
        NetGraph(layers, [], Input=Restricted("Integer", (0, 2**63 - 1)))
    (problem,) = info.value.diagnostics
    assert problem.message == _NO_N.format(where)
    assert (problem.kind, problem.port, problem.option, problem.found) == ("encoder-range", "Input", "range",
                                                                           (0, 2**63 - 1))


def test_a_range_no_n_can_take_is_told_at_the_range_in_a_spec():
    """Found by QA: built with n=2**63, or told 'too large' at the layer (port_elements limit)."""
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml("netgraph: 1\nlayers:\n  e: {type: EmbeddingLayer, output: 2}\ninputs:\n"
                           "  Input: {shape: [], dtype: Integer, range: [0, 9223372036854775807]}\n"
                           "edges: [Input -> e]\n")
    (problem,) = info.value.diagnostics
    assert (problem.line, problem.column, problem.kind) == (5, 45, "encoder-range")
    assert problem.message == _NO_N.format("'e'")


def test_a_range_an_embedding_refuses_is_told_at_the_range_in_a_spec():
    """Found by QA: told at the layer (3:3), as 'the Restricted gives ...'."""
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml("netgraph: 1\nlayers:\n  e: {type: EmbeddingLayer, output: 2, n: 10}\ninputs:\n"
                           "  Input: {shape: [], dtype: Integer, range: [0, 30]}\nedges: [Input -> e]\n")
    (problem,) = info.value.diagnostics
    assert (problem.line, problem.column, problem.kind, problem.layer) == (5, 45, "encoder-range", ("e",))
    assert problem.message == ("graph input 'Input' takes indices in its range 0..30, but layer 'e' (EmbeddingLayer) "
                               "takes n=10 (indices 0 to 9); give it n=31, or narrow the range to within 0..9")


@pytest.mark.parametrize("declared, place", [("input: {shape: [], range: [0, 30]}", (5, 27)),
                                             ("input:\n  shape: []\n  range: [0, 30]", (7, 10))])
def test_a_range_an_embedding_refuses_is_told_at_the_range_in_a_chain_spec(declared, place):
    """A NetChain's input: range was told at the input: mapping (5:8), not at its range: value as a graph's is."""
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(f"netgraph: 1\ntype: NetChain\nlayers:\n  - {{type: EmbeddingLayer, output: 2, n: 10}}\n"
                           f"{declared}\n")
    (problem,) = info.value.diagnostics
    assert ((problem.line, problem.column), problem.kind) == (place, "encoder-range")
    assert "graph input 'Input' takes indices in its range 0..30" in problem.message


@pytest.mark.parametrize("n", [None, 10])
def test_a_negative_range_into_an_embedding_is_refused_at_construction(n):
    with pytest.raises(ShapeError, match=r"graph input 'Input' takes indices in its range -3..5, but layer 'emb' "
                                         r"\(EmbeddingLayer\) takes indices from 0.* \(no negative ones\)") as info:
        NetGraph({"emb": EmbeddingLayer(4, n=n)}, [], Input=Restricted("Integer", (-3, 5)))
    assert (info.value.diagnostics[0].layer, info.value.diagnostics[0].port) == (("emb",), "Input")


def test_a_range_into_an_extract_position_must_be_1_based_positions():
    def graph(span):
        return NetGraph({"box": NetChain({"ex": ExtractLayer()})}, [], Input=4,
                        Position=Restricted("Integer", span, shape=(1,)))
    with pytest.raises(ShapeError, match=r"graph input 'Position' takes indices in its range 0..3, but layer "
                                         r"'box/ex' \(ExtractLayer\) port 'Position' takes 1-based positions 1 to 4 "
                                         r"\(or -4 to -1 from the end\)") as info:
        graph(4)
    assert info.value.diagnostics[0].layer == ("box", "ex")
    for bad in ((1, 5), (-5, -1), (-1, 1)):
        with pytest.raises(ShapeError, match="takes 1-based positions 1 to 4"):
            graph(bad)
    x = torch.tensor([[10.0, 20.0, 30.0, 40.0]])
    for span, position, value in (((1, 4), 1, 10.0), ((-4, -1), -1, 40.0)):
        assert graph(span)({"Input": x, "Position": torch.tensor([[position]])}).tolist() == [value]
    assert index_range(graph((2, 3)), "Position") == (2, 3)


def test_yaml_round_trip_check_line_and_diagram_show_the_range():
    net = _net(Restricted("Integer", (1, 9)))
    text = net.to_yaml()
    assert "range: [1, 9]" in text and NetGraph.from_yaml(text).coders == net.coders
    assert one_line(net).startswith("inputs Input () Integer 1..9 -> outputs Output (4)")
    assert "index (range: 1..9)" in net.to_dot()


def test_onnx_export_is_a_plain_int64_input(tmp_path):
    net = _net()
    path = export_onnx(net, tmp_path / "r.onnx")
    (graph_input,) = onnx.load(path).graph.input
    assert graph_input.type.tensor_type.elem_type == onnx.TensorProto.INT64
    out = run_onnx(path, {"Input": torch.tensor([3, 9])})[0]
    torch.testing.assert_close(torch.from_numpy(np.asarray(out)), net(torch.tensor([3, 9])))
