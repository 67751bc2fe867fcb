"""A narrower float (float16, float32, bfloat16) is the decimal written wherever a number is taken: one rule
(core.plain_numbers) for numpy's scalars and arrays, torch's 0-d tensors, distribution parameters, coder options and
learning-rate multiplier rules; a whole number keeps its stored value."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
import torch

from netgraph import (CategoricalDistribution, DropoutLayer, ImageEncoder, LinearLayer, NetChain, NormalDistribution,
                      net_set_learning_rate_multipliers)
from netgraph.core.plain_numbers import plain_number, plain_value
from netgraph.layers.dist_params import plain_param
from netgraph.spec.options import data
from netgraph.train.options import resolve_multipliers


@pytest.mark.parametrize("given, written", [
    (np.float32(0.1), 0.1), (np.float16(0.1), 0.1), (np.array(0.3, np.float32), 0.3), (torch.tensor(0.1), 0.1),
    (torch.tensor(0.1, dtype=torch.float16), 0.1), (torch.tensor(0.1, dtype=torch.bfloat16), 0.1),
    (torch.tensor(1 / 3, dtype=torch.bfloat16), 0.334), (np.float32(-2.5e-7), -2.5e-7),
    # Found by mends-b11: str() rounded whole numbers, 6.55e+04 and 1.2345679e+08, to values other than the stored ones
    (np.float16(65504), 65504.0), (np.float32(123456789), 123456792.0), (np.float32(3e38), 3e38),
    (np.float32(1e20), 1e20), (np.float32(np.inf), math.inf), (np.float64(0.1 + 0.2), 0.1 + 0.2), (np.int64(7), 7)])
def test_a_narrow_float_is_its_shortest_decimal_that_reads_back_a_whole_one_below_2_53_its_stored_value(given, written):
    got = plain_number(given)
    assert type(got) is type(written) and got == written
    if isinstance(given, np.generic):
        assert type(given)(got) == given  # the same narrow value back


def test_nan_stays_nan_and_anything_else_passes_through():
    assert math.isnan(plain_number(np.float32("nan"))) and math.isnan(plain_number(torch.tensor(math.nan)))
    tensor = torch.tensor([0.1])
    assert plain_number(tensor) is tensor and plain_number("a") == "a"


def test_narrow_float_arrays_are_read_element_by_element_as_written():
    """Found by mends-b11: arrays were widened, [0.10000000149011612, ...], while their scalars were 0.1."""
    given = np.array([0.1, 65504, 123456789, -0.0, np.inf], np.float32)
    assert plain_value(given, arrays=True) == [0.1, 65504.0, 123456792.0, 0.0, math.inf]
    assert plain_value(np.array([[0.1], [0.7]], np.float16), arrays=True) == [[0.1], [0.7]]
    assert plain_value(np.array([1, 2]), arrays=True) == [1, 2]


def test_distribution_parameters_and_coder_options_from_narrow_floats_equal_those_written():
    assert NormalDistribution(np.array([0.1, 0.2], np.float32), 1) == NormalDistribution([0.1, 0.2], 1)
    assert CategoricalDistribution(np.array([0.1, 0.9], np.float32)) == CategoricalDistribution([0.1, 0.9])
    assert NormalDistribution(torch.tensor(0.1, dtype=torch.float16), 1) == NormalDistribution(0.1, 1)
    assert NormalDistribution(np.float16(65504), 1) == NormalDistribution(65504.0, 1)
    assert ImageEncoder(mean=np.array([0.1, 0.2, 0.3], np.float32)).mean == (0.1, 0.2, 0.3)


def test_learning_rate_multiplier_rules_take_narrow_floats_as_written():
    net = NetChain([LinearLayer(2)], input=2)
    assert net_set_learning_rate_multipliers(net, {1: np.float32(0.1)}).learning_rate_multipliers == {"1": 0.1}
    names = ["1.Weights", "1.Biases"]
    assert resolve_multipliers(net, names, {1: np.float32(0.1)}) == {"1.Weights": 0.1, "1.Biases": 0.1}
    assert resolve_multipliers(net, names, np.float16(0.3)) == {"1.Weights": 0.3, "1.Biases": 0.3}


@pytest.mark.parametrize("dtype", [np.float32, np.dtype(">f4"), np.float16])
def test_a_big_narrow_float_array_as_a_distribution_parameter_is_kept_as_a_tensor_quickly(dtype):
    """Found by review: each element went through its decimal (4M float32 elements: 4.8 s and hundreds of MiB); an
    array of >= 1 dims is kept as the tensor of its values, as a tensor given is, and compares equal to it."""
    given = np.random.default_rng(0).random(1 << 22).astype(dtype)
    start = time.process_time()
    dist = NormalDistribution(given, 1)
    assert time.process_time() - start < 1.0
    assert dist.params[0].dtype == torch.from_numpy(given.astype(given.dtype.newbyteorder("="))).dtype
    assert torch.equal(dist.params[0], torch.from_numpy(given.astype(given.dtype.newbyteorder("="))))
    assert dist == NormalDistribution(torch.from_numpy(given.astype(given.dtype.newbyteorder("="))), 1)
    assert NormalDistribution(np.array(0.1, dtype), 1) == NormalDistribution(0.1, 1)  # 0-d: a number, as written


@pytest.mark.parametrize("given", [
    torch.tensor([0.1, 123456789.0, -0.0, math.inf, math.nan]), torch.tensor([[0.1], [65504.0]], dtype=torch.float16),
    torch.tensor([0.1, 1 / 3], dtype=torch.bfloat16), torch.tensor(0.3), torch.full((20001,), 0.1),
    torch.tensor([1, 2]), torch.tensor([0.1], dtype=torch.float64)])
def test_a_tensor_parameter_is_written_element_by_element_as_plain_number_writes_it(given):
    """Found by review: plain_param kept its own rule (str of a float32, rounding 123456789 to 123456790.0; float16
    and arrays over 20,000 elements widened)."""
    expected = plain_number(given) if given.dim() == 0 else \
        np.array([plain_number(v) for v in given.flatten()], dtype=object).reshape(given.shape).tolist()
    for written in (plain_param(given), data(given)):
        assert str(written) == str(expected)  # str: nan equal to nan, -0.0 apart from 0.0


@pytest.mark.parametrize("given", [torch.tensor(0.1), torch.tensor(0.1, dtype=torch.bfloat16),
                                   torch.tensor(0.1, dtype=torch.float64)])
def test_a_0d_tensor_is_taken_where_a_layer_takes_a_number(given):
    """Found by review: the README says a 0-d tensor works wherever a Python number does; DropoutLayer refused it."""
    layer = DropoutLayer(given)
    assert layer == DropoutLayer(plain_number(given)) and hash(layer) == hash(DropoutLayer(plain_number(given)))
