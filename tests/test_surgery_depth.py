"""Surgery to full depth: nested paths, net_flatten of any depth, net_join splicing, net_drop's reconnection,
NetChain editing (net_append, net_prepend, net_insert, net_delete) and net_replace by layer type."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from netgraph import (ElementwiseLayer, FunctionLayer, LinearLayer, NetChain, NetGraph, NetGraphError, NetPort,
                      OptionError, ShapeError, SoftmaxLayer, ThreadingLayer, WiringError, net_append, net_delete,
                      net_drop, net_extract, net_flatten, net_initialize, net_insert, net_join, net_prepend,
                      net_rename, net_replace, net_replace_part, net_take)


def linear(layer, x):
    return F.linear(x, layer.arrays["Weights"], layer.arrays["Biases"])


@pytest.fixture
def chain():
    return net_initialize(NetChain([LinearLayer(3), "Ramp", LinearLayer(2)], input=4), seed=0)


@pytest.fixture
def deep():
    """Three levels: a chain holding a graph holding a chain."""
    enc = NetChain({"l1": LinearLayer(3), "act": "Tanh"})
    inner = NetGraph({"enc": enc, "head": LinearLayer(2)}, [("enc", "head")])
    return net_initialize(NetChain({"outer": inner, "last": "Ramp"}, input=4), seed=0)


def deep_by_hand(net, x):
    l1, head = net_extract(net, ("outer", "enc", "l1")), net_extract(net, ("outer", "head"))
    return torch.relu(linear(head, torch.tanh(linear(l1, x))))


def test_nested_paths_in_extract_replace_part_and_rename(deep):
    x = torch.randn(3, 4)
    torch.testing.assert_close(deep(x), deep_by_hand(deep, x))
    assert net_extract(deep, ("outer", "enc", "l1", "Weights")).shape == (3, 4)
    assert net_extract(deep, (1, 1, 1)) == net_extract(deep, ("outer", "enc", "l1"))
    new = net_replace_part(deep, {("outer", "enc", "l1", "Biases"): [1.0, 2.0, 3.0], ("outer", "enc", "act"): "Sin"})
    assert net_extract(new, ("outer", "enc", "l1", "Biases")).tolist() == [1.0, 2.0, 3.0]
    assert type(new).__name__ == "NetChain" and type(new.layers["outer"].layers["enc"]).__name__ == "NetChain"
    assert net_extract(deep, ("outer", "enc", "act")).function == "Tanh"  # the original is unchanged
    renamed = net_rename(deep, {("outer", "enc", "l1"): "first", ("outer", "head"): "proj"})
    assert list(renamed.layers["outer"].layers["enc"].layers) == ["first", "act"]
    assert list(renamed.layers["outer"].layers) == ["enc", "proj"]
    torch.testing.assert_close(renamed(x), deep(x))
    with pytest.raises(WiringError, match=r"there is no layer 'l1x' \(did you mean 'l1'"):
        net_extract(deep, ("outer", "enc", "l1x", "Weights"))
    with pytest.raises(WiringError, match="is not a graph"):
        net_rename(deep, {("outer", "head", "x"): "y"})


def test_flatten_any_depth_and_by_levels(deep):
    x = torch.randn(3, 4)
    flat = net_flatten(deep)
    assert type(flat) is NetChain and list(flat.layers) == ["outer/enc/l1", "outer/enc/act", "outer/head", "last"]
    one = net_flatten(deep, levels=1)
    assert type(one) is NetChain and list(one.layers) == ["outer/enc", "outer/head", "last"]
    assert type(one.layers["outer/enc"]) is NetChain
    assert net_flatten(deep, levels=2) == flat
    for net in (flat, one):
        torch.testing.assert_close(net(x), deep_by_hand(deep, x))
    for levels in (0, 1.5, True, "all"):
        with pytest.raises(OptionError, match="levels="):
            net_flatten(deep, levels=levels)


def test_flatten_keeps_a_branching_graph_a_graph():
    inner = NetGraph({"a": "Sin", "b": "Cos", "s": ThreadingLayer("Plus")},
                     [("a", NetPort("s", "Input1")), ("b", NetPort("s", "Input2"))])
    outer = NetGraph({"in": inner, "out": "Tanh"}, [("in", "out")], Input=2)
    x = torch.randn(5, 2)
    for levels in (None, 1):
        flat = net_flatten(outer, levels=levels)
        assert type(flat) is NetGraph and set(flat.layers) == {"in/a", "in/b", "in/s", "out"}
        torch.testing.assert_close(flat(x), torch.tanh(torch.sin(x) + torch.cos(x)))


def test_join_splices_chains_and_renames_repeated_names(chain):
    tail = net_initialize(NetChain(["Tanh", LinearLayer(1)], input=2), seed=1)
    joined = net_join(chain, tail)
    assert type(joined) is NetChain and list(joined.layers) == ["1", "2", "3", "4", "5"]
    assert joined.input_shapes == {"Input": (4,)}
    x = torch.randn(3, 4)
    torch.testing.assert_close(joined(x), linear(tail.layers["2"], torch.tanh(chain(x))))
    named = net_join(NetChain({"a": LinearLayer(3), "b": "Tanh"}), NetChain({"a": LinearLayer(2)}), "Sin")
    assert list(named.layers) == ["a", "b", "a_2", "4"]
    graph = NetGraph({"g": "Cos"}, [])
    assert list(net_join(chain, graph).layers) == ["1", "2", "3", "4"]  # a graph joins as one layer
    with pytest.raises(WiringError, match="net 2 must have exactly one input"):
        net_join(chain, NetGraph([FunctionLayer("#a + #b")]))


def test_drop_an_interior_layer_reconnects_its_neighbours_when_they_fit():
    g = net_initialize(NetGraph({"a": LinearLayer(3), "b": "Tanh", "c": LinearLayer(2)}, [("a", "b", "c")], Input=4),
                       seed=0)
    dropped = net_drop(g, "b")
    assert list(dropped.layers) == ["a", "c"] and dropped.input_ports == ("Input",)
    assert dropped.producer((("c",), "Input")) == (("a",), "Output")
    x = torch.randn(2, 4)
    torch.testing.assert_close(dropped(x), linear(g.layers["c"], linear(g.layers["a"], x)))
    run = net_initialize(NetGraph({"a": LinearLayer(3), "b": "Tanh", "c": "Sin", "d": LinearLayer(2)},
                                  [("a", "b", "c", "d")], Input=4), seed=0)
    both = net_drop(run, ["b", "c"])
    torch.testing.assert_close(both(x), linear(run.layers["d"], linear(run.layers["a"], x)))


def test_drop_a_run_of_interior_layers_needs_only_the_runs_ends_to_fit():
    """Wolfram's NetDrop[chain, {2, 3}]: the input of the first dropped layer and the output of the last must match.
    Found by QA (qa-wolfram): each layer was judged alone (3 -> 5 is no fit), so the run 3 -> [5 -> 3] -> Tanh was
    refused with the advice to drop its consumers too, which the call did."""
    chain = net_initialize(NetChain([LinearLayer(3), LinearLayer(5), LinearLayer(3), "Tanh"], input=2), seed=0)
    for run in ([2, 3], [3, 2]):
        dropped = net_drop(chain, run)
        assert isinstance(dropped, NetChain) and list(dropped.layers) == ["1", "2"]
        x = torch.randn(4, 2)
        torch.testing.assert_close(dropped(x), torch.tanh(linear(chain.layers["1"], x)))
    with pytest.raises(ShapeError, match=r"cannot drop layers 2 \(LinearLayer\) to 3 \(LinearLayer\): its producer "
                                         r"gives \(3\) Real but its consumers take \(4\) Real") as info:
        net_drop(NetChain([LinearLayer(3), LinearLayer(5), LinearLayer(4), LinearLayer(5), "Tanh"], input=2), [2, 3])
    assert info.value.diagnostics[0].layer == ("2",)
    graph = net_initialize(NetGraph({"a": LinearLayer(3), "b": LinearLayer(5), "c": LinearLayer(3), "d": "Tanh"},
                                    [("a", "b", "c", "d")], Input=2), seed=0)
    for run in (["b", "c"], ["c", "b"]):  # a NetGraph's run alike
        dropped = net_drop(graph, run)
        assert list(dropped.layers) == ["a", "d"]
        torch.testing.assert_close(dropped(x), torch.tanh(linear(graph.layers["a"], x)))
    forked = NetGraph({"a": LinearLayer(3), "b": LinearLayer(5), "c": LinearLayer(3), "d": "Tanh", "e": "Tanh"},
                      [("a", "b", "c", "d"), ("b", "e")], Input=2)
    with pytest.raises(ShapeError, match="cannot drop layer 2 'b'"):  # b feeds e too: no run, b alone does not fit
        net_drop(forked, ["b", "c"])


def test_drop_an_interior_layer_whose_neighbours_do_not_fit_is_an_error(chain):
    g = NetGraph({"a": LinearLayer(3), "b": LinearLayer(5), "c": "Tanh"}, [("a", "b", "c")], Input=4)
    with pytest.raises(ShapeError, match=r"cannot drop layer 2 'b' \(LinearLayer\): its producer gives \(3\) Real "
                                         r"but its consumers take \(5\) Real") as info:
        net_drop(g, "b")
    assert info.value.diagnostics[0].layer == ("b",)
    wide = NetChain([LinearLayer(3), LinearLayer(5), "Tanh"], input=4)
    with pytest.raises(ShapeError, match="cannot drop layer 2"):
        net_drop(wide, 2)
    two_inputs = NetGraph({"a": "Sin", "f": FunctionLayer("#x + #y"), "c": "Tanh"},
                          [("a", NetPort("f", "x")), ("f", "c")], Input=2, y=2)
    with pytest.raises(WiringError, match="no single producer can take its place"):
        net_drop(two_inputs, "f")


def test_drop_ends_of_a_graph():
    g = net_initialize(NetGraph({"a": LinearLayer(3), "b": "Tanh", "c": LinearLayer(2)}, [("a", "b", "c")], Input=4),
                       seed=0)
    x = torch.randn(2, 4)
    head = net_drop(g, ["a", "b"])
    assert head.input_shapes == {"Input": (3,)} and list(head.layers) == ["c"]
    tail = net_drop(g, ["b", "c"])
    assert tail.output_ports == ("Output",)
    torch.testing.assert_close(tail(x), linear(g.layers["a"], x))
    with pytest.raises(WiringError, match="every layer"):
        net_drop(g, ["a", "b", "c"])


def test_chain_editing_returns_new_chains(chain):
    x = torch.randn(3, 4)
    before = dict(chain.layers)
    appended = net_append(chain, "Tanh")
    assert list(appended.layers) == ["1", "2", "3", "4"]
    torch.testing.assert_close(appended(x), torch.tanh(chain(x)))
    first = LinearLayer(4, weights=torch.eye(4) * 2, biases=torch.zeros(4))
    prepended = net_prepend(chain, first)
    torch.testing.assert_close(prepended(x), chain(2 * x))
    inserted = net_insert(chain, {"squash": "Tanh"}, 3)
    assert list(inserted.layers) == ["1", "2", "squash", "4"]
    squashed = torch.tanh(torch.relu(linear(chain.layers["1"], x)))
    torch.testing.assert_close(inserted(x), linear(chain.layers["3"], squashed))
    assert list(net_insert(chain, "Sin", 4).layers) == ["1", "2", "3", "4"]  # len + 1 appends
    named = NetChain({"a": LinearLayer(3), "b": "Ramp"}, input=2)
    assert list(net_insert(named, ["Tanh", "Sin"], "b").layers) == ["a", "2", "3", "b"]
    deleted = net_delete(chain, 2)
    assert list(deleted.layers) == ["1", "2"]
    torch.testing.assert_close(deleted(x), linear(chain.layers["3"], linear(chain.layers["1"], x)))
    assert dict(chain.layers) == before  # every edit left the chain as it was


def test_delete_reinfers_a_chain_and_reaches_into_nested_ones():
    chain = NetChain([LinearLayer(3), LinearLayer(5), "Tanh"], input=4)
    assert net_delete(chain, 2).output_shapes == {"Output": (3,)}  # chain editing: shapes follow
    nested = NetChain({"enc": NetChain([LinearLayer(3), "Tanh", "Sin"]), "head": LinearLayer(1)}, input=2)
    edited = net_delete(nested, [("enc", 2), ("enc", 3)])
    assert list(edited.layers["enc"].layers) == ["1"]


@pytest.mark.parametrize("call, message", [
    (lambda c: net_append(c, 3.5), r"net_append: layers= is not a layer"),
    (lambda c: net_append(c, []), r"net_append: layers= is an empty list"),
    (lambda c: net_append(c, {1: "Tanh"}), r"net_append: layers= as a dict maps names"),
    (lambda c: net_prepend(c, [LinearLayer(2), object()]), r"net_prepend: layers\[1\] is not a layer"),
    (lambda c: net_insert(c, "Tanh", 0), r"position= must be a layer name or an index from 1 to 4"),
    (lambda c: net_insert(c, "Tanh", True), r"position="),
    (lambda c: net_insert(c, "Tanh", "zz"), r"position= 'zz' is no layer"),
    (lambda c: net_append(NetGraph(["Sin"], []), "Tanh"), r"net_append edits a NetChain; found a NetGraph"),
    (lambda c: net_append("chain", "Tanh"), r"net_append takes a NetGraph or NetChain as its first argument"),
    (lambda c: net_delete(c, []), r"net_delete: layers= is an empty list"),
    (lambda c: net_delete(c, 7), r"there is no layer 7"),
    (lambda c: net_replace(c, {"Ramp": "Tanh"}), r"net_replace: each rule's key must be a layer class"),
    (lambda c: net_replace(c, 3), r"net_replace: rules= must be a dict"),
    (lambda c: net_replace(c, {ElementwiseLayer: 2.5}), r"the replacement for ElementwiseLayer is not a layer"),
])
def test_editing_bad_arguments_are_our_errors_naming_the_argument(chain, call, message):
    with pytest.raises(NetGraphError, match=message):
        call(chain)


@pytest.mark.parametrize("key, hint", [
    ("Tanh", "'Tanh' gives a layer of class ElementwiseLayer: use that class (every ElementwiseLayer matches), or "
             "a function rule to pick some: net_replace(net, lambda layer: new_layer if layer == "
             "ElementwiseLayer('Tanh')"),
    ("LinearLayer", "use the class LinearLayer itself, not its name"),
    ("LinearLayr", "use a class such as ElementwiseLayer (did you mean 'LinearLayer'?)"),
    ((LinearLayer, 2.5), "use a class such as ElementwiseLayer"),
])
def test_a_rule_key_that_is_no_class_names_a_class_that_exists(chain, key, hint):
    import netgraph
    with pytest.raises(OptionError) as info:
        net_replace(chain, {key: "Sin"})
    assert hint in str(info.value) and "RampLayer" not in str(info.value)
    assert hasattr(netgraph, "ElementwiseLayer") and hasattr(netgraph, "LinearLayer")


def test_replace_by_type_at_any_depth(chain, deep):
    x = torch.randn(3, 4)
    tanh = net_replace(chain, {ElementwiseLayer: ElementwiseLayer("Tanh")})
    torch.testing.assert_close(tanh(x), linear(chain.layers["3"], torch.tanh(linear(chain.layers["1"], x))))
    assert net_replace(deep, {ElementwiseLayer: "Sin"}).layers["outer"].layers["enc"].layers["act"].function == "Sin"
    assert net_extract(net_replace(deep, {ElementwiseLayer: "Sin"}), "last").function == "Sin"
    by_function = net_replace(chain, {(ElementwiseLayer, SoftmaxLayer): lambda layer: ElementwiseLayer("Sigmoid")})
    assert by_function.layers["2"].function == "Sigmoid"
    removed = net_replace(chain, {ElementwiseLayer: None})
    torch.testing.assert_close(removed(x), linear(chain.layers["3"], linear(chain.layers["1"], x)))
    wider = net_replace(NetChain([LinearLayer(3), "Ramp"], input=2),
                        lambda layer: LinearLayer(6) if isinstance(layer, LinearLayer) else None)
    assert wider.output_shapes == {"Output": (6,)}
    with pytest.warns(UserWarning, match="no layer matched"):
        assert net_replace(chain, {SoftmaxLayer: "Tanh"}) is chain


def test_drop_and_take_with_nested_paths(deep):
    x = torch.randn(3, 4)
    dropped = net_drop(deep, ("outer", "enc", "act"))  # Tanh (3) -> (3): bridged inside the nested chain
    assert list(dropped.layers["outer"].layers["enc"].layers) == ["l1"]
    l1, head = net_extract(deep, ("outer", "enc", "l1")), net_extract(deep, ("outer", "head"))
    torch.testing.assert_close(dropped(x), torch.relu(linear(head, linear(l1, x))))
    with pytest.raises(ShapeError, match=r"cannot drop layer 2 'head'"):
        net_drop(NetChain({"outer": NetGraph({"a": LinearLayer(3), "head": LinearLayer(5), "c": "Tanh"},
                                             [("a", "head", "c")])}, input=2), ("outer", "head"))
    with pytest.raises(WiringError, match=r"net_take takes top-level layers.*net_flatten\(net\) \(layer 'outer/head'\)"):
        net_take(deep, ("outer", "head"))
    with pytest.raises(OptionError, match="net_drop: layers= is an empty list"):
        net_drop(deep, [])


def test_drop_a_nested_chains_tail_keeps_port_paths_to_its_producer():
    """A port path reads the tail's producer, another layer the chain's Output: both then read the producer."""
    chain = NetChain({"a": LinearLayer(3), "b": "Tanh", "last": "Sin"})
    net = net_initialize(NetGraph({"chain": chain, "post": "Ramp", "post2": "Cos"},
                                  [(NetPort(("chain", "b", "Output")), "post"), ("chain", "post2")], Input=4), seed=0)
    dropped = net_drop(net, ("chain", "last"))
    assert dropped.input_shapes == {"Input": (4,)}  # post2 still fed by the chain, not by a new graph input
    x = torch.randn(3, 4)
    b = torch.tanh(linear(net_extract(net, ("chain", "a")), x))
    out = dropped(x)
    torch.testing.assert_close(out["Output1"], torch.relu(b))
    torch.testing.assert_close(out["Output2"], torch.cos(b))


@pytest.mark.parametrize("first", [ThreadingLayer("Plus"), ElementwiseLayer("Ramp"), [ElementwiseLayer("Ramp"), "Sin"]])
def test_prepend_keeps_the_declared_input_of_the_chains_first_layer(first):
    """A multi-input first layer makes a multi-input chain (Wolfram's NetChain passes its ports through), as the
    constructor does; the chain's input=2 was dropped, leaving the new inputs unknown (unusable) where the layers
    given to NetChain with it take 2-vectors: net_prepend and net_insert at 1 now agree with that constructor."""
    chain = NetChain([LinearLayer(3), "Tanh"], input=2)
    added = first if isinstance(first, list) else [first]
    made = NetChain([*added, *chain.layers.values()], input=2)
    for edited in (net_prepend(chain, first), net_insert(chain, first, 1)):
        assert edited.port_types == made.port_types and list(edited.input_ports) == list(made.input_ports)
        filled = net_initialize(edited, seed=0)
        assert filled(**{p: torch.randn(4, 2) for p in filled.input_ports}).shape == (4, 3)
    with pytest.raises(ShapeError, match=r"first layer '1' \(LinearLayer\) takes Input \(2\) .*added layers give "
                                         r"\(4\)"):
        net_prepend(chain, LinearLayer(4))  # Wolfram's layers keep their types: its weights take 2-vectors
    assert net_prepend(NetChain([LinearLayer(3)]), LinearLayer(4)).input_shapes == {"Input": None}


def test_a_replacement_refused_inside_a_nested_graph_names_that_graph():
    # it said "shape conflict: layer 3 'l2' (LinearLayer): ...", with nothing to say which graph holds 'l2'
    inner = NetGraph({"l": LinearLayer(4), "t": "Tanh", "l2": LinearLayer(2)}, [("l", "t", "l2")])
    net = net_initialize(NetGraph({"m": NetGraph({"in": inner}, [])}, [], Input=3), seed=0)
    with pytest.raises(ShapeError) as info:
        net_replace_part(net, {("m", "in", "l"): LinearLayer(6)})
    assert str(info.value).startswith("net_replace_part: in layer 1 'm' (NetGraph) > layer 1 'in' (NetGraph): "
                                      "shape conflict: "
                                      "layer 3 'l2' (LinearLayer): port 'Input': expected size 4 (from weights=)")
    assert [d.layer for d in info.value.diagnostics] == [("m", "in", "l2")]


def test_a_replacement_refused_inside_a_nested_graph_heads_its_diagnostics_too():
    """The diagnostics kept the inner message alone (the error's own __init__ path, and operators' inner nets,
    head theirs): a reader of diagnostics did not learn which graph holds 'l2'."""
    inner = NetGraph({"l": LinearLayer(4), "t": "Tanh", "l2": LinearLayer(2)}, [("l", "t", "l2")])
    net = net_initialize(NetGraph({"m": NetGraph({"in": inner}, [])}, [], Input=3), seed=0)
    with pytest.raises(ShapeError) as info:
        net_replace_part(net, {("m", "in", "l"): LinearLayer(6)})
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.message.startswith("net_replace_part: in layer 1 'm' (NetGraph) > layer 1 'in' (NetGraph): "
                                         "layer 3 'l2' (LinearLayer): port 'Input': expected size 4"), \
        diagnostic.message


def test_prepend_before_an_encoded_input_names_both_types():
    """Found by QA: Tanh before a chain whose input has a ClassEncoder said 'takes Input ? ..., but the added layers
    give ?', naming neither type; the encoder fixes () Integer, which Tanh's Real values cannot give."""
    from netgraph import ClassEncoder, EmbeddingLayer
    chain = NetChain([EmbeddingLayer(4, 3), LinearLayer(2)], input=ClassEncoder(["a", "b", "c"]))
    with pytest.raises(ShapeError, match=r"takes Input \(\) Integer .*the added layers give \? Real") as info:
        net_prepend(chain, "Tanh")
    assert [d.kind for d in info.value.diagnostics] == ["shape"]  # it had the default kind "error"


@pytest.mark.parametrize("edit", [net_drop, net_delete])
def test_dropping_a_nested_chains_head_in_a_declared_chain_closes_it_up(edit):
    """In a chain declared input=3, dropping the first layer of its first nested chain was a ShapeError (the chain
    kept its input 3 while the nested chain's new head took 4); as a flat chain or a graph, the input takes 4."""
    nested = NetChain({"enc": NetChain({"l1": LinearLayer(4), "act": "Tanh"}), "head": LinearLayer(2)}, input=3)
    flat = NetChain({"l1": LinearLayer(4), "act": "Tanh", "head": LinearLayer(2)}, input=3)
    graph = NetGraph(dict(nested.layers), [("enc", "head")], Input=3)
    dropped = edit(nested, [("enc", "l1")])
    assert isinstance(dropped, NetChain) and list(dropped.layers["enc"].layers) == ["act"]
    assert dropped.input_shapes == edit(flat, ["l1"]).input_shapes == edit(graph, [("enc", "l1")]).input_shapes
    assert dropped.input_shapes == {"Input": (4,)} and dropped.output_shapes == {"Output": (2,)}
    second = NetChain({"pre": LinearLayer(4), "enc": NetChain({"l1": LinearLayer(4), "act": "Tanh"})}, input=3)
    assert edit(second, [("enc", "l1")]).input_shapes == {"Input": (3,)}  # not its head: the input stays
