"""A torch Dataset's bad example is named by its index in the Dataset, whichever shuffled batch it came in (the
sampler's indices travel with the batch), also after a validation_set= split and in a run resumed mid-round; it was
named by its row in the batch ("example 3" of batch 7). A generator's or a user's DataLoader's examples, which carry no
index, are still named within their batch."""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError, OptionError
from netgraph.train import TrainingError, net_train
from tests.test_train import known_function, mlp
from tests.test_train_interrupted_round import Examples, dropout_net, interrupted_in_round_2_after_batch_3

BAD = 13


class Items(torch.utils.data.Dataset):
    """16 example dicts; item ``BAD`` holds NaN at ``key``, or (``key`` "shape") an Input of 3 values, not 2."""

    def __init__(self, key: str = "Input"):
        self.x, self.y = known_function(16, 0)
        self.w, self.key = torch.ones(16), key

    def __len__(self) -> int:
        return 16

    def __getitem__(self, i: int) -> dict:
        item = {"Input": self.x[i], "Target": self.y[i], "w": self.w[i]}
        if i == BAD and self.key == "shape":
            item["Input"] = torch.zeros(3)
        elif i == BAD:
            item[self.key] = torch.full_like(item[self.key], float("nan"))
        return item


def weighted(outputs: dict, batch: dict) -> torch.Tensor:
    return (outputs["Output"] - batch["Target"]).square().sum(-1) * batch["w"]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("held_out", [None, 0.25])
def test_a_dataset_item_holding_nan_is_named_by_its_index_in_the_dataset(seed, held_out):
    torch.manual_seed(seed)  # the shuffles: the item comes in another batch, at another row, each time
    with pytest.raises(DataError) as info:
        net_train(mlp(), Items(), batch_size=4, random_seed=seed, validation_set=held_out, max_training_rounds=2,
                  loss_function=weighted, progress=False)
    said = str(info.value)
    assert "; examples by their index in the Dataset): input port 'Input' (key 'Input'): example 13 holds NaN" in said
    assert info.value.diagnostics[0].example == BAD


@pytest.mark.parametrize("seed", [0, 1])
def test_a_loss_functions_own_key_holding_nan_in_a_dataset_is_named_by_its_index_in_the_dataset(seed):
    # the key only the loss function reads is not checked up front: the non-finite loss names the example
    torch.manual_seed(seed)
    with pytest.raises(TrainingError) as info:
        net_train(mlp(), Items("w"), batch_size=4, random_seed=seed, loss_function=weighted, progress=False)
    assert f"the batch's data is not (key 'w': example {BAD} holds NaN)" in str(info.value)


@pytest.mark.parametrize("held_out", [None, 0.25])
def test_a_dataset_item_of_another_shape_is_named_by_its_index_in_the_dataset(held_out):
    torch.manual_seed(0)
    with pytest.raises(DataError, match=r"cannot be batched .*; item 13 \(key 'Input'\) has shape \(3,\), most items "
                                        r"of its batch \(2,\)$") as info:
        net_train(mlp(), Items("shape"), batch_size=4, random_seed=0, validation_set=held_out,
                  loss_function=weighted, progress=False)
    assert (info.value.diagnostics[0].kind, info.value.diagnostics[0].example) == ("data-form", 13)


def test_a_generators_and_a_user_loaders_examples_are_named_within_their_batch():
    x, y = known_function(16, 0)
    x[BAD, 0] = float("nan")  # row 1 of batch 4
    batches = ({"Input": x[i:i + 4], "Target": y[i:i + 4]} for i in range(0, 16, 4))
    with pytest.raises(DataError, match=r"\(batch 4\): input port 'Input' \(key 'Input'\): example 1 holds NaN"):
        net_train(mlp(), batches, batch_size=4, max_training_rounds=1, random_seed=0, progress=False)
    loader = torch.utils.data.DataLoader(torch.utils.data.StackDataset(Input=x, Target=y), batch_size=4)
    with pytest.raises(DataError, match=r"\(batch 4\): input port 'Input' \(key 'Input'\): example 1 holds NaN"):
        net_train(mlp(), loader, max_training_rounds=1, random_seed=0, progress=False)


class Reads(Examples):
    """The interrupted run's Dataset, which records the items read, in order, and holds NaN at item ``bad``."""

    def __init__(self, bad: int | None = None):
        super().__init__()
        self.order, self.bad = [], bad

    def __getitem__(self, i: int) -> dict:
        self.order.append(i)
        item = super().__getitem__(i)
        return {**item, "Input": item["Input"] * float("nan")} if i == self.bad else item


def test_a_run_resumed_mid_round_names_a_dataset_item_by_its_index(tmp_path):
    options = interrupted_in_round_2_after_batch_3(tmp_path)
    torch.manual_seed(0)  # the batch read up front, before the round's own order
    reads = Reads()
    # only the order read is wanted: up to the first step
    with pytest.raises(OptionError, match="raised RuntimeError .*: stop"):
        net_train(dropout_net(), reads, checkpoint=tmp_path, resume=True, **options, loss_function=_stop)
    bad = reads.order[-1]  # read last, by batch 4 (items read up front are kept, not read again), at a row < 8
    assert bad >= 8 and reads.order.count(bad) == 1
    torch.manual_seed(0)
    with pytest.raises(DataError) as info:
        net_train(dropout_net(), Reads(bad), checkpoint=tmp_path, resume=True, **options)
    assert (f"bad training data (batch 4; examples by their index in the Dataset): input port 'Input' (key 'Input'): "
            f"example {bad} holds NaN") in str(info.value)


def _stop(outputs: dict, batch: dict) -> torch.Tensor:
    raise RuntimeError("stop")
