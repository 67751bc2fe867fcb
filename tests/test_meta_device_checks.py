"""A compiled module moved to the meta device (``module.to("meta")``, shapes without values) runs as torch's own
modules do: the layers' checks of data values are skipped there, never an error of reading a meta tensor."""

import copy

import pytest
import torch

from netgraph import (ContrastiveLossLayer, CrossEntropyLossLayer, CTCLossLayer, EmbeddingLayer, ExtractLayer,
                      LinearLayer, MeanAbsoluteLossLayer, MeanSquaredLossLayer, NetChain, NetGraph, NetPort, SoftmaxLayer,
                      net_initialize)
from netgraph.backend.compile import submodule


def _softmax_into(loss):
    return NetGraph({"l": LinearLayer(4), "sm": SoftmaxLayer(), "loss": loss}, [("l", "sm", NetPort("loss", "Input"))],
                    Input=3)


_CASES = {
    "embedding": (NetChain([EmbeddingLayer(3, 5)], input=("n",)), {"Input": torch.tensor([[1, 2, 0]])}),
    "cross-entropy index": (_softmax_into(CrossEntropyLossLayer("Index")),
                            {"Input": torch.randn(2, 3), "Target": torch.tensor([1, 2])}),
    "cross-entropy probabilities": (_softmax_into(CrossEntropyLossLayer("Probabilities")),
                                    {"Input": torch.randn(2, 3), "Target": torch.softmax(torch.randn(2, 4), -1)}),
    "cross-entropy binary": (NetGraph({"l": CrossEntropyLossLayer("Binary")}, [], Input=3, Target=3),
                             {"Input": torch.rand(2, 3), "Target": torch.ones(2, 3, dtype=torch.long)}),
    "contrastive": (NetGraph({"l": ContrastiveLossLayer()}, [], Input=3, Target=3),
                    {"Input": torch.rand(2, 3), "Target": torch.ones(2, 3, dtype=torch.long)}),
    "mean absolute": (NetGraph({"l": MeanAbsoluteLossLayer()}, [], Input=3, Target=3),
                      {"Input": torch.rand(2, 3), "Target": torch.rand(2, 3)}),
    "mean squared": (NetGraph({"l": MeanSquaredLossLayer()}, [], Input=3, Target=3),
                     {"Input": torch.rand(2, 3), "Target": torch.rand(2, 3)}),
    "extract": (NetGraph({"e": ExtractLayer()}, [], Input=5, Position=1),
                {"Input": torch.randn(2, 5), "Position": torch.tensor([[1], [2]])}),
}


@pytest.mark.parametrize("case", list(_CASES))
def test_a_module_on_the_meta_device_gives_the_shapes_and_dtype_of_the_eager_call(case):
    net, inputs = _CASES[case]
    module = net_initialize(net, seed=0).compile()
    eager = module(**inputs)
    meta = copy.deepcopy(module).to("meta")(**{port: value.to("meta") for port, value in inputs.items()})
    assert meta.is_meta and (meta.shape, meta.dtype) == (eager.shape, eager.dtype)


def test_ctc_labels_on_the_meta_device_are_passed_on_unchecked():
    # torch's ctc_loss has no meta kernel (nn.CTCLoss fails there too): the labels' checks alone skip meta tensors
    net = net_initialize(NetGraph({"sm": SoftmaxLayer(), "c": CTCLossLayer()}, [("sm", NetPort("c", "Input"))],
                                  Input=("n", 4)), seed=0)
    labels = submodule(net.compile(), ("c",)).labels(torch.tensor([[1, 2], [2, 1]], device="meta"))
    assert labels.is_meta and labels.shape == (2, 2)
