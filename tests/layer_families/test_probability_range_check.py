"""checked_probabilities (the cross-entropy's run-time check of Input and Target): one aminmax passes values in [0, 1];
the errors are those of the full check: the first value outside named, NaN taken where the caller allows it."""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import CrossEntropyLossLayer, DataError, NetGraph
from netgraph.core.tracing import no_values
from netgraph.layers._loss_modules import checked_probabilities


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("values, nan, first", [
    ([0.0, 0.5, 1.0], False, None), ([0.2, 1.5, -0.5], False, 1.5), ([0.2, -0.5, 1.5], False, -0.5),
    ([0.2, math.inf], False, math.inf), ([-math.inf, 0.3], False, -math.inf),
    ([0.2, math.nan, 0.7], True, None), ([math.nan, 0.7], False, math.nan), ([math.nan, 2.0, -1.0], True, 2.0)])
def test_the_first_value_outside_is_named(values, nan, first, dtype):
    v = torch.tensor(values, dtype=dtype).reshape(1, -1).expand(3, -1)
    if first is None:
        assert checked_probabilities(v, "L", "Input", None, nan) is v
        return
    with pytest.raises(DataError, match=r"L port 'Input' takes probabilities in \[0, 1\]") as info:
        checked_probabilities(v, "L", "Input", None, nan)
    assert info.value.kind == "data-range"
    assert (math.isnan(info.value.found) and math.isnan(first)) or info.value.found == first


def test_a_net_call_reports_it():
    net = NetGraph({"l": CrossEntropyLossLayer("Probabilities")}, [], Input=3)
    good, target = torch.tensor([[0.2, 0.3, 0.5]]), torch.tensor([[0.0, 1.0, 0.0]])
    torch.testing.assert_close(net(Input=good, Target=target), -torch.log(torch.tensor([0.3])))
    with pytest.raises(DataError, match="found 1.25"):
        net(Input=torch.tensor([[0.2, 1.25, 0.5]]), Target=target)
    with pytest.raises(DataError, match="port 'Target' takes probabilities.*found -0.5"):
        net(Input=good, Target=torch.tensor([[0.0, -0.5, 1.5]]))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
def test_the_ends_of_the_range_are_in_and_the_values_just_past_them_out(dtype):
    """In-range values pass on their bits read as integers: -0., the least subnormal and the float below 1 are in;
    the negative least subnormal, the float after 1 and a NaN of either sign (where NaN is refused) are out."""
    zero, one, two = (torch.tensor(v, dtype=dtype) for v in (0.0, 1.0, 2.0))
    least, below, after = torch.nextafter(zero, one), torch.nextafter(one, zero), torch.nextafter(one, two)
    nan = torch.tensor(math.nan, dtype=dtype)
    inside = torch.stack([-zero, least, below, one, zero]).reshape(1, -1).expand(2, -1).t()  # not contiguous
    assert checked_probabilities(inside, "L", "Input", None, False) is inside
    for bad in (-least, after, nan, -nan):
        v = torch.cat([inside.reshape(-1), bad.reshape(1)])
        if bad.isnan():
            assert checked_probabilities(v, "L", "Input", None, True) is v
        with pytest.raises(DataError, match=r"L port 'Input' takes probabilities in \[0, 1\]") as info:
            checked_probabilities(v, "L", "Input", None, False)
        assert info.value.found == float(bad) or math.isnan(info.value.found) and bad.isnan()


@pytest.mark.parametrize("form", ["Index", "Probabilities"])
def test_values_in_range_cost_one_reduction_and_no_comparison(form):
    """The in-range pass was an aminmax, then comparisons of its 0-dim results (costlier than the pass: 1.4-1.6x a
    handwritten cross-entropy); its two ends are read as Python numbers now, in the compiled forward too."""
    module = NetGraph({"l": CrossEntropyLossLayer(form)}, [], Input=4).compile()
    x = torch.softmax(torch.randn(3, 4), -1).requires_grad_()
    t = torch.tensor([0, 3, 1]) if form == "Index" else torch.softmax(torch.randn(3, 4), -1)
    with torch.profiler.profile() as profile:
        module(Input=x, Target=t)
    names = [event.name for event in profile.events()]
    assert names.count("aten::aminmax") == (1 if form == "Index" else 2)
    assert not {"aten::ge", "aten::le", "aten::bitwise_and", "aten::logical_and", "aten::is_nonzero"} & set(names)


def _negative_bit(values: torch.Tensor) -> torch.Tensor:
    """``values`` as torch's lazy negation of their negatives (the imaginary part of a conjugate), negative bit set."""
    lazy = torch.complex(torch.zeros_like(values), -values).conj().imag
    assert lazy.is_neg()
    return lazy


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("form", ["Index", "Probabilities"])
def test_a_tensor_of_torch_s_negative_bit_is_checked_by_its_values(form, compiled):
    """Found in review: the check viewed the floats' bits as integers, which torch refuses for a tensor with its
    negative bit set (a RuntimeError on valid probabilities); it reads their values, in range or not."""
    net = NetGraph({"l": CrossEntropyLossLayer(form)}, [], Input=4)
    run = net.compile() if compiled else net
    probabilities = torch.tensor([[0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.1, 0.1]])
    t = torch.tensor([3, 0]) if form == "Index" else torch.tensor([[0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0]])
    torch.testing.assert_close(run(Input=_negative_bit(probabilities), Target=t), -torch.log(torch.tensor([0.4, 0.7])))
    with pytest.raises(DataError, match="port 'Input' takes probabilities.*found -0.5") as info:
        run(Input=_negative_bit(torch.tensor([[0.5, -0.5, 0.5, 0.5], [0.1, 0.2, 0.3, 0.4]])), Target=t)
    assert info.value.kind == "data-range"
    if form == "Probabilities":
        torch.testing.assert_close(run(Input=probabilities, Target=_negative_bit(t)),
                                   -torch.log(torch.tensor([0.4, 0.7])))



def test_passing_values_cost_few_python_calls():
    """Every eager call checks its Target: ``no_values`` asked ``tracing()`` and ``torch.jit.is_tracing()`` (with its
    ``is_scripting()``) and ran a generator over one tensor, 12 Python calls in all; now 7 (the check, ``no_values``,
    its three tests of tracing, ``_probabilities`` and the ``is_compiling`` it reaches)."""
    from tests.profile_helpers import calls

    v = torch.rand(4, 3)
    checked_probabilities(v, "L", "Target", None, True)  # first: what the process does once is not counted
    python = lambda code: not isinstance(code, str)  # noqa: E731 (built-ins not counted)
    assert calls(checked_probabilities, v, "L", "Target", None, True, counted=python) <= 7


def test_no_values_under_a_jit_recording_and_for_meta_tensors():
    seen = []

    def probe(x):
        seen.append(no_values(x))
        return x + 1

    torch.jit.trace(probe, torch.zeros(2), check_trace=False)
    probe(torch.zeros(2))
    assert seen == [True, False]
    assert no_values(torch.zeros(1), torch.zeros(1, device="meta")) and not no_values(torch.zeros(1), torch.zeros(1))


def test_torch_jit_trace_of_a_compiled_net_records_no_target_check(monkeypatch):
    """While ``torch.jit.trace`` records a compiled net, the Target's values are the example's alone: no check reads
    them (a check taken there would be a branch recorded for every input); an eager call checks them."""
    import warnings

    import netgraph.layers._loss_modules as loss_modules

    checked = []
    real = loss_modules._probabilities
    monkeypatch.setattr(loss_modules, "_probabilities", lambda v: checked.append(v.shape) or real(v))
    module = NetGraph({"loss": CrossEntropyLossLayer("Binary", logits=True)}, [], Input=3).compile()
    x, t = torch.randn(4, 3), torch.rand(4, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit.trace is deprecated in torch 2.13
        traced = torch.jit.trace(module, (x, t), check_trace=False, strict=False)
    assert checked == []
    module(x, t)
    assert checked == [(4, 3)]
    assert torch.equal(traced(x, t), module(x, t))
