"""AggregationLayer and SummationLayer: equal to torch reductions, shape rules, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import (AggregationLayer, DataError, NetGraph, OptionError, NetArrayLayer, NetPort, SummationLayer,
                      export_onnx, interpret)
from tests.layer_families._helpers import shape_error, three_way
from tests.onnx_helpers import run_onnx

X = torch.randn(3, 2, 4, 5)


@pytest.mark.parametrize("layer, out, hand", [
    (AggregationLayer("Max"), (2,), lambda x: x.amax((2, 3))),
    (AggregationLayer("Mean"), (2,), lambda x: x.mean((2, 3))),
    (AggregationLayer("Min", levels=1), (4, 5), lambda x: x.amin(1)),
    (AggregationLayer("Total", levels=[1, -1]), (4,), lambda x: x.sum((1, 3))),
    (AggregationLayer("Mean", levels="1;;2"), (5,), lambda x: x.mean((1, 2))),
    (SummationLayer(), (), lambda x: x.sum((1, 2, 3))),
])
def test_reductions(layer, out, hand):
    net = NetGraph([layer], [], Input=(2, 4, 5))
    assert net.output_shapes == {"Output": out}
    three_way(net, lambda m, Input: hand(Input), Input=X)


def test_backward_inference_and_conflicts():
    assert NetGraph([AggregationLayer("Max")], [], Input=(None, 4, 5), Output=3).input_shapes == {"Input": (3, 4, 5)}
    shape_error(lambda: NetGraph([AggregationLayer("Max")], [], Input=4),
                "layer 1 (AggregationLayer)", "select no dimension of port 'Input'", "levels=")
    shape_error(lambda: NetGraph([AggregationLayer("Max", levels=3)], [], Input=(2, 3)),
                "AggregationLayer", "levels 3 do not exist in port 'Input'")
    shape_error(lambda: NetGraph([AggregationLayer("Max")], [], Input=(2, 3), Output=(3,)),
                "AggregationLayer", "port 'Output'")


def test_bad_options():
    with pytest.raises(OptionError, match=r"unknown function 'Average'"):
        AggregationLayer("Average")
    with pytest.raises(OptionError, match=r"did you mean 'Mean'"):
        AggregationLayer("mean")
    with pytest.raises(OptionError, match="levels="):
        AggregationLayer("Max", levels=0)


def _wolfram_median(x: torch.Tensor) -> torch.Tensor:
    """Wolfram's Median of each row: the middle element, or the mean of the two middle ones (torch's median is the
    lower of them)."""
    s = x.sort(-1).values
    n = s.shape[-1]
    return s[..., n // 2] if n % 2 else (s[..., n // 2 - 1] + s[..., n // 2]) / 2


def _hazen_iqr(x: torch.Tensor) -> torch.Tensor:
    """numpy's 'hazen' quantiles (position n q + 1/2, linear between neighbours): Wolfram's Quartiles default
    {{1/2, 0}, {0, 1}}, which its InterquartileRange takes."""
    q1, q3 = np.quantile(x.double().numpy(), [0.25, 0.75], axis=-1, method="hazen")
    return torch.from_numpy(q3 - q1).to(x.dtype)


@pytest.mark.parametrize("function, levels, hand", [
    ("Times", "2;;", lambda x: x.flatten(2).prod(-1)),
    ("Variance", 1, lambda x: ((x - x.mean(1, keepdim=True)) ** 2).sum(1) / (x.shape[1] - 1)),
    ("StandardDeviation", [1, 3], lambda x: x.permute(0, 2, 1, 3).flatten(2).std(-1)),
    ("Median", "2;;", lambda x: _wolfram_median(x.flatten(2))),  # 20 elements: the mean of the 10th and 11th
    ("Median", -1, lambda x: _wolfram_median(x)),  # 5 elements: the 3rd
    ("MeanDeviation", "2;;", lambda x: (x.flatten(2) - x.flatten(2).mean(-1, keepdim=True)).abs().mean(-1)),
    ("InterquartileRange", "2;;", lambda x: _hazen_iqr(x.flatten(2))),  # 20 elements
    ("InterquartileRange", -1, lambda x: _hazen_iqr(x)),  # 5 elements
])
def test_wolframs_other_aggregation_functions(function, levels, hand):
    """Wolfram's AggregationLayer takes Times, Median, Variance, StandardDeviation, MeanDeviation and
    InterquartileRange too (its page lists them); they were 'unknown function ...; use one of Max, Min, Mean, Total'."""
    net = NetGraph([AggregationLayer(function, levels)], [], Input=(2, 4, 5))
    three_way(net, lambda m, Input: hand(Input), Input=X)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("length", [5, 6])
def test_median_is_numpys_in_narrow_floats_too(dtype, compiled, length):
    # quantile refused float16/bfloat16 ("quantile() input tensor must be either float or double dtype")
    # an array beside (its own output) makes the module's dtype the data's: a module without arrays takes float32
    net = NetGraph({"median": AggregationLayer("Median", -1), "array": NetArrayLayer(array=[0.0])},
                   [("median", NetPort("Median")), ("array", NetPort("Array"))], Input=(3, length))
    module = net.compile().to(dtype)
    x = torch.randn(4, 3, length, generator=torch.Generator().manual_seed(2)).to(dtype)
    y = (module(Input=x) if compiled else interpret(net, module, Input=x))["Median"]
    assert y.dtype == dtype
    expected = torch.from_numpy(np.median(x.float().numpy(), axis=-1))
    torch.testing.assert_close(y.float(), expected.to(dtype).float(), atol=0.0, rtol=0.0 if length % 2 else 1e-2)


def test_variance_over_a_variable_length_takes_each_sequences_own_and_needs_two_elements():
    net = NetGraph({"agg": AggregationLayer("Variance", 1)}, [], Input=("n", 2))
    seqs = [torch.randn(3, 2), torch.randn(5, 2)]
    torch.testing.assert_close(net(seqs), torch.stack([s.var(0) for s in seqs]))
    with pytest.raises(DataError, match=r"a length of 1 along n .*too short for layer 'agg' \(AggregationLayer\)"):
        net([torch.randn(1, 2), torch.randn(3, 2)])
    shape_error(lambda: NetGraph([AggregationLayer("StandardDeviation", 1)], [], Input=(1, 3)),
                "AggregationLayer", "StandardDeviation needs 2 or more elements", "found 1")


def test_interquartile_range_is_wolframs_of_its_quartiles_example():
    """Wolfram's Quartiles of {6, 7, 15, 36, 39, 40, 41, 42, 43, 47, 49} are {20.25, 40, 42.75}: the range is 22.5."""
    x = torch.tensor([[[6.0, 7, 15, 36, 39, 40, 41, 42, 43, 47, 49]]])
    net = NetGraph([AggregationLayer("InterquartileRange")], [], Input=(1, 11))
    torch.testing.assert_close(net(x), torch.tensor([[22.5]]))


@pytest.mark.parametrize("length", range(1, 10))
def test_interquartile_range_of_few_elements_takes_the_nearest_ends(length):
    """Positions n q + 1/2 below 1 or above n take the first or last element (1 element: range 0)."""
    x = torch.randn(2, length, generator=torch.Generator().manual_seed(length)) ** 3
    net = NetGraph([AggregationLayer("InterquartileRange", 1)], [], Input=length)
    three_way(net, lambda m, Input: _hazen_iqr(Input), Input=x)


def test_interquartile_range_over_a_variable_length_takes_each_sequences_own():
    net = NetGraph({"agg": AggregationLayer("InterquartileRange", 1)}, [], Input=("n", 2))
    seqs = [torch.randn(3, 2), torch.randn(6, 2)]
    torch.testing.assert_close(net(seqs), torch.stack([_hazen_iqr(s.T) for s in seqs]))


@pytest.mark.parametrize("function", ["InterquartileRange", "Median"])
def test_an_order_statistic_exported_over_a_variable_length_runs_at_every_length(function, tmp_path):
    """The index arithmetic is traced, not frozen at the length traced (Python's max/min of a size were: a Gather
    out of bounds in onnxruntime at lengths 1 and 2)."""
    net = NetGraph([AggregationLayer(function, levels=1)], [], Input=("n", 2))
    path = export_onnx(net, tmp_path / f"{function}.onnx")
    for length in (1, 2, 3, 7):
        x = torch.randn(3, length, 2, generator=torch.Generator().manual_seed(length)) ** 3
        hand = _hazen_iqr(x.transpose(1, 2)) if function == "InterquartileRange" else _wolfram_median(x.transpose(1, 2))
        np.testing.assert_allclose(run_onnx(path, {"Input": x})[0], hand.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("function", ["InterquartileRange", "Median"])
def test_an_order_statistics_compiled_module_traces_with_torch_fx(function):
    module = NetGraph([AggregationLayer(function, levels=1)], [], Input=(5, 2)).compile()
    traced = torch.fx.symbolic_trace(module)
    x = torch.randn(4, 5, 2, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(traced(x), module(x))
