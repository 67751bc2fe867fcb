"""net_take from a start, as Wolfram's NetTake[net, {start, end}] (NetTake[net, {NetPort["x"], "b"}]): the layers
between the start and the outputs, the inputs they take from elsewhere made graph inputs (Wolfram-parity follow-up:
net_take took what computes the outputs from every input it needs, and had no start)."""

from __future__ import annotations

import pytest
import torch

from netgraph import ElementwiseLayer, LinearLayer, NetArrayLayer, NetChain, NetGraph, NetPort, WiringError, net_initialize, net_take

G = torch.Generator().manual_seed(0)
X, Y = torch.randn(4, 3, generator=G), torch.randn(4, 2, generator=G)


def two_branches() -> NetGraph:
    """x -> a -> add <- b <- y, add -> c: two inputs meet in 'add'."""
    return net_initialize(NetGraph({"a": LinearLayer(2), "b": LinearLayer(2), "add": "Plus", "c": LinearLayer(1)},
                                   [(NetPort("x"), "a"), (NetPort("y"), "b"), (["a", "b"], "add"), ("add", "c")],
                                   x=3, y=2), seed=0)


def test_a_start_at_a_graph_input_keeps_what_lies_between_it_and_the_outputs():
    net = two_branches()
    taken = net_take(net, "c", start=NetPort("x"))
    assert list(taken.layers) == ["a", "add", "c"]  # b computes from y alone: before the start
    assert taken.input_ports == ("x", "b") and taken.input_shapes == {"x": (3,), "b": (2,)}  # named after b, Wolfram's
    b_out = net_take(net, "b")(y=Y)  # what b gave 'add' now comes in as the new input
    torch.testing.assert_close(taken(x=X, b=b_out), net(x=X, y=Y), rtol=0, atol=0)


def test_the_start_may_be_written_by_name():
    net = two_branches()
    assert net_take(net, "c", start="x") == net_take(net, "c", start=NetPort("x"))


def test_a_start_at_a_layer_keeps_that_layer_and_what_follows():
    net = two_branches()
    taken = net_take(net, "c", start="add")
    assert list(taken.layers) == ["add", "c"] and taken.input_ports == ("a", "b")
    torch.testing.assert_close(taken(a=net_take(net, "a")(x=X), b=net_take(net, "b")(y=Y)), net(x=X, y=Y))


def test_a_start_at_a_layer_output_begins_after_that_layer():
    net = two_branches()
    taken = net_take(net, "c", start=[NetPort("a", "Output"), NetPort("b", "Output")])
    assert list(taken.layers) == ["add", "c"]
    assert net_take(net, "c", start=NetPort("add", "Input1")) == taken  # a layer's input port: that layer on


def test_a_chain_from_a_start_stays_a_chain():
    chain = NetChain({"l1": LinearLayer(4), "act": "Tanh", "l2": LinearLayer(2)}, input=3)
    taken = net_take(chain, "l2", start="act")
    assert isinstance(taken, NetChain) and list(taken.layers) == ["act", "l2"] and taken.input_shapes == {"Input": (4,)}
    assert net_take(chain, "l2", start=NetPort("Input")) == net_take(chain, "l2")


def test_a_source_layer_the_kept_layers_read_is_kept():
    net = NetGraph({"w": NetArrayLayer(output=2), "a": LinearLayer(2), "add": "Plus"},
                   [(NetPort("x"), "a"), (["a", "w"], "add")], x=3)
    assert list(net_take(net, "add", start="x").layers) == ["w", "a", "add"]


def test_a_start_that_does_not_reach_the_outputs_is_an_error():
    with pytest.raises(WiringError, match=r"net_take: start= NetPort\('y'\) does not reach 'a': nothing between them "
                                          r"to take \(the start reaches layers \['b', 'add', 'c'\]\)"):
        net_take(two_branches(), "a", start=NetPort("y"))


@pytest.mark.parametrize("start, message", [
    (NetPort("z"), r"start= NetPort\('z'\) is no graph input; the inputs are \['x', 'y'\]"),
    ("zz", r"there is no layer or graph input 'zz'"),
    (NetPort(("a", "Output")), None),
])
def test_a_bad_start_is_named(start, message):
    if message is None:  # a one-element path is a top-level port: the same as NetPort("a", "Output")
        assert net_take(two_branches(), "c", start=start) == net_take(two_branches(), "c", start=NetPort("a", "Output"))
        return
    with pytest.raises(WiringError, match=message):
        net_take(two_branches(), "c", start=start)


def test_a_graph_input_among_the_outputs_says_to_give_it_as_start():
    with pytest.raises(WiringError, match=r"net_take: NetPort\('x'\) is a graph input, not an output; to take from it "
                                          r"\(Wolfram's NetTake\[net, \{NetPort\[\"x\"\], end\}\]\), give it as start: "
                                          r"net_take\(net, outputs, start=NetPort\('x'\)\)"):
        net_take(two_branches(), [NetPort("x"), "c"])


def test_a_value_cut_off_is_one_input_named_after_its_layer_however_many_layers_read_it():
    """Each port a cut value fed became an input of its own, named after the port (Input, Input2), where Wolfram
    names the input after the layer that gave the value; a name a graph input has already is numbered."""
    net = net_initialize(NetGraph({"a": LinearLayer(2), "p": LinearLayer(2), "q": LinearLayer(2), "add": "Plus"},
                                  [(NetPort("x"), "a"), ("a", ["p", "q"]), (["p", "q", NetPort("a")], "add")], x=3,
                                  a=2), seed=0)
    taken = net_take(net, "add", start=["p", "q"])
    assert taken.input_ports == ("a", "a2") and taken.input_shapes == {"a": (2,), "a2": (2,)}
    a_out = net_take(net, "a")(x=X)
    torch.testing.assert_close(taken(a=Y, a2=a_out), net(x=X, a=Y), rtol=0, atol=0)


def test_cut_values_of_a_layer_with_several_outputs_and_of_a_numbered_layer():
    pair = NetGraph({"p": LinearLayer(2), "q": LinearLayer(2)}, [(NetPort("Input"), ["p", "q"]), ("p", NetPort("P")),
                                                                     ("q", NetPort("Q"))], Input=3)
    net = net_initialize(NetGraph({"pair": pair, "add": "Plus"}, [(NetPort("pair", "P"), NetPort("add", "Input1")),
                                                                  (NetPort("pair", "Q"), NetPort("add", "Input2"))]),
                         seed=0)
    assert net_take(net, "add", start="add").input_ports == ("pair_P", "pair_Q")
    numbered = NetGraph([LinearLayer(2), ElementwiseLayer("Tanh")], [(1, 2)], Input=3)
    assert net_take(numbered, 2, start=2).input_ports == ("Input",)  # no input may be called '1': its port's name


def test_a_start_in_a_numbered_chain_keeps_the_outputs_of_the_renumbered_layers():
    # start= renumbers a numbered chain's layers (2, 3 -> 1, 2), but the outputs were looked up by their old names:
    # every output was dropped, and a nested graph kept whole for a port inside it exposed that port of the layer
    # that took its old name (layer 3's 'a' instead of layer 2's)
    def inner() -> NetChain:
        return NetChain({"a": LinearLayer(3), "b": LinearLayer(3)})
    net = net_initialize(NetChain([LinearLayer(3), inner(), inner()], input=3), seed=0)
    head = net_take(net, 1)(X)
    for end in ("3", 3, -1):
        taken = net_take(net, end, start="2")
        assert isinstance(taken, NetChain) and list(taken.layers) == ["1", "2"] and taken.output_ports == ("Output",)
        torch.testing.assert_close(taken(head), net(X), rtol=0, atol=0)
    both = net_take(net, [NetPort(("2", "a", "Output")), "3"], start="2")
    assert both.output_ports == ("1_a_Output", "Output")  # named after the layer's new name; in the order asked
    whole = net_take(net, [NetPort(("2", "a", "Output")), "3"])(X)
    torch.testing.assert_close(both(head), {"Output": whole["Output"], "1_a_Output": whole["2_a_Output"]},
                               rtol=0, atol=0)
    cut = net_take(net, NetPort(("3", "a", "Output")), start="2")  # a nested graph cut down: already renamed
    torch.testing.assert_close(cut(head), net_take(net, NetPort(("3", "a", "Output")))(X), rtol=0, atol=0)


@pytest.mark.parametrize("start", [("enc", "l2"), NetPort(("enc", "l2", "Output")), (1, 3),
                                   NetPort((1, 3, "Output"))])  # R4: indexes were spelled as given
def test_a_start_inside_a_nested_graph_is_refused_naming_it_not_taken_from_the_graph_around_it(start):
    """Found by QA (tester P): a tuple path as start was cut to its first name, so the whole graph 'enc' was kept."""
    enc = NetGraph({"l1": LinearLayer(4), "act": "Tanh", "l2": LinearLayer(2)}, [("l1", "act", "l2")])
    net = NetGraph({"enc": enc, "head": LinearLayer(5)}, [("enc", "head")], Input=3)
    with pytest.raises(WiringError, match=r"^net_take: start= takes .* nested path .*holding it \('enc'\).*"
                                          r"net_flatten\(net\) \(layer "
                                          r"'enc/l2'\)") as info:
        net_take(net, "head", start=start)
    assert info.value.kind == "layer-path" and info.value.diagnostics[0].layer == ("enc", "l2")
