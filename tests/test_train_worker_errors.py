"""A NetGraphError raised in a user's DataLoader worker process (a Dataset calling ``encode``) reaches the user as
netgraph's own error: its own message, not torch's "Caught DataError in DataLoader worker process" text around the
worker's traceback, which comes as the error's cause (as ``multiprocessing.pool`` shows a worker's error); found
in session 46."""

from __future__ import annotations

import multiprocessing.pool

import pytest
import torch

from netgraph import ClassEncoder, LinearLayer, NetChain, net_train
from netgraph.core.errors import DataError
from netgraph.data import encode

_LABELS = ClassEncoder(["a", "b"])


class _Labelled(torch.utils.data.Dataset):
    """4 examples, each with a label ``encode`` checks: item ``bad``'s, 'zebra', is not one of the encoder's."""

    def __init__(self, bad: int):
        self.bad = bad

    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int) -> dict:
        encode(_LABELS, "Label", "zebra" if i == self.bad else "a")
        return {"Input": torch.full((2,), float(i)), "Target": torch.zeros(2)}


def _direct_error() -> DataError:
    """The DataError ``encode`` raises for 'zebra' in this process."""
    with pytest.raises(DataError) as info:
        encode(_LABELS, "Label", "zebra")
    return info.value


@pytest.mark.parametrize("bad", [0, 3])  # in the first batch (read before training), or in round 1's second
def test_a_data_error_in_a_user_s_worker_comes_with_its_own_message(bad):
    loader = torch.utils.data.DataLoader(_Labelled(bad), batch_size=2, num_workers=1)
    with pytest.raises(DataError) as info:
        net_train(NetChain([LinearLayer(2)], input=2), loader, max_training_rounds=1, progress=False)
    assert str(info.value) == str(_direct_error())
    cause = info.value.__cause__
    assert isinstance(cause, multiprocessing.pool.RemoteTraceback)
    assert "in __getitem__" in str(cause) and str(_direct_error()) in str(cause)
    assert "Caught DataError" not in str(cause)


def test_another_error_of_a_worker_is_left_as_torch_raises_it():
    class Broken(_Labelled):
        def __getitem__(self, i: int) -> dict:
            raise KeyError(f"item {i}")
    loader = torch.utils.data.DataLoader(Broken(0), batch_size=2, num_workers=1)
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 0"):
        net_train(NetChain([LinearLayer(2)], input=2), loader, max_training_rounds=1, progress=False)
