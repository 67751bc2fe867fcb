"""Wolfram's level-combining FlattenLayer[{{2, 3}, {1}}] (QA, Wolfram's docs: 2x3x4 in, 12x2 out) was refused with
'level= must be a non-zero integer' only; the refusal names the TransposeLayer and FlattenLayer that compute it, and
those layers give Wolfram's result."""

from __future__ import annotations

import re

import pytest
import torch

from netgraph import FlattenLayer, NetChain, OptionError, TransposeLayer, net_initialize


def _message(level) -> str:
    with pytest.raises(OptionError) as info:
        FlattenLayer(level)
    return str(info.value)


def test_level_groups_are_refused_naming_layers_that_give_wolframs_result():
    message = _message([[2, 3], [1]])
    found = re.search(r"TransposeLayer\((\[[\d, ]+\])\) then FlattenLayer\((\d+)\)", message)
    assert found, message
    perm = [int(d) for d in found.group(1)[1:-1].split(",")]
    net = net_initialize(NetChain([TransposeLayer(perm), FlattenLayer(int(found.group(2)))], input=(2, 3, 4)))
    x = torch.randn(5, 2, 3, 4, generator=torch.Generator().manual_seed(0))
    wolfram = torch.stack([x[:, :, a, b] for a in range(3) for b in range(4)], dim=1)  # {{2, 3}, {1}}: out[(a, b), c]
    assert wolfram.shape == (5, 12, 2) and torch.equal(net(x), wolfram)


def test_groups_that_are_not_all_levels_get_the_general_advice():
    message = _message([[1], [3]])
    assert "TransposeLayer" in message and "ReshapeLayer" in message and "found [[1], [3]]" in message, message


def test_an_integer_level_is_unchanged():
    assert "must be a non-zero integer" in _message(0) and "TransposeLayer" not in _message(0)
    assert net_initialize(NetChain([FlattenLayer(1)], input=(2, 3, 4)))(torch.zeros(1, 2, 3, 4)).shape == (1, 6, 4)
