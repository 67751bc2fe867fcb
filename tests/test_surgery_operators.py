"""Surgery paths into operators' inner nets (``("map", "net", "lin")``), as layer_types and learning-rate multipliers
take them; path errors that say where the path fails; net_replace_part of a non-numeric array."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from netgraph import (LinearLayer, NetChain, NetGraph, NetMapOperator, NetPort, OptionError, ShapeError, WiringError,
                      net_delete, net_drop, net_extract, net_initialize, net_rename, net_replace_part,
                      net_set_learning_rate_multipliers, net_take)
from netgraph.core.multiplier_rates import stored_multipliers


@pytest.fixture
def net():
    inner = NetChain({"lin": LinearLayer(3), "act": "Tanh"})
    return net_initialize(NetGraph({"map": NetMapOperator(inner), "head": LinearLayer(2)}, [("map", "head")],
                                   Input=(5, 4)), seed=0)


def by_hand(net, x, act=torch.tanh):
    lin, head = net_extract(net, ("map", "net", "lin")), net_extract(net, "head")
    h = act(F.linear(x, lin.arrays["Weights"], lin.arrays["Biases"])).flatten(1)
    return F.linear(h, head.arrays["Weights"], head.arrays["Biases"])


def test_extract_reads_inside_an_operator(net):
    assert dict(net_extract(net, ("map", "net")).layers) == dict(net.layers["map"].net.layers)  # its input shape given
    assert net_extract(net, ("map", "net", "lin")) is net.layers["map"].net.layers["lin"]
    assert torch.equal(net_extract(net, ("map", "net", "lin", "Weights")), net.layers["map"].arrays["net.lin.Weights"])
    x = torch.randn(2, 5, 4)
    torch.testing.assert_close(net(x), by_hand(net, x))


def test_replace_part_rename_delete_and_drop_edit_the_inner_net(net):
    x = torch.randn(2, 5, 4)
    w = torch.ones(3, 4)
    replaced = net_replace_part(net, {("map", "net", "lin", "Weights"): w, ("map", "net", "act"): "Sin"})
    assert torch.equal(net_extract(replaced, ("map", "net", "lin", "Weights")), w)
    torch.testing.assert_close(replaced(x), by_hand(replaced, x, torch.sin))
    whole = net_replace_part(net, {("map", "net"): NetChain({"lin": LinearLayer(3), "act": "Sin"})})
    assert whole.layers["map"].net.layers["act"].function == "Sin"
    slow = net_set_learning_rate_multipliers(net, {("map", "net", "lin"): 0})
    renamed = net_rename(slow, {("map", "net", "lin"): "first"})
    assert list(renamed.layers["map"].net.layers) == ["first", "act"]
    assert stored_multipliers(renamed) == [("map/net/first", 0.0)]  # the frozen layer stays frozen
    torch.testing.assert_close(renamed(x), net(x))
    for edit in (net_drop, net_delete):
        dropped = edit(slow, ("map", "net", "act"))
        assert list(dropped.layers["map"].net.layers) == ["lin"]
        assert stored_multipliers(dropped) == [("map/net/lin", 0.0)]
        torch.testing.assert_close(dropped(x), by_hand(net, x, lambda h: h))


def test_inner_errors_name_the_operator_and_what_is_there(net):
    with pytest.raises(WiringError, match=r"net_extract: inside layer 1 'map' \(NetMapOperator\), inner net 'net': "
                                          r"there is no layer 'lim' \(did you mean 'lin'\?\).*\['lin', 'act'\]"):
        net_extract(net, ("map", "net", "lim"))
    with pytest.raises(OptionError, match=r"net_drop: inside layer 1 'map'.*names the inner net itself"):
        net_drop(net, ("map", "net"))
    with pytest.raises(WiringError, match=r"net_rename: inside layer 1 'map'.*two layers the same name"):
        net_rename(net, {("map", "net", "lin"): "act"})
    with pytest.raises(WiringError, match=r"no layer at 'map/lin': layer 'map' is a NetMapOperator; a path into it "
                                          r"names its inner net first, one of \['net'\]"):
        net_drop(net, ("map", "lin"))
    for edit in (net_extract, net_drop):  # a misspelt inner net's name is suggested, as a misspelt layer's is
        with pytest.raises(WiringError, match=r"names its inner net first, one of \['net'\], not 'nte' \(did you mean "
                                              r"'net'\?\)"):
            edit(net, ("map", "nte", "lin"))
    with pytest.raises(WiringError, match=r"net_take: .* goes into layer 1 'map' \(NetMapOperator\), inner net 'net'"):
        net_take(net, ("map", "net", "lin"))


def test_path_errors_say_which_segment_fails(net):
    with pytest.raises(WiringError, match=r"no layer at 'head/x/y': layer 'head' \(LinearLayer\) is not a graph"):
        net_extract(net, ("head", "x", "y"))  # it named the shorter path 'head/x' tried as an array spec
    outer = NetGraph({"enc": NetChain({"l1": LinearLayer(3), "act": "Tanh"})}, [], Input=2)
    with pytest.raises(WiringError, match=r"there is no layer 7 in layer 'enc' \(layers are numbered 1 to 2, or -1 "):
        net_drop(outer, ("enc", 7))
    with pytest.raises(WiringError, match=r"there is no layer 'l11' \(did you mean 'l1'\?\) in layer 'enc'; its "
                                          r"layers are \['l1', 'act'\]"):
        net_rename(outer, {("enc", "l11"): "x"})


@pytest.mark.parametrize("value", ["abc", ["a", "b"], [[1.0, "x"]], {"w": 1}])
def test_replace_part_with_a_non_numeric_array_is_one_clear_error(net, value):
    with pytest.raises(OptionError, match=r"net_replace_part: layer 2 'head' \(LinearLayer\) array 'Weights' needs a "
                                          r"numeric array .* found " + type(value).__name__):
        net_replace_part(net, {("head", "Weights"): value})
    with pytest.raises(OptionError, match=r"inside layer 1 'map'.*array 'Weights' needs a numeric array"):
        net_replace_part(net, {("map", "net", "lin", "Weights"): value})


@pytest.mark.parametrize("value, found", [(torch.full((2, 15), 1 + 2j), "a complex array"),
                                          ([[1e300] * 15] * 2, "holds 1e\\+300"),
                                          (torch.ones(2, 15).to_sparse(), "sparse_coo tensor")])
def test_replace_part_refuses_complex_sparse_and_float32_overflowing_arrays(net, value, found):
    """A complex array was stored as its real part and 1e300 as inf, silently (inside an operator too). A float64
    tensor is kept as given, as a layer's array option keeps it (test_replace_part_takes_arrays_as_layers_do)."""
    for path, where in [(("head", "Weights"), "layer 2 'head'"), (("map", "net", "lin", "Weights"), "inside layer 1")]:
        with pytest.raises(OptionError, match=rf"{where}.*array 'Weights'.*{found}"):
            net_replace_part(net, {path: value})
    assert torch.equal(net_extract(net_replace_part(net, {("head", "Weights"): torch.ones(2, 15, dtype=torch.float64)}),
                                   ("head", "Weights")), torch.ones(2, 15))


@pytest.mark.parametrize("make", [
    lambda: torch.full((2, 15), 0.1, dtype=torch.float64), lambda: np.full((2, 15), 0.1), lambda: [[0.1] * 15] * 2,
    lambda: torch.full((2, 15), 0.1, dtype=torch.float16), lambda: np.ones((2, 15), np.uint8),
    lambda: torch.ones(2, 15, requires_grad=True), lambda: torch.ones(2, 15).to_sparse(),
    lambda: torch.ones(2, 15, device="meta"), lambda: np.full((2, 15), 1j), lambda: [[1e300] * 15] * 2,
    lambda: [["a"] * 15] * 2])
def test_replace_part_takes_arrays_as_layers_do(net, make):
    """One rule (core.options.as_array) for a layer's array option and net_replace_part: a float64 tensor or array
    was made float32 by net_replace_part but kept by LinearLayer(weights=...); a sparse or meta tensor was stored by
    the layer but refused by net_replace_part."""
    try:
        expected = LinearLayer(2, weights=make()).arrays["Weights"]
    except OptionError as exc:
        with pytest.raises(OptionError, match=re.escape(str(exc).split("needs", 1)[-1].split("holds", 1)[-1])):
            net_replace_part(net, {("head", "Weights"): make()})
        return
    got = net_extract(net_replace_part(net, {("head", "Weights"): make()}), ("head", "Weights"))
    assert got.dtype == expected.dtype and torch.equal(got, expected) and not got.requires_grad


def test_replace_layers_edits_inside_an_operator_as_net_replace_part_does(net):
    """net.replace_layers with a path into an operator raised a raw AttributeError (operators had no replace_layers)."""
    edited = net.replace_layers({("map", "net", "lin"): LinearLayer(3)})
    assert edited.layer_types(("map", "net", "lin")) == net_replace_part(net, {("map", "net", "lin"): LinearLayer(3)}
                                                                         ).layer_types(("map", "net", "lin"))
    assert edited.layers["map"].net.layers["lin"] == LinearLayer(3)
    whole = net.replace_layers({("map", "net"): NetChain({"z": LinearLayer(3)})})
    assert list(whole.layers["map"].net.layers) == ["z"]
    with pytest.raises(WiringError, match=r"NetMapOperator holds its inner nets in the options \['net'\].*'nett'"):
        net.replace_layers({("map", "nett", "lin"): LinearLayer(3)})
    with pytest.raises(WiringError, match=r"'head' \(LinearLayer\) holds no layers"):
        net.replace_layers({("head", "x"): LinearLayer(3)})


def test_extracting_an_inner_net_keeps_the_input_shapes_its_operator_gives_it(net):
    """It came out with Input None (the shapes it took inside forgotten), so it could not be called alone."""
    inner = net_extract(net, ("map", "net"))
    assert isinstance(inner, NetChain) and inner.input_shapes == {"Input": (4,)}
    x = torch.randn(2, 5, 4)
    torch.testing.assert_close(inner(x[:, 0]), net(x, outputs=NetPort(("map", "Output")))[:, 0])
    chain = NetChain({"lin": LinearLayer(3), "act": "Tanh"}, input=4)
    assert net_extract(NetGraph({"map": NetMapOperator(chain)}, [], Input=(5, 4)), ("map", "net")) is chain


def test_drop_inside_an_operator_judges_the_fit_with_the_types_the_operator_gives_its_inner_net():
    """Alone the inner chain's input has no shape; inside the map it is (4), so a LinearLayer(4) after it drops,
    as from the same chain at the top level, and the inner net keeps its own (undeclared) input."""
    from netgraph import CatenateLayer, NetFoldOperator, ShapeError
    inner = NetChain({"a": "Tanh", "lin": LinearLayer(4), "b": LinearLayer(2)})
    net = net_initialize(NetGraph({"map": NetMapOperator(inner)}, [], Input=("n", 4)), seed=0)
    dropped = net_drop(net, ("map", "net", "lin"))
    assert list(dropped.layers["map"].net.layers) == ["a", "b"] and dropped.port_types["Output"].shape == ("n", 2)
    assert dropped.layers["map"].net.port_shape_options() == {}
    x = torch.randn(3, 5, 4)
    b = net_extract(dropped, ("map", "net", "b"))
    torch.testing.assert_close(dropped(x), F.linear(torch.tanh(x), b.arrays["Weights"], b.arrays["Biases"]))
    cell = NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(4), "act": "Tanh"},
                    [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin", "act")], Input=3)
    with pytest.raises(ShapeError, match=r"inside layer 1 'fold' \(NetFoldOperator\), inner net 'net': cannot drop "
                                         r"layer 2 'lin' \(LinearLayer\): its producer gives \(7\) Real but its "
                                         r"consumers take \(4\) Real"):
        net_drop(NetGraph({"fold": NetFoldOperator(cell)}, [], Input=("n", 3)), ("fold", "net", "lin"))


def test_one_edit_into_both_inner_nets_of_an_operator_keeps_both():
    """Porting a bidirectional torch GRU sets the forward and the backward arrays in one net_replace_part: the edit
    of the first inner net was lost (each inner net's edit started from the operator as it was)."""
    from netgraph import GatedRecurrentLayer, NetBidirectionalOperator
    net = NetChain({"bi": NetBidirectionalOperator([GatedRecurrentLayer(5), GatedRecurrentLayer(5)])}, input=("n", 4))
    forward, backward = (("bi", inner, "layer", "ResetGateBiases") for inner in ("forward_net", "backward_net"))
    edited = net_replace_part(net, {forward: torch.ones(5), backward: torch.full((5,), 2.0)})
    assert torch.equal(net_extract(edited, forward), torch.ones(5))
    assert torch.equal(net_extract(edited, backward), torch.full((5,), 2.0))
    renamed = net_rename(edited, {("bi", "forward_net", "layer"): "fwd", ("bi", "backward_net", "layer"): "bwd"})
    assert (list(renamed.layers["bi"].forward_net.layers), list(renamed.layers["bi"].backward_net.layers)) == (
        ["fwd"], ["bwd"])


def _inner_conflict():
    """b's weights need 3 inputs: a layer a of 6 put in before it does not fit."""
    return NetChain({"a": LinearLayer(3), "b": LinearLayer(2, weights=torch.ones(2, 3))})


@pytest.mark.parametrize("net, key, chain", [
    (NetChain({"m": NetMapOperator(NetChain({"x": _inner_conflict()}))}, input=(5, 4)), ("m", "net", "x", "a"),
     "layer 1 'm' (NetMapOperator) > inner net 'net' > layer 1 'x' (NetChain)"),
    (NetChain({"q": NetChain({"m": NetMapOperator(_inner_conflict())})}, input=(5, 4)), ("q", "m", "net", "a"),
     "layer 1 'q' (NetChain) > layer 1 'm' (NetMapOperator) > inner net 'net'"),
])
def test_a_replace_layers_conflict_in_an_inner_net_names_the_inner_net_in_its_chain(net, key, chain):
    """Found by review: the chain said "layer 1 'm' (NetMapOperator) > layer 1 'x' (NetChain)" for the path
    ('m', 'net', 'x', 'b'): the inner net 'net' the path goes through was left out."""
    with pytest.raises(ShapeError) as info:
        net.replace_layers({key: LinearLayer(6)})
    assert str(info.value).startswith(f"in {chain}: shape conflict: layer 2 'b' (LinearLayer): port 'Input'")
    assert info.value.diagnostics[0].message.startswith(f"in {chain}: ")
    assert info.value.diagnostics[0].layer == (*key[:-1], "b")
