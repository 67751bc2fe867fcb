"""Real data whose values lie beyond the working precision's range: refused by name, not turned into infinities."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import LinearLayer, NetChain, net_initialize, net_train
from netgraph.core.errors import DataError


def _net():
    return net_initialize(NetChain([LinearLayer(1)], input=3), seed=0)


def test_a_float64_value_beyond_float32_s_range_is_named_when_the_net_is_called():
    """1e300 became inf in float32 without a word; the net answered inf or NaN."""
    x = np.ones((2, 3))
    x[1, 2] = -1e300
    with pytest.raises(DataError, match=r"^input port 'Input': values as large as -1e\+300 lie beyond float32's range "
                                        r"\(largest 3\.4e\+38\): they would become infinite; scale the data, or "
                                        r"work in float64"):
        _net()(x)
    assert torch.isfinite(_net()(x, precision="float64")).all()


def test_training_data_beyond_float32_s_range_is_refused_before_the_first_step():
    """A .npz of float64 values of 1e300 trained into "the loss is nan ... the batch's data is not finite (example 0
    holds an infinite value)": the file held no infinity."""
    x = np.full((8, 3), 1e300)
    with pytest.raises(DataError, match=r"input port 'Input' \(key 'Input'\): values as large as 1e\+300 lie beyond "
                                        r"float32's range \(largest 3\.4e\+38\): they would become infinite; scale "
                                        r"the data, or train in float64 \(working_precision='float64'"):
        net_train(_net(), {"Input": x, "Target": np.ones((8, 1))}, max_training_rounds=1, progress=False)
    x = np.full((8, 3), 1e39)  # beyond float32's 3.4e38, not float64's
    result = net_train(_net(), {"Input": x, "Target": np.ones((8, 1))}, max_training_rounds=1, progress=False,
                       working_precision="float64", all=True)
    assert np.isfinite(result.round_losses[0])


def test_infinities_already_in_the_data_are_left_to_the_finite_checks():
    x = np.full((2, 3), np.inf)
    assert not torch.isfinite(_net()(x)).any()  # as before: inf in float64 is inf in float32, read as it is


def test_a_loss_that_overflows_in_float64_names_float64_s_limit():
    """Training in float64 on values of 1e300 said "squares overflow past about 1.8e19 in float32"."""
    from netgraph.core.errors import TrainingError
    x = np.full((8, 3), 1e300)
    with pytest.raises(TrainingError, match=r"its largest magnitude is 1e\+300; squares overflow past about 1\.3e\+154 "
                                            r"in float64\)"):
        net_train(_net(), {"Input": np.ones((8, 3)), "Target": x[:, :1]}, max_training_rounds=1, progress=False,
                  working_precision="float64")


def test_python_floats_beyond_float32_s_range_are_named_as_an_array_s_are():
    """Nested lists of Python floats were made float32 directly: [[1e300, 1, 1]] answered -inf, and training said
    "example 0 holds an infinite value", which the data did not hold."""
    with pytest.raises(DataError, match=r"^input port 'Input': values as large as 1e\+300 lie beyond float32's range"):
        _net()([[1e300, 1.0, 1.0]])
    with pytest.raises(DataError, match=r"^input port 'Input': values as large as -1e\+300 lie beyond"):
        NetChain(["Tanh"])(-1e300)  # a port of unknown shape reads one number as one example
    with pytest.raises(DataError, match=r"input port 'Input' \(key 'Input'\): values as large as 1e\+300 lie beyond"):
        net_train(_net(), {"Input": [[1e300, 1.0, 1.0]] * 8, "Target": [[1.0]] * 8}, max_training_rounds=1,
                  progress=False)
    assert torch.isfinite(_net()([[1e300, 1.0, 1.0]], precision="float64")).all()
    assert not torch.isfinite(_net()([[float("inf"), 1.0, 1.0]])).any()  # an infinity given stays one


def test_an_int_beyond_int64_within_float32_s_range_is_read_at_float32_as_at_float64():
    """[[2**70, 1, 0]] was refused at float32 ('cannot make a tensor from list: Overflow when unpacking long long':
    torch read the ints as int64) and taken at float64; 2**70 (about 1.2e21) fits float32 (largest 3.4e38)."""
    x = [[2**70, 1, 0], [1, 2, 3]]
    assert torch.allclose(_net()(x), _net()(x, precision="float64").float(), rtol=1e-6, atol=1e-6)
    assert _net()(x)[0, 0] != 0 and torch.isfinite(_net()(x)).all()
    with pytest.raises(DataError, match=r"values as large as 1\.0889e\+40 lie beyond float32's range"):
        _net()([[2**133, 1, 0]])  # beyond float32, within float64: refused as 1e300 is
    want = (r"^input port 'Input': values as large as -2\*\*1100 lie beyond float64's range \(largest 1.8e\+308\): "
            r"they would become infinite; scale the data$")
    for precision in ("float32", "float64"):  # beyond float64 too: torch's "Overflow when unpacking long long" shown
        with pytest.raises(DataError, match=want) as e:
            _net()([[1, 0, -2**1100]], precision=precision)
        assert e.value.kind == "precision-range" and e.value.found == -2**1100
