"""Scalar examples given as Python or numpy numbers give their input port shape () (Wolfram's {1 -> 1.9, 2 -> 4.1})."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import LinearLayer, NetChain, net_train


def _net() -> NetChain:
    torch.manual_seed(0)
    return NetChain([LinearLayer(3), LinearLayer(1)])


@pytest.mark.parametrize("number", [float, np.float32, int])
def test_rule_pairs_of_plain_numbers_give_a_scalar_input(number):
    data = [(number(i), [2.0 * i]) for i in range(5)]
    trained = net_train(_net(), data, max_training_rounds=2, progress=False)
    assert trained.input_shapes == {"Input": ()}


def test_example_dicts_of_plain_numbers_give_a_scalar_input():
    data = [{"Input": float(i), "Target": [2.0 * i]} for i in range(5)]
    trained = net_train(_net(), data, max_training_rounds=2, progress=False)
    assert trained.input_shapes == {"Input": ()}
    assert trained(torch.tensor(1.5)).shape == (1,)
