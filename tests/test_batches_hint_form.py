"""The hint "examples in batches (a list of batch dicts)? ... torch.cat, or give a DataLoader" was shown for any data
with one dim too many, also a dict of arrays or a .npz file, where no list of batches was given; it now comes only
where the data came as a list (the form travels as data: ``Columns.listed``, ``LengthBuckets.listed``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import LinearLayer, NetChain
from netgraph.core.errors import DataError
from netgraph.train import net_train

HINT = "examples in batches (a list of batch dicts)?"


def _message(data) -> str:
    net = NetChain([LinearLayer(1)], input=3)
    with pytest.raises(DataError) as info:
        net_train(net, data, max_training_rounds=1, progress=False)
    return str(info.value)


def _batch(n: int) -> dict:
    return {"Input": torch.ones(n, 3), "Target": torch.ones(n, 1)}


@pytest.mark.parametrize("data", [
    [_batch(8)] * 4,  # batches of one size: stacked
    [_batch(8), _batch(8), _batch(5)],  # a smaller last batch: examples of different shapes
], ids=["equal", "ragged"])
def test_a_list_of_batch_dicts_gets_the_hint(data):
    message = _message(data)
    assert HINT in message and "expected" in message


@pytest.mark.parametrize("data", [
    {"Input": torch.ones(4, 8, 3), "Target": torch.ones(4, 8, 1)},
    {"Input": [torch.ones(8, 3)] * 3 + [torch.ones(5, 3)], "Target": [torch.ones(8, 1)] * 3 + [torch.ones(5, 1)]},
], ids=["dict", "dict-of-lists"])
def test_a_dict_gets_no_batches_hint(data):
    message = _message(data)
    assert "expected" in message and HINT not in message and "torch.cat" not in message


def test_a_data_file_gets_no_batches_hint(cli):
    np.savez(cli.folder / "b.npz", Input=np.ones((4, 8, 3), "float32"), Target=np.ones((4, 8, 1), "float32"))
    ran = cli("train", cli.spec(), "--data", "b.npz", "-o", "out", "--quiet")
    assert ran.code == 1 and "expected shape (b, 3)" in ran.err and HINT not in ran.err
