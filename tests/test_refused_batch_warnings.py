"""A Dataset refused for its items' form says so alone: torch's collate warned "The given NumPy array is not
writable" about the first batch of (read-only numpy image, label) pairs before the DataError. (torch gives that
warning once a process: the test fails before the fix where it is the process's first.)"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from netgraph import CatenateLayer, LinearLayer, NetGraph, NetPort, net_train
from netgraph.core.errors import DataError


def _read_only(shape):
    array = np.zeros(shape, np.float32)
    array.flags.writeable = False
    return array


class Pairs(torch.utils.data.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return _read_only((3,)), _read_only((2,))


def test_a_dataset_of_pairs_is_refused_without_collates_warning():
    """Pairs feed a net with one input and one output; this one has two inputs."""
    net = NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(2)},
                   [(NetPort("A"), NetPort("cat", "Input1")), (NetPort("B"), NetPort("cat", "Input2")), ("cat", "lin")],
                   A=3, B=3)
    with warnings.catch_warnings(record=True) as caught, pytest.raises(DataError, match="the dataset's items are"):
        warnings.simplefilter("always")
        net_train(net, Pairs(), max_training_rounds=1, random_seed=0)
    assert [str(w.message) for w in caught] == []

