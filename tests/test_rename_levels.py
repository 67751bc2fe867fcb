"""net_rename's level (Wolfram's NetRename[net, rules, levelspec]): names and functions reach nested layers."""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import (LinearLayer, NetChain, NetGraph, NetMapOperator, NetPort, OptionError, WiringError,
                      net_initialize, net_rename)
from netgraph.core.rename_levels import layers_at_levels


@pytest.fixture
def net():
    inner = NetChain({"lin": LinearLayer(3), "act": "Tanh"})
    deeper = NetGraph({"box": NetChain({"lin": LinearLayer(3)}), "act": "Ramp"}, [("box", "act")])
    layers = {"enc": inner, "mid": deeper, "lin": LinearLayer(2)}
    return net_initialize(NetGraph(layers, [("enc", "mid", "lin")], Input=4), seed=0)


def names(net):
    """Every layer's path, outer levels first."""
    out = []
    for name, layer in net.layers.items():
        out.append(name)
        if isinstance(layer, NetGraph):
            out += [f"{name}/{inner}" for inner in names(layer)]
    return out


def test_the_default_level_renames_only_the_outer_layers(net):
    assert names(net_rename(net, {"lin": "out"})) == [
        "enc", "enc/lin", "enc/act", "mid", "mid/box", "mid/box/lin", "mid/act", "out"]


def test_level_n_reaches_levels_1_through_n_and_keeps_the_values(net):
    renamed = net_rename(net, {"lin": "linear"}, level=2)
    assert names(renamed) == ["enc", "enc/linear", "enc/act", "mid", "mid/box", "mid/box/lin", "mid/act", "linear"]
    x = torch.randn(5, 4)
    torch.testing.assert_close(renamed(x), net(x))
    assert torch.equal(renamed.layers["enc"].layers["linear"].arrays["Weights"],
                       net.layers["enc"].layers["lin"].arrays["Weights"])


def test_a_single_level_and_a_span(net):
    assert names(net_rename(net, {"lin": "L"}, level=[3])) == [
        "enc", "enc/lin", "enc/act", "mid", "mid/box", "mid/box/L", "mid/act", "lin"]
    assert names(net_rename(net, {"act": "A"}, level=[2, math.inf])) == [
        "enc", "enc/lin", "enc/A", "mid", "mid/box", "mid/box/lin", "mid/A", "lin"]


def test_a_function_renames_every_layer_at_the_levels(net):
    assert names(net_rename(net, str.upper, level=[2, 3])) == [
        "enc", "enc/LIN", "enc/ACT", "mid", "mid/BOX", "mid/BOX/LIN", "mid/ACT", "lin"]


def test_levels_reach_an_operators_inner_net():
    net = NetGraph({"map": NetMapOperator(NetChain({"lin": LinearLayer(2)}))}, [], Input=(3, 4))
    renamed = net_rename(net, {"lin": "inner"}, level=2)
    assert list(renamed.layers["map"].net.layers) == ["inner"]


def test_bad_levels_and_names_are_clear_errors(net):
    for level in (0, [3, 2], "All", [1, 2, 3], True):
        with pytest.raises(OptionError, match=r"level must be a level n >= 1") as info:
            net_rename(net, {"lin": "x"}, level=level)
        assert info.value.option == "level"
    with pytest.raises(WiringError, match=r"no layer is named 'lni' at level \[1, 2\] \(did you mean 'lin'") as info:
        net_rename(net, {"lni": "x"}, level=2)
    assert info.value.kind == "unknown-layer"
    with pytest.raises(WiringError, match="same name 'act'"):
        net_rename(net, {"lin": "act"}, level=[2])
    with pytest.raises(OptionError, match=r"own ports at level 1; level \[2\] leaves out NetPort"):
        net_rename(net, {NetPort("Input"): NetPort("x")}, level=[2])
    assert net_rename(net, {NetPort("Input"): NetPort("x"), "lin": "y"}, level=2).input_ports == ("x",)


@pytest.mark.parametrize("rules", [{"lin": "x", ("enc", "lin"): "y"}, {("enc", "lin"): "y", "lin": "x"}])
def test_a_layer_two_rules_rename_differently_is_refused_naming_both(net, rules):
    """Which rule won depended on the dict's order."""
    with pytest.raises(OptionError, match=r"layer 'enc/lin' gets two new names, .* by rule .* and .* by rule") as info:
        net_rename(net, rules, level=2)
    assert set(info.value.found) == {"lin", ("enc", "lin")} and info.value.layer == ("enc", "lin")
    assert "enc/z" in names(net_rename(net, {"lin": "z", ("enc", "lin"): "z"}, level=2))  # one name: fine


def test_layers_at_levels_walks_depth_first():
    """The docstring said outer levels first; past level 2 the walk is depth first, as it now says."""
    deep = NetGraph({"a": NetChain({"b": NetChain({"c": LinearLayer(2)})}), "d": NetChain({"e": LinearLayer(2)})},
                    [("a", "d")], Input=2)
    assert [p for p, _ in layers_at_levels(deep, (1, math.inf))] == [
        ("a",), ("d",), ("a", "b"), ("a", "b", "c"), ("d", "e")]
