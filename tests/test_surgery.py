"""Net surgery and information: every edit returns a new, re-validated graph; the input is unchanged."""

from __future__ import annotations

import pytest
import torch

from netgraph import (ClassDecoder, ElementwiseLayer, EmbeddingLayer, FunctionLayer, LinearLayer, NetChain, NetGraph,
                      NetPort, OptionError, PortType, ReshapeLayer, ShapeError, SoftmaxLayer, WiringError, net_delete,
                      net_drop, net_extract, net_flatten, net_initialize, net_join, net_prepend, net_rename,
                      net_replace_part, net_take)


@pytest.fixture
def net():
    layers = {"a": LinearLayer(3), "b": ElementwiseLayer("Tanh"), "c": LinearLayer(2), "d": ElementwiseLayer("Exp")}
    return net_initialize(NetGraph(layers, [("a", "b", "c"), ("b", "d")], Input=4), seed=0)


def test_extract_layers_and_arrays(net):
    assert net_extract(net, "c") == net.layers["c"] == net_extract(net, 3)
    assert torch.equal(net_extract(net, ("a", "Weights")), net.layers["a"].arrays["Weights"])
    everything = net_extract(net, "All")
    assert set(everything) == {("a", "Weights"), ("a", "Biases"), ("c", "Weights"), ("c", "Biases")}
    with pytest.raises(WiringError, match=r"has no array 'Weight' \(did you mean 'Weights'\?\)"):
        net_extract(net, ("a", "Weight"))
    with pytest.raises(WiringError, match=r"there is no layer 'cc' \(did you mean 'c'"):
        net_extract(net, "cc")


def test_replace_array_layer_and_port(net):
    new = net_replace_part(net, {("c", "Biases"): [1.0, 2.0]})
    assert new.layers["c"].arrays["Biases"].tolist() == [1.0, 2.0]
    assert net.layers["c"].arrays["Biases"].tolist() == [0.0, 0.0]
    with pytest.raises(OptionError, match=r"array 'Biases': expected shape \(2,\), found \(3,\)"):
        net_replace_part(net, {("c", "Biases"): [1.0, 2.0, 3.0]})
    with pytest.raises(OptionError, match=r"layer 1 'a' .*array 'Weights': expected shape \(3, 5\), found \(3, 4\)"):
        net_replace_part(net, {"Input": 5, "a": LinearLayer(3, weights=torch.zeros(3, 4), biases=torch.zeros(3))})
    wider = net_replace_part(net, {"c": LinearLayer(7)})
    assert wider.output_shapes["Output1"] == (7,)


def test_replacing_a_port_shape_keeps_a_chain_a_chain():
    from netgraph import NetChain, net_append
    chain = NetChain([LinearLayer(8), "Ramp", LinearLayer(2)], input=4)
    wider = net_replace_part(chain, {"Input": 5})
    assert isinstance(wider, NetChain) and wider == NetChain([LinearLayer(8), "Ramp", LinearLayer(2)], input=5)
    assert net_append(wider, "Tanh").input_shapes == {"Input": (5,)}
    named = net_replace_part(NetChain({"a": LinearLayer(8), "b": "Tanh"}, input=4), {"Input": 3, "Output": 8})
    assert isinstance(named, NetChain) and list(named.layers) == ["a", "b"] and named.input_shapes == {"Input": (3,)}


def test_rename(net):
    renamed = net_rename(net, {"a": "encoder"})
    assert list(renamed.layers) == ["encoder", "b", "c", "d"]
    x = torch.randn(3, 4)
    torch.testing.assert_close(renamed(x), net(x))
    with pytest.raises(WiringError, match="same name"):
        net_rename(net, {"a": "b"})


def test_take_and_drop(net):
    assert net.output_ports == ("Output1", "Output2")
    taken = net_take(net, "Output1")
    assert list(taken.layers) == ["a", "b", "c"] and taken.output_ports == ("Output1",)  # it keeps its name
    x = torch.randn(3, 4)
    torch.testing.assert_close(taken(x), net(x)["Output1"])
    dropped = net_drop(net, "d")
    assert list(dropped.layers) == ["a", "b", "c"]
    head = net_drop(net, ["a"])
    assert head.input_ports == ("Input",) and head.input_shapes == {"Input": (3,)}


def test_take_keeps_only_the_named_outputs():
    g = NetGraph({"a": LinearLayer(3), "b": LinearLayer(2), "c": LinearLayer(1)},
                 [(NetPort("Input"), "a", NetPort("A")), ("a", "b", NetPort("B")),
                  (NetPort("Input"), "c", NetPort("C")),
                  (NetPort("Input"), NetPort("Skip"))], Input=2)
    assert net_take(g, "B").output_shapes == {"B": (2,)}  # a's output A came along
    assert net_take(g, NetPort("B")).output_shapes == {"B": (2,)}
    assert net_take(g, ["A", "C"]).output_shapes == {"A": (3,), "C": (1,)}
    both = net_initialize(net_take(g, ["a", "b"]), seed=0)  # a feeds b and is asked for: it stays an output
    assert both.output_shapes == {"A": (3,), "B": (2,)}
    chain = NetGraph({"a": LinearLayer(3), "b": LinearLayer(2)}, [("a", "b")], Input=4)
    assert net_take(chain, ["a", "b"]).output_shapes == {"Output": (2,), "a_Output": (3,)}


def test_join_and_flatten():
    first = NetGraph({"lin": LinearLayer(3), "act": ElementwiseLayer("Ramp")}, [("lin", "act")])
    joined = net_join(first, NetGraph([LinearLayer(2)]), NetGraph(["Tanh"]))
    assert joined.input_shapes == {"Input": None}
    joined = net_initialize(net_replace_part(joined, {"Input": 5}), seed=0)
    flat = net_flatten(joined)
    assert list(flat.layers) == ["1/lin", "1/act", "2/1", "3/1"]
    x = torch.randn(2, 5)
    torch.testing.assert_close(flat(x), joined(x))
    with pytest.raises(WiringError, match="exactly one input"):
        net_join(first, NetGraph([FunctionLayer("#a + #b")]))


def test_join_takes_one_list_or_tuple_of_nets():
    """net_join([a, b]) is net_join(a, b), as NetChain takes its layers as one list (it said "needs at least two")."""
    first, second = NetChain([LinearLayer(3), "Ramp"], input=4), NetGraph([LinearLayer(2)])
    expected = net_join(first, second)
    for given in ([first, second], (first, second)):
        joined = net_join(given)
        assert list(joined.layers) == list(expected.layers) == ["1", "2", "3"]
        assert joined.output_shapes == {"Output": (2,)} and joined.port_types["Input"].shape == (4,)
    with pytest.raises(WiringError, match="at least two"):
        net_join([first])


def test_join_keeps_a_spliced_chains_declared_input():
    """A chain's declared input= is checked against what the net before it gives, as NetChain([a, b]) does (found
    by QA: net_join spliced the chain and silently dropped its input=5, giving a net of another shape)."""
    first, second = NetChain([LinearLayer(2)], input=4), NetChain([LinearLayer(1)], input=5)
    with pytest.raises(ShapeError, match=r"\(5\)") as caught:
        net_join(first, second)
    assert caught.value.diagnostics[0].port == "Input" and caught.value.diagnostics[0].layer == ("2",)
    fitting = net_join(first, NetChain(["Tanh", LinearLayer(1)], input=2))
    assert fitting.port_types["Input"].shape == (4,) and fitting.output_shapes == {"Output": (1,)}


def test_flatten_names_never_clash_with_a_name_holding_a_slash():
    """A name holding '/' may not spell a nested path (then a flattened name would be taken); one that does not
    stays beside the flattened names."""
    from netgraph import NetChain
    with pytest.raises(WiringError, match=r"layers 'enc/l1' and \('enc', 'l1'\) have the same path"):
        NetChain({"enc": NetChain({"l1": LinearLayer(3), "t": "Tanh"}), "enc/l1": LinearLayer(3)}, input=2)
    net = net_initialize(NetChain({"enc": NetChain({"l1": LinearLayer(3), "t": "Tanh"}), "enc/l2": LinearLayer(3)},
                                  input=2), seed=0)
    x = torch.randn(4, 2)
    for flat in (net_flatten(net), net_flatten(net, levels=1)):
        assert isinstance(flat, NetChain) and list(flat.layers) == ["enc/l1", "enc/t", "enc/l2"]
        assert flat.layers["enc/l2"] is net.layers["enc/l2"]
        torch.testing.assert_close(flat(x), net(x))


def test_flatten_keeps_graph_outputs_and_muted_ports():
    inner = NetGraph({"e": ElementwiseLayer("Exp"), "s": ElementwiseLayer("Sin")}, [("e", "s"), ("e", NetPort("E"))])
    outer = NetGraph({"in": inner}, [(NetPort("in", "E"), None)], Input=2)
    flat = net_flatten(outer)
    assert flat.output_ports == outer.output_ports == ("Output",)
    x = torch.randn(3, 2)
    torch.testing.assert_close(flat(x), outer(x))


def test_information(net):
    info = net.information()
    assert info["InputPorts"] == {"Input": (4,)} and info["LayersCount"] == 4
    assert info["LayerTypeCounts"] == {"LinearLayer": 2, "ElementwiseLayer": 2}
    assert info["ArraysTotalElementCount"] == 3 * 4 + 3 + 2 * 3 + 2
    assert net.information("OutputPortNames") == ["Output1", "Output2"]
    with pytest.raises(OptionError, match="did you mean 'LayersCount'"):
        net.information("LayerCount")


def test_drop_inside_a_chain_reconnects_the_neighbours():
    from netgraph import NetChain
    chain = net_initialize(NetChain([LinearLayer(3), "Tanh", LinearLayer(2)], input=4), seed=0)
    dropped = net_drop(chain, 2)
    assert type(dropped).__name__ == "NetChain"
    assert dropped.input_ports == ("Input",) and dropped.output_ports == ("Output",)
    x = torch.randn(5, 4)
    first, last = chain.layers["1"], chain.layers["3"]
    expected = torch.nn.functional.linear(torch.nn.functional.linear(x, first.arrays["Weights"], first.arrays["Biases"]),
                                          last.arrays["Weights"], last.arrays["Biases"])
    torch.testing.assert_close(dropped(x), expected)


def test_rename_inside_a_nested_graph(net):
    outer = NetGraph({"enc": net, "head": LinearLayer(1)}, [(NetPort("enc", "Output1"), "head")])
    renamed = net_rename(outer, {("enc", "a"): "first"})
    assert list(renamed.layers["enc"].layers) == ["first", "b", "c", "d"]
    x = torch.randn(2, 4)
    inner = net_initialize(renamed, seed=1)
    assert inner(x)["Output"].shape == (2, 1)
    with pytest.raises(WiringError, match="there is no layer 'zz'"):
        net_rename(outer, {("enc", "zz"): "y"})


@pytest.mark.parametrize("call", [lambda n: net_flatten(3), lambda n: net_join(n, 3), lambda n: net_extract(n, []),
                                  lambda n: net_extract(n, ()), lambda n: net_rename(n, ["a"]),
                                  lambda n: net_drop(n, [[1]]), lambda n: net_take("x", "a"),
                                  lambda n: net_replace_part(n, 5), lambda n: net_rename(n, {"a": 3})])
def test_wrong_typed_arguments_are_our_errors(net, call):
    from netgraph import NetGraphError
    with pytest.raises(NetGraphError):
        call(net)


def test_cutting_layers_away_keeps_the_decoder_of_an_output_still_given():
    labels = ClassDecoder(["x", "y", "z"])
    graph = NetGraph({"h": LinearLayer(3), "sm": SoftmaxLayer(), "v": LinearLayer(1)},
                     [("h", "sm"), ("sm", NetPort("Probs")), ("h", "v"), ("v", NetPort("Value"))], Input=4, Probs=labels)
    assert net_drop(graph, "v").coders == {"Probs": labels}
    assert net_take(graph, "Probs").coders == {"Probs": labels}
    assert net_take(graph, "Value").coders == {}
    chain = NetChain({"a": LinearLayer(3), "t": "Tanh", "sm": SoftmaxLayer()}, input=4, output=labels)
    for edited in (net_drop(chain, "t"), net_drop(chain, "a"), net_delete(chain, "t"), net_take(chain, "sm")):
        assert edited.coders == {"Output": labels}
    assert net_delete(chain, "sm").coders == {}  # another layer gives the output now


def test_a_missing_layer_inside_a_nested_graph_is_named_as_a_layer_not_an_array():
    net = NetChain({"enc": NetChain({"l1": LinearLayer(8), "act": "Ramp"}), "head": LinearLayer(2)}, input=4)
    for lead, attempt in (("net_extract: ", lambda: net_extract(net, ("enc", "nope"))),
                          ("net_replace_part: ", lambda: net_replace_part(net, {("enc", "nope"): LinearLayer(8)}))):
        with pytest.raises(WiringError, match=rf"^{lead}there is no layer 'nope' in layer 'enc'; its layers are "
                                              r"\['l1', 'act'\]"):
            attempt()


def test_replace_part_changes_a_layer_and_its_declared_port_together():
    """Wolfram's {layer -> new, "Output" -> n}: the new layer met the old declared Output (3) first, a ShapeError."""
    chain = net_initialize(NetChain({"a": LinearLayer(4), "b": LinearLayer(3)}, input=2, output=3), seed=0)
    edited = net_replace_part(chain, {"b": LinearLayer(5), "Output": 5})
    assert isinstance(edited, NetChain) and list(edited.layers) == ["a", "b"]
    assert edited.output_shapes == {"Output": (5,)} and list(edited.port_shape_options()) == ["Input", "Output"]
    assert chain.output_shapes == {"Output": (3,)}
    with pytest.raises(ShapeError, match="graph output 'Output'"):
        net_replace_part(chain, {"b": LinearLayer(5), "Output": 6})


def test_a_misspelt_port_is_suggested_beside_the_layers(net):
    """net_replace_part and net_take take graph ports by name too: a misspelt one was 'no layer', with no suggestion."""
    with pytest.raises(WiringError, match=r"no layer or graph port 'Inptu' \(did you mean 'Input'\?\).*graph ports"):
        net_replace_part(net, {"Inptu": 4})
    with pytest.raises(WiringError, match=r"no layer or graph output 'Outptu1' \(did you mean 'Output1'\?\)"):
        net_take(net, "Outptu1")
    with pytest.raises(WiringError, match=r"did you mean 'c'\?"):
        net_take(net, "cc")


def test_a_dropped_head_leaves_its_consumers_the_types_they_took():
    """As in Wolfram, where layers keep their inferred types: the consumers of a dropped (or deleted) first layer take
    what it gave them; their new inputs had no shape, so the net could not run."""
    graph = net_initialize(NetGraph({"a": LinearLayer(3), "b": "Tanh", "c": "Ramp"}, [("a", "b"), ("a", "c")],
                                    Input=2), seed=0)
    dropped = net_drop(graph, "a")
    assert dropped.input_shapes == {"Input": (3,), "Input2": (3,)}
    x = torch.randn(2, 3)
    torch.testing.assert_close(dropped(Input=x, Input2=x)["Output1"], torch.tanh(x))
    chain = net_initialize(NetChain([LinearLayer(4), "Tanh", LinearLayer(2)], input=3), seed=0)
    for edited in (net_drop(chain, 1), net_delete(chain, 1), net_drop(chain, [1, 2])):
        assert isinstance(edited, NetChain) and edited.input_shapes == {"Input": (4,)}
        y = torch.randn(2, 4)
        direct = NetChain(list(edited.layers.values()), input=4)
        torch.testing.assert_close(edited(y), direct(y))
        torch.testing.assert_close(edited.compile()(y), direct(y))


def test_a_name_clash_in_a_nested_graph_names_the_path_and_the_graph():
    """The message showed the nested call's own dict ({('l1',): 'act'}), not the user's path or where."""
    net = NetChain({"o": NetChain({"enc": NetChain({"l1": LinearLayer(8), "act": "Ramp"})}), "head": LinearLayer(2)})
    with pytest.raises(WiringError, match=r"renaming 'o/enc/l1' to 'act' would give two layers the same name 'act' "
                                          r"in layer 'o/enc'"):
        net_rename(net, {("o", "enc", "l1"): "act", "head": "h"})


def test_an_array_set_into_an_uninitialised_layer_must_fit_its_known_ports():
    """Was accepted (nothing to compare with), leaving a net whose compile then refused the array."""
    net = NetGraph({"a": LinearLayer(3), "b": LinearLayer(2)}, [("a", "b")], Input=4)
    with pytest.raises(OptionError, match=r"layer 1 'a' \(LinearLayer\) array 'Weights': expected shape \(3, 4\), "
                                          r"found \(3, 5\)") as caught:
        net_replace_part(net, {("a", "Weights"): torch.zeros(3, 5)})
    [d] = caught.value.diagnostics
    assert (d.kind, d.layer, d.option, d.expected, d.found) == ("array-shape", ("a",), "weights", (3, 4), (3, 5))
    fits = net_replace_part(net, {("a", "Weights"): torch.ones(3, 4)})
    assert torch.equal(fits.layers["a"].arrays["Weights"], torch.ones(3, 4))


@pytest.mark.parametrize("edit", [lambda n: net_extract(n, "Output"), lambda n: net_drop(n, "Input"),
                                  lambda n: net_delete(n, "Output")])
def test_a_graph_port_named_as_a_layer_says_it_is_a_port(edit):
    """Found by QA: net_extract(net, "Output") said "there is no layer 'Output' in the net; its layers are [...]",
    as if the name were a typo; it is the net's port, which these functions do not take."""
    net = NetGraph({"a": LinearLayer(3), "c": LinearLayer(2)}, [("a", "c")], Input=4)
    with pytest.raises(WiringError, match=r"there is no layer '(Input|Output)' in the net: it is a port of the net, "
                                          r"not a layer; its layers are \['a', 'c'\]"):
        edit(net)


def test_net_take_keeps_the_decoder_of_an_output_it_renames():
    """Found by helper-138: net_take(g, "Output2") named the one output it keeps "Output", and lost Output2's
    decoder with the name, against the README (an output the same layer still gives keeps its decoder)."""
    g = net_initialize(NetGraph({"a": LinearLayer(3), "b": SoftmaxLayer(), "c": LinearLayer(2), "d": SoftmaxLayer()},
                                [("a", "b"), ("c", "d")], Input=4, Output2=ClassDecoder(["x", "y"])), seed=0)
    taken = net_take(g, "Output2")
    assert taken.output_ports == ("Output2",)  # its name too (test_drop_output_names)
    x = torch.rand(4)
    assert taken(x) == g(x)["Output2"] in ("x", "y")
    assert net_take(g, "Output1")(x).shape == (3,)  # another layer's output: no decoder


def test_net_take_to_a_layers_input_port_keeps_what_computes_that_input():
    """Found by QA (qa-wolfram): Wolfram's NetTake[net, NetPort[{3, "Input"}]] (an end may be a layer's input port) was
    "layer '3' has no output port 'Input'"."""
    from netgraph import NetChain
    chain = net_initialize(NetChain([LinearLayer(5), "Ramp", LinearLayer(3), "Tanh"], input=2), seed=0)
    taken = net_take(chain, NetPort(3, "Input"))
    assert isinstance(taken, NetChain) and list(taken.layers) == ["1", "2"] and taken.output_shapes == {"Output": (5,)}
    g = NetGraph({"a": LinearLayer(3), "b": "Tanh", "c": "Ramp"}, [("a", "b"), ("a", "c")], Input=2)
    assert list(net_take(g, NetPort("c", "Input")).layers) == ["a"]
    with pytest.raises(WiringError, match=r"NetPort\('a', 'Input'\) is fed by graph input 'Input' directly: no layer "
                                          r"computes it"):
        net_take(g, NetPort("a", "Input"))
    with pytest.raises(WiringError, match=r"has no output port 'Inptu'"):
        net_take(g, NetPort("c", "Inptu"))


def test_replace_layers_names_the_layers_there_beside_its_guess():
    """net.replace_layers({"enx": ...}) said only "no layer 'enx' (did you mean 'enc'?)", where every other path
    error lists the layers there."""
    net = NetChain({"enc": NetChain({"l1": LinearLayer(8), "act": "Ramp"}), "head": LinearLayer(2)}, input=4)
    with pytest.raises(WiringError, match=r"no layer 'enx' \(did you mean 'enc'\?\) in the net; its layers are "
                                          r"\['enc', 'head'\]"):
        net.replace_layers({"enx": LinearLayer(8)})
    with pytest.raises(WiringError, match=r"in layer 1 'enc' \(NetChain\): no layer 'ac' \(did you mean 'act'\?\) in "
                                          r"the net; its layers are \['l1', 'act'\]"):
        net.replace_layers({("enc", "ac"): LinearLayer(8)})


def test_a_tuple_of_top_level_layers_is_told_it_is_a_path():
    """net_drop(chain, ("up", "act")) said only that 'up' holds no layers: a tuple is a path, and several layers go in
    a list, which the message now says when every part names a layer of the net."""
    chain = NetChain({"l1": LinearLayer(4), "up": LinearLayer(8), "act": "Tanh", "down": LinearLayer(4)}, input=3)
    with pytest.raises(WiringError, match=r"no layer at 'up/act': .* holds no layers; a tuple is a path into nested "
                                          r"nets: name several layers in a list, \['up', 'act'\]"):
        net_drop(chain, ("up", "act"))
    with pytest.raises(WiringError) as info:
        net_drop(chain, ("up", "x"))
    assert "a tuple is a path" not in str(info.value)


def test_an_edit_declares_a_new_head_as_the_same_net_built_at_once_would():
    """QA: deleting a chain's first layer, or flattening a nested chain that declared ``input=4``, declared the input's
    inferred type (``Input: {shape: 4, dtype: Real}``), so the result was not == the same net built in one go."""
    chain = NetChain({"l1": LinearLayer(4), "a": "Tanh"}, input=4)
    prepended = net_prepend(chain, {"p": "Tanh"})
    for edited in (net_delete(prepended, "p"), net_drop(prepended, "p")):
        assert edited == chain and edited.to_yaml() == chain.to_yaml()
    longer = NetChain({"l0": LinearLayer(4), "l1": LinearLayer(4), "a": "Tanh"}, input=2)
    assert net_drop(longer, "l0") == chain
    graph = NetGraph({"a": LinearLayer(3), "b": "Tanh"}, [("a", "b")], Input=2)
    assert net_drop(graph, "a") == NetGraph({"b": "Tanh"}, [], Input=3)
    nested = NetChain({"n": NetChain({"l1": LinearLayer(4), "a1": "Tanh"}, input=4), "o": "Sin"})
    built = NetChain({"n/l1": LinearLayer(4), "n/a1": "Tanh", "o": "Sin"}, input=4)
    assert net_flatten(nested) == built and net_flatten(nested).to_yaml() == built.to_yaml()
    integers = NetChain([ReshapeLayer([2, 2]), ReshapeLayer([4])], input=PortType(4, "Integer"))
    assert net_drop(integers, 1).port_types["Input"] == PortType((2, 2), "Integer")  # a dtype the layer lacks stays
    real = PortType((2, 2), "Real")  # declared by the user: flattening keeps it
    declared = NetChain({"n": NetChain({"s": ReshapeLayer([4])}, input=real), "o": "Sin"})
    built = NetChain({"n/s": ReshapeLayer([4]), "o": "Sin"}, input=real)
    assert net_flatten(declared) == built and net_flatten(declared).to_yaml() == built.to_yaml()
    embedded = NetChain({"r": ReshapeLayer([4]), "e": EmbeddingLayer(8, 10)}, input=(2, 2))  # Integer: inferred
    built = NetChain({"e": EmbeddingLayer(8, 10)}, input=4)
    assert net_drop(embedded, "r") == built and net_drop(embedded, "r").to_yaml() == built.to_yaml()
    nested = NetChain({"n": NetChain({"e": EmbeddingLayer(8, 10)}, input=4), "o": "Sin"})
    assert net_flatten(nested) == NetChain({"n/e": EmbeddingLayer(8, 10), "o": "Sin"}, input=4)
    graph = NetGraph({"r": ReshapeLayer([4]), "e": EmbeddingLayer(8, 10)}, [("r", "e")], Input=(2, 2))
    assert net_drop(graph, "r") == NetGraph({"e": EmbeddingLayer(8, 10)}, [], Input=4)
    nested = NetChain({"n": NetChain({"a": "Tanh"}, input=4), "o": "Sin"})  # its output type: worked out
    assert net_flatten(nested) == NetChain({"n/a": "Tanh", "o": "Sin"}, input=4)


def test_join_makes_names_unique_that_clash_only_by_path():
    """README: join makes names unique. A layer ``enc`` holding ``l1`` beside a flattened ``enc/l1`` clashed by path
    (a WiringError said to rename one); ``enc`` is renamed ``enc_2``, as net_flatten's names avoid such clashes."""
    first = net_flatten(NetChain({"enc": NetChain({"l1": "Tanh"})}))
    second = NetChain({"enc": NetChain({"l1": "Sin"})})
    joined = net_join(first, second)
    assert list(joined.layers) == ["enc/l1", "enc_2"] and joined.layers["enc_2"] == second.layers["enc"]
    joined = net_join(second, first)
    assert list(joined.layers) == ["enc", "enc/l1_2"]


def test_paths_taken_answers_for_the_layer_asked_about():
    """Review: PathsTaken answered for the layer of its last ``naming()`` call and took names for it silently; each
    question now names its layer, and a name clashes by any path of the layer or the layers within."""
    from netgraph.core.names import PathsTaken
    taken, holder = PathsTaken(), NetChain({"l1": "Tanh"})
    assert taken.fresh("enc/l1", ElementwiseLayer("Sin")) == "enc/l1"
    assert taken.clashes("enc", holder) and not taken.clashes("enc", ElementwiseLayer("Sin"))
    assert not taken.clashes("enc/l2", holder) and taken.clashes("enc/l1", ElementwiseLayer("Cos"))
    assert taken.fresh("enc", holder) == "enc_2" and taken.clashes("enc_2/l1", ElementwiseLayer("Cos"))
    assert taken.fresh("x", ElementwiseLayer("Cos")) == "x" and taken.clashes("x", ElementwiseLayer("Cos"))
