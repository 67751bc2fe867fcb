"""export -> import -> compile of a small net of every registered layer type that the family nets of
test_onnx_export leave out (operators too): each comes back computing the same outputs, or is listed in
``NOT_ROUND_TRIPPED`` with the reason, which a test below pins."""

from __future__ import annotations

import pytest
import torch

from netgraph import (AppendLayer, AttentionLayer, CTCLossLayer, ContrastiveLossLayer, CrossEntropyLossLayer,
                      ElementwiseLayer, EmbeddingLayer, ExtractLayer, GatedRecurrentLayer, KLDivergenceLayer,
                      LinearLayer, NetBidirectionalOperator, NetChain, NetGraph, NetMapOperator, NetNestOperator,
                      NetPairEmbeddingOperator, NormalDistribution, NormalizationLayer, OptionError, PrependLayer,
                      SequenceIndicesLayer, SequenceMostLayer, SequenceRestLayer, SequenceReverseLayer, SpecError,
                      TorchLayer, export_onnx, import_onnx, net_initialize)
from netgraph.core.layer import REGISTRY
from netgraph.core.walk import nested_nodes
from netgraph.export.exporter import example_inputs
from tests.test_onnx_export import family_nets, fold


def _mlp() -> NetChain:
    return NetChain([LinearLayer(3), ElementwiseLayer("Tanh")])


#: name -> a net of the types the family nets lack
TYPE_NETS = {
    "append": lambda: NetGraph({"a": AppendLayer()}, [], Input=("n", 3), Element=3),
    "prepend": lambda: NetGraph({"a": PrependLayer()}, [], Input=("n", 3), Element=3),
    "attention-dot": lambda: NetGraph({"a": AttentionLayer("Dot")}, [], Key=("n", 4), Value=("n", 3),
                                      Query=("m", 4)),
    "attention-bilinear": lambda: NetGraph({"a": AttentionLayer("Bilinear")}, [], Key=("n", 4), Value=("n", 3),
                                           Query=("m", 4)),
    "attention-one-query": lambda: NetGraph({"a": AttentionLayer("Dot")}, [], Key=("n", 4), Value=("n", 3), Query=4),
    "normalization": lambda: NetChain([NormalizationLayer()], input=(3, 4)),
    "sequence-indices": lambda: NetChain([SequenceIndicesLayer(5), EmbeddingLayer(3, 6)], input=("n", 2)),
    "sequence-most-rest-reverse": lambda: NetChain([SequenceMostLayer(), SequenceRestLayer(), SequenceReverseLayer()],
                                                   input=("n", 2)),
    # its Target (Integer) was a ShapeError: the import made it an Integer port feeding a comparison on reals
    "contrastive-loss": lambda: NetGraph({"c": ContrastiveLossLayer()}, [], Input=(), Target=()),
    "cross-entropy-index": lambda: NetGraph({"c": CrossEntropyLossLayer("Index")}, [], Input=(5,), Target=()),
    "kl-divergence": lambda: NetGraph({"kl": KLDivergenceLayer(NormalDistribution("#mu", "#sigma"),
                                                                NormalDistribution(0, 1))}, [], mu=3, sigma=3),
    "bidirectional": lambda: NetChain([NetBidirectionalOperator(GatedRecurrentLayer(3))], input=("n", 2)),
    "fold": lambda: fold((4, 2)),
    "map": lambda: NetChain([NetMapOperator(_mlp())], input=("n", 2)),
    "nest": lambda: NetChain([NetNestOperator(_mlp(), 3)], input=3),
    "pair-euclidean": lambda: NetGraph({"p": NetPairEmbeddingOperator(NetChain([LinearLayer(3)]))}, [],
                                       Input1=4, Input2=4),
    "pair-cosine": lambda: NetGraph({"p": NetPairEmbeddingOperator(NetChain([LinearLayer(3)]), distance="Cosine")},
                                    [], Input1=4, Input2=4),
    "torch-layer": lambda: NetChain([TorchLayer(torch.nn.Linear(3, 2))], input=3),
}

#: registered types without a round trip, and why (pinned by the tests below; RandomArrayLayer's draws:
#: test_onnx_export and test_onnx_round_trip)
NOT_ROUND_TRIPPED = {
    "CTCLossLayer": "torch's exporter has no aten::ctc_loss: export_onnx refuses it",
    "ExtractLayer": "its export gathers from the batch flattened with a Range of its dynamic size: import refuses it",
    "RandomArrayLayer": "ONNX's random ops draw other numbers: import refuses them",
}


def _types(net) -> set[str]:
    return {node.layer.type_name for _, node in nested_nodes(net)}


def test_every_registered_type_is_round_tripped_or_listed():
    covered = set().union(*map(_types, family_nets().values()), *(_types(make()) for make in TYPE_NETS.values()))
    ours = {name for name, cls in REGISTRY.items() if cls.__module__.startswith("netgraph.")}  # not tests' own
    assert ours - {"NetGraph", "NetChain"} <= covered | set(NOT_ROUND_TRIPPED)


@pytest.mark.parametrize("name", sorted(TYPE_NETS))
def test_each_type_exports_and_imports_back_computing_the_same(name, tmp_path):
    net = net_initialize(TYPE_NETS[name](), seed=0)
    back = import_onnx(export_onnx(net, tmp_path / "m.onnx"))
    inputs = example_inputs(net, batch=5, length=4, seed=1)
    inputs = {port: x.abs() + 0.1 if port == "sigma" else x for port, x in inputs.items()}  # a standard deviation
    if name == "cross-entropy-index":  # probabilities (others are a DataError)
        inputs["Input"] = inputs["Input"].softmax(-1)
    with torch.no_grad():
        want, got = net.compile().eval()(**inputs), back.compile().eval()(**inputs)
    want, got = ([*r.values()] if isinstance(r, dict) else [r] for r in (want, got))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w, atol=1e-5, rtol=1e-4)


def test_a_ctc_loss_export_is_refused_naming_the_layer(tmp_path):
    net = NetGraph({"c": CTCLossLayer()}, [], Input=("n", 4), Target=(2,))
    with pytest.raises(OptionError, match=r"layer 'c' \(CTCLossLayer\).*aten::ctc_loss"):
        export_onnx(net, tmp_path / "ctc.onnx")


def test_an_extract_layer_exports_but_its_import_is_refused_naming_the_range(tmp_path):
    path = export_onnx(NetGraph({"e": ExtractLayer()}, [], Input=(4, 3), Position=(1,)), tmp_path / "e.onnx")
    with pytest.raises(SpecError, match=r"node '/Range' \(Range\)"):
        import_onnx(path)
