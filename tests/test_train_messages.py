"""net_train's messages that pointed users the wrong way (QA): each names what the user gave."""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError, LinearLayer, NetGraph, net_train


def _line():
    return NetGraph([LinearLayer(1)], [], Input=2)


@pytest.mark.parametrize("validation", [False, True])
def test_a_target_under_both_its_keys_is_named_twice_not_unknown(validation):
    x = torch.randn(16, 2)
    both = {"Input": x, "Target": x[:, :1], "Output": x[:, :1]}
    data, options = ({"Input": x, "Output": x[:, :1]}, {"validation_set": both}) if validation else (both, {})
    with pytest.raises(DataError) as info:
        net_train(_line(), data, max_training_rounds=1, progress=False, **options)
    first, second = ("Output", "Target") if validation else ("Target", "Output")
    assert f"the target is given twice (under {first!r} and {second!r}); give one of them" in str(info.value)
    assert "unknown key" not in str(info.value)
