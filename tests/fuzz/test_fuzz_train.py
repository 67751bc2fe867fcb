"""Random bad training data and options: ``net_train`` lets only NetGraphError escape."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from hypothesis import given, strategies as st

from netgraph import LinearLayer, NetChain, net_train
from tests.fuzz._oracle import only_our_errors
from tests.fuzz._strategies import HOSTILE

pytestmark = pytest.mark.fuzz


class _Items(torch.utils.data.Dataset):
    """A dataset whose ``__len__`` may claim more items than it has."""

    def __init__(self, items: list, claimed: int):
        self.items, self.claimed = items, claimed

    def __len__(self) -> int:
        return self.claimed

    def __getitem__(self, i: int) -> Any:
        return self.items[i]


@st.composite
def tensors(draw: Any) -> Any:
    rows = draw(st.integers(0, 4))
    cols = draw(st.sampled_from([1, 2, 3]))
    value = draw(st.sampled_from(["ok", "nan", "int", "bool", "list", "junk"]))
    base = torch.rand(rows, cols)
    return {"ok": base, "nan": base * float("nan"), "int": (base * 5).long(), "bool": base > 0.5,
            "list": base.tolist(), "junk": draw(HOSTILE)}[value]


@st.composite
def datasets(draw: Any) -> Any:
    record = st.dictionaries(st.sampled_from(["Input", "Target", "Output", "x"]), tensors(), max_size=3)
    kind = draw(st.sampled_from(["dict", "list", "dataset", "junk"]))
    if kind == "dict":
        return draw(record)
    if kind == "list":
        return draw(st.lists(record, max_size=3))
    if kind == "dataset":
        items = [{"Input": torch.rand(3), "Target": torch.rand(2)} for _ in range(draw(st.integers(0, 3)))]
        return _Items(items, draw(st.integers(0, 5)))
    return draw(HOSTILE)


OPTIONS = st.dictionaries(st.sampled_from(["batch_size", "max_training_rounds", "learning_rate", "method",
                                           "random_seed", "momentum", "epsilon", "validation_set",
                                           "loss_function", "target_device", "learning_rate_multipliers"]),
                          HOSTILE, max_size=2)


@given(datasets(), OPTIONS)
def test_bad_training_data_and_options(data, options):
    net = NetChain([LinearLayer(4), "Tanh", LinearLayer(2)], input=3)
    bounded = {"max_training_rounds": 1, "max_training_time": 5, **options}  # a hostile round count (2**31) runs for days
    only_our_errors(lambda: net_train(net, data, progress=False, **bounded))
