"""`net(..., precision="float64")` made Python lists of data into float32 tensors before the cast to float64, so each
number was rounded through float32: 1 + 2**-40 became 1.0 and 1e-300 became 0.0. A distribution parameter fed so
drew from the rounded value (NormalDistribution("#m", "#s") with s = 1e-300 drew m exactly), and a Gamma scale of
1e-300 was a DataError saying it "found 0.0". Lists (and Python floats) now keep their float64 values there.
"""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError, FunctionLayer, GammaDistribution, NetGraph, RandomArrayLayer

VALUES = [1e-300, 1.0 + 2.0 ** -40]


def test_list_data_keeps_float64_values_at_float64_precision():
    net = NetGraph([FunctionLayer("#x + 0", output=2)], [], x=2)
    assert net(x=[VALUES], precision="float64").tolist() == [VALUES]
    assert net(x=VALUES, precision="float64").tolist() == VALUES  # one example, without the batch dim
    assert net(x=[VALUES]).dtype == torch.float32  # float32 precision: rounded, as before


def test_distribution_parameters_given_as_lists_draw_in_float64():
    torch.manual_seed(0)
    net = NetGraph([RandomArrayLayer(GammaDistribution(2.0, "#s"), output=2)], [], s=2)
    draws = net(s=[[1e-300, 1e-300]], precision="float64")  # was a DataError: "found 0.0"
    assert draws.dtype == torch.float64 and ((draws > 0) & (draws < 1e-298)).all()


@pytest.mark.parametrize("given, problem", [([[1 + 2j, 0.0]], "complex"), ([[1.0, "a"]], "cannot make a tensor")])
def test_a_list_that_is_no_real_tensor_is_refused_alike_at_both_precisions(given, problem):
    """At float64 a list is read as float64 directly; a complex list then said 'cannot make a tensor from list'
    (kind not-a-tensor) where float32 named the complex dtype (data-dtype). The same error at both now."""
    net = NetGraph([FunctionLayer("#x + 0", output=2)], [], x=2)
    errors = []
    for precision in ("float32", "float64"):
        with pytest.raises(DataError, match=problem) as caught:
            net(x=given, precision=precision)
        errors.append((caught.value.kind, str(caught.value)))
    assert errors[0] == errors[1]
