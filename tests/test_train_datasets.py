"""A map-style Dataset given to net_train: items holding Python lists, and a fraction of it held out."""

from __future__ import annotations

import pytest
import torch
from torch.utils.data import Dataset

from netgraph import DataError, net_train
from tests.test_train import known_function, mlp

OPTIONS = dict(max_training_rounds=2, batch_size=16, random_seed=0, progress=False, all=True)


class Items(Dataset):
    def __init__(self, n: int, as_lists: bool = False):
        self.x, self.y = known_function(n, 0)
        self.as_lists = as_lists

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        item = {"Input": self.x[i], "Target": self.y[i]}
        return {k: v.tolist() for k, v in item.items()} if self.as_lists else item


def test_items_holding_python_lists_train_as_tensors_do():
    """torch's collation turned each item's list into one tensor per position (a list of 2 tensors of 16 values
    for a batch of 16 inputs of size 2), refused as "cannot make a tensor from list"."""
    listed, tensors = (net_train(mlp(), Items(48, as_lists), **OPTIONS) for as_lists in (True, False))
    assert listed.total_batches == tensors.total_batches == 6
    assert listed.round_losses == tensors.round_losses
    weights = [r.trained_net.layers["h"].arrays["Weights"] for r in (listed, tensors)]
    assert torch.equal(*weights)


def test_a_fraction_of_a_dataset_is_held_out_for_validation():
    """validation_set=0.25 with a Dataset was refused as for "a DataLoader or another iterable"; a Dataset has a
    length and items, so a quarter of its items is held out, the same ones each round."""
    seen: dict[bool, list[float]] = {True: [], False: []}  # by grad mode: training steps, validation passes

    def squared_error(outputs, batch):
        seen[torch.is_grad_enabled()] += batch["Target"][:, 0].tolist()
        return (outputs["Output"] - batch["Target"]).square().sum(1)

    items = Items(48)
    r = net_train(mlp(), items, validation_set=0.25, loss_function=squared_error, **OPTIONS)
    trained, held = set(seen[True]), set(seen[False])
    assert len(trained) == 36 and len(held) == 12 and trained | held == set(items.y[:, 0].tolist())
    assert len(seen[True]) == 2 * 36 and len(seen[False]) == 2 * 12  # each round: every item once
    assert r.examples_processed == 2 * 36 and len(r.validation_losses) == 2


def test_results_batch_size_is_the_one_a_loader_batched_by():
    """Found by QA: a DataLoader(batch_size=10) (or a generator of 10-example batches) trained in batches of 10 but
    results.batch_size (Wolfram's "BatchSize", the effective value) said 64, net_train's default."""
    from torch.utils.data import DataLoader
    x, y = known_function(40, 0)
    loader = DataLoader(Items(40), batch_size=10)
    options = dict(max_training_rounds=1, random_seed=0, progress=False, all=True)
    assert net_train(mlp(), loader, **options).batch_size == 10
    batches = ({"Input": x[i:i + 8], "Target": y[i:i + 8]} for i in range(0, 40, 8))
    assert net_train(mlp(), batches, **options).batch_size == 8
    assert net_train(mlp(), Items(40), **{**options, "batch_size": 16}).batch_size == 16


def test_a_batch_size_a_loader_does_not_batch_by_is_refused():
    """Found by QA: net_train(net, DataLoader(..., batch_size=10), batch_size=32) trained in batches of 10 and
    ignored batch_size=32 without a word; the same batch_size as the loader's is accepted."""
    import pytest
    from torch.utils.data import DataLoader
    from netgraph import OptionError
    loader = DataLoader(Items(40), batch_size=10)
    with pytest.raises(OptionError, match=r"batch_size=32: the data loader batches by its own, 10 examples; give "
                                          r"DataLoader\(\.\.\., batch_size=32\), or leave batch_size= out") as info:
        net_train(mlp(), loader, batch_size=32, max_training_rounds=1, progress=False)
    assert info.value.diagnostics[0].option == "batch_size"
    assert net_train(mlp(), loader, batch_size=10, max_training_rounds=1, progress=False, all=True).batch_size == 10


class StopsAt(Items):
    """An item whose read raises StopIteration (a generator's next() inside): it read as the round's end."""

    def __getitem__(self, i):
        if i == 37:
            raise StopIteration
        return super().__getitem__(i)


def test_an_item_raising_stop_iteration_is_a_data_error_naming_it():
    with pytest.raises(DataError) as info:
        net_train(mlp(), StopsAt(64), max_training_rounds=3, batch_size=8, random_seed=0, progress=False)
    assert info.value.kind == "dataset-stop" and info.value.found == 37
    assert "item 37 raised StopIteration" in str(info.value)


def test_a_user_loader_whose_item_raises_stop_iteration_is_a_data_error_naming_the_batches_it_gave():
    loader = torch.utils.data.DataLoader(StopsAt(64), batch_size=8)  # item 37 is in batch 5: 4 given of 8
    with pytest.raises(DataError) as info:
        net_train(mlp(), loader, max_training_rounds=3, random_seed=0, progress=False)
    assert (info.value.kind, info.value.expected, info.value.found) == ("dataset-stop", 8, 4)
    assert "gave 4 batches of its 8" in str(info.value)


class SingleExamples(torch.utils.data.IterableDataset):
    """An IterableDataset giving single examples of 2 features and 2 targets."""

    def __iter__(self):
        return ({"Input": torch.full((2,), i / 10), "Target": torch.full((2,), (i / 10) ** 2)} for i in range(8))


def test_an_iterable_dataset_with_a_batch_size_says_it_is_read_as_batches_and_how_to_batch_single_examples():
    """Found by QA: an IterableDataset of single examples with batch_size=3 was refused as 'the data loader batches
    by its own, 2 examples': 2 was the feature size, and no word said how to batch the examples."""
    from netgraph import LinearLayer, NetChain, OptionError
    net = NetChain([LinearLayer(2)], input=2)
    with pytest.raises(OptionError) as info:
        net_train(net, SingleExamples(), batch_size=3, max_training_rounds=1, progress=False)
    assert str(info.value).startswith("batch_size=3: an IterableDataset is read as it gives its items, each a batch "
                                      "(its first item is one example of shape (2,)); of single examples: wrap it in "
                                      "DataLoader(dataset, batch_size=3); of batches: leave batch_size= out")
    assert info.value.diagnostics[0].option == "batch_size"
    batched = torch.utils.data.DataLoader(SingleExamples(), batch_size=3)
    assert net_train(net, batched, max_training_rounds=1, progress=False, all=True).batch_size == 3


class BatchItems(torch.utils.data.IterableDataset):
    """An IterableDataset giving batches of 4 examples of 2 features and 2 targets."""

    def __iter__(self):
        return ({"Input": torch.full((4, 2), i / 10), "Target": torch.full((4, 2), (i / 10) ** 2)} for i in range(3))


def test_an_iterable_dataset_of_batches_with_another_batch_size_counts_its_first_items_rows():
    """Review: single examples were said to hold their feature size in rows; a real batch still counts its rows."""
    from netgraph import LinearLayer, NetChain, OptionError
    with pytest.raises(OptionError, match=r"\(its first holds 4 rows\); of single examples: wrap it in "
                                          r"DataLoader\(dataset, batch_size=3\)"):
        net_train(NetChain([LinearLayer(2)], input=2), BatchItems(), batch_size=3, max_training_rounds=1,
                  progress=False)
