"""A dict of columns for a net with coders whose key holds one example, or a set, instead of a list of examples (QA
pass 9): a text was split into characters ("every key must hold the same number of examples, found {'Input': 7,
'Output': 1}", or each character refused as a label), a path, PIL image, number or True raised Python's bare
TypeError ('PosixPath' object is not iterable), and a set was read in its hash order, pairing inputs with the wrong
targets."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from netgraph import (BooleanDecoder, BooleanEncoder, ClassDecoder, ClassEncoder, DataError, ElementwiseLayer,
                      EmbeddingLayer, FlattenLayer, ImageEncoder, LinearLayer, NetChain, ScalarEncoder, SoftmaxLayer,
                      net_train)
from tests.diagnostic_helpers import sole_diagnostic

_COLOURS = NetChain([EmbeddingLayer(8, 3), LinearLayer(2), SoftmaxLayer()], input=ClassEncoder(["red", "green", "blue"]),
                    output=ClassDecoder(["warm", "cold"]))
_IMAGES = NetChain([FlattenLayer(), 2, SoftmaxLayer()], input=ImageEncoder(size=(4, 4), color_space="Grayscale"),
                   output=ClassDecoder(["a", "b"]))
_BOOLEANS = NetChain([LinearLayer([]), ElementwiseLayer("LogisticSigmoid")], input=BooleanEncoder(),
                     output=BooleanDecoder())


def _train(net, data, **options):
    return net_train(net, data, max_training_rounds=1, progress=False, **options)


@pytest.mark.parametrize("net, data, found", [
    (_COLOURS, {"Input": "red", "Output": ["warm", "cold", "warm"]}, "str 'red'"),
    (_COLOURS, {"Input": ["red"], "Output": "warm"}, "str 'warm'"),
    (_IMAGES, {"Input": Path("x.png"), "Output": ["a"]}, "PosixPath PosixPath('x.png')"),
    (_IMAGES, {"Input": Image.new("L", (4, 4)), "Output": ["a"]}, "a PIL image"),
    (NetChain([LinearLayer(1)], input=ScalarEncoder(0, 10)), {"Input": 5, "Target": [[1.0]]}, "int 5"),
    (_BOOLEANS, {"Input": True, "Output": [False]}, "bool True"),
])
def test_one_example_where_a_column_goes_is_a_data_form_naming_the_key(net, data, found):
    key = next(k for k, v in data.items() if not isinstance(v, list))
    d = sole_diagnostic(lambda: _train(net, data), DataError)
    assert (d.kind, d.port, d.expected) == ("data-form", key, "a list of examples")
    assert str(d) == (f"training data: key {key!r} holds one example ({found}), not a column of examples: give a list "
                      f"of them, one per example")


def test_a_set_of_examples_is_refused_as_its_order_is_not_the_targets():
    d = sole_diagnostic(lambda: _train(_BOOLEANS, {"Input": {True, False}, "Output": [False, True]}), DataError)
    assert (d.kind, d.port, d.found) == ("data-form", "Input", "set")
    assert "whose order is not the order of the other keys' examples" in str(d)


def test_a_validation_set_holding_one_example_is_named_as_the_validation_set():
    with pytest.raises(DataError, match=r"^validation_set: key 'Input' holds one example \(str 'red'\)"):
        _train(_COLOURS, {"Input": ["red"], "Output": ["warm"]}, validation_set={"Input": "red", "Output": ["warm"]})


def test_a_generator_or_tuple_of_examples_trains_as_the_list_of_them_does():
    listed = _train(_BOOLEANS, {"Input": [True, False], "Output": [False, True]}, random_seed=0)
    generated = _train(_BOOLEANS, {"Input": (v for v in [True, False]), "Output": (False, True)}, random_seed=0)
    assert listed.layers["1"].arrays["Weights"].equal(generated.layers["1"].arrays["Weights"])
    assert not listed.layers["1"].arrays["Weights"].equal(_train(_BOOLEANS, {"Input": [False, True], "Output": [
        False, True]}, random_seed=0).layers["1"].arrays["Weights"])
