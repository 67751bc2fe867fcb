"""The layer registry: every layer reconstructs from its options, shorthands, function names, custom layers."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import netgraph.layers as layers
from netgraph.layers import REGISTRY, Layer, layer_class, register
from netgraph import (AttentionLayer, ELEMENTWISE, AggregationLayer, BasicRecurrentLayer, BatchNormalizationLayer, CatenateLayer,
                      ConstantArrayLayer, ConvolutionLayer, DeconvolutionLayer, CrossEntropyLossLayer, DotLayer,
                      DropoutLayer, ContrastiveLossLayer, CTCLossLayer, ExtractLayer, ParametricRampLayer,
                      NormalizationLayer, PaddingLayer, ResizeLayer, ElementwiseLayer, EmbeddingLayer, FlattenLayer,
                      KLDivergenceLayer, FunctionLayer, GatedRecurrentLayer,
                      LayerNormalizationLayer, LinearLayer, LongShortTermMemoryLayer, MeanAbsoluteLossLayer,
                      MeanSquaredLossLayer, NetArrayLayer, NetChain, NetGraph, NormalDistribution, OptionError,
                      PartLayer, PoolingLayer, PortType, RandomArrayLayer, ReplicateLayer, ReshapeLayer,
                      SequenceLastLayer, SoftmaxLayer, SummationLayer, ThreadingLayer, TorchLayer, TotalLayer,
                      TransposeLayer, WiringError, interpret, net_initialize, NetMapOperator, NetFoldOperator,
                      NetNestOperator, NetPort, NetBidirectionalOperator, NetPairEmbeddingOperator)

SAMPLES: dict[str, Layer] = {s.type_name: s for s in [
    LinearLayer(3, input=2, weights=torch.randn(3, 2), biases=torch.randn(3)),
    ElementwiseLayer("Tanh", input=4), FunctionLayer("#a * #b + 1", output=2),
    NetArrayLayer(array=[1.0, 2.0]), ConstantArrayLayer(output=(2, 3)),
    RandomArrayLayer(NormalDistribution("#mu", 1.0), output=3),
    KLDivergenceLayer(NormalDistribution("#mu", 1.0), NormalDistribution(0.0, 2.0), shape=3),
    ThreadingLayer("Times", [1, -1, "None"], inputs=3), TotalLayer(inputs=["a", "b"]), CatenateLayer(level=-1, inputs=2),
    DotLayer(),
    SoftmaxLayer(level=2, input=(3, 4)), DropoutLayer(0.25), BatchNormalizationLayer(momentum=0.8, scaling=[1.0, 2.0]),
    LayerNormalizationLayer(epsilon=1e-3, biases=[0.0, 1.0]),
    AttentionLayer("Bilinear", multi_head=True, mask="Causal", key=("n", 2, 3), weights=torch.randn(3, 4)),
    ConvolutionLayer(4, [3, 3], stride=2, padding_size=[1, 0], dilation=1, channel_groups=2),
    PoolingLayer([2, 2], stride=2, function="Mean"),
    DeconvolutionLayer(4, [3, 3], stride=2, padding_size=[1, 0], channel_groups=2, biases=[0.0, 1.0, 2.0, 3.0]),
    PaddingLayer([0, [1, 2]], padding="Periodic"), ResizeLayer(scale=[2, 1.5], resampling="Nearest"),
    NormalizationLayer([1, 3], "Same", method="RMS", unbiased=True, epsilon=1e-4),
    ParametricRampLayer([1, -1], slope=[[0.1, 0.2], [0.3, 0.4]]),
    ExtractLayer(input=(4, 5), position=(3, 2)),
    FlattenLayer(-1), ReshapeLayer([2, -1]), TransposeLayer([3, 1, 2]), PartLayer(["All", "2;;3"]),
    ReplicateLayer([2, 3], level=-1), AggregationLayer("Total", levels=[1, 2]), SummationLayer(),
    EmbeddingLayer(4, 10, input=["n"], weights=torch.randn(10, 4)),
    LongShortTermMemoryLayer(5, input=3), GatedRecurrentLayer(2, update_gate_biases=torch.zeros(2)),
    BasicRecurrentLayer(3, activation="Ramp", state_input=True), SequenceLastLayer(),
    layers.SequenceMostLayer(), layers.SequenceRestLayer(), layers.SequenceReverseLayer(), layers.SequenceIndicesLayer(4),
    layers.AppendLayer(element=2), layers.PrependLayer(input=("n", 3)),
    ContrastiveLossLayer(1.0, input=3), CTCLossLayer(input=("n", 5), logits=True),
    MeanSquaredLossLayer(input=3), MeanAbsoluteLossLayer(), CrossEntropyLossLayer("Binary", logits=True),
    TorchLayer(nn.Linear(3, 2), inputs={"x": (3,)}, outputs=["y"]),
    NetMapOperator(NetGraph({"lin": LinearLayer(2, weights=torch.randn(2, 3), biases=torch.zeros(2))}, [], Input=3)),
    NetFoldOperator(NetGraph({"plus": "Plus"}, [([NetPort("Input"), NetPort("State")], "plus")], Input=2),
                    state_input=True),
    NetNestOperator(NetGraph({"act": "Tanh"}, [], Input=4), 2),
    NetBidirectionalOperator([NetGraph({"r": GatedRecurrentLayer(2)}, []), NetGraph({"r": BasicRecurrentLayer(2)}, [])],
                             "Mean"),
    NetPairEmbeddingOperator(NetGraph({"act": "Tanh"}, []), "Cosine"),
]}
CONTAINERS = {"NetGraph", "NetChain"}


def _ours(cls: type) -> bool:
    return cls.__module__.split(".")[0] in ("layers", "netgraph")


def test_every_registered_layer_has_a_sample():
    missing = sorted(n for n, cls in REGISTRY.items() if _ours(cls) and n not in SAMPLES and n not in CONTAINERS)
    assert not missing, f"add a sample instance to SAMPLES for {missing}"


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_layer_reconstructs_from_its_options(name):
    layer = SAMPLES[name]
    cls = layer_class(name)
    assert cls is type(layer)
    options = layer.options()
    assert all(dataclasses.is_dataclass(layer) and k in {f.name for f in dataclasses.fields(layer)} for k in options)
    rebuilt = cls(**options)
    assert rebuilt == layer
    assert rebuilt.input_ports == layer.input_ports and rebuilt.output_ports == layer.output_ports
    assert rebuilt.declared_types() == layer.declared_types()
    changed = _change_one_option(layer)
    if changed is not None:
        assert changed != layer  # equality looks at options


def _change_one_option(layer: Layer) -> Layer | None:
    for key, value in layer.options().items():
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            try:
                return type(layer)(**{**layer.options(), key: value + 1})
            except Exception:  # noqa: BLE001 - some options are tied to others; try the next
                continue
    return None


def test_containers_reconstruct_from_their_options():
    chain = NetChain({"a": LinearLayer(3), "b": "Tanh"}, input=2)
    options = chain.options()
    assert NetChain(options.pop("layers"), **options) == chain
    graph = NetGraph({"a": LinearLayer(3), "b": "Tanh"}, [("a", "b")], Input=2)
    options = graph.options()
    assert NetGraph(options.pop("layers"), options.pop("edges"), **options) == graph


def test_unknown_type_names_get_suggestions():
    with pytest.raises(OptionError, match=r"unknown layer type 'LSTMLayer'"):
        layer_class("LSTMLayer")
    with pytest.raises(OptionError, match=r"did you mean 'ConvolutionLayer'"):
        layer_class("ConvolutionLayr")


def test_shorthands_in_layer_lists():
    net = NetGraph([3, "Ramp", [4, "Tanh"], nn.Identity()], [(1, 2, 3, 4)], Input=2)
    kinds = [type(layer).__name__ for layer in net.layers.values()]
    assert kinds == ["LinearLayer", "ElementwiseLayer", "NetChain", "TorchLayer"]
    assert net.output_shapes == {"Output": (4,)}
    plus = NetGraph({"a": 3, "b": 3, "p": "Plus"}, [(["a", "b"], "p")], Input=2)
    assert plus.layers["p"] == ThreadingLayer("Plus", inputs=2)
    with pytest.raises(WiringError, match=r"not a layer or a layer shorthand.*did you mean 'Tanh'"):
        NetGraph(["tanh"], [])


# Each elementwise name against its Wolfram formula: tests/test_function_table.py


def test_issue_activations_are_known():
    for name in ("Ramp", "Tanh", "LogisticSigmoid", "ELU", "SELU", "GELU", "Softplus", "Swish"):
        assert name in ELEMENTWISE
    with pytest.raises(OptionError, match=r"unknown function 'Relu'.*did you mean 'ReLU'"):
        ElementwiseLayer("Relu")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Rescale(Layer):
    """A user's own layer: y = scale * x + shift, with a learned ``Shift`` array."""

    scale: float = 2.0
    shift: Any = None
    ARRAYS = {"Shift": "shift"}
    input_ports = ("Input",)

    def infer(self, types: Mapping[str, PortType]) -> dict[str, PortType]:
        from netgraph.core.types import unify
        merged = unify(types["Input"], types["Output"])
        return {"Input": merged, "Output": merged}

    def array_shapes(self, types: Mapping[str, PortType]) -> dict[str, tuple]:
        return {"Shift": types["Input"].shape}

    def build(self, types: Mapping[str, PortType]) -> nn.Module:
        return _ScaleShift(self.scale, torch.as_tensor(self.shift))


class _ScaleShift(nn.Module):
    def __init__(self, scale: float, shift: torch.Tensor):
        super().__init__()
        self.scale, self.Shift = scale, nn.Parameter(shift.clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.scale * x + self.Shift


def test_a_user_layer_registers_itself_and_works_everywhere():
    assert REGISTRY["Rescale"] is Rescale
    register(Rescale, "AffineScale")  # a second, custom type name
    built = layer_class("AffineScale")(scale=3.0)  # what a YAML spec does with {type: AffineScale, scale: 3.0}
    net = net_initialize(NetChain([LinearLayer(4), built], input=2), seed=0)
    module = net.compile()
    x = torch.randn(5, 2)
    lin = module.get_submodule("1")
    expected = 3.0 * F.linear(x, lin.Weights, lin.Biases) + module.get_submodule("2").Shift
    torch.testing.assert_close(module(x), expected)
    torch.testing.assert_close(interpret(net, module, Input=x), expected)
    assert "2.Shift" in module.state_dict()


def test_spec_module_builds_a_registered_layer_when_present():
    import netgraph.spec as spec
    text = ("netgraph: 1\nlayers:\n  lin: {type: LinearLayer, output: 4}\n  act: {type: Rescale, scale: 3.0}\n"
            "inputs:\n  Input: 2\nedges:\n  - lin -> act\n")
    net = spec.from_yaml(text)
    assert net.layers["act"] == Rescale(scale=3.0)


def test_families_are_exported():
    for name in ("NetChain", "TorchLayer", "register_module", "CrossEntropyLossLayer", "LOSS_LAYERS"):
        import netgraph
        assert hasattr(netgraph, name)
    assert {"losses", "merge", "reshape", "conv", "recurrent", "torch_layer"} <= set(layers.FAMILIES)


def test_constant_array_layer_is_the_old_name_of_net_array_layer():
    net = NetGraph({"c": ConstantArrayLayer(array=[[1.0, 2.0]]), "f": "Tanh"}, [("c", "f")])
    assert net.output_shapes == {"Output": (1, 2)}
    module = net.compile()
    assert set(module.state_dict()) == {"c.Array"}
    torch.testing.assert_close(module(), torch.tanh(torch.tensor([[1.0, 2.0]])))
    assert isinstance(ConstantArrayLayer(), NetArrayLayer)
