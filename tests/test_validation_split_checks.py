"""net_train(..., validation_set=<fraction>) checks every example once: the example shapes of ragged data were checked
on the whole data and again on each part (each example twice, three passes), and dense columns were checked whole,
then each part again."""

from __future__ import annotations

import pytest
import torch

import netgraph.train.data as data_module
import netgraph.train.data_checks as checks_module
import netgraph.train.data_split as split_module
from netgraph import DataError, GatedRecurrentLayer, LinearLayer, NetChain, SequenceLastLayer, SoftmaxLayer, net_train

N = 50


def _net():
    return NetChain([GatedRecurrentLayer(3), SequenceLastLayer(), LinearLayer(2), SoftmaxLayer()], input=("n", 2))


def _ragged(seed=0):
    g = torch.Generator().manual_seed(seed)
    xs = [torch.randn(n, 2, generator=g) for n in torch.randint(1, 6, (N,), generator=g).tolist()]
    return {"Input": xs, "Target": torch.randint(0, 2, (N,), generator=g)}


def _counted(monkeypatch, module, name, count):
    """Spy on ``module.name``, adding ``count(args)`` (examples seen) to the list it returns."""
    seen, original = [], getattr(module, name)

    def spy(*args, **kwargs):
        seen.append(count(*args))
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return seen


@pytest.mark.parametrize("validation", [None, 0.2])
def test_ragged_example_shapes_are_checked_once(monkeypatch, validation):
    seen = _counted(monkeypatch, checks_module, "example_shape_problems",
                    lambda cols, *rest: max(len(v) for v in cols.values()))
    net_train(_net(), _ragged(), max_training_rounds=1, validation_set=validation, progress=False)
    assert sum(seen) == N


def test_a_given_validation_set_has_its_example_shapes_checked_too(monkeypatch):
    val = _ragged(1)
    val["Input"][3] = torch.randn(2, 5)
    with pytest.raises(DataError, match=r"validation_set.*found \(2, 5\) at example 3"):
        net_train(_net(), _ragged(), max_training_rounds=1, validation_set=val, progress=False)
    with pytest.raises(DataError, match=r"training data.*found \(2, 5\) at example 3"):
        net_train(_net(), val, max_training_rounds=1, validation_set=0.2, progress=False)


def test_dense_columns_are_checked_once_around_the_split(monkeypatch):
    def rows(cols, *rest):
        return len(next(iter(cols.values())))
    seen = _counted(monkeypatch, data_module, "check_columns", rows)  # the whole data's check
    seen_in_parts = _counted(monkeypatch, split_module, "check_columns", rows)  # each part's, split first
    net = NetChain([LinearLayer(2), SoftmaxLayer()], input=3)
    net_train(net, {"Input": torch.randn(N, 3), "Target": torch.randint(0, 2, (N,))}, max_training_rounds=1,
              validation_set=0.2, progress=False)
    assert sum(seen) + sum(seen_in_parts) == N
