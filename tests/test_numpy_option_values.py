"""numpy values where a coder or a spec takes Python's (QA pass 9): labels from ``list(np.unique(y))`` (np.str_) were
kept as numpy scalars, and ``save`` and ``to_yaml`` then raised PyYAML's bare RepresenterError, as they did for any
numpy string in a layer's options or name (ElementwiseLayer(np.str_("Tanh"))); a coder refused a numpy array of
labels, a numpy size or a numpy number where a layer takes them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import netgraph
from netgraph import (AggregationLayer, ClassDecoder, ClassEncoder, ElementwiseLayer, EmbeddingLayer, ImageEncoder,
                      LinearLayer, NetChain, NetGraph, ReshapeLayer, ScalarEncoder, SoftmaxLayer, TokensEncoder,
                      net_initialize)


@pytest.mark.parametrize("made, plain", [
    (lambda: ClassEncoder(list(np.unique(["b", "a"]))), ClassEncoder(["a", "b"])),
    (lambda: ClassEncoder(np.array(["a", "b"])), ClassEncoder(["a", "b"])),
    (lambda: ClassDecoder(np.unique([2, 0, 1])), ClassDecoder([0, 1, 2])),
    (lambda: ClassDecoder(np.array([True, False])), ClassDecoder([True, False])),
    (lambda: TokensEncoder(np.array(["a", "b"]), max_length=np.int64(3)), TokensEncoder(["a", "b"], max_length=3)),
    (lambda: ImageEncoder(size=np.array([4, 6]), mean=np.float32(0.5)), ImageEncoder(size=(4, 6), mean=0.5)),
    (lambda: ScalarEncoder(np.int64(0), np.float64(2.5)), ScalarEncoder(0, 2.5)),
])
def test_a_coders_numpy_options_are_python_values(made, plain):
    coder = made()
    assert coder == plain
    assert all(type(v).__module__ == "builtins" for v in np.ravel(np.array(list(coder.options().values()), object)))


def test_a_numpy_float_label_is_still_refused():
    with pytest.raises(netgraph.OptionError, match="labels must be strings, ints or booleans, found"):
        ClassDecoder(np.array([0.5, 1.5]))


def test_a_net_whose_labels_came_from_numpy_saves_and_loads(tmp_path):
    net = net_initialize(NetChain([EmbeddingLayer(2, 2)], input=ClassEncoder(list(np.array(["a", "b"])))), seed=0)
    netgraph.save(net, tmp_path / "net.yaml")
    back = netgraph.load(tmp_path / "net.yaml")
    assert back.coders == net.coders and torch.equal(back("b"), net("b"))


@pytest.mark.parametrize("made, x", [
    (lambda: NetChain([ElementwiseLayer(np.str_("Tanh"))], input=2), torch.ones(1, 2)),
    (lambda: NetChain({np.str_("lin"): LinearLayer(np.int64(2))}, input=2), torch.ones(1, 2)),
    (lambda: NetChain([AggregationLayer(np.str_("Mean"))], input=(2, 3)), torch.ones(1, 2, 3)),
])
def test_numpy_strings_in_layer_options_and_names_are_written_as_text(made, x):
    net = net_initialize(made(), seed=0)
    text = net.to_yaml()
    assert "!!python" not in text and "numpy" not in text
    torch.testing.assert_close(NetGraph.from_yaml(text)(x), net(x))


@pytest.mark.parametrize("metrics", [np.array(["Accuracy"]), np.array([])])
def test_a_numpy_array_of_metric_names_is_an_option_error_as_other_options_arrays_are(metrics):
    """It raised numpy's bare ValueError ("The truth value of an empty array is ambiguous") from `metrics == []`."""
    data = {"Input": torch.randn(8, 2), "Target": torch.randint(0, 3, (8,))}
    with pytest.raises(netgraph.OptionError, match=r"^metrics must be a metric name, a list of names or a dict"):
        netgraph.net_train(NetChain([LinearLayer(3), SoftmaxLayer()], input=2), data, metrics=metrics, progress=False)


def test_numpy_values_nested_two_deep_in_a_coders_options_are_python_values():
    """plain_options stopped one level down: [[np.int64(1)]] stayed numpy (shown "[[np.int64(1)], ...]" in errors)."""
    from netgraph.core.plain_numbers import plain_value
    nested = plain_value([[np.int64(1)], (np.str_("a"), [np.float32(0.5), np.array([2, 3])])], arrays=True)
    assert nested == [[1], ("a", [0.5, [2, 3]])]
    leaves = (nested[0][0], nested[1][0], nested[1][1][0], nested[1][1][1][0])
    assert [type(v) for v in leaves] == [int, str, float, int]
    with pytest.raises(netgraph.OptionError, match=r"found \[\[1\], \[2\]\]"):
        ClassDecoder([[np.int64(1)], [np.int64(2)]])


def test_0d_tensors_in_a_list_option_are_numbers_as_one_alone_is():
    """LinearLayer(torch.tensor(4)) was LinearLayer(4), but ReshapeLayer([torch.tensor(2), torch.tensor(3)]) was an
    OptionError: a list of 0-d tensors was left as it was."""
    assert ReshapeLayer([torch.tensor(2), torch.tensor(3)]) == ReshapeLayer([2, 3]) \
        == ReshapeLayer((torch.tensor(2), 3))
    assert LinearLayer([torch.tensor(2), np.int64(3)]) == LinearLayer([2, 3]) \
        == LinearLayer(torch.tensor([2, 3]).tolist())
    assert type(ReshapeLayer([torch.tensor(2), 3]).dims[0]) is int


@pytest.mark.parametrize("made", [lambda: LinearLayer(torch.tensor(2, device="meta")),
                                  lambda: ReshapeLayer([torch.tensor(2, device="meta"), 3]),
                                  lambda: LinearLayer([torch.tensor(2, device="meta")])])
def test_a_meta_tensor_which_has_no_number_is_refused_as_an_option(made):
    """A 0-d meta tensor has no value to read (torch's NotImplementedError "Cannot copy out of meta tensor"): the
    option check refuses it as it refuses any tensor that is not a number."""
    with pytest.raises(netgraph.OptionError, match="found"):
        made()
