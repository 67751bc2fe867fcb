"""A list of batch dicts (what a generator of batches becomes when a re-iterable is asked for) is read as examples;
the shape error says so, and no message advises one.

The one-shot refusal advised "a re-iterable (a list of batch dicts, a DataLoader, a Dataset)": a list of batch
dicts then stacked every key to (batches, batch size, ...), a shape error without a word about why."""

from __future__ import annotations

import re

import pytest
import torch

from netgraph import DataError, LinearLayer, NetGraph, net_train

OPTIONS = dict(max_training_rounds=2, random_seed=0, progress=False)
HINT = re.escape("; examples in batches (a list of batch dicts)? net_train reads each item of a list as one example: "
                 "join the batches along dim 0 (torch.cat), or give a DataLoader")


def _net() -> NetGraph:
    return NetGraph({"h": LinearLayer(4), "out": LinearLayer(1)}, [("h", "out")], Input=2)


def _batches(n: int, size: int) -> list[dict]:
    x = torch.linspace(-1, 1, 2 * n).reshape(n, 2)
    return [{"Input": x[i:i + size], "Target": x[i:i + size, :1]} for i in range(0, n, size)]


def _refusal(data) -> str:
    with pytest.raises(DataError) as caught:
        net_train(_net(), data, **OPTIONS)
    return str(caught.value)


def test_a_list_of_equal_batch_dicts_gets_the_hint_at_each_key():
    said = _refusal(_batches(48, 16))
    assert re.search(r"key 'Input'\): expected shape \(b, 2\) with b the number of examples, found \(3, 16, 2\)" + HINT,
                     said)
    assert re.search(r"key 'Target'\): expected shape \(b, 1\) .* found \(3, 16, 1\)" + HINT, said)


def test_a_list_of_batch_dicts_with_a_short_last_batch_gets_the_hint_too():
    said = _refusal(_batches(44, 16))  # a ragged column: each example (a batch) checked against the port's shape
    assert re.search(r"expected each example of shape \(2\), found \(16, 2\) at example 0 \(3 of 3 examples\)" + HINT,
                     said)


def test_joined_batches_train_and_the_refusals_advise_no_list():
    batches = _batches(48, 16)
    joined = {k: torch.cat([b[k] for b in batches]) for k in batches[0]}
    assert net_train(_net(), joined, **OPTIONS) is not None
    said = _refusal(iter(batches))
    assert "list of batch dicts" not in said and "give a re-iterable (a DataLoader, a Dataset; a list is read" in said


def test_examples_of_another_shape_get_no_such_hint():
    said = _refusal({"Input": torch.zeros(8, 3), "Target": torch.zeros(8, 1)})
    assert "found (8, 3)" in said and "batch dicts" not in said
