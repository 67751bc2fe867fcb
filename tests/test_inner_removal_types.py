"""net_delete inside an operator judged whether a dropped layer's neighbours fit on the inner net alone, whose ports
may be of unknown shape: a fold's cell refused with "its producer gives ? Real" where the fold gives it (8), and a
layer whose neighbours fit with the types the operator gives was refused. Removals inside operators (net_delete as
net_drop did) now judge the fit with those types, at any depth; the error's ``found`` and ``expected`` are the
producer's and the consumers' types."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from netgraph import (CatenateLayer, LinearLayer, NetChain, NetFoldOperator, NetGraph, NetMapOperator, NetPort,
                      PortType, ShapeError, net_delete, net_drop, net_extract, net_initialize)


def _cell(**ports):
    return NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(5), "act": "Tanh"},
                    [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin", "act")], **ports)


FOLDS = {  # a fold of the cell, at two depths, and the path of its 'lin'
    "fold": (NetGraph({"f": NetFoldOperator(_cell())}, [], Input=("n", 3)), ("f", "net", "lin")),
    "fold in a map": (NetChain({"m": NetMapOperator(NetChain({"f": NetFoldOperator(_cell())}))}, input=("k", "n", 3)),
                      ("m", "net", "f", "net", "lin")),
}


@pytest.mark.parametrize("remove", [net_delete, net_drop])
@pytest.mark.parametrize("name", FOLDS)
def test_a_refused_removal_inside_an_operator_shows_the_producer_s_known_type(name, remove):
    net, path = FOLDS[name]
    with pytest.raises(ShapeError, match=r"cannot drop layer 2 'lin' \(LinearLayer\): its producer gives \(8\) Real "
                                         r"but its consumers take \(5\) Real") as info:
        remove(net, path)
    assert (info.value.found, info.value.expected) == (PortType((8,), "Real"), PortType((5,), "Real"))
    assert info.value.kind == "drop-mismatch" and info.value.layer == path


def test_the_same_removal_at_the_top_level_gives_the_same_facts():
    with pytest.raises(ShapeError) as info:
        net_delete(_cell(Input=3, State=5), "lin")
    assert (info.value.found, info.value.expected) == (PortType((8,), "Real"), PortType((5,), "Real"))


def test_net_delete_inside_an_operator_bridges_a_layer_whose_neighbours_fit_there():
    """Alone the inner graph's 'a' gives '?': net_delete refused what net_drop (and a top-level net) accept."""
    inner = NetGraph({"a": "Tanh", "lin": LinearLayer(4), "b": LinearLayer(2)}, [("a", "lin", "b")])
    net = net_initialize(NetGraph({"map": NetMapOperator(inner)}, [], Input=("n", 4)), seed=0)
    deleted = net_delete(net, ("map", "net", "lin"))
    assert list(deleted.layers["map"].net.layers) == ["a", "b"] and deleted.port_types["Output"].shape == ("n", 2)
    assert deleted.layers["map"].net.port_shape_options() == {}  # its own (undeclared) input kept
    b = net_extract(deleted, ("map", "net", "b"))
    x = torch.randn(3, 5, 4)
    torch.testing.assert_close(deleted(x), F.linear(torch.tanh(x), b.arrays["Weights"], b.arrays["Biases"]))
