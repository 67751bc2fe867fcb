"""A sequence input whose length is named and whose other dims are left open (input=["n", None]) takes those dims
from net_train's data, as a fully open input does: a dense (b, 7, 3) array failed with "cannot initialise arrays
of unknown shape" (the named length 'n' was compared with 7 and the data judged not to fit), and sequences of
different lengths (a list, Padded, '<key>.lengths') with a ShapeError whose hint asked for the 'n' already given."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import GatedRecurrentLayer, LinearLayer, NetChain, Padded, SequenceLastLayer, SoftmaxLayer, net_train

LENGTHS = [2, 5, 3, 5, 1, 4]


def _net():
    return NetChain([GatedRecurrentLayer(4), SequenceLastLayer(), LinearLayer(2), SoftmaxLayer()], input=["n", None])


def _padded():
    rng = np.random.default_rng(0)
    return rng.standard_normal((len(LENGTHS), 5, 3)).astype("float32"), np.array(LENGTHS), np.array([0, 1] * 3)


@pytest.mark.parametrize("form", ["dense", "list", "Padded", "lengths key", "examples"])
def test_a_named_length_keeps_its_name_and_the_other_dims_come_from_the_data(form):
    x, lengths, y = _padded()
    seqs = [s[:n] for s, n in zip(x, lengths)]
    data = {"dense": {"Input": x, "Target": y}, "list": {"Input": seqs, "Target": y},
            "Padded": {"Input": Padded(x, lengths), "Target": y},
            "lengths key": {"Input": x, "Input.lengths": lengths, "Target": y},
            "examples": [{"Input": s, "Target": t} for s, t in zip(seqs, y)]}[form]
    trained = net_train(_net(), data, max_training_rounds=1, progress=False, random_seed=0)
    assert trained.input_shapes == {"Input": ("n", 3)}
    assert trained([torch.from_numpy(s) for s in seqs]).shape == (len(LENGTHS), 2)


def test_examples_of_another_feature_size_are_still_reported_by_example():
    x, lengths, y = _padded()
    seqs = [torch.from_numpy(s[:n]) for s, n in zip(x, lengths)]
    seqs[4] = torch.zeros(1, 6)
    with pytest.raises(Exception, match=r"expected each example of shape \(n, 3\), found \(1, 6\) at example 4"):
        net_train(_net(), {"Input": seqs, "Target": y}, max_training_rounds=1, progress=False)
