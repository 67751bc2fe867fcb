"""A numpy masked array with masked entries (missing values, as np.genfromtxt(..., usemask=True) reads a .csv's empty
cells) was read as its stored numbers, the masked ones included, by net(x) and net_train alike: missing data used
silently (a new user's QA). It is a DataError naming the port or key and how many values are masked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from netgraph import DataError, LinearLayer, NetChain, net_initialize, net_train

ROOT = Path(__file__).resolve().parents[1]


def _masked():
    return np.ma.masked_array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], mask=[[0, 1, 0], [0, 0, 0]])


def test_net_of_a_masked_array_with_masked_values_is_a_data_error_naming_the_port():
    net = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    with pytest.raises(DataError) as info:
        net(_masked())
    assert str(info.value).startswith("input port 'Input': cannot make a tensor from MaskedArray: it has 1 masked "
                                      "(missing) value")
    assert "x.filled(" in str(info.value)


def test_net_train_refuses_a_masked_array_with_masked_values_naming_the_key():
    data = {"Input": _masked(), "Target": np.zeros((2, 2))}
    with pytest.raises(DataError) as info:
        net_train(NetChain([LinearLayer(2)], input=3), data, max_training_rounds=1, random_seed=0)
    assert "key 'Input': cannot make a tensor from MaskedArray: it has 1 masked (missing) value" in str(info.value)


def test_a_masked_array_with_nothing_masked_is_its_data():
    net = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    whole = np.ma.masked_array(_masked().data, mask=False)
    torch.testing.assert_close(net(whole), net(whole.data))



def test_data_without_masked_arrays_imports_no_numpy_ma():
    """as_tensor checked every value against numpy.ma.MaskedArray, importing numpy.ma (numpy loads it lazily)."""
    code = ("import sys, numpy, netgraph.core.tensors as t; t.as_tensor(numpy.zeros(2)); t.as_tensor([1.0]); "
            "print('numpy.ma' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
