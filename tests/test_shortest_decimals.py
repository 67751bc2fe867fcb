"""core.shortest_decimals finds on whole arrays the decimals numpy writes element by element (``astype(str)``, about
0.8 s of CPU per million float32 elements, which writing a large float32 parameter to YAML spent): the same values for
every float16, and for float32 values of every kind (random bit patterns, normal draws, short decimals, the
neighbours of powers of ten, subnormals and values beyond 10**22, which numpy still writes)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph.core.plain_numbers import as_written
from netgraph.core.shortest_decimals import shortest_decimals
from netgraph.layers.dist_params import plain_param


def _numpys(array):
    return array.astype(str).astype(np.float64)


def _float32_kinds():
    rng = np.random.default_rng(0)
    powers = np.power(10.0, np.arange(-45, 39)).astype(np.float32)
    neighbours = np.concatenate([np.nextafter(powers, np.float32(np.inf)), powers,
                                 np.nextafter(powers, np.float32(0))])
    return {"bits": rng.integers(0, 2**32, 300_000, dtype=np.uint64).astype(np.uint32).view(np.float32),
            "normal": rng.standard_normal(300_000).astype(np.float32),
            "decimals": (rng.integers(-999, 1000, 100_000) / 10.0 ** rng.integers(0, 9, 100_000)).astype(np.float32),
            "powers of ten": neighbours, "extremes": np.array([1e-45, -3e-39, 3.4028235e38, 2**24 + 2, 0.5], np.float32)}


@pytest.mark.parametrize("kind", list(_float32_kinds()))
def test_float32_decimals_are_numpys(kind):
    array = _float32_kinds()[kind]
    found, expected = shortest_decimals(array), _numpys(array)
    assert np.array_equal(found, expected, equal_nan=True)


def test_every_float16_decimal_is_numpys_and_the_shape_is_kept():
    every = np.arange(2**16, dtype=np.uint32).astype(np.uint16).view(np.float16).reshape(256, 256)
    found = shortest_decimals(every)
    assert found.shape == (256, 256) and np.array_equal(found, _numpys(every), equal_nan=True)


def test_a_parameter_written_for_yaml_is_unchanged():
    """as_written and plain_param (a distribution's tensor parameter as YAML takes it) give what they gave."""
    array = _float32_kinds()["normal"].reshape(600, 500)
    exact = array.astype(np.float64)
    written = _numpys(array)
    whole = (exact == np.floor(exact)) & (np.abs(exact) < 2.0**53)
    expected = np.where((written.astype(np.float32) == array) & ~whole & np.isfinite(exact), written, exact)
    assert np.array_equal(as_written(array), expected)
    assert plain_param(torch.from_numpy(array)) == expected.tolist()
