"""Options each good alone but not together (a layer's ``validate``) are one Diagnostic of kind
``"option-combination"`` naming the option the message asks to change; a spec points at that option's value."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from netgraph import (AttentionLayer, BasicRecurrentLayer, BatchNormalizationLayer, BernoulliDistribution,
                      CategoricalDistribution, ConvolutionLayer, CrossEntropyLossLayer, CTCLossLayer,
                      DeconvolutionLayer, EmbeddingLayer, ExponentialDistribution, FlattenLayer, FunctionLayer,
                      GatedRecurrentLayer, KLDivergenceLayer, LayerNormalizationLayer, LinearLayer, NetArrayLayer,
                      NetBidirectionalOperator, NetFoldOperator, NetGraph, NetMapOperator, NetNestOperator,
                      NetPairEmbeddingOperator, NormalDistribution, NormalizationLayer, OptionError,
                      ParametricRampLayer, PoolingLayer, RandomArrayLayer, RayleighDistribution, ResizeLayer,
                      SpecError, ThreadingLayer, TorchLayer, UniformDistribution)
from netgraph.layers import REGISTRY, Layer
from tests.diagnostic_helpers import sole_diagnostic


def _diagnostic(make):
    return sole_diagnostic(make, OptionError)


z = torch.zeros

#: every layer type whose validate() refuses a combination, with the option each message asks to change
COMBINATIONS = [
    (ParametricRampLayer, lambda: ParametricRampLayer(levels=[], slope=z(3)), "slope"),
    (NetArrayLayer, lambda: NetArrayLayer(array=z(2, 3), output=(3, 2)), "array"),
    (AttentionLayer, lambda: AttentionLayer("Dot", weights=z(2, 2)), "weights"),
    (ConvolutionLayer, lambda: ConvolutionLayer(4, 3, weights=z(5, 1, 3, 3)), "weights"),
    (ConvolutionLayer, lambda: ConvolutionLayer(4, 3, weights=z(4, 1, 2, 2)), "weights"),
    (ConvolutionLayer, lambda: ConvolutionLayer(4, 3, biases=z(5)), "biases"),
    (ConvolutionLayer, lambda: ConvolutionLayer(3, 3, channel_groups=2), "channel_groups"),
    (PoolingLayer, lambda: PoolingLayer(2, function="Total", ceil_mode=True), "ceil_mode"),
    (PoolingLayer, lambda: PoolingLayer(2, function="Mean", dilation=2), "dilation"),
    (PoolingLayer, lambda: PoolingLayer(2, padding_size=2), "padding_size"),
    (DeconvolutionLayer, lambda: DeconvolutionLayer(3, 3, channel_groups=2), "channel_groups"),
    (DeconvolutionLayer, lambda: DeconvolutionLayer(4, 3, weights=z(1, 5, 3, 3)), "weights"),
    (DeconvolutionLayer, lambda: DeconvolutionLayer(4, 3, biases=z(5)), "biases"),
    (EmbeddingLayer, lambda: EmbeddingLayer(3, 4, weights=z(5, 3)), "n"),
    (KLDivergenceLayer, lambda: KLDivergenceLayer(NormalDistribution(), UniformDistribution([0, 1])), "q"),
    (KLDivergenceLayer, lambda: KLDivergenceLayer(ExponentialDistribution(1), RayleighDistribution(1), method="closed_form"), "method"),
    (KLDivergenceLayer, lambda: KLDivergenceLayer(NormalDistribution(), NormalDistribution(), samples=4), "samples"),
    (CrossEntropyLossLayer, lambda: CrossEntropyLossLayer("Index", input=()), "input"),
    (BatchNormalizationLayer, lambda: BatchNormalizationLayer(scaling=z(3), biases=z(4)), "biases"),
    (LayerNormalizationLayer, lambda: LayerNormalizationLayer(scaling=z(3), biases=z(4)), "biases"),
    (NormalizationLayer, lambda: NormalizationLayer(scaling=z(3), biases=z(4)), "biases"),
    (RandomArrayLayer, lambda: RandomArrayLayer(NormalDistribution(), estimator="relaxed"), "estimator"),
    (RandomArrayLayer, lambda: RandomArrayLayer(BernoulliDistribution(0.5), temperature=0.5), "temperature"),
    (RandomArrayLayer, lambda: RandomArrayLayer(CategoricalDistribution([0.5, 0.5]), eval_mode="mean"), "eval_mode"),
    (RandomArrayLayer, lambda: RandomArrayLayer(NormalDistribution(), eval_mode="mean", log_probability=True), "log_probability"),
    (ResizeLayer, lambda: ResizeLayer([4, 4], resampling="Nearest", scheme="Point"), "scheme"),
    (ResizeLayer, lambda: ResizeLayer([4, 4], scale=2), "scale"),
    (ResizeLayer, lambda: ResizeLayer([4, 4, 4], resampling="Cubic"), "resampling"),
]


@pytest.mark.parametrize("cls, make, option", COMBINATIONS)
def test_a_refused_combination_names_its_kind_and_the_option_to_change(cls, make, option):
    """They had the kind "error" (no kind), as a problem of nothing in particular."""
    diagnostic = _diagnostic(make)
    assert (diagnostic.kind, diagnostic.option) == ("option-combination", option)


#: validate()'s checks of one option's value: kind "option-value", as a bad value checked alone
ONE_OPTION = [
    (NetMapOperator, lambda: NetMapOperator(NetArrayLayer(output=3)), "net"),
    (NetFoldOperator, lambda: NetFoldOperator(LinearLayer(3)), "net"),
    (NetNestOperator, lambda: NetNestOperator(ThreadingLayer("Plus")), "net"),
    (NetBidirectionalOperator, lambda: NetBidirectionalOperator(ThreadingLayer("Plus")), "forward_net"),
    (NetBidirectionalOperator, lambda: NetBidirectionalOperator(LinearLayer(3), backward_net=ThreadingLayer("Plus")), "backward_net"),
    (NetPairEmbeddingOperator, lambda: NetPairEmbeddingOperator(ThreadingLayer("Plus")), "net"),
    (RandomArrayLayer, lambda: RandomArrayLayer(BernoulliDistribution(0.5), estimator="relaxed", temperature=-1), "temperature"),
]


@pytest.mark.parametrize("cls, make, option", ONE_OPTION)
def test_a_bad_value_checked_in_validate_is_an_option_value(cls, make, option):
    """An inner net with the wrong ports is a bad value of the option holding it; a backward net's names
    backward_net (it named forward_net, the positional option)."""
    diagnostic = _diagnostic(make)
    assert (diagnostic.kind, diagnostic.option) == ("option-value", option)


def test_every_layer_type_with_a_validate_is_covered():
    """A new validate() belongs in COMBINATIONS (or, checking one option's value, in ONE_OPTION)."""
    checked = {_owner(cls) for cls in REGISTRY.values() if cls.validate is not Layer.validate}
    covered = {_owner(cls) for cls, _, _ in COMBINATIONS + ONE_OPTION}
    assert checked - covered == {CTCLossLayer, FlattenLayer}  # theirs judge each option alone, through option_problem


def _owner(cls: type) -> type:
    """The class whose validate ``cls`` has."""
    return next(k for k in cls.__mro__ if "validate" in vars(k))


def test_arrays_of_different_lengths_name_the_one_that_differs_from_the_first():
    diagnostic = _diagnostic(lambda: BatchNormalizationLayer(scaling=z(3), biases=z(3), moving_mean=z(4)))
    assert (diagnostic.option, diagnostic.expected, diagnostic.found) == ("moving_mean", 3, 4)


def test_arrays_set_later_are_checked_together_as_at_construction():
    """``with_arrays`` runs validate() again: the same kind."""
    with pytest.raises(OptionError) as info:
        ConvolutionLayer(4, 3, input=(1, 8, 8)).with_arrays({"Weights": z(5, 1, 3, 3)})
    assert [(d.kind, d.option) for d in info.value.diagnostics] == [("option-combination", "weights")]


def test_a_custom_layers_validate_has_the_kind_and_its_own_kind_is_kept():
    class Picky(Layer):
        first: int = 0
        second: int = 0

        def validate(self):
            if self.second > self.first:
                raise OptionError("second= exceeds first=", option="second")
            if self.second < 0:
                raise OptionError("second= is negative", option="second", kind="sign")

    assert _diagnostic(lambda: Picky(1, 2)).kind == "option-combination"
    assert _diagnostic(lambda: Picky(0, -1)).kind == "sign"


def _recurrent_net():
    return NetGraph({"r": GatedRecurrentLayer(2)}, [])


@pytest.mark.parametrize("make, kind, option", [
    (lambda: BasicRecurrentLayer(4, biases=z(5)), "option-combination", "biases"),
    (lambda: ThreadingLayer("Subtract", inputs=3), "option-combination", "inputs"),
    (lambda: ThreadingLayer("#1 + #2", inputs=2), "option-combination", "inputs"),
    (lambda: ThreadingLayer("Plus", inputs=3, broadcast=[1, 1]), "option-combination", "broadcast"),
    (lambda: FunctionLayer(lambda a: a, outputs=["x", "y"], output=3), "option-combination", "output"),
    (lambda: FunctionLayer("{#a, #b}", output=3), "option-combination", "output"),
    (lambda: FunctionLayer("#a", outputs=["b"]), "option-combination", "outputs"),
    (lambda: TorchLayer(nn.Identity(), inputs=["x"], outputs=["x"]), "option-combination", "outputs"),
    (lambda: ThreadingLayer("Total[#1]"), "option-value", "function"),
    (lambda: FunctionLayer(lambda a: a, outputs=["x", "x"]), "option-value", "outputs"),
    (lambda: NetNestOperator(NetGraph({"lin": LinearLayer(4)}, [], Input=4), 10**9), "limit", "n"),  # as all limits
    (lambda: NetBidirectionalOperator([_recurrent_net()] * 3), "option-value", "forward_net"),
    (lambda: NetBidirectionalOperator([_recurrent_net()] * 2, backward_net=_recurrent_net()), "layer-argument",
     "forward_net"),
])
def test_an_option_error_raised_while_the_options_are_normalised_has_a_kind(make, kind, option):
    """Raised at once rather than reported (option_problem), they kept the kind "error": one naming an option is a bad
    value of it, as a reported one is, unless it says a kind of its own (several options together, or given twice)."""
    diagnostic = _diagnostic(make)
    assert (diagnostic.kind, diagnostic.option) == (kind, option)


def test_an_escaped_option_error_naming_no_option_keeps_the_kind_error():
    class Odd(Layer):
        size: int = 1

        def normalize(self):
            raise OptionError("Odd: something about the layer as a whole")

    assert _diagnostic(lambda: Odd(2)).kind == "error"


def _spec_error(layer: str) -> str:
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(f"netgraph: 1\nlayers:\n{layer}\n")
    return str(info.value)


@pytest.mark.parametrize("layer, token", [
    ("  a: {type: ConvolutionLayer, output: 3, kernel: 3, channel_groups: 2}", "2}"),
    ("  a: {type: DeconvolutionLayer, channel_groups: 2, output: 3, kernel: 3}", "2,"),
    ("  a: {type: PoolingLayer, kernel: 2, ceil_mode: true, function: Total}", "true"),
    ("  a: {type: PoolingLayer, kernel: 2, dilation: 2, function: Mean}", "2, f"),
    ("  a: {type: ResizeLayer, dims: [4, 4], scheme: Point, resampling: Nearest}", "Point"),
    ("  a: {type: ResizeLayer, dims: [4, 4], scale: 2}", "2}"),
    ("  a: {type: CrossEntropyLossLayer, form: Index, input: []}", "[]"),
    ("  a: {type: RandomArrayLayer, log_probability: true, eval_mode: mean, "
     "distribution: {type: NormalDistribution, args: [0, 1]}}", "true"),
    ("  a: {type: KLDivergenceLayer, q: {type: UniformDistribution, args: [[0, 1]]}, "
     "p: {type: NormalDistribution, args: [0, 1]}}", "{type: U"),
    ("  a: {type: KLDivergenceLayer, samples: 4, p: {type: NormalDistribution, args: [0, 1]}, "
     "q: {type: NormalDistribution, args: [0, 1]}}", "4,"),
])
def test_a_spec_points_at_the_option_to_change(layer, token):
    """The place comes from Diagnostic.option (the first of the options, or the layer, when none was named)."""
    assert _spec_error(layer).startswith(f"<string>:3:{layer.index(token) + 1}: layer 'a'")

