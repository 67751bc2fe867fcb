"""A map-style Dataset whose items are (input, target) pairs, as torch's datasets give them, trains as the list of
those pairs does, for a net with one input and one output: the input to its input port, the target to its output's.
It was refused ("the dataset's items are (inputs, targets) pairs ...; they must be dicts")."""

from __future__ import annotations

import pytest
import torch

from netgraph import (ClassDecoder, DataError, ImageEncoder, LinearLayer, NetChain, SoftmaxLayer, net_initialize,
                      net_train)


class _Pairs(torch.utils.data.Dataset):
    """Eight (input, target) pairs; ``labels``: the targets are class names, else numbers."""

    def __init__(self, labels: bool):
        self.labels = labels
        self.inputs = torch.randn(8, 2, generator=torch.Generator().manual_seed(0))

    def __len__(self) -> int:
        return 8

    def __getitem__(self, i: int) -> tuple:
        return self.inputs[i], "ab"[i % 2] if self.labels else self.inputs[i].sum(0, keepdim=True)


def _net(labels: bool) -> NetChain:
    if labels:
        return net_initialize(NetChain([LinearLayer(2), SoftmaxLayer()], input=2, output=ClassDecoder(["a", "b"])),
                              seed=0)
    return net_initialize(NetChain([LinearLayer(1)], input=2), seed=0)


@pytest.mark.parametrize("labels", [True, False], ids=["coded", "uncoded"])
def test_a_dataset_of_pairs_trains_as_the_list_of_its_pairs(labels):
    dataset = _Pairs(labels)
    train = lambda data: net_train(_net(labels), data, max_training_rounds=3, batch_size=8,  # noqa: E731
                                   random_seed=0, return_results=True)
    from_dataset, from_list = train(dataset), train([dataset[i] for i in range(8)])
    assert from_dataset.round_losses == pytest.approx(from_list.round_losses, rel=1e-5)  # one batch a round
    assert from_dataset.round_losses[-1] < from_dataset.round_losses[0]


def test_a_dataset_of_pairs_holds_out_a_fraction():
    results = net_train(_net(False), _Pairs(False), max_training_rounds=2, batch_size=2, validation_set=0.25,
                        random_seed=0, return_results=True)
    assert len(results.validation_losses) == 2


class _OnePair(_Pairs):
    def __getitem__(self, i: int) -> tuple | torch.Tensor:
        return super().__getitem__(i) if i != 5 else self.inputs[i]


def test_a_dataset_whose_later_item_is_no_pair_names_it():
    """An item that is neither a pair nor a dict among pairs read as dicts: torch's collate raised IndexError."""
    with pytest.raises(DataError, match=r"the Dataset's items cannot be batched: item 5 of the Dataset is "
                                        r"torch\.Tensor, where the batch's others are dicts of port -> array") \
            as raised:
        net_train(_net(False), _OnePair(False), max_training_rounds=1, batch_size=8, random_seed=0)
    assert raised.value.kind == "data-form" and raised.value.diagnostics[0].example == 5


@pytest.mark.parametrize("seed", range(6))
def test_the_item_that_is_no_pair_is_named_wherever_it_stands_in_its_batch(seed):
    """The odd item first in its batch of two (about half the seeds) gave torch's 'expected Tensor as element 1 in
    argument 0, but got dict' with no item named."""
    with pytest.raises(DataError, match=r"item 5 of the Dataset is torch\.Tensor, where the batch's others are dicts")\
            as raised:
        net_train(_net(False), _OnePair(False), max_training_rounds=1, batch_size=2, random_seed=seed)
    diagnostic = raised.value.diagnostics[0]
    assert diagnostic.example == 5 and diagnostic.expected == "a dict of port -> array"


def test_a_batch_whose_first_item_is_no_dict_names_it():
    from netgraph.train.datasets import _collate, _NumberedItems
    items = _NumberedItems([torch.zeros(2), {"Input": torch.zeros(2)}, {"Input": torch.ones(2)}], [7, 3, 4])
    with pytest.raises(DataError, match=r"item 7 of the Dataset is torch\.Tensor") as raised:
        _collate(items, "training data")
    assert raised.value.kind == "data-form" and raised.value.diagnostics[0].example == 7


def test_a_dataset_of_image_file_and_label_pairs_trains_as_the_list_of_them(tmp_path):
    """Items as torchvision's image datasets give them, (image, label), read item by item at an ImageEncoder."""
    from PIL import Image
    pairs = []
    for i in range(6):
        Image.new("L", (4, 4), 40 * i).save(path := tmp_path / f"{i}.png")
        pairs.append((str(path), "ab"[i % 2]))

    class Files(torch.utils.data.Dataset):
        def __len__(self) -> int:
            return len(pairs)

        def __getitem__(self, i: int) -> tuple:
            return pairs[i]
    net = NetChain([LinearLayer(2), SoftmaxLayer()], input=ImageEncoder(size=(4, 4), color_space="Grayscale"),
                   output=ClassDecoder(["a", "b"]))
    train = lambda data: net_train(net, data, max_training_rounds=2, batch_size=6, random_seed=0,  # noqa: E731
                                   return_results=True)
    assert train(Files()).round_losses == pytest.approx(train(pairs).round_losses, rel=1e-5)


_X, _Y = torch.randn(8, 2, generator=torch.Generator().manual_seed(1)), torch.randn(8, 1)
_DICT_PAIRS = [({"Input": x}, y) for x, y in zip(_X, _Y)]


@pytest.mark.parametrize("data", [
    iter([({"Input": _X[:4]}, _Y[:4]), ({"Input": _X[4:]}, _Y[4:])]),  # a loader's batches as Keras's (dict, y)
    torch.utils.data.DataLoader(_DICT_PAIRS, batch_size=4),  # items (dict, y), collated as [dict, y]
], ids=["iterable", "DataLoader"])
def test_a_loader_of_dict_target_pairs_gets_the_in_memory_forms_advice(data):
    """A batch (dict, y) was read as {input: dict, output: y}: 'cannot make a tensor from dict'."""
    with pytest.raises(DataError) as info:
        net_train(_net(False), data, max_training_rounds=1, progress=False)
    assert info.value.kind == "data-form"
    assert "a pair (inputs, targets) whose inputs are a dict: put the targets in it, {'Input': ..., 'Target': " \
        "targets}" in str(info.value)


def test_a_loader_batch_of_two_example_dicts_is_named_as_found():
    """collate_fn=list, batch_size=2: a batch of two example dicts was read as a pair, 'cannot make a tensor from
    dict'."""
    examples = [{"Input": x, "Target": y} for x, y in zip(_X, _Y)]
    loader = torch.utils.data.DataLoader(examples, batch_size=2, collate_fn=list)
    with pytest.raises(DataError) as info:
        net_train(_net(False), loader, max_training_rounds=1, progress=False)
    assert info.value.kind == "data-form"
    assert "the data loader's batches are a list of 2 example dicts, not one dict of port -> tensor" in str(info.value)
