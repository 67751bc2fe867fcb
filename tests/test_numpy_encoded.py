"""numpy data already in a port's encoded form passes as the same tensor does (a new user's QA): a float batch shaped
like an ImageEncoder port, (b, c, h, w), and integer class indices at a class coder whose labels are no numbers."""

from __future__ import annotations

import numbers
import types

import numpy as np
import pytest
import torch

from netgraph import (ClassDecoder, ConvolutionLayer, DataError, FlattenLayer, ImageEncoder, NetChain, SoftmaxLayer,
                      net_initialize, net_train)
from netgraph import BooleanEncoder, ClassEncoder, LinearLayer, ScalarEncoder, TokensEncoder
from netgraph.data.encoding import already_encoded, encode


def _net():
    return net_initialize(NetChain([ConvolutionLayer(2, 3), FlattenLayer(), 2, SoftmaxLayer()],
                                   input=ImageEncoder(size=(8, 8), color_space="Grayscale"),
                                   output=ClassDecoder(["h", "v"])), seed=0)


def test_a_numpy_batch_of_the_port_shape_runs_as_the_tensor_does():
    x = np.random.default_rng(0).random((5, 1, 8, 8))
    net = _net()
    assert net(x) == net(torch.as_tensor(x))
    torch.testing.assert_close(net(x, decoder=None), net(torch.as_tensor(x, dtype=torch.float32), decoder=None))
    assert net(x[0]) == net(torch.as_tensor(x[0]))  # one example of the port's shape


def test_net_train_takes_the_numpy_batch_as_it_takes_the_tensor():
    rng = np.random.default_rng(0)
    x, labels = rng.random((16, 1, 8, 8)), list(np.array(["h", "v"])[rng.integers(0, 2, 16)])
    options = {"max_training_rounds": 1, "random_seed": 0, "progress": False}
    a = net_train(_net(), {"Input": x, "Output": labels}, **options)
    b = net_train(_net(), {"Input": torch.as_tensor(x, dtype=torch.float32), "Output": labels}, **options)
    assert torch.equal(a.layers["1"].arrays["Weights"], b.layers["1"].arrays["Weights"])


def test_image_arrays_stay_images():
    grey, rgb, small = (ImageEncoder(size=(8, 8), color_space="Grayscale"), ImageEncoder(size=(5, 3)),
                        ImageEncoder(size=(4, 3)))
    assert not already_encoded(grey, np.zeros((8, 8)))            # one (h, w) image
    assert not already_encoded(grey, np.zeros((2, 8, 8, 1)))      # two (h, w, 1) images
    assert not already_encoded(grey, np.zeros((2, 1, 8, 8), dtype=np.uint8))  # uint8: pixels, never encoded values
    assert already_encoded(rgb, np.zeros((2, 3, 3, 5))) and already_encoded(grey, np.zeros((1, 8, 8)))
    assert already_encoded(small, np.zeros((3, 3, 4)))  # the port's shape says channels first, though (h, w, 4) too
    with pytest.raises(DataError, match="an image array is"):  # uint8 pixels of another shape: no image
        _net()(np.zeros((2, 1, 8, 9), dtype=np.uint8))


def _labelled():
    from netgraph import ClassEncoder, EmbeddingLayer
    return net_initialize(NetChain([EmbeddingLayer(3, 3), 2, SoftmaxLayer()], input=ClassEncoder(["r", "g", "b"]),
                                   output=ClassDecoder(["warm", "cold"])), seed=0)


def test_numpy_class_indices_are_indices_where_no_label_is_a_number():
    net, rng = _labelled(), np.random.default_rng(0)
    x, y = rng.integers(0, 3, 24), rng.integers(0, 2, 24)
    assert net(x) == net(torch.as_tensor(x)) == net([["r", "g", "b"][i] for i in x])
    options = {"max_training_rounds": 1, "random_seed": 0, "progress": False}
    a = net_train(net, {"Input": x, "Output": y}, **options)
    b = net_train(net, {"Input": torch.as_tensor(x), "Output": torch.as_tensor(y)}, **options)
    assert torch.equal(a.layers["2"].arrays["Weights"], b.layers["2"].arrays["Weights"])
    with pytest.raises(DataError, match=r"class indices must lie in 0\.\.1"):
        net_train(net, {"Input": x, "Output": y + 1}, **options)


def test_numpy_integers_stay_labels_where_labels_are_numbers():
    net = net_initialize(NetChain([2, SoftmaxLayer()], input=3, output=ClassDecoder([10, 20])), seed=0)
    with pytest.raises(DataError, match=r"example 0: label 1 is not one of the 2 labels \[10, 20\]"):
        net_train(net, {"Input": np.zeros((4, 3)), "Output": np.array([1, 0, 1, 0])}, max_training_rounds=1)
    assert net_train(net, {"Input": np.zeros((4, 3)), "Output": np.array([10, 20, 10, 20])}, max_training_rounds=1,
                     progress=False).output_shapes == {"Output": (2,)}


@pytest.mark.parametrize("coder, value", [(ClassEncoder(["red", "blue"]), np.array("blue")),
                                          (TokensEncoder(["a", "b"]), np.array("a b")),
                                          (BooleanEncoder(), np.array(True)), (ScalarEncoder(), np.array(2.0))])
def test_a_zero_dimensional_numpy_array_is_one_example_as_its_value_is(coder, value):
    """np.array('blue') (a 0-d array, as indexing a structured array or np.asarray(label) gives) raised numpy's raw
    'TypeError: iteration over a 0-d array'."""
    torch.testing.assert_close(encode(coder, "Input", value), encode(coder, "Input", value.item()))


def _one_hot_net():
    return net_initialize(NetChain([LinearLayer(4), LinearLayer(2)], input=ClassEncoder(["a", "b", "c"],
                                                                                        output="UnitVector")), seed=0)


def test_numpy_class_indices_at_a_one_hot_class_port_run_as_their_labels_do():
    net = _one_hot_net()
    torch.testing.assert_close(net(np.array([0, 2])), net(["a", "c"]))
    torch.testing.assert_close(net(np.int64(1)), net("b"))
    coder = ClassEncoder(["a", "b", "c"], output="UnitVector")
    torch.testing.assert_close(encode(coder, "Input", np.array([2, 0], dtype=np.uint8)),
                               torch.tensor([[0.0, 0, 1], [1, 0, 0]]))


@pytest.mark.parametrize("index", [3, -1])
def test_a_numpy_class_index_outside_the_labels_at_a_one_hot_port_is_one_error_naming_it(index):
    with pytest.raises(DataError) as info:
        _one_hot_net()(np.array([0, index]))
    problem = info.value.diagnostics[0]
    assert (problem.kind, problem.port, problem.expected, problem.found) == ("encoding", "Input", "0..2", index)
    assert f"class index {index} is outside 0..2" in str(info.value)


def test_net_train_takes_numpy_class_indices_at_a_one_hot_class_port_as_their_labels():
    """net(x) took them, net_train refused each: 'example 0: label 0 is not one of the 3 labels'."""
    x, y = np.array([0, 1, 2, 0, 1, 2, 0, 1]), torch.randn(8, 2, generator=torch.Generator().manual_seed(0))
    options = {"max_training_rounds": 2, "random_seed": 0, "progress": False}
    a = net_train(_one_hot_net(), (x, y), **options)
    b = net_train(_one_hot_net(), ([["a", "b", "c"][i] for i in x], y), **options)
    assert not torch.equal(a.layers["1"].arrays["Weights"], _one_hot_net().layers["1"].arrays["Weights"])
    assert torch.equal(a.layers["1"].arrays["Weights"], b.layers["1"].arrays["Weights"])
    with pytest.raises(DataError, match=r"example 1: class index 5 is outside 0\.\.2") as info:
        net_train(_one_hot_net(), (np.array([0, 5, 1, 1]), y[:4]), **options)
    assert info.value.kind == "encoding"


def test_repeated_calls_at_a_one_hot_class_port_scan_its_labels_once_at_most(monkeypatch):
    """The check for numpy class indices scanned every label on every net(x), a tensor's too: slower with the
    vocabulary (10,000 labels: 6.5 ms a call, not 0.13). Each label's 'is it a number' check is counted."""
    checked = []

    class CountingNumber(type):
        def __instancecheck__(cls, instance):
            checked.append(instance)
            return isinstance(instance, numbers.Number)

    counting = types.SimpleNamespace(Number=CountingNumber("Number", (), {}))
    for module in ("netgraph.core.coders", "netgraph.data.encoding"):
        monkeypatch.setattr(f"{module}.numbers", counting, raising=False)
    net = _one_hot_net()
    for _ in range(3):
        net(torch.eye(3)), net(np.array([0, 2])), net(np.int64(1))
    assert 0 < len(checked) <= 3  # the 3 labels, once
