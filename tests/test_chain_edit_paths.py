"""Paths in chain editing: net_insert, net_append and net_prepend reach a chain nested in a NetChain or NetGraph
(or an operator's inner net) by the path forms net_delete takes: a name, a 1-based index or a tuple path."""

from __future__ import annotations

import pytest
import torch

from netgraph import (FunctionLayer, LinearLayer, NetChain, NetGraph, NetMapOperator, OptionError, ReshapeLayer,
                      ShapeError, WiringError, net_append, net_delete, net_initialize, net_insert, net_prepend)


def _functions(chain):
    return [getattr(layer, "function", type(layer).__name__) for layer in chain.layers.values()]


def _graph():
    enc = NetChain({"l1": LinearLayer(8), "act": "Ramp"})
    return NetGraph({"enc": enc, "head": LinearLayer(2)}, [("enc", "head")], Input=4)


@pytest.mark.parametrize("position", [("enc", "act"), ("enc", 2), (1, "act"), (1, 2)])
def test_net_insert_takes_a_tuple_path_into_a_chain_nested_in_a_graph(position):
    edited = net_insert(_graph(), {"norm": "Tanh"}, position)
    assert list(edited.layers["enc"].layers) == ["l1", "norm", "act"]
    assert _functions(edited.layers["enc"]) == ["LinearLayer", "Tanh", "Ramp"]
    assert _functions(net_delete(edited, ("enc", "norm")).layers["enc"]) == ["LinearLayer", "Ramp"]


def test_net_insert_at_one_past_the_end_of_a_nested_chain_appends_there():
    edited = net_insert(_graph(), LinearLayer(5), ("enc", 3))
    assert _functions(edited.layers["enc"]) == ["LinearLayer", "Ramp", "LinearLayer"]
    assert edited.layers["enc"].output_shapes == {"Output": (5,)}
    assert net_initialize(edited, seed=0)(torch.zeros(3, 4)).shape == (3, 2)  # the head takes 5 now


@pytest.mark.parametrize("at", ["enc", 1, ("enc",)])
def test_net_append_and_prepend_take_the_path_of_a_nested_chain(at):
    appended = net_append(_graph(), "Tanh", at=at)
    assert _functions(appended.layers["enc"]) == ["LinearLayer", "Ramp", "Tanh"]
    prepended = net_prepend(_graph(), LinearLayer(4), at=at)
    assert _functions(prepended.layers["enc"]) == ["LinearLayer", "LinearLayer", "Ramp"]
    assert net_initialize(prepended, seed=0)(torch.zeros(3, 4)).shape == (3, 2)


def test_a_chain_that_is_a_graphs_only_layer_is_edited_in_place():
    net = NetGraph({"enc": NetChain([LinearLayer(3)])}, [], Input=2)
    assert _functions(net_append(net, "Tanh", at="enc").layers["enc"]) == ["LinearLayer", "Tanh"]


def test_a_path_into_an_operators_inner_chain_is_followed():
    net = NetGraph({"map": NetMapOperator(NetChain({"lin": LinearLayer(3)}))}, [], Input=(5, 4))
    edited = net_insert(net, "Tanh", ("map", "net", 2))
    assert _functions(edited.layers["map"].net) == ["LinearLayer", "Tanh"]
    assert _functions(net_prepend(net, "Sin", at=("map", "net")).layers["map"].net) == ["Sin", "LinearLayer"]


def test_a_path_to_no_chain_is_refused_naming_it():
    with pytest.raises(OptionError, match=r"net_append: the layer at 'head' is a LinearLayer"):
        net_append(_graph(), "Tanh", at="head")
    with pytest.raises(WiringError, match="no layer 'enx'"):
        net_insert(_graph(), "Tanh", ("enx", 1))
    with pytest.raises(OptionError, match="^net_insert: in the chain 'enc': position= must be a layer name or an index "
                                          "from 1 to 3"):
        net_insert(_graph(), "Tanh", ("enc", 4))  # the chain named (found by QA, tester P)


def test_an_edited_chain_that_no_longer_fits_the_net_around_it_is_named():
    """Its Diagnostic is the shape conflict's (kind, layer), under the header: it was one of kind "error"."""
    from netgraph import ShapeError
    with pytest.raises(ShapeError, match=r"net_append: the edited chain at 'enc' does not fit the net around it: "
                                         r".*layer 2 'head' \(LinearLayer\): port 'Input': expected size 8") as info:
        net_append(net_initialize(_graph(), seed=0), LinearLayer(5), at="enc")  # head's weights take 8 values
    (diagnostic,) = info.value.diagnostics
    assert (diagnostic.kind, diagnostic.layer) == ("shape", ("head",))
    assert diagnostic.message.startswith("net_append: the edited chain at 'enc' does not fit the net around it: ")


@pytest.mark.parametrize(("position", "functions"), [
    (-1, ["LinearLayer", "Ramp", "Tanh"]),   # after the last layer: appends (Wolfram's Insert[list, x, -1])
    (-2, ["LinearLayer", "Tanh", "Ramp"]),   # after the second from the end
    (-3, ["Tanh", "LinearLayer", "Ramp"]),   # -(len + 1): before the first
])
def test_net_insert_counts_a_negative_position_from_the_end_as_wolfram_does(position, functions):
    """net_delete and net_extract took -1 but net_insert refused it; Wolfram's NetInsert, as Insert, counts a
    negative position from the end, the new layer landing at that position (-1 appends)."""
    chain = NetChain([LinearLayer(3), "Ramp"], input=2)
    assert _functions(net_insert(chain, "Tanh", position)) == functions
    assert _functions(net_insert(_graph(), "Tanh", ("enc", position)).layers["enc"]) == functions


def test_net_insert_refuses_a_negative_position_past_the_front():
    with pytest.raises(OptionError, match=r"from -3 \(before the first\) to -1 \(the end\)"):
        net_insert(NetChain([LinearLayer(3), "Ramp"], input=2), "Tanh", -4)


def _placed_graph():
    enc = NetChain({"l1": LinearLayer(3), "act": "Tanh"})
    return net_initialize(NetGraph({"enc": enc, "head": LinearLayer(2)}, [("enc", "head")], Input=4), seed=0)


def test_a_nested_chain_edit_that_renames_its_inputs_rewires_the_net_around_it():
    """Prepending a Plus to a flat chain with input=4 gives it inputs Input1, Input2 of 4 each; nested, the
    edit was a WiringError (the graph's declared Input no longer named a port) rather than that rewiring."""
    net = _placed_graph()
    edited = net_prepend(net, "Plus", at="enc")
    assert edited.input_shapes == {"Input1": (4,), "Input2": (4,)} and edited.output_shapes == {"Output": (2,)}
    a, b = torch.randn(3, 4), torch.randn(3, 4)
    torch.testing.assert_close(edited(Input1=a, Input2=b), net(a + b))
    inserted = net_insert(net, "Plus", ("enc", 1))
    assert inserted.input_shapes == edited.input_shapes


def test_a_renamed_input_at_depth_two_reaches_the_outer_net():
    inner = _placed_graph()
    net = NetGraph({"g": inner, "out": "Sin"}, [("g", "out")], Input=4)
    edited = net_prepend(net, "Plus", at=("g", "enc"))
    assert edited.input_shapes == {"Input1": (4,), "Input2": (4,)}
    a, b = torch.randn(3, 4), torch.randn(3, 4)
    torch.testing.assert_close(edited(Input1=a, Input2=b), torch.sin(inner(a + b)))


def test_a_nested_chain_edit_that_renames_its_output_is_followed_by_the_edges_reading_it():
    net = _placed_graph()
    appended = net_append(net, {"f": FunctionLayer('<|"Foo" -> 2 * #|>')}, at="enc")
    assert appended.layers["enc"].output_ports == ("Foo",) and appended.output_shapes == {"Output": (2,)}
    x = torch.randn(3, 4)
    w = net.compile().state_dict()
    expected = torch.nn.functional.linear(2 * torch.tanh(torch.nn.functional.linear(x, w["enc.l1.Weights"],
                                                                                     w["enc.l1.Biases"])),
                                          w["head.Weights"], w["head.Biases"])
    torch.testing.assert_close(appended(x), expected)


def test_a_chain_nested_in_a_chain_is_rewired_the_same_way():
    outer = net_initialize(NetChain({"enc": NetChain({"l1": LinearLayer(3), "act": "Tanh"}), "head": LinearLayer(2)},
                                    input=4), seed=0)
    prepended = net_prepend(outer, "Plus", at="enc")
    assert isinstance(prepended, NetChain) and prepended.input_shapes == {"Input1": (4,), "Input2": (4,)}
    a, b = torch.randn(3, 4), torch.randn(3, 4)
    torch.testing.assert_close(prepended(Input1=a, Input2=b), outer(a + b))
    appended = net_append(outer, {"f": FunctionLayer('<|"Foo" -> 2 * #|>')}, at="enc")
    assert isinstance(appended, NetChain) and appended.output_shapes == {"Output": (2,)}
    assert list(appended.layers["enc"].layers) == ["l1", "act", "f"]


def test_a_new_head_with_one_input_of_another_name_takes_what_fed_the_chain():
    """Prepending FunctionLayer("2 * #x") renames the chain's one input Input -> x; the net fed the chain's head from
    `pre` (or its graph input), which feeds the new head now, as a flat chain's producer would, not a new input."""
    net = net_initialize(NetGraph({"pre": LinearLayer(4), "enc": NetChain({"l1": LinearLayer(3), "act": "Tanh"}),
                                   "head": LinearLayer(2)}, [("pre", "enc", "head")], Input=5), seed=0)
    edited = net_prepend(net, FunctionLayer("2 * #x"), at="enc")
    assert edited.input_shapes == {"Input": (5,)} and edited.output_shapes == {"Output": (2,)}
    w = net.compile().state_dict()
    x = torch.randn(3, 5)
    pre = torch.nn.functional.linear(x, w["pre.Weights"], w["pre.Biases"])
    enc = torch.tanh(torch.nn.functional.linear(2 * pre, w["enc.l1.Weights"], w["enc.l1.Biases"]))
    torch.testing.assert_close(edited(x), torch.nn.functional.linear(enc, w["head.Weights"], w["head.Biases"]))
    placed = net_prepend(_placed_graph(), FunctionLayer("2 * #x"), at="enc")  # fed by the graph's own input
    assert placed.input_shapes == {"Input": (4,)} and placed.output_shapes == {"Output": (2,)}


def test_an_unknown_position_name_suggests_the_layer_meant():
    """net_delete(chain, "relus") suggested 'relu'; net_insert's position= 'logit' only listed the layers."""
    chain = NetChain({"hidden": LinearLayer(4), "relu": "Ramp", "logits": LinearLayer(2)}, input=3)
    in_enc = NetGraph({"enc": chain, "h": LinearLayer(2)}, [("enc", "h")])
    for net, position, where in [(chain, "logit", ""), (in_enc, ("enc", "logit"), "in the chain 'enc': ")]:
        with pytest.raises(OptionError, match=rf"^net_insert: {where}position= 'logit' \(did you mean 'logits'\?\) "
                                              r"is no layer of this chain; its "
                                              r"layers are \['hidden', 'relu', 'logits'\]"):
            net_insert(net, "Tanh", position)


@pytest.mark.parametrize("edit, layer, words", [
    (lambda m: net_append(m, "Tanh", at=("map", "net")), ("map", "net"), "the inner net is a NetGraph, whose layers"),
    (lambda m: net_append(m, {"a": "Tanh"}, at=("map", "net", "c")), ("map", "net", "c"),
     "in the chain 'c': the chain has a layer"),
    (lambda m: net_insert(m, "Tanh", ("map", "net", "c", "zz")), ("map", "net", "c"),
     "in the chain 'c': position= 'zz' is no layer"),
    (lambda m: net_append(m, [], at=("map", "net", "c")), None, "in the chain 'c': layers= is an empty list"),
])
def test_a_chain_edit_inside_an_inner_net_names_its_function_once_and_the_net_refusing(edit, layer, words):
    """Was "net_append: inside layer 1 'map' (NetMapOperator), inner net 'net': net_append edits a NetChain; ...",
    the function named twice, and no layer in its diagnostic."""
    inner = NetGraph({"a": LinearLayer(3), "c": NetChain({"a": LinearLayer(3)})}, [("a", "c")])
    with pytest.raises(OptionError, match=r"^net_\w+: inside layer 1 'map' \(NetMapOperator\), inner net 'net': "
                                          + words) as caught:
        edit(NetGraph({"map": NetMapOperator(inner)}, [], Input=("n", 4)))
    message = str(caught.value)
    assert message.count("net_append") + message.count("net_insert") == 1 and caught.value.layer == layer


def test_a_chain_edit_at_a_path_names_the_layer_refusing_from_the_outer_net():
    with pytest.raises(OptionError, match=r"^net_append: in the chain 'enc': the chain has a layer named 'l1'") \
            as caught:
        net_append(_graph(), {"l1": "Tanh"}, at="enc")
    assert caught.value.layer == ("enc",)  # was None
    with pytest.raises(OptionError, match=r"^net_append: the layer at 'head' is a LinearLayer, not a NetChain") \
            as caught:
        net_append(_graph(), "Tanh", at="head")
    assert caught.value.layer == ("head",)  # was None


def test_a_shape_conflict_in_a_chain_edited_at_a_path_says_which_chain_in_its_message():
    """The message said only "shape conflict: layer 3 (ReshapeLayer) ..." (the chain named in the fields alone)."""
    enc = NetChain({"l1": LinearLayer(4), "l2": LinearLayer(5)}, input=3)
    net = NetChain({"outer": NetChain({"enc": enc, "x": LinearLayer(3)}), "head": LinearLayer(2)})
    for at, shown in (("outer", "outer"), (("outer", "enc"), "outer/enc")):
        with pytest.raises(ShapeError, match=rf"^net_append: in the chain '{shown}': shape conflict: layer \d") \
                as caught:
            net_append(net, ReshapeLayer((7,)), at=at)
        assert caught.value.layer[:-1] == tuple(shown.split("/")) and caught.value.kind == "shape"
