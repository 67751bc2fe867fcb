"""net_train(..., validation_set=<fraction>) checks every example once: the example shapes of ragged data were checked
on the whole data and again on each part (each example twice, three passes), and dense columns were checked whole,
then each part again."""

from __future__ import annotations

import re

import pytest
import torch

import netgraph.train.data as data_module
import netgraph.train.data_checks as checks_module
import netgraph.train.data_split as split_module
from netgraph import (ClassDecoder, DataError, GatedRecurrentLayer, LinearLayer, NetChain, SequenceLastLayer,
                      SoftmaxLayer, net_train)

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
    seen = _counted(monkeypatch, data_module, "check_columns", rows)  # each part's, split first (through finish)
    net = NetChain([LinearLayer(2), SoftmaxLayer()], input=3)
    net_train(net, {"Input": torch.randn(N, 3), "Target": torch.randint(0, 2, (N,))}, max_training_rounds=1,
              validation_set=0.2, progress=False)
    assert sum(seen) == N


def _parts(seed=0):
    """(training, held-out) example indices net_train(..., validation_set=0.2, random_seed=seed) makes of N."""
    return tuple(part.tolist() for part in split_module.held_out(N, 0.2, seed))



def _listed(bad):
    """A list of N example dicts for a net of input 2, examples ``bad`` of shape (1) (the others (2))."""
    g = torch.Generator().manual_seed(0)
    return (NetChain([LinearLayer(2)], input=2),
            [{"Input": torch.randn(1 if i in bad else 2, generator=g), "Target": torch.randn(2, generator=g)}
             for i in range(N)], r"expected each example of shape \(2\), found \(1\)")


def _ragged_with(bad):
    data = _ragged()
    for i in bad:
        data["Input"][i] = torch.randn(2, 5)
    return _net(), data, r"found \(2, 5\)"


@pytest.mark.parametrize("data", [_ragged_with, _listed])
def test_a_bad_example_shape_is_named_in_the_part_it_lies_in(data):
    kept, held = _parts()
    for bad, part in [([held[1]], "validation data held out by validation_set"), ([kept[2]], "training data"),
                      ([held[0], held[3]], "validation data held out by validation_set")]:
        net, examples, found = data(bad)
        with pytest.raises(DataError, match=rf"^bad {part}: .*{found} at example {bad[0]}\b") as caught:
            net_train(net, examples, max_training_rounds=1, validation_set=0.2, random_seed=0, progress=False)
        assert f"example {bad[-1]}" in str(caught.value) and " of 50" not in str(caught.value)


def _encoded_with(bad, empty=False):
    """Ragged inputs and class labels (a ClassDecoder's: the data is encoded, then split, before net_train checks it),
    examples ``bad`` of shape (2, 5) (or of length 0, ``empty``)."""
    data = _ragged()
    data["Target"] = ["ab"[t] for t in data["Target"].tolist()]
    for i in bad:
        data["Input"][i] = torch.zeros(0, 2) if empty else torch.randn(2, 5)
    net = NetChain([GatedRecurrentLayer(3), SequenceLastLayer(), LinearLayer(2), SoftmaxLayer()], input=("n", 2),
                   output=ClassDecoder(["a", "b"]))
    return net, data, "has length 0" if empty else r"found \(2, 5\)"


@pytest.mark.parametrize("empty", [False, True])
def test_encoded_data_split_before_the_checks_names_the_part_and_the_index_in_the_data_given(empty):
    kept, held = _parts()
    for i, part in [(held[1], "validation data held out by validation_set"), (kept[5], "training data")]:
        net, data, found = _encoded_with([i], empty)
        with pytest.raises(DataError, match=rf"^(bad )?{part}: .*example {i}\b") as caught:
            net_train(net, data, max_training_rounds=1, validation_set=0.2, random_seed=0, progress=False)
        assert re.search(found, str(caught.value))


@pytest.mark.parametrize("bad_example, found", [(torch.tensor(1.0), "is a scalar"),
                                                (torch.zeros(0, 2), "has length 0")])
def test_a_scalar_or_empty_sequence_is_named_in_the_part_it_lies_in(bad_example, found):
    """Ragged data without coders: the scalar and empty-sequence checks ran on the whole data before the split, calling
    a held-out example "training data"."""
    kept, held = _parts()
    for i, part in [(held[2], "validation data held out by validation_set"), (kept[4], "training data")]:
        data = _ragged()
        data["Input"][i] = bad_example
        with pytest.raises(DataError, match=rf"^(bad )?{part}: .*example {i} {found}"):
            net_train(_net(), data, max_training_rounds=1, validation_set=0.2, random_seed=0, progress=False)


def test_held_fraction_is_the_one_reading_of_validation_set_as_a_fraction_held_out():
    """net_train's split, its plan and the examples read as given asked ``isinstance(validation_set, float)`` apart."""
    import numpy as np

    from netgraph.train.data_sets import held_fraction

    found = held_fraction(np.float64(0.25))  # a float subclass counts, as a Python float
    assert found == 0.25 and type(found) is float
    assert [held_fraction(spec) for spec in (None, 1, [{"x": 1}], {"x": torch.zeros(2)})] == [None] * 4
