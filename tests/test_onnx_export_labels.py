"""An exported classifier keeps its class labels: the model computes probabilities (the decoder's input) and takes
indices (the encoder's output); the labels that name them are in its metadata."""

from __future__ import annotations

import json

import numpy as np
import onnx
import torch

from netgraph import (ClassDecoder, ClassEncoder, EmbeddingLayer, LinearLayer, NetChain, SoftmaxLayer, export_onnx,
                      net_initialize)
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
