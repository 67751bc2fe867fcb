"""An exported classifier keeps its class labels: the model computes probabilities (the decoder's input) and takes
indices (the encoder's output); the labels that name them are in its metadata."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
import torch

from netgraph import (ClassDecoder, ClassEncoder, EmbeddingLayer, LinearLayer, NetChain, SoftmaxLayer, export_onnx,
                      import_onnx, net_initialize)
from tests.onnx_helpers import run_onnx


def test_class_labels_of_coded_ports_are_in_the_metadata(tmp_path):
    """The model computes the decoder's input (probabilities) and takes the encoder's output (indices); the labels
    that turn them into classes, lost before, are in ``metadata_props`` as ``netgraph_labels``."""
    net = net_initialize(NetChain([EmbeddingLayer(4), LinearLayer(3), SoftmaxLayer()], input=ClassEncoder(["x", "y"]),
                                  output=ClassDecoder(["a", "b", "c"])), seed=0)
    model = onnx.load(str(export_onnx(net, tmp_path / "m.onnx")))
    labels = json.loads({p.key: p.value for p in model.metadata_props}["netgraph_labels"])
    assert labels == {"Input": ["x", "y"], "Output": ["a", "b", "c"]}
    probabilities = run_onnx(tmp_path / "m.onnx", {"Input": torch.tensor([0, 1])})[0]
    assert [labels["Output"][i] for i in np.argmax(probabilities, -1)] == net(["x", "y"])


@pytest.mark.parametrize("encoding", ["Index", "UnitVector"])
def test_an_imported_classifier_decodes_to_the_same_labels(tmp_path, encoding):
    """``import_onnx`` puts the ``netgraph_labels`` back on the ports (they were lost before): the imported net
    encodes and decodes the labels as the exported one does."""
    first = EmbeddingLayer(4) if encoding == "Index" else LinearLayer(4)
    net = net_initialize(NetChain([first, LinearLayer(3), SoftmaxLayer()],
                                  input=ClassEncoder(["x", "y"], output=encoding),
                                  output=ClassDecoder(["a", "b", "c"])), seed=0)
    back = import_onnx(export_onnx(net, tmp_path / "m.onnx"))
    assert back.coders == net.coders
    words = ["x", "y", "y", "x"]
    assert back(words) == net(words)
    for got, want in zip(back(words, decoder="Probabilities"), net(words, decoder="Probabilities")):
        assert list(got) == ["a", "b", "c"] and np.allclose(list(got.values()), list(want.values()), rtol=1e-5)


def test_labels_that_do_not_fit_the_ports_are_left_out_with_a_warning(tmp_path):
    """Another tool's (or an edited model's) labels of another count than the port's classes: the net imports
    without that decoder, and a warning names the port."""
    net = net_initialize(NetChain([LinearLayer(3), SoftmaxLayer()], input=2, output=ClassDecoder(["a", "b", "c"])),
                         seed=0)
    model = onnx.load(str(export_onnx(net, tmp_path / "m.onnx")))
    entry = next(p for p in model.metadata_props if p.key == "netgraph_labels")
    entry.value = json.dumps({"Output": ["a", "b"]})
    onnx.save(model, str(tmp_path / "edited.onnx"))
    with pytest.warns(UserWarning, match="class labels left out.*'Output'"):
        back = import_onnx(tmp_path / "edited.onnx")
    assert back.coders == {} and back.port_types["Output"] == net.port_types["Output"]
