"""net_rename of the net's own ports (Wolfram's NetRename[net, NetPort["a"] -> NetPort["b"]]) and by a function."""

import pytest
import torch

from netgraph import (ClassDecoder, ClassEncoder, EmbeddingLayer, LinearLayer, NetChain, NetGraph, NetPort, OptionError,
                      SoftmaxLayer, WiringError, net_initialize, net_rename, net_set_learning_rate_multipliers)
from netgraph.spec.api import from_yaml


@pytest.fixture
def net():
    return net_initialize(NetGraph({"a": LinearLayer(3), "b": LinearLayer(2), "c": "Tanh"},
                                   [("a", "c"), ("b", NetPort("Extra"))], Input=4), seed=0)


def test_renamed_ports_compute_the_same(net):
    renamed = net_rename(net, {NetPort("Input"): NetPort("x"), NetPort("Output"): "y"})
    assert (renamed.input_ports, renamed.output_ports) == (("x",), ("y", "Extra"))
    assert renamed.input_shapes == {"x": (4,)} and renamed.output_shapes == {"y": (3,), "Extra": (2,)}
    x = torch.randn(5, 4)
    before, after = net(x), renamed(x)
    assert torch.equal(before["Output"], after["y"]) and torch.equal(before["Extra"], after["Extra"])
    assert torch.equal(renamed.compile()(x)["y"], before["Output"])
    assert "def forward(self, x):" in renamed.compile().code
    back = from_yaml(renamed.to_yaml())
    assert (back.input_ports, back.output_ports) == (("x",), ("y", "Extra"))
    assert net.input_ports == ("Input",)  # the original is unchanged


def test_other_ports_keep_their_names_and_order():
    two = NetGraph({"a": LinearLayer(3), "b": LinearLayer(2)}, [], Input=4)  # two unwired outputs: Output1, Output2
    assert two.output_ports == ("Output1", "Output2")
    assert net_rename(two, {NetPort("Output1"): "first"}).output_ports == ("first", "Output2")
    wired = NetGraph({"a": LinearLayer(3)}, [(NetPort("p"), NetPort("q")), (NetPort("Input"), "a")], Input=4, p=2)
    assert wired.input_ports == ("p", "Input") and wired.output_ports == ("Output", "q")
    renamed = net_rename(wired, {NetPort("q"): "Q", NetPort("Input"): "In"})
    assert (renamed.input_ports, renamed.output_ports) == (("p", "In"), ("Output", "Q"))
    assert renamed.input_shapes == {"p": (2,), "In": (4,)}


def test_an_input_read_first_by_a_layer_keeps_its_place_before_one_passed_straight_to_an_output():
    """'A' is read first (by 'lin'), then 'B' passed to the first output 'X', then 'A' to 'Y': once refused as a
    "port-order" error, the renamed net's edges having read 'B' first."""
    net = net_initialize(NetGraph({"lin": LinearLayer(2)}, [(NetPort("A"), "lin"), (NetPort("B"), NetPort("X")),
                                                           (NetPort("A"), NetPort("Y")), ("lin", NetPort("Z"))],
                                  A=3, B=2), seed=0)
    assert (net.input_ports, net.output_ports) == (("A", "B"), ("X", "Y", "Z"))
    renamed = net_rename(net, {NetPort("Z"): "W", NetPort("B"): "b"})
    assert (renamed.input_ports, renamed.output_ports) == (("A", "b"), ("X", "Y", "W"))
    assert renamed.input_shapes == {"A": (3,), "b": (2,)}
    x, b = torch.randn(4, 3), torch.randn(4, 2)
    before, after = net(A=x, B=b), renamed(A=x, b=b)
    assert torch.equal(after["X"], b) and torch.equal(after["Y"], x) and torch.equal(after["W"], before["Z"])


def test_a_chain_becomes_the_equivalent_graph():
    chain = net_initialize(NetChain([LinearLayer(3), "Tanh"], input=4), seed=0)
    renamed = net_rename(chain, {NetPort("Input"): "features"})
    assert type(renamed) is NetGraph and renamed.input_ports == ("features",) and list(renamed.layers) == ["1", "2"]
    x = torch.randn(3, 4)
    assert torch.equal(renamed(x), chain(x))


def test_coders_and_learning_rate_rules_follow():
    chain = net_initialize(NetChain([EmbeddingLayer(8, 3), LinearLayer(2), SoftmaxLayer()],
                                    input=ClassEncoder(["red", "green", "blue"]), output=ClassDecoder(["warm", "cold"])),
                           seed=0)
    renamed = net_rename(net_set_learning_rate_multipliers(chain, {"1": 0.0}),
                         {NetPort("Input"): "colour", NetPort("Output"): "feel"})
    assert set(renamed.coders) == {"colour", "feel"}
    assert renamed(colour="blue") == chain("blue") and renamed("red") == chain("red")
    assert renamed.learning_rate_multipliers == {"1": 0.0}


def test_layers_and_ports_in_one_dict_and_by_function(net):
    both = net_rename(net, {"a": "encoder", NetPort("Input"): "x"})
    assert list(both.layers) == ["encoder", "b", "c"] and both.input_ports == ("x",)
    upper = net_rename(net, str.upper)
    assert list(upper.layers) == ["A", "B", "C"]
    x = torch.randn(2, 4)
    assert torch.equal(upper(x)["Output"], net(x)["Output"])


@pytest.mark.parametrize("rename, error, text", [
    ({NetPort("Inptu"): "x"}, WiringError, "no port 'Inptu' (did you mean 'Input'?); its inputs are ['Input']"),
    ({NetPort("Input"): "Extra"}, WiringError, "two ports would be named 'Extra'"),
    ({NetPort("a", "Input"): "x"}, OptionError, "NetPort('a', 'Input') is a port of a layer inside it"),
    ({NetPort("Input"): 3}, OptionError, "the new name of port 'Input' must be NetPort('name') or a non-empty string"),
    (lambda name: name[5], OptionError, "the renaming function failed on layer 'a': IndexError"),
    (lambda name: "same", WiringError, "would give two layers the same name 'same'"),
    (["a"], OptionError, "net_rename takes a dict"),
])
def test_bad_renames_say_what_is_wrong(net, rename, error, text):
    with pytest.raises(error) as caught:
        net_rename(net, rename)
    assert text in str(caught.value)


def test_a_port_named_by_its_string_says_to_write_a_netport(net):
    """Found by QA: net_rename(net, {"Input": "x"}) said "there is no layer 'Input' in the net; its layers are
    ['a', 'b', 'c']", leaving the user to guess that ports are renamed by NetPort."""
    with pytest.raises(OptionError, match=r"'Input' is a port of the net, not a layer: rename it as "
                                          r"\{NetPort\('Input'\): NetPort\('x'\)\}") as info:
        net_rename(net, {"Input": "x"})
    assert info.value.diagnostics[0].option == "rename"
    assert list(net_rename(net, {NetPort("Input"): NetPort("x")}).input_ports) == ["x"]
    with_layer = NetGraph({"Input": LinearLayer(3)}, [], Input=4)  # a layer of that name is renamed as before
    assert list(net_rename(with_layer, {"Input": "first"}).layers) == ["first"]


def test_a_port_rename_the_new_graph_refuses_is_an_error_led_by_net_rename_once():
    net = NetGraph({"a": LinearLayer(3), "b": LinearLayer(2)}, [(NetPort("x"), "a"), ("a", "b")], x=4)
    with pytest.raises(WiringError) as caught:
        net_rename(net, {NetPort("x"): NetPort("a.b")})
    assert str(caught.value).startswith("net_rename: ") and "'a.b'" in str(caught.value)
    with pytest.raises(WiringError) as caught:
        net_rename(net, {NetPort("zz"): NetPort("y")})
    assert str(caught.value).startswith("net_rename: the net has no port 'zz'")
    assert str(caught.value).count("net_rename") == 1
