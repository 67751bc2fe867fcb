"""Every bad option value of one call is named in one OptionError, layer family by family (as conv, pooling and the
normalization layers already did): two independent bad options of one layer are two Diagnostics, each naming its
option, with the kind ``"option-value"``; a missing required option has the kind of one missing from the call."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from netgraph import (AggregationLayer, AttentionLayer, BasicRecurrentLayer, BatchNormalizationLayer, CTCLossLayer,
                      ConvolutionLayer, CrossEntropyLossLayer, ElementwiseLayer, EmbeddingLayer, FunctionLayer,
                      KLDivergenceLayer, LayerNormalizationLayer, LinearLayer, LongShortTermMemoryLayer,
                      NetBidirectionalOperator, NetFoldOperator, NetMapOperator, NetNestOperator,
                      NetPairEmbeddingOperator, NormalDistribution, NormalizationLayer, PaddingLayer,
                      ParametricRampLayer, PartLayer, PoissonDistribution, PoolingLayer, RandomArrayLayer,
                      ReshapeLayer, ResizeLayer, ThreadingLayer, TorchLayer, TransposeLayer)
from netgraph.core.errors import OptionError


def _problems(make):
    with pytest.raises(OptionError) as info:
        make()
    return info.value


@pytest.mark.parametrize("make, options", [
    (lambda: LinearLayer(-3, weights=torch.zeros(2)), ["output", "weights"]),
    (lambda: EmbeddingLayer(3, 4, weights=torch.zeros(2, 2, 2)), ["weights"]),
    (lambda: LongShortTermMemoryLayer(3, state_input="yes", state_output="no"), ["state_input", "state_output"]),
    (lambda: LongShortTermMemoryLayer(3, input=(2, 3, 4), state_output=1), ["state_output", "input"]),
    (lambda: BasicRecurrentLayer(3, "Sigmoid", state_input="y"), ["activation", "state_input"]),
    (lambda: AttentionLayer("Dott", mask="Casual", multi_head="y"), ["scoring", "mask", "multi_head"]),
    (lambda: AttentionLayer(weights=torch.zeros(2), dropout=2), ["weights", "dropout"]),
    (lambda: ReshapeLayer([0]), ["dims"]),
    (lambda: TransposeLayer([1, 1]), ["perm"]),
    (lambda: PartLayer([0, "x"]), ["part"]),
    (lambda: PaddingLayer([[-1, 1]], padding="Reflect"), ["padding", "padding_size"]),
    (lambda: ResizeLayer([0, 2], resampling="Cubicc", scheme="Pointt"), ["resampling", "scheme", "dims"]),
    (lambda: ResizeLayer(scale=[1, 2, 3, 4], resampling="Cubicc"), ["resampling", "scale"]),
    (lambda: AggregationLayer("Maxx", levels=0), ["function", "levels"]),
    (lambda: ThreadingLayer(3, broadcast=0), ["function", "broadcast"]),
    (lambda: ThreadingLayer("Pluss", broadcast=0), ["function", "broadcast"]),
    (lambda: CrossEntropyLossLayer("Indx", logits="y"), ["form", "logits"]),
    (lambda: CTCLossLayer(input=(5,), logits=1), ["logits", "input"]),
    (lambda: RandomArrayLayer(NormalDistribution(0, 1), eval_mode="meen", log_probability="y"),
     ["eval_mode", "log_probability"]),
    (lambda: RandomArrayLayer(3, log_probability="y"), ["distribution", "log_probability"]),
    (lambda: ElementwiseLayer(3, input=-1), ["function", "input"]),
    (lambda: BatchNormalizationLayer(epsilon=0, momentum=2), ["epsilon", "momentum"]),
    (lambda: BatchNormalizationLayer(scaling=torch.ones(2, 2), moving_mean=torch.ones(2, 2)), ["scaling", "moving_mean"]),
    (lambda: KLDivergenceLayer(3, 4), ["p", "q"]),
    (lambda: KLDivergenceLayer(NormalDistribution(), NormalDistribution(), method="mc", samples=0), ["samples", "method"]),
    (lambda: KLDivergenceLayer(3, NormalDistribution(), samples=0), ["p", "samples"]),
    (lambda: FunctionLayer(3, output=-1), ["function", "output"]),
    (lambda: FunctionLayer("1 + 2", output=-1), ["function", "output"]),
    (lambda: ParametricRampLayer(0, slope=[float("inf")]), ["levels", "slope"]),
    (lambda: TorchLayer(3, inputs=5), ["module", "inputs"]),
    (lambda: TorchLayer(nn.Identity(), inputs=["a", "a"], outputs=["1x"]), ["inputs", "outputs"]),
    (lambda: TorchLayer(nn.Identity(), inputs={"a": -1}, outputs=[]), ["inputs", "outputs"]),
])
def test_two_bad_options_of_one_layer_are_named_together(make, options):
    """Each bad value is its own Diagnostic naming its option (the first alone took a rerun per bad value)."""
    error = _problems(make)
    assert sorted(d.option for d in error.diagnostics) == sorted(options)
    assert {d.kind for d in error.diagnostics} == {"option-value"}
    if len(options) > 1:
        assert str(error).count("\n  - ") == len(options)


def test_a_refused_combination_is_listed_beside_the_bad_values_under_its_own_kind():
    """dims= beside scale= is no bad value of either: kind "option-combination" (tests/test_option_combinations.py)."""
    error = _problems(lambda: ResizeLayer([0, 4], scale=2, scheme="Pointt"))
    assert sorted((d.option, d.kind) for d in error.diagnostics) == [
        ("dims", "option-value"), ("scale", "option-combination"), ("scheme", "option-value")]


def test_one_bad_value_of_a_family_reads_as_before():
    error = _problems(lambda: AggregationLayer("Maxx"))
    assert str(error) == ("AggregationLayer: unknown function 'Maxx' (did you mean 'Max'?); use one of Max, Min, Mean, "
                          "Total, Times, Variance, StandardDeviation, Median, MeanDeviation, InterquartileRange")
    assert [(d.option, d.kind) for d in error.diagnostics] == [("function", "option-value")]


@pytest.mark.parametrize("make, options", [
    (lambda: ElementwiseLayer(), ["function"]),
    (lambda: ConvolutionLayer(kernel=3), ["output"]),
    (lambda: ConvolutionLayer(), ["output", "kernel"]),
    (lambda: EmbeddingLayer(), ["output"]),  # n may come from an encoder on its input (net_initialize asks for it)
    (lambda: LongShortTermMemoryLayer(), ["output"]),
    (lambda: NetMapOperator(), ["net"]),
    (lambda: ResizeLayer(), ["dims"]),
    (lambda: NetBidirectionalOperator(), ["forward_net"]),
])
def test_a_missing_required_option_has_one_kind_whoever_finds_it(make, options):
    """Python's signature (a field without a default) and a layer's own check (a field defaulting to None that the
    layer needs) find the same problem: a missing option, which has no value to be bad."""
    error = _problems(make)
    assert [d.option for d in error.diagnostics] == options
    assert {d.kind for d in error.diagnostics} == {"layer-argument"}


@pytest.mark.parametrize("make, problems", [
    (lambda: NetNestOperator(n=-1), [("net", "layer-argument"), ("n", "option-value")]),
    (lambda: NetNestOperator(2.5, n=-1), [("net", "option-value"), ("n", "option-value")]),
])
def test_an_operators_inner_net_is_named_with_its_other_options(make, problems):
    assert [(d.option, d.kind) for d in _problems(make).diagnostics] == problems


@pytest.mark.parametrize("make, problems", [
    (lambda: ConvolutionLayer(kernel=3, stride=0), [("output", "layer-argument"), ("stride", "option-value")]),
    (lambda: ResizeLayer(resampling="Cubicc"), [("resampling", "option-value"), ("dims", "layer-argument")]),
])
def test_a_missing_option_is_named_with_a_bad_value(make, problems):
    """ResizeLayer's sizes missing were one kind-less error with their being given twice, raised alone."""
    assert [(d.option, d.kind) for d in _problems(make).diagnostics] == problems


@pytest.mark.parametrize("make, problems", [
    (lambda: BasicRecurrentLayer(0, biases=torch.zeros(3)), [("output", 0)]),
    (lambda: EmbeddingLayer(3, 0, weights=torch.zeros(3, 2)), [("n", 0)]),
    (lambda: BasicRecurrentLayer(3, biases=torch.zeros(4), input=(1, 2, 3)), [("input", (1, 2, 3)), ("biases", 4)]),
    (lambda: NormalizationLayer(0, scaling=torch.ones(2), biases=torch.ones(3)), [("aggregation_levels", 0)]),
])
def test_the_arrays_are_compared_with_an_option_only_once_it_is_good(make, problems):
    """A bad size is named alone, not also compared with the arrays (a state size of 0 fits no array); an array that
    does not fit one size did not hide the bad value of the other."""
    assert [(d.option, d.found) for d in _problems(make).diagnostics] == problems


@pytest.mark.parametrize("make, option, words", [
    (lambda: PoolingLayer(2, function="Total", ceil_mode=True), "ceil_mode", "ceil_mode=True is for function"),
    (lambda: PoolingLayer(2, function="Mean", dilation=2), "dilation", "is for function 'Max' only"),
    (lambda: ResizeLayer([4, 4], resampling="Nearest", scheme="Point"), "scheme", "is for resampling='Linear'"),
    (lambda: KLDivergenceLayer(NormalDistribution(), NormalDistribution(), samples=5), "samples",
     "applies to a Monte Carlo estimate"),
    (lambda: KLDivergenceLayer(NormalDistribution(), PoissonDistribution(1.0)), "q", "no KL divergence exists"),
])
def test_a_check_of_two_options_together_runs_once_each_is_good(make, option, words):
    """A relation between options is checked after each option alone (``validate``): not an option-value."""
    error = _problems(make)
    assert [d.option for d in error.diagnostics] == [option] and words in str(error)
    assert error.diagnostics[0].kind != "option-value"


@pytest.mark.parametrize("make, option", [
    (lambda: PoolingLayer(2, function="Total", ceil_mode=True, stride=0), "stride"),
    (lambda: PoolingLayer(2, function="Mean", dilation=2, padding_size=-1), "padding_size"),
    (lambda: ResizeLayer([0, 4], resampling="Nearest", scheme="Point"), "dims"),
])
def test_a_bad_value_is_named_before_a_relation_it_would_be_judged_in(make, option):
    """The bad value alone is named (the relation was raised first, hiding it; judged on a bad value it may be moot)."""
    assert [d.option for d in _problems(make).diagnostics] == [option]


@pytest.mark.parametrize("make, value", [
    (lambda: NetFoldOperator(LinearLayer(3), state_input="y"), "state_input"),
    (lambda: NetPairEmbeddingOperator(ThreadingLayer("Plus"), distance="Euclid"), "distance"),
])
def test_an_operators_bad_value_is_named_with_its_nets_ports(make, value):
    error = _problems(make)
    assert sorted(d.option for d in error.diagnostics) == sorted(["net", value])
    assert [d.kind for d in error.diagnostics if d.option == value] == ["option-value"]


@pytest.mark.parametrize("make, option", [
    (lambda: PaddingLayer(1, padding=10**400), "padding"),
    (lambda: NormalizationLayer(epsilon=10**400), "epsilon"),
    (lambda: ResizeLayer(scale=10**400), "scale"),
])
def test_a_number_beyond_floats_is_an_option_error_not_pythons_overflow(make, option):
    """An int too large for a float (10**400) raised Python's OverflowError (float() of it), naming nothing."""
    assert [(d.option, d.kind) for d in _problems(make).diagnostics] == [(option, "option-value")]


@pytest.mark.parametrize("make", [lambda v: BatchNormalizationLayer(epsilon=v),
                                  lambda v: LayerNormalizationLayer(epsilon=v),
                                  lambda v: NormalizationLayer(epsilon=v)])  # it took 0: NaN for a constant input
@pytest.mark.parametrize("value", [-1, 0, float("nan"), float("inf"), "a"])
def test_an_option_that_must_be_positive_says_so_for_every_bad_value(make, value):
    """epsilon=-1 said "must be a number in [0.0, inf]", though 0 is refused too: the range said is the real one."""
    error = _problems(lambda: make(value))
    assert "must be a positive finite number" in str(error) and "[0.0" not in str(error)
    assert [(d.expected, d.kind) for d in error.diagnostics if d.option == "epsilon"] == [
        ("a positive finite number", "option-value")]
