"""Bad values in sequences of different lengths (a list of tensors, one per example) are named by the example's index
in the data given, as for tensors: the check ran on netgraph's own batches (a shuffled padded batch, or a length
bucket) and said "bad training data (batch 1): ... example 19 holds NaN" for a NaN at example 13."""

from __future__ import annotations

import pytest
import torch

from netgraph import (DataError, GatedRecurrentLayer, LinearLayer, NetChain, NetMapOperator, SequenceLastLayer,
                      net_train)
from netgraph.train.data_checks import non_finite

OPTIONS = dict(max_training_rounds=1, progress=False, random_seed=0)


def sequences() -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return [torch.randn(int(n), 2, generator=g) for n in torch.randint(1, 6, (20,), generator=g)]


def refusal(net, data, **options) -> str:
    with pytest.raises(DataError) as caught:
        net_train(net, data, **OPTIONS, **options)
    return str(caught.value)


PADDED = NetChain([GatedRecurrentLayer(4), SequenceLastLayer(), LinearLayer(1)], input=["n", 2])
BUCKETED = NetChain([NetMapOperator(LinearLayer(1))], input=["n", 2])  # a tagger: dense batches of one length


@pytest.mark.parametrize("net", [PADDED, BUCKETED], ids=["padded", "length buckets"])
@pytest.mark.parametrize("options", [{}, {"validation_set": 0.25}])
def test_nan_in_a_sequence_is_named_at_its_index_in_the_data(net, options):
    xs = sequences()
    xs[13][0, 1] = float("nan")
    target = [torch.zeros(len(x), 1) for x in xs] if net is BUCKETED else torch.zeros(20, 1)
    said = refusal(net, {"Input": xs, "Target": target}, **options)
    assert said.endswith("input port 'Input' (key 'Input'): example 13 holds NaN, which makes the loss non-finite; "
                         "remove or fix such examples")
    assert "(batch" not in said and "length bucket" not in said


def test_the_other_examples_holding_nan_are_named_too():
    xs = sequences()
    for i in (3, 13, 17):
        xs[i][-1, 0] = float("nan")
    said = refusal(PADDED, {"Input": xs, "Target": torch.zeros(20, 1)})
    assert said.endswith("example 3 holds NaN (also examples 13, 17), which makes the loss non-finite; remove or fix "
                         "such examples")


def test_the_examples_after_one_holding_infinity_are_not_said_to_hold_it_too():
    # "example 3 holds an infinite value (so do examples 13, 17)" though 13 and 17 held NaN
    x = torch.zeros(12, 2)
    x[0, 1], x[2:, 0] = float("inf"), float("nan")
    numbers = [30 + i for i in range(12)]  # a length bucket's rows: their indices in the data
    assert non_finite(x, True, numbers=numbers) == \
        "example 30 holds an infinite value (also examples 32, 33, 34, 35, 36, 37, 38, 39, ...)"
    assert non_finite(x[:4], True, numbers=numbers) == "example 30 holds an infinite value (also examples 32, 33)"
    assert non_finite(x[:3], True, numbers=numbers) == "example 30 holds an infinite value (also example 32)"
