"""A layer taken out of a net (``net_extract``, ``net[name]``) keeps the port shapes it had there, also when no
option of its own declares them (a ThreadingLayer's inputs, an operator's ports): as Wolfram's NetExtract, the
layer alone shows them and runs with them, while its value (equality, hash, options) is the layer's own."""

from __future__ import annotations

import pickle

import pytest
import torch

from netgraph import (AggregationLayer, CatenateLayer, DataError, DotLayer, FlattenLayer, LinearLayer, NetChain,
                      NetGraph, NetMapOperator, NetPort, NormalDistribution, PaddingLayer, PartLayer, RandomArrayLayer,
                      ReplicateLayer, ReshapeLayer, SequenceLastLayer, SequenceMostLayer, SequenceRestLayer,
                      SequenceReverseLayer, SummationLayer, ThreadingLayer, TotalLayer, TransposeLayer, net_extract,
                      net_initialize, net_replace_part)


def _net() -> NetGraph:
    layers = {
        "thr": ThreadingLayer("Plus"), "cat": CatenateLayer(), "tot": TotalLayer(), "dot": DotLayer(),
        "agg": AggregationLayer(), "flat": FlattenLayer(), "resh": ReshapeLayer((3, 2)), "tr": TransposeLayer(),
        "part": PartLayer(1), "pad": PaddingLayer([[1, 1], [0, 0]]), "rep": ReplicateLayer(2),
        "sum": SummationLayer(), "last": SequenceLastLayer(), "most": SequenceMostLayer(),
        "rest": SequenceRestLayer(), "rev": SequenceReverseLayer(),
        "rand": RandomArrayLayer(NormalDistribution("#mu", 1)),
        "map": NetMapOperator(NetChain([LinearLayer(2), "Tanh"])),
    }
    x = NetPort("x")
    edges = [([x, x], "thr"), ([x, x], "cat"), ([x, x], "tot"), ([x, NetPort("v")], "dot"), (x, NetPort("rand", "mu"))]
    edges += [(x, n) for n in ("agg", "flat", "resh", "tr", "part", "pad", "rep", "sum", "map")]
    edges += [(NetPort("s"), n) for n in ("last", "most", "rest", "rev")]
    return NetGraph(layers, edges, x=(2, 3), v=3, s=("n", 3))


NET = _net()


def _inputs(types):
    return {p: t.shape for p, t in types.items() if p in ("Input", "Input1", "Input2", "mu")}


@pytest.mark.parametrize("name", list(NET.layers))
def test_an_extracted_layer_alone_has_the_input_shapes_it_had_in_the_net(name):
    layer, there = NET[name], NET.layer_types(name)
    assert _inputs(NetGraph(layer).port_types) == _inputs(there)
    assert layer.information("InputPorts") == _inputs(there)
    assert layer.information("OutputPorts") == {"Output": there["Output"].shape} or name in ("most", "rest")


@pytest.mark.parametrize("name", list(NET.layers))
def test_its_value_is_the_layers_own(name):
    layer, original = NET[name], NET.layers[name]
    assert net_extract(NET, name) == layer == original and hash(layer) == hash(original)
    assert repr(layer) == repr(original) or name == "map"  # an operator shows its inner net as it runs there
    assert layer.options().keys() == original.options().keys()


def test_its_information_differs_from_the_layers_alone_as_its_ports_do():
    cat = NET["cat"]
    assert cat.information() != NET.layers["cat"].information() and cat.information() == NET["cat"].information()


def test_an_extracted_operator_initialises_and_runs_alone():
    mapped = net_initialize(NET["map"], seed=0)
    assert NetGraph(mapped).input_shapes == {"Input": (2, 3)}  # initialising keeps the shapes
    x = torch.randn(4, 2, 3)
    lin = mapped.net.layers["1"]
    torch.testing.assert_close(mapped(x), torch.tanh(x @ lin.arrays["Weights"].T + lin.arrays["Biases"]))


def test_the_shapes_survive_copies_but_not_edits():
    cat = NET["cat"]
    assert NetGraph(pickle.loads(pickle.dumps(cat))).input_shapes == {"Input1": (2, 3), "Input2": (2, 3)}
    assert NetGraph(cat.replace(level=2)).input_shapes == {"Input1": None, "Input2": None}  # a new layer: its own


def test_a_net_it_is_placed_in_infers_its_own_shapes():
    cat = NET["cat"]
    other = NetGraph({"c": cat}, [], Input1=(5, 3), Input2=(1, 3))
    assert other.output_shapes == {"Output": (6, 3)}
    declared = NetGraph(cat, Input1=(5, 3)).input_shapes  # the ports declared say what they are, not the old ones
    assert declared == NetGraph(CatenateLayer(inputs=2), Input1=(5, 3)).input_shapes and declared["Input2"] != (2, 3)


def test_an_extracted_layer_runs_on_the_data_it_took_there_and_names_its_shape_for_other_data():
    thr = NET["thr"]
    a = torch.randn(2, 2, 3)
    torch.testing.assert_close(thr(Input1=a, Input2=a), a + a)
    with pytest.raises(DataError, match=r"expected one example of shape \(2, 3\)"):
        thr(Input1=torch.randn(5, 4), Input2=torch.randn(5, 4))
    assert ThreadingLayer("Plus", inputs=2)(Input1=torch.randn(5, 4), Input2=torch.randn(5, 4)).shape == (5, 4)


def test_each_access_gives_the_same_object_until_the_net_holds_another_layer():
    """net["t"] built a new layer object at every access; now one, not pickled with the net, and a net made from it
    by replacing the layer, or with other input shapes, gives its own."""
    net = NetGraph({"lin": LinearLayer(3), "t": ThreadingLayer("Plus", inputs=1)}, [("lin", "t")], Input=2)
    first = net["t"]
    assert net["t"] is first and net_extract(net, "t") is first and net["lin"] is net["lin"]
    assert "_extracted" not in pickle.loads(pickle.dumps(net)).__dict__
    renewed = net_replace_part(net, {"t": ThreadingLayer("Times", inputs=1)})
    assert renewed["t"].function == "Times" and net["t"] is first
    wider = NetGraph({"lin": LinearLayer(5), "t": net.layers["t"]}, [("lin", "t")], Input=2)
    assert NetGraph(wider["t"]).input_shapes == {"Input1": (5,)} and NetGraph(first).input_shapes == {"Input1": (3,)}
