"""Training data of tuples from torch's Dataset and DataLoader: read as a list of (input, target) pairs is, by the
same rule (a net of one input and one output), else refused with advice by the net's ports that trains."""

import pytest
import torch

from netgraph import DataError, LinearLayer, NetGraph, net_train
from tests.test_train_torch_habits import _two_inputs

TRAIN = {"max_training_rounds": 2, "batch_size": 5, "random_seed": 0, "return_results": True, "progress": False}


def _tensors(*widths):
    generator = torch.Generator().manual_seed(1)
    return [torch.randn(20, w, generator=generator) for w in widths]


def test_a_loader_of_pairs_trains_as_the_same_loader_of_dicts():
    """A user's DataLoader of (inputs, targets) pairs was refused though a list of such pairs trains."""
    x, y = _tensors(2, 1)
    net = NetGraph([LinearLayer(1)], Input=2)
    pairs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=5)
    dicts = torch.utils.data.DataLoader([{"Input": a, "Output": b} for a, b in zip(x, y)], batch_size=5)
    assert net_train(net, pairs, **TRAIN).round_losses == net_train(net, dicts, **TRAIN).round_losses


@pytest.mark.parametrize("outputs, keys", [(1, ["a", "b", "Target"]), (2, ["a", "b", "p", "q"])])
@pytest.mark.parametrize("as_loader", [False, True])
def test_tuples_for_several_ports_are_told_a_dict_by_port_that_trains(outputs, keys, as_loader):
    """A Dataset (or a loader of one) of (a, b, targets...) tuples for a net of several inputs or outputs was told to
    give net_train(net, dataset.tensors), itself refused; the advice now names the ports, and it trains."""
    tensors = _tensors(2, 3, 1, 2)[:4 if outputs == 2 else 3]
    dataset = torch.utils.data.TensorDataset(*tensors)
    data = torch.utils.data.DataLoader(dataset, batch_size=5) if as_loader else dataset
    with pytest.raises(DataError) as info:
        net_train(_two_inputs(outputs), data, **TRAIN)
    assert info.value.kind == "data-form"
    assert f"net_train(net, dict(zip({keys!r}, dataset.tensors)))" in str(info.value)
    results = net_train(_two_inputs(outputs), dict(zip(keys, dataset.tensors)), **TRAIN)
    assert len(results.round_losses) == 2 and all(loss > 0 for loss in results.round_losses)


def test_a_dataset_of_tuples_of_another_length_is_told_the_item_dict():
    items = [(a, b) for a, b in zip(*_tensors(2, 3))]

    class Items(torch.utils.data.Dataset):
        def __len__(self):
            return len(items)

        def __getitem__(self, i):
            return items[i]
    with pytest.raises(DataError, match=r"make each item a dict by port, \{'a': \.\.\., 'b': \.\.\., 'Target': "
                                        r"\.\.\.\}"):
        net_train(_two_inputs(), Items(), **TRAIN)


def test_a_list_of_tuples_for_several_inputs_is_told_the_item_dict_that_trains():
    """A plain list of (a, b, target) tuples was refused with 'example 0 is tuple' and no advice; it now gets the
    dict by port a Dataset of such tuples is told, which trains."""
    items = list(zip(*_tensors(2, 3, 1)))
    with pytest.raises(DataError) as info:
        net_train(_two_inputs(), items, **TRAIN)
    advice = "make each item a dict by port, {'a': item[0], 'b': item[1], 'Target': item[2]}"
    assert info.value.kind == "data-form" and info.value.diagnostics[0].example == 0 and advice in str(info.value)
    dicts = [{"a": item[0], "b": item[1], "Target": item[2]} for item in items]
    results = net_train(_two_inputs(), dicts, **TRAIN)
    assert len(results.round_losses) == 2 and all(loss > 0 for loss in results.round_losses)


@pytest.mark.parametrize("first_pair", [False, True])
def test_a_later_batch_of_another_form_is_named_against_the_first(first_pair):
    """A batch after the first that was no dict was told only 'use a Dataset of dicts', though the first was one
    (or a pair, read by the ports): the refusal names the batch and its form beside the first batch's."""
    x, y = _tensors(2, 1)
    first = (x[:5], y[:5]) if first_pair else {"Input": x[:5], "Target": y[:5]}

    class Batches:
        def __iter__(self):
            yield from (first, (x[5:10], y[5:10], y[5:10]))
    with pytest.raises(DataError) as info:
        net_train(NetGraph([LinearLayer(1)], Input=2), Batches(), **TRAIN)
    form = "a pair (inputs, targets)" if first_pair else "a dict of port -> tensor"
    assert f"batch 2 from the data loader is a tuple of 3 values, but the first batch was {form}" in str(info.value)
    assert (info.value.kind, info.value.diagnostics[0].expected, info.value.diagnostics[0].found) == \
        ("data-form", form, "tuple")


def _squared_error(outputs, batch):
    return ((outputs["Output"] - batch["Target"]) ** 2).sum(-1)


@pytest.mark.parametrize("form", ["pair", "list", "dataset", "loader"])
def test_every_pair_form_gives_its_targets_under_target(form):
    """A list or Dataset (or loader) of (input, target) pairs gave the targets under 'Output', the in-memory pair
    under 'Target': a loss function reading batch['Target'] broke, and metrics= was refused, on the other forms."""
    x, y = _tensors(2, 1)
    dataset = torch.utils.data.TensorDataset(x, y)
    data = {"pair": (x, y), "list": list(zip(x, y)), "dataset": dataset,
            "loader": torch.utils.data.DataLoader(dataset, batch_size=5)}[form]
    own = net_train(NetGraph([LinearLayer(1)], Input=2), data, loss_function=_squared_error, metrics=["MAE"], **TRAIN)
    automatic = net_train(NetGraph([LinearLayer(1)], Input=2), data, metrics=["MAE"], **TRAIN)
    assert own.round_losses == pytest.approx(automatic.round_losses, rel=1e-6)
    assert own.round_measurements["MeanAbsoluteError"] == pytest.approx(
        automatic.round_measurements["MeanAbsoluteError"], rel=1e-6)
