"""Compiled forward == reference interpreter, for every registered layer type, function name and distribution.

Each registered layer type needs an entry in ``EXAMPLES`` (a small layer with representative options and
declared shapes); a type without one fails ``test_every_registered_layer_type_has_an_example``, so a new
layer cannot skip the parity check. Each example is initialised with a seed and run twice on the same
random inputs: through ``net.compile()``'s generated forward and through ``netgraph.interpret``. The
global RNG is reseeded before each run, so random layers must make the same draws on both paths.

Dtype policy: a net computes in the dtype of its parameters and inputs. Run as built (float32 inputs)
every floating output is float32; after ``module.double()`` with float64 inputs every floating output is
float64. Both paths must give the same values (allclose) and the same dtype, in train and eval mode.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch import nn

import netgraph.layers as layers
from netgraph import NetGraph, NetPort, interpret, net_initialize
from netgraph.layers import REGISTRY, Layer
from netgraph.layers.dist_base import DISTRIBUTIONS
from netgraph.layers.function import ELEMENTWISE
from netgraph.layers.function_table import NAMED_FUNCTIONS, OTHER_FORMS_OF
from netgraph.layers.merge import THREADING

CONTAINERS = {"NetGraph", "NetChain"}


@dataclasses.dataclass(frozen=True)
class Example:
    """A layer, the shapes of its net's input ports, the range of real inputs, integer ports' bounds."""

    layer: Layer
    shapes: dict[str, Any] = dataclasses.field(default_factory=dict)
    low: float = -2.0
    high: float = 2.0
    integers: dict[str, Any] = dataclasses.field(default_factory=dict)  # port -> exclusive upper bound, or (low, high)


L = layers
EXAMPLES: dict[str, list[Example]] = {
    "AggregationLayer": [Example(L.AggregationLayer("Max", levels=[1, 2]), {"Input": (2, 3, 4)}),
                         Example(L.AggregationLayer("Mean", levels=-1), {"Input": (3, 4)})],
    "AppendLayer": [Example(L.AppendLayer(), {"Input": (3, 2), "Element": 2}),
                    Example(L.AppendLayer(), {"Input": (4,), "Element": ()}, integers={"Input": 5, "Element": 5})],
    "BasicRecurrentLayer": [Example(L.BasicRecurrentLayer(3, activation="Ramp"), {"Input": (4, 2)}),
                            Example(L.BasicRecurrentLayer(2, state_input=True, state_output=True),
                                    {"Input": (3, 2), "InitialState": 2})],
    "BatchNormalizationLayer": [Example(L.BatchNormalizationLayer(momentum=0.8), {"Input": (3, 4)})],
    "CatenateLayer": [Example(L.CatenateLayer(level=-1, inputs=2), {"Input1": (2, 3), "Input2": (2, 1)})],
    "ConstantArrayLayer": [Example(L.ConstantArrayLayer(output=(2, 3)))],
    "ConvolutionLayer": [Example(L.ConvolutionLayer(4, [3, 3], stride=2, padding_size=[1, 0], channel_groups=2),
                                 {"Input": (2, 7, 6)}),
                         Example(L.ConvolutionLayer(2, 3, dilation=2), {"Input": (1, 9)})],
    "ContrastiveLossLayer": [Example(L.ContrastiveLossLayer(1.0), {"Input": 3, "Target": 3}, low=0.0,
                                     integers={"Target": 2})],
    "CTCLossLayer": [Example(L.CTCLossLayer(), {"Input": (5, 4), "Target": 2}, low=0.05, high=1.0,
                             integers={"Target": 3}),
                     Example(L.CTCLossLayer(logits=True), {"Input": (4, 3), "Target": 1}, integers={"Target": 2})],
    "CrossEntropyLossLayer": [Example(L.CrossEntropyLossLayer("Index", input=(2, 5), logits=True), integers={"Target": 5}),
                              Example(L.CrossEntropyLossLayer("Index", input=5), low=0.05, high=1.0,
                                      integers={"Target": 5}),
                              Example(L.CrossEntropyLossLayer("Probabilities", input=4), low=0.05, high=1.0),
                              Example(L.CrossEntropyLossLayer("Binary", logits=True), {"Input": 3, "Target": 3},
                                      low=0.0, high=1.0)],
    "DeconvolutionLayer": [Example(L.DeconvolutionLayer(4, [3, 2], stride=2, padding_size=[1, 0], channel_groups=2),
                                   {"Input": (2, 4, 3)}),
                           Example(L.DeconvolutionLayer(2, 3, dilation=2), {"Input": (1, 5)})],
    "DotLayer": [Example(L.DotLayer(), {"Input1": (2, 3), "Input2": (3, 4)}),
                 Example(L.DotLayer(), {"Input1": 3, "Input2": 3})],
    "DropoutLayer": [Example(L.DropoutLayer(0.25), {"Input": 8})],
    "ElementwiseLayer": [Example(L.ElementwiseLayer("Tanh"), {"Input": (2, 3)}),
                         Example(L.ElementwiseLayer("#^2 + 1"), {"Input": 3})],
    "EmbeddingLayer": [Example(L.EmbeddingLayer(4, 10), {"Input": 5}, integers={"Input": 10})],
    "ExtractLayer": [Example(L.ExtractLayer(), {"Input": (4, 5, 3), "Position": 2}, integers={"Position": (1, 5)}),
                     Example(L.ExtractLayer(), {"Input": (4, 2), "Position": (3, 1)}, integers={"Position": (-4, 0)})],
    "FlattenLayer": [Example(L.FlattenLayer(-1), {"Input": (2, 3, 4)})],
    "FunctionLayer": [Example(L.FunctionLayer("#a * #b + Max[#a, 0.5] - (2 < #b) * #b"), {"a": 3, "b": (2, 3)}),
                      Example(L.FunctionLayer(lambda x, y: x * y.sum(-1, keepdim=True)), {"x": 3, "y": 3}),
                      Example(L.FunctionLayer('<|"d" -> Dot[#m, #v] + Total[#m, {2}], "p" -> Part[#m, -1] * Mean[#m]|>'),
                              {"m": (3, 4), "v": 4}),
                      Example(L.FunctionLayer("{Clip[#x, {0, 1}], Total[#x, 2] / 2}"), {"x": (2, 3)}),
                      Example(L.FunctionLayer(lambda x: (x.exp(), x.sum(-1)), outputs=["e", "t"]), {"x": (2, 3)})],
    "GatedRecurrentLayer": [Example(L.GatedRecurrentLayer(2), {"Input": (3, 4)}),
                            Example(L.GatedRecurrentLayer(2, memory_gate_state_biases=torch.tensor([0.5, -0.3])),
                                    {"Input": (3, 4)}),
                            Example(L.GatedRecurrentLayer(3, state_input=True, state_output=True),
                                    {"Input": (4, 2), "InitialState": 3})],
    "KLDivergenceLayer": [Example(L.KLDivergenceLayer(L.NormalDistribution("#mu", "#s"), L.NormalDistribution()),
                                  {"mu": 3, "s": 3}, low=0.2, high=0.8),
                          Example(L.KLDivergenceLayer(L.GammaDistribution("#a", 1.0), L.ExponentialDistribution(2.0),
                                                      samples=3), {"a": (2, 3)}, low=0.2, high=0.8),
                          Example(L.KLDivergenceLayer(L.PoissonDistribution("#m"), L.PoissonDistribution(1.0),
                                                      method="monte_carlo", samples=2), {"m": 2}, low=0.2, high=0.8),
                          Example(L.KLDivergenceLayer(L.BernoulliDistribution(0.25), L.BernoulliDistribution(0.5),
                                                      shape=(2, 2)))],
    "LayerNormalizationLayer": [Example(L.LayerNormalizationLayer(epsilon=1e-3), {"Input": (2, 5)})],
    "AttentionLayer": [Example(L.AttentionLayer(), {"Key": (5, 4), "Value": (5, 3), "Query": (2, 4)}),
                       Example(L.AttentionLayer("Bilinear", multi_head=True, mask="Causal", score_rescaling="None"),
                               {"Key": (4, 2, 3), "Value": (4, 2, 5), "Query": (4, 2, 6)}),
                       Example(L.AttentionLayer(multi_head=True), {"Key": (4, 2, 3), "Value": (4, 2, 5), "Query": (2, 3)})],
    "NetMapOperator": [Example(L.NetMapOperator(NetGraph({"h": L.LinearLayer(3), "act": "Tanh"}, [("h", "act")])),
                               {"Input": (5, 2)})],
    "NetFoldOperator": [Example(L.NetFoldOperator(NetGraph({"cat": L.CatenateLayer(), "lin": L.LinearLayer(3), "act": "Tanh"},
                                                           [([NetPort("Input"), NetPort("State")], "cat"),
                                                            ("cat", "lin", "act")]), state_input=True),
                                {"Input": (4, 2)})],
    "NetNestOperator": [Example(L.NetNestOperator(NetGraph({"lin": L.LinearLayer(2), "act": "Tanh"}, [("lin", "act")]), 3),
                                {"Input": 2})],
    "NetBidirectionalOperator": [Example(L.NetBidirectionalOperator(NetGraph({"r": L.GatedRecurrentLayer(3)}, [])),
                                         {"Input": (4, 2)})],
    "NetPairEmbeddingOperator": [Example(L.NetPairEmbeddingOperator(NetGraph({"lin": L.LinearLayer(3)}, []), "Cosine"),
                                         {"Input1": 2})],
    "LinearLayer": [Example(L.LinearLayer(3), {"Input": 2}), Example(L.LinearLayer((2, 2)), {"Input": (3, 2)})],
    "LongShortTermMemoryLayer": [Example(L.LongShortTermMemoryLayer(5), {"Input": (4, 3)}),
                                 Example(L.LongShortTermMemoryLayer(3, state_input=True, state_output=True),
                                         {"Input": (4, 2), "InitialState": 3, "InitialCellState": 3}),
                                 Example(L.LongShortTermMemoryLayer(2, state_output=True), {"Input": (3, 2)})],
    "MeanAbsoluteLossLayer": [Example(L.MeanAbsoluteLossLayer(), {"Input": (2, 3), "Target": (2, 3)})],
    "MeanSquaredLossLayer": [Example(L.MeanSquaredLossLayer(input=3))],
    "NetArrayLayer": [Example(L.NetArrayLayer(array=[1.0, 2.0])), Example(L.NetArrayLayer(output=(2, 3)))],
    "NormalizationLayer": [Example(L.NormalizationLayer(), {"Input": (2, 3, 4)}),
                           Example(L.NormalizationLayer([1, 3], 2, method="RMS", unbiased=True), {"Input": (2, 3, 4)}),
                           Example(L.NormalizationLayer(group_number=2), {"Input": (4, 3, 2)})],
    "PrependLayer": [Example(L.PrependLayer(), {"Input": (3, 2), "Element": 2})],
    "PaddingLayer": [Example(L.PaddingLayer([0, [1, 2]], padding=p), {"Input": (2, 3, 4)})
                     for p in ("Reflected", "Periodic", "Fixed", 0.5)],
    "ParametricRampLayer": [Example(L.ParametricRampLayer(), {"Input": (3, 4)}),
                            Example(L.ParametricRampLayer([]), {"Input": 3})],
    "PartLayer": [Example(L.PartLayer(["All", "2;;3"]), {"Input": (3, 4)}), Example(L.PartLayer(2), {"Input": 4})],
    "PoolingLayer": [Example(L.PoolingLayer([2, 2], stride=2, function=f), {"Input": (2, 5, 4)})
                     for f in ("Max", "Mean", "Total")],
    "RandomArrayLayer": [],  # one example per distribution: see distribution_examples()
    "ResizeLayer": [Example(L.ResizeLayer([5, 3]), {"Input": (2, 3, 4)}),
                    Example(L.ResizeLayer(scale=2, resampling="Nearest"), {"Input": (2, 3)})],
    "ReplicateLayer": [Example(L.ReplicateLayer([2, 3], level=-1), {"Input": 4})],
    "ReshapeLayer": [Example(L.ReshapeLayer([2, -1]), {"Input": (3, 4)})],
    "SequenceLastLayer": [Example(L.SequenceLastLayer(), {"Input": (4, 3)})],
    "SequenceMostLayer": [Example(L.SequenceMostLayer(), {"Input": (4, 3)})],
    "SequenceRestLayer": [Example(L.SequenceRestLayer(), {"Input": (4, 3)})],
    "SequenceIndicesLayer": [Example(L.SequenceIndicesLayer(), {"Input": (4, 3)}),
                             Example(L.SequenceIndicesLayer(2), {"Input": (5,)}, integers={"Input": 7})],
    "SequenceReverseLayer": [Example(L.SequenceReverseLayer(), {"Input": (4, 3)}),
                             Example(L.SequenceReverseLayer(), {"Input": (5,)}, integers={"Input": 7})],
    "SoftmaxLayer": [Example(L.SoftmaxLayer(level=2), {"Input": (3, 4)}), Example(L.SoftmaxLayer(), {"Input": 5})],
    "SummationLayer": [Example(L.SummationLayer(), {"Input": (2, 3)}), Example(L.SummationLayer(), {"Input": 3})],
    "ThreadingLayer": [Example(L.ThreadingLayer("#a / #b + #c"), {"a": 2, "b": (3, 2), "c": 1}, low=0.5),
                       Example(L.ThreadingLayer("Times", [-1, 2, "None"]), {"Input1": 3, "Input2": 3, "Input3": (3, 1, 4)})],
    "TorchLayer": [Example(L.TorchLayer(nn.Linear(3, 2), inputs={"x": (3,)}, outputs=["y"]))],
    "TotalLayer": [Example(L.TotalLayer(inputs=3), {"Input1": 2, "Input2": 2, "Input3": 2})],
    "TransposeLayer": [Example(L.TransposeLayer([3, 1, 2]), {"Input": (2, 3, 4)})],
}

#: Representative parameters for each distribution: a slot (an input port) where a real parameter may be one.
DISTRIBUTION_ARGS: dict[str, tuple] = {
    "NormalDistribution": ("#mu", "#sigma"), "UniformDistribution": (("#lo", 1.0),),
    "ExponentialDistribution": ("#lam",), "MaxwellDistribution": ("#sigma",), "RayleighDistribution": ("#sigma",),
    "HalfNormalDistribution": ("#theta",), "WeibullDistribution": ("#alpha", "#beta", 0.5),
    "BernoulliDistribution": ("#p",), "BinomialDistribution": (5, "#p"), "PoissonDistribution": ("#mu",),
    "NegativeBinomialDistribution": (3, "#p"), "DiscreteUniformDistribution": ((1, 6),),
    "GammaDistribution": ("#alpha", "#beta"), "ChiDistribution": ("#nu",), "NakagamiDistribution": ("#mu", "#omega"),
    "ChiSquareDistribution": ("#nu",), "ErlangDistribution": (2, "#lam"), "LogGammaDistribution": ("#a", "#b", 0.1),
    "ExpGammaDistribution": ("#k", "#t", 0.2), "InverseGammaDistribution": ("#alpha", "#beta"),
}


def _categorical(estimator: str, **options: Any) -> Example:
    """Class probabilities from a SoftmaxLayer (random inputs do not sum to 1) feeding the draw."""
    draw = L.RandomArrayLayer(L.CategoricalDistribution("#p"), estimator=estimator,
                              **({"temperature": 0.5} if estimator == "relaxed" else {}), **options)
    return Example(NetGraph({"softmax": L.SoftmaxLayer(), "draw": draw}, [("softmax", NetPort("draw", "p"))], Input=(3, 4)))


#: Vector distributions: slots with trailing event dims (k = 2 or 4), broadcast over sample dims; each factory
#: takes RandomArrayLayer options (log_probability=True).
VECTOR_EXAMPLES: dict[str, Callable[..., Example]] = {
    "MultinormalDistribution": lambda **o: Example(L.RandomArrayLayer(
        L.MultinormalDistribution("#mu", [[2.0, 0.5], [0.5, 1.0]]), output=(3, 2), **o), {"mu": 2}),
    "MultinormalCholeskyDistribution": lambda **o: Example(L.RandomArrayLayer(L.MultinormalCholeskyDistribution(
        "#mu", "#l"), **o), {"mu": (3, 2), "l": (2, 2)}, low=0.2, high=0.8),
    "MultinormalDiagonalDistribution": lambda **o: Example(L.RandomArrayLayer(L.MultinormalDiagonalDistribution(
        "#mu", "#sigma"), output=(3, 2), **o), {"mu": 2, "sigma": (3, 2)}, low=0.2, high=0.8),
    "DirichletDistribution": lambda **o: Example(L.RandomArrayLayer(L.DirichletDistribution("#alpha"), output=(3, 4),
                                                                    **o), {"alpha": 4}, low=0.2, high=0.8),
    "CategoricalDistribution": lambda **o: _categorical("score_function", **o),
    "CategoricalDistribution straight_through": lambda **o: _categorical("straight_through", **o),
    "CategoricalDistribution relaxed": lambda **o: _categorical("relaxed", **o),
}


def distribution_examples() -> dict[str, Example]:
    """Per distribution a RandomArrayLayer example and its log_probability=True variant; slot inputs lie in
    (0.2, 0.8), valid for every parameter, or (0.5, 0.8) for the InverseGamma (with a shape below about 1/3
    its draws pass float32's range with probability over 1e-12, which is refused)."""
    examples = {}
    for name, make in VECTOR_EXAMPLES.items():
        examples[name] = make()
        examples[f"{name} log_probability"] = make(log_probability=True)
    for name, cls in DISTRIBUTIONS.items():
        if name not in examples:
            layer = L.RandomArrayLayer(cls(*DISTRIBUTION_ARGS[name]), output=3)
            low = 0.5 if name == "InverseGammaDistribution" else 0.2
            examples[name] = Example(layer, {p: 3 for p in layer.input_ports}, low=low, high=0.8)
            scored = layer.replace(log_probability=True)
            examples[f"{name} log_probability"] = Example(scored, {p: 3 for p in layer.input_ports}, low=low, high=0.8)
    examples["constant parameters"] = Example(L.RandomArrayLayer(L.NormalDistribution(1.0, 2.0), output=(2, 3)))
    examples["constant vector parameters"] = Example(L.RandomArrayLayer(L.DirichletDistribution([[0.5, 2.0], [1.0, 3.0]]),
                                                                        output=(4, 2, 2)))
    return examples


def function_examples() -> dict[str, Callable[[], Example]]:
    """Every elementwise name as an ElementwiseLayer and inside a FunctionLayer; every threading name."""
    examples: dict[str, Callable[[], Example]] = {}
    for name in ELEMENTWISE:
        examples[f"ElementwiseLayer {name}"] = functools.partial(
            Example, L.ElementwiseLayer(name), {"Input": (2, 3)}, low=0.05, high=0.95)
        examples[f"FunctionLayer {name}"] = lambda name=name: Example(
            L.FunctionLayer(f"{name}[#x] * #y"), {"x": 3, "y": (2, 3)}, low=0.05, high=0.95)
    for name in THREADING:
        examples[f"ThreadingLayer {name}"] = functools.partial(
            Example, L.ThreadingLayer(name, inputs=2), {"Input1": 3, "Input2": (2, 3)}, low=0.5, high=2.0)
        examples[f"FunctionLayer {name}"] = lambda name=name: Example(
            L.FunctionLayer(f"{name}[#a, #b]"), {"a": 3, "b": 3}, low=0.5, high=2.0)
    two_argument = [n for n, f in NAMED_FUNCTIONS.items() if f.arity == 2 and n not in THREADING]
    other_forms = [(name, form.arity) for name, forms in OTHER_FORMS_OF.items() for form in forms]
    for name, arity in [*((n, 2) for n in two_argument), *other_forms]:  # Quotient; Log[b, x], Mod[m, n, d]
        ports = dict(zip("abc", [3, (2, 3), 3][:arity]))
        examples[f"FunctionLayer {name} of {arity}"] = lambda name=name, ports=ports: Example(
            L.FunctionLayer(f"{name}[{', '.join('#' + p for p in ports)}]"), ports, low=0.5, high=2.0)
    for text in WHOLE_ARRAY:
        examples[f"FunctionLayer {text}"] = functools.partial(Example, L.FunctionLayer(text), {"x": (2, 3)}, low=-1.0)
    for text in AT_EDGES:
        examples[f"FunctionLayer {text}"] = functools.partial(Example, L.FunctionLayer(text), {"x": 6, "y": 6},
                                                              low=-1.5, high=1.5)
    return examples


#: Whole-array functions of one argument, which Wolfram users write (``Max[list]`` is its largest element).
WHOLE_ARRAY = ("Max[#x] - #x", "Min[#x]", "Norm[#x]", "Norm[First[#x]] * Last[#x]", "Length[#x] + Length[#x[[1, 1]]]",
               "StandardDeviation[#x] + Variance[#x]", "StandardDeviation[First[#x]] * Last[#x]")
#: Functions at their edges: of Round[#x] and Round[#y], -1, 0 or 1 (Surd at 0, ArcTan's Indeterminate at the
#: origin, Ramp at 0).
AT_EDGES = ("Surd[Round[#x], 3] + Surd[Round[#x], 2] + Surd[Round[#x], Round[#y] + 2]",
            "ArcTan[Round[#x], Round[#y]] + Ramp[Round[#x]] * #y")


def _inputs(net: NetGraph, example: Example, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(7)
    inputs = {}
    for port in net.input_ports:
        shape = (4, *net.input_shapes[port])
        if port in example.integers:
            bound = example.integers[port]
            low, high = bound if isinstance(bound, tuple) else (0, bound)
            inputs[port] = torch.randint(low, high, shape, generator=generator)
        else:
            inputs[port] = example.low + (example.high - example.low) * torch.rand(shape, generator=generator, dtype=dtype)
    return inputs


def _as_dict(result: Any) -> dict[str, torch.Tensor]:
    return result if isinstance(result, dict) else {"Output": result}


def check_parity(example: Example) -> None:
    """Compiled and interpreted outputs agree in value and dtype, float32 and float64, train and eval mode."""
    net = net_initialize(NetGraph([example.layer], [], **example.shapes), seed=0)
    for dtype in (torch.float32, torch.float64):
        module = net.compile().to(dtype)
        inputs = _inputs(net, example, dtype)
        for training in (True, False):
            module.train(training)
            torch.manual_seed(11)
            compiled = _as_dict(module(**inputs))
            torch.manual_seed(11)
            interpreted = _as_dict(interpret(module.net, module, **inputs))
            assert compiled.keys() == interpreted.keys()
            for port, value in compiled.items():
                where = f"{example.layer!r} port {port!r}, {dtype}, {'train' if training else 'eval'} mode"
                torch.testing.assert_close(value, interpreted[port], equal_nan=True, msg=lambda m: f"{where}: {m}")
                if value.is_floating_point():
                    assert value.dtype == dtype, f"{where}: output dtype {value.dtype}, expected {dtype}"


def test_every_registered_layer_type_has_an_example():
    missing = sorted(n for n, cls in REGISTRY.items()
                     if cls.__module__.startswith("netgraph.") and n not in CONTAINERS and n not in EXAMPLES)
    assert not missing, f"add an example to EXAMPLES in {__file__} for {missing}"
    assert set(DISTRIBUTIONS) <= set(distribution_examples())


@pytest.mark.parametrize("case", [(name, i) for name, examples in EXAMPLES.items() for i in range(len(examples))],
                         ids=lambda case: f"{case[0]}-{case[1]}")
def test_layer_compiled_matches_interpreted(case):
    name, index = case
    check_parity(EXAMPLES[name][index])


@pytest.mark.parametrize("name", sorted(distribution_examples()))
def test_random_array_layer_compiled_matches_interpreted(name):
    check_parity(distribution_examples()[name])


@pytest.mark.parametrize("name", sorted(function_examples()))
def test_function_name_compiled_matches_interpreted(name):
    check_parity(function_examples()[name]())
