"""layer.information(): Wolfram's Information[layer, prop], read as a net of that layer alone gives it."""

import pytest
import torch

from netgraph import (ElementwiseLayer, LinearLayer, NetChain, NetGraph, NetMapOperator, OptionError, net_extract,
                      net_initialize)
from netgraph.core.layer_information import LAYER_PROPERTIES


@pytest.fixture
def trained():
    return net_initialize(NetChain({"lin": LinearLayer(3), "act": "Tanh"}, input=4), seed=0)


def test_a_layer_reads_its_own_arrays_by_name(trained):
    layer = trained.layers["lin"]
    info = layer.information()
    assert torch.equal(info["Arrays"]["Weights"], net_extract(trained, ("lin", "Weights")))
    assert info["ArraysDimensions"] == {"Weights": (3, 4), "Biases": (3,)}
    assert info["ArraysPositionList"] == ["Weights", "Biases"] and info["UninitializedArrays"] == []
    assert info["ArraysTotalElementCount"] == 15 and info["ArraysTotalByteCount"] == 60
    assert (info["InputPorts"], info["OutputPorts"]) == ({"Input": (4,)}, {"Output": (3,)})
    assert layer.information("ArraysCount") == 2
    assert str(info).splitlines()[:2] == ["LinearLayer: inputs Input (4) -> outputs Output (3); 15 parameters",
                                          "arrays: 2 (15 elements, 60 B), all initialized: Weights (3, 4), Biases (3)"]


def test_a_layer_agrees_with_a_net_of_it_alone():
    for layer in (LinearLayer(3, input=4), ElementwiseLayer("Tanh"), LinearLayer(2),
                  NetMapOperator(LinearLayer(3, input=2))):
        alone = NetGraph({"x": layer}, []).information()
        info = layer.information()
        for prop in ("InputPorts", "OutputPorts", "PortTypes", "ArraysCount", "ArraysTotalElementCount"):
            assert info[prop] == alone[prop], prop
        assert sorted(map(str, info["ArraysDimensions"].values())) == sorted(map(str, alone["ArraysDimensions"].values()))
    assert NetMapOperator(LinearLayer(3, input=2)).information("ArraysPositionList") == [
        ("net", "layer", "Weights"), ("net", "layer", "Biases")]


def test_unknown_sizes_and_no_arrays_read_plainly():
    assert LinearLayer(3).information("ArraysDimensions") == {"Weights": None, "Biases": None}
    assert "unknown number of parameters" in str(LinearLayer(3).information())
    assert str(ElementwiseLayer("Tanh").information()).splitlines()[1] == "arrays: none"
    assert set(ElementwiseLayer("Tanh").information()) == set(LAYER_PROPERTIES)


def test_a_net_keeps_its_own_information(trained):
    assert trained.information("LayersCount") == 2  # NetGraph's method, not the layer one


@pytest.mark.parametrize("prop, text", [("LayersCount", "'LayersCount' is a property of nets"),
                                        ("ArraysDimenions", "did you mean 'ArraysDimensions'?"),
                                        (7, "unknown property 7"),
                                        # Found by review: InputForm said "did you mean 'InputPorts'?"
                                        ("InputForm", "(Wolfram's InputForm is repr(layer) here"),
                                        ("MXNetNodeGraph", "(Wolfram's MXNetNodeGraph is 'GraphIR' here")])
def test_unknown_properties_say_which_a_layer_has(prop, text):
    with pytest.raises(OptionError) as caught:
        LinearLayer(3).information(prop)
    assert text in str(caught.value) and "a layer's properties are ['Arrays'" in str(caught.value)
