"""A generator, iterator or range at an encoded port: said to be one, with a list to pass instead (it was taken as one
label: "label <generator object ...> is not one of the labels")."""

from __future__ import annotations

import pytest

from netgraph import DataError, EmbeddingLayer, LinearLayer, NetChain, SoftmaxLayer, net_initialize
from netgraph.core.coders import (BooleanEncoder, ClassDecoder, ClassEncoder, ImageEncoder, ScalarEncoder,
                                  TokensEncoder)
from netgraph.data.encoding import encode
from tests.diagnostic_helpers import sole_diagnostic


def _classifier():
    return net_initialize(NetChain([EmbeddingLayer(4, 3), LinearLayer(2), SoftmaxLayer()], input=ClassEncoder(["x", "y", "z"]),
                                   output=ClassDecoder(["a", "b"])), seed=0)


@pytest.mark.parametrize("make, found", [
    (lambda: (label for label in ["x", "y"]), "generator"),
    (lambda: iter(["x", "y"]), "list_iterator"),
    (lambda: map(str, "xy"), "map"),
    (lambda: range(2), "range"),
])
def test_a_generator_or_range_at_a_class_encoder_port_is_said_to_be_one_with_a_list_to_pass(make, found):
    diagnostic = sole_diagnostic(lambda: _classifier()(make()), DataError)
    assert (diagnostic.kind, diagnostic.layer, diagnostic.port) == ("encoding", (), "Input")
    assert (diagnostic.expected, diagnostic.found) == ("a list", found)
    assert f"found a {found}" in diagnostic.message and "pass a list" in diagnostic.message
    assert "is not one of the" not in diagnostic.message


@pytest.mark.parametrize("coder", [ClassEncoder(["a", "b"]), TokensEncoder(["a", "b"]), ScalarEncoder(),
                                   BooleanEncoder()])
def test_every_encoder_says_a_generator_is_one(coder):
    diagnostic = sole_diagnostic(lambda: encode(coder, "Input", (v for v in ["a", "b"])), DataError)
    assert (diagnostic.kind, diagnostic.port, diagnostic.expected, diagnostic.found) == ("encoding", "Input",
                                                                                         "a list", "generator")


def test_a_list_made_from_the_generator_encodes():
    assert encode(ClassEncoder(["a", "b"]), "Input", list(v for v in ["b", "a"])).tolist() == [1, 0]


def test_an_open_file_at_an_image_port_is_still_said_to_be_no_image_path(tmp_path):
    """A file object is an iterator (of lines) too, but the mistake is giving it for its path."""
    (tmp_path / "a.png").write_bytes(b"")
    with open(tmp_path / "a.png", "rb") as f, pytest.raises(DataError, match="expected an image file path"):
        encode(ImageEncoder((4, 4)), "Input", f)
