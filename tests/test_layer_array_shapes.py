"""A layer made with an array of a shape its options (or its other arrays) rule out is refused when it is made,
naming the layer type, the array, the expected and the found shape, for every registered layer type with
arrays; arrays whose shape depends on an input size nothing gives yet are still accepted."""

from __future__ import annotations

import pytest
import torch

from netgraph import (AttentionLayer, BatchNormalizationLayer, DeconvolutionLayer, LinearLayer, NetChain, NetGraph,
                      OptionError, ParametricRampLayer, net_initialize)
from netgraph.layers import REGISTRY

PORTS = {"input", "key", "value", "query"}  # options that give an input port's shape
CASES = {  # options that size every array of each registered layer type with arrays
    "NetArrayLayer": {"output": (3, 2)},
    "ConstantArrayLayer": {"output": (3, 2)},
    "ParametricRampLayer": {"input": (3, 4)},
    "LinearLayer": {"output": 3, "input": 4},
    "BatchNormalizationLayer": {"input": (3, 4)},
    "LayerNormalizationLayer": {"input": (3, 4)},
    "NormalizationLayer": {"input": (3, 4)},
    "ConvolutionLayer": {"output": 4, "kernel": 2, "input": (3, 5, 5)},
    "DeconvolutionLayer": {"output": 4, "kernel": 2, "input": (3, 5, 5)},
    "EmbeddingLayer": {"output": 4, "n": 6, "input": (2,)},
    "LongShortTermMemoryLayer": {"output": 4, "input": (5, 3)},
    "GatedRecurrentLayer": {"output": 4, "input": (5, 3)},
    "BasicRecurrentLayer": {"output": 4, "input": (5, 3)},
    "AttentionLayer": {"scoring": "Bilinear", "key": (5, 3), "value": (5, 2), "query": (4, 6)},
}
# arrays whose leading size only an input port gives (left out of the cases without the port options), and the
# normalization layers', which only an input port or the other arrays give
INPUT_SIZED = {("ParametricRampLayer", "slope"), ("DeconvolutionLayer", "weights"), ("AttentionLayer", "weights")}
NORMS = {"BatchNormalizationLayer", "LayerNormalizationLayer", "NormalizationLayer"}


def _drawn(name: str) -> dict:
    """The arrays (by field) a net draws for the layer made with CASES[name]."""
    net = net_initialize(NetGraph({"a": REGISTRY[name](**CASES[name])}, []), seed=1)
    return {REGISTRY[name].ARRAYS[a]: v for a, v in net.layers["a"].arrays.items() if v is not None}


def test_every_registered_layer_type_with_arrays_has_a_case():
    own = {n for n, cls in REGISTRY.items() if cls.ARRAYS and cls.__module__.startswith("netgraph.")}  # not tests'
    assert own == set(CASES)


def _wrong_leading_size(name: str, with_ports: bool, alone: bool):
    options = {k: v for k, v in CASES[name].items() if with_ports or k not in PORTS}
    arrays = _drawn(name)
    REGISTRY[name](**options, **arrays)  # the drawn shapes are accepted
    for field, value in arrays.items():
        if not with_ports and ((name, field) in INPUT_SIZED or (alone and name in NORMS)):
            continue
        wrong = torch.zeros(value.shape[0] + 1, *value.shape[1:])
        given = {field: wrong} if alone else {**arrays, field: wrong}
        with pytest.raises(OptionError) as info:
            REGISTRY[name](**options, **given)
        text = str(info.value)
        assert text.startswith(name) and (field in text or field.replace("_", "") in text.lower()), text
        assert str(value.shape[0] + 1) in text, text


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("with_ports", [True, False], ids=["ports-given", "ports-unknown"])
@pytest.mark.parametrize("alone", [False, True], ids=["with-the-others", "alone"])
def test_a_wrong_leading_size_is_refused_when_the_layer_is_made(name, with_ports, alone):
    _wrong_leading_size(name, with_ports, alone)


@pytest.mark.parametrize("array", ["Weights", "Biases"])
def test_linear_layer_names_array_expected_and_found(array):
    arrays = {"Weights": torch.zeros(3, 4), "Biases": torch.zeros(3)}
    arrays[array] = torch.zeros(5, 4) if array == "Weights" else torch.zeros(4)
    with pytest.raises(OptionError) as info:
        LinearLayer(3, weights=arrays["Weights"], biases=arrays["Biases"])
    expected, found = ("(3, ·)", (5, 4)) if array == "Weights" else ((3,), (4,))  # no input=: its size open
    assert str(info.value) == (f"LinearLayer: array {array!r}: expected shape {expected} (from the layer's options), "
                               f"found {found}")
    assert info.value.diagnostics[0].option == array.lower()
    with pytest.raises(OptionError, match=f"found {found}".replace("(", r"\(").replace(")", r"\)")):
        LinearLayer(3, biases=torch.zeros(4)) if array == "Biases" else LinearLayer(3, weights=torch.zeros(5, 4))


def test_arrays_sized_by_an_unknown_input_are_accepted():
    linear = LinearLayer(3, weights=torch.zeros(3, 7), biases=torch.zeros(3))
    assert NetChain([linear], input=7).output_shapes["Output"] == (3,)
    deconv = DeconvolutionLayer(4, 2, weights=torch.zeros(6, 4, 2, 2))
    assert NetChain([deconv], input=(6, 5, 5)).output_shapes["Output"] == (4, 6, 6)
    ramp = ParametricRampLayer(slope=torch.zeros(5))
    assert NetChain([ramp], input=(5, 2)).output_shapes["Output"] == (5, 2)
    norm = BatchNormalizationLayer(scaling=torch.ones(6))
    assert NetChain([norm], input=(6, 2)).output_shapes["Output"] == (6, 2)
    attention = AttentionLayer(scoring="Bilinear", weights=torch.zeros(3, 6))
    net = NetGraph([attention], [], Key=(5, 3), Value=(5, 2), Query=(4, 6))
    assert net.output_shapes["Output"] == (4, 2)


def test_with_arrays_keeps_learned_arrays_of_the_same_shapes():
    net = net_initialize(NetChain([LinearLayer(3, input=2)]), seed=0)
    layer = net.ir.nodes[0].layer
    again = layer.with_arrays({n: a * 2 for n, a in layer.arrays.items()})
    assert torch.equal(again.arrays["Weights"], layer.arrays["Weights"] * 2)
    with pytest.raises(OptionError, match=r"expected shape \(3, 2\) \(from the layer's options\), found \(4, 2\)"):
        layer.with_arrays({"Weights": torch.zeros(4, 2)})


def test_keras_and_tensorflow_weight_layouts_are_named_with_the_permutation_that_ports_them():
    """Keras's Dense kernel is (inputs, outputs), TensorFlow's Conv2D kernel (height, width, in, out): copying them in
    as they are got only the two shapes."""
    from netgraph import ConvolutionLayer, ShapeError, net_replace_part
    dense = NetChain({"d": LinearLayer(3)}, input=4)
    kernel = torch.randn(4, 3)
    for make in (lambda w: LinearLayer(3, input=4, weights=w), lambda w: net_replace_part(dense, {("d", "Weights"): w}),
                 lambda w: net_replace_part(net_initialize(dense), {("d", "Weights"): w})):
        with pytest.raises(OptionError, match=r"found \(4, 3\); Keras's or TensorFlow's layout \(\.\.\., "
                                              r"inputs, outputs\)\? give w.permute\(1, 0\)"):
            make(kernel)
    assert torch.equal(LinearLayer(3, input=4, weights=kernel.permute(1, 0)).weights, kernel.T)
    conv = NetChain({"c": ConvolutionLayer(8, 3)}, input=(2, 6, 6))
    with pytest.raises(OptionError, match=r"expected shape \(8, 2, 3, 3\), found \(3, 3, 2, 8\); .* give "
                                          r"w.permute\(3, 2, 0, 1\)"):
        net_replace_part(conv, {("c", "Weights"): torch.randn(3, 3, 2, 8)})
    with pytest.raises((OptionError, ShapeError)) as info:  # no hint where no such permutation explains it
        net_replace_part(conv, {("c", "Weights"): torch.randn(8, 2, 3, 4)})
    assert "permute" not in str(info.value)


@pytest.mark.parametrize("make", [lambda w: LinearLayer(8, weights=w),
                                  lambda w: NetChain({"fc1": LinearLayer(8, weights=w)}, input=5)])
def test_a_dim_only_the_wrong_array_would_size_is_shown_unknown_with_the_permute_hint(make):
    """It said 'expected shape (8, 8)': the input size (unknown when the layer is made) taken from the array."""
    with pytest.raises(OptionError) as info:
        make(torch.zeros(5, 8))
    assert str(info.value) == ("LinearLayer: array 'Weights': expected shape (8, ·) (from the layer's options), found "
                               "(5, 8); Keras's or TensorFlow's layout (..., inputs, outputs)? give w.permute(1, 0)")
    assert (info.value.diagnostics[0].expected, info.value.diagnostics[0].found) == ((8, None), (5, 8))
    assert "permute" not in str(pytest.raises(OptionError, LinearLayer, 8, weights=torch.zeros(5, 7)).value)
