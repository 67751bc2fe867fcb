"""A range an Integer input port is inferred (from an inner net's Restricted input it feeds) is checked as a declared
one: at the call and in net_train, with the same messages, naming where the range comes from; its checking coders are
made once per net."""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError, EmbeddingLayer, NetChain, NetGraph, NetMapOperator, ReshapeLayer, Restricted, \
    SequenceLastLayer, SummationLayer, net_initialize, net_measurements, net_train
from netgraph.core.port_coders import checked_coders
from netgraph.core.types import INTEGER, PortType
from netgraph.train import streamed_ranges


def _boxed(outer):
    inner = NetChain([EmbeddingLayer(2, n=8)], input=Restricted("Integer", (0, 3), shape=()))
    return NetGraph({"box": inner, "sum": SummationLayer()}, [("box", "sum")], Input=outer)


def _refusal(net, data):
    with pytest.raises(DataError) as info:
        net_train(net, data, max_training_rounds=1, progress=None)
    return str(info.value)


@pytest.mark.parametrize("data", [{"Input": ["a", "b"], "Output": [0.0, 0.0]},
                                  [{"Input": "a", "Output": 0.0}, {"Input": "b", "Output": 0.0}]])
def test_labels_at_an_inferred_range_port_get_the_declared_ports_message(data):
    # they were passed on unchecked: "not encoded in a Dataset's batches", or torch's "new(): invalid data type 'str'"
    inferred = _refusal(_boxed(PortType((), INTEGER)), data)
    assert inferred == _refusal(_boxed(Restricted("Integer", (0, 3), shape=())), data)
    assert "example 0: takes integer indices in its range 0..3, found str" in inferred


def test_an_inferred_range_error_says_where_the_range_comes_from():
    # it said "(Restricted('Integer', 0..3))", a type the user never wrote
    message = _refusal(_boxed(PortType((), INTEGER)), {"Input": torch.tensor([1, 5]), "Output": torch.zeros(2)})
    assert "input port 'Input' (range 0..3, from layer 'box'): index 5 is outside the port's range 0..3" in message
    declared = _refusal(_boxed(Restricted("Integer", (0, 3), shape=())), {"Input": torch.tensor([1, 5]),
                                                                          "Output": torch.zeros(2)})
    assert "input port 'Input' (Restricted('Integer', 0..3)): index 5" in declared


def test_the_checking_coders_are_made_once_per_net():
    # a new Restricted per port on every call (and per data key in net_train: quadratic in ports)
    net = _boxed(PortType((), INTEGER))
    first, second = checked_coders(net), checked_coders(net)
    assert first["Input"] is second["Input"] and first is not second
    first.pop("Input")
    assert list(checked_coders(net)) == ["Input"]  # a caller's edit does not reach the cache


def test_a_ranged_port_of_unknown_shape_is_checked_as_of_unknown_shape():
    # its Restricted had shape (): a scalar port
    net = NetGraph({"m": NetMapOperator(NetChain([ReshapeLayer([-1])], input=PortType(None, INTEGER, (0, 3))))}, [])
    assert net.port_types["Input"].shape is None
    assert checked_coders(net)["Input"] == Restricted("Integer", (0, 3), shape=None)


class _Items(torch.utils.data.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        return {"Input": torch.tensor(5 if i == 6 else 1), "Output": torch.tensor(0.0)}


def _batches():
    for _ in range(2):
        yield {"Input": torch.tensor([1, 5]), "Output": torch.zeros(2)}


@pytest.mark.parametrize("outer", [PortType((), INTEGER), Restricted("Integer", (0, 3), shape=())])
@pytest.mark.parametrize("stream, where", [
    (_batches, r"\(batch 1\): input port 'Input' \(.*\): example 1: index 5"),
    (_Items, r"\(a first batch drawn to check the data before training; examples by their index in the Dataset\): "
             r"input port 'Input' \(.*\): example 6: index 5"),
    (lambda: torch.utils.data.DataLoader(_Items(), batch_size=4), r"\(batch 2\): input port 'Input' \(.*\): example 2: "
                                                                  r"index 5")])
def test_streamed_data_has_each_batchs_indices_checked_against_the_range(outer, stream, where):
    # they trained silently: the EmbeddingLayer's n=8 takes a 5, only the port's range 0..3 refuses it
    with pytest.raises(DataError, match=where + r" is outside the port's range 0\.\.3") as info:
        net_train(_boxed(outer), stream(), max_training_rounds=1, progress=None)
    assert (info.value.kind, info.value.port, info.value.found) == ("encoding", "Input", 5)


def test_net_measurements_checks_a_loaders_indices_against_the_range_as_net_train_does():
    # it measured silently (net_train and in-memory data refused it): the range check was net_train's alone
    net = net_initialize(_boxed(Restricted("Integer", (0, 3), shape=())))
    loader = torch.utils.data.DataLoader(_Items(), batch_size=4)
    with pytest.raises(DataError, match=r"\(batch 2\): input port 'Input' \(.*\): example 2: index 5 is outside the "
                                        r"port's range 0\.\.3") as info:
        net_measurements(net, loader, "Loss")
    assert (info.value.kind, info.value.port, info.value.found) == ("encoding", "Input", 5)


def test_ragged_in_memory_data_is_range_checked_when_read_not_again_each_batch(monkeypatch):
    # its length-bucket batches were range-checked a second time, example by example, at every step
    batch_checks = []
    monkeypatch.setattr(streamed_ranges, "_check_ranged", lambda *args: batch_checks.append(args))
    net = NetChain([EmbeddingLayer(2, n=8), SequenceLastLayer()], input=Restricted("Integer", (0, 3), shape=("n",)))
    inputs = [torch.tensor([1, 2, 3][: 1 + i % 3]) for i in range(8)]
    net_train(net, {"Input": inputs, "Output": torch.zeros(8, 2)}, max_training_rounds=1, progress=None, batch_size=2)
    assert batch_checks == []
    inputs[5] = torch.tensor([1, 7])
    with pytest.raises(DataError, match=r"example 5: index 7 is outside the port's range 0\.\.3"):
        net_train(net, {"Input": inputs, "Output": torch.zeros(8, 2)}, max_training_rounds=1, progress=None)
