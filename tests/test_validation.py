"""Every construction-time validation error: our hierarchy, naming the layer, port, expected and found."""

from __future__ import annotations

import pytest
import torch

from netgraph import (CycleError, EmbeddingLayer, FunctionLayer, LinearLayer, LongShortTermMemoryLayer, NetArrayLayer,
                      NetGraph, NetGraphError, NetMapOperator, NetPort, NormalDistribution, OptionError, PortType,
                      RandomArrayLayer, SequenceIndicesLayer, ShapeError, UninitializedError, WiringError,
                      net_initialize)
from netgraph.core.naming_scope import quoted


def seed_layers(means=(0.0, 30.0)):
    return [NetArrayLayer(array=list(means)), NetArrayLayer(array=[1.0, 2.0]),
            RandomArrayLayer(NormalDistribution(0, 1), output=2), FunctionLayer("#Means + #Stds * #Random")]


def test_errors_are_value_errors():
    for cls in (WiringError, CycleError, ShapeError, OptionError, UninitializedError):
        assert issubclass(cls, NetGraphError) and issubclass(cls, ValueError)


def test_unknown_layer_index():
    with pytest.raises(WiringError, match=r"edge 1 -> 5: there is no layer 5 \(layers are numbered 1 to 4\)"):
        NetGraph(seed_layers(), [(1, 5)])


def test_unknown_layer_name_suggests():
    with pytest.raises(WiringError, match=r"edge mean -> stds: there is no layer 'mean' \(did you mean 'means'\?\)"):
        NetGraph({"means": NetArrayLayer(array=[1.0]), "stds": FunctionLayer("#x")}, [("mean", "stds")])


def test_unknown_port_suggests():
    with pytest.raises(WiringError, match=r"layer 3 \(RandomArrayLayer\) has no port 'Outptu' \(did you mean 'Output'\?\)"):
        NetGraph(seed_layers(), [(NetPort(3, "Outptu"), 4)])


def test_port_fed_twice_names_port_layer_and_edges():
    with pytest.raises(WiringError) as info:
        NetGraph(seed_layers(), [(1, NetPort(4, "Means")), (2, NetPort(4, "Means"))])
    msg = str(info.value)
    assert "port 'Means' of layer 4 (FunctionLayer) is fed by 2 edges" in msg
    assert "1 -> NetPort(4, 'Means')" in msg and "2 -> NetPort(4, 'Means')" in msg


def test_output_to_output():
    with pytest.raises(WiringError, match=r"port 'Output' of layer 4 \(FunctionLayer\) is an output: an edge must go"):
        NetGraph(seed_layers(), [(NetPort(3, "Output"), NetPort(4, "Output"))])


def test_input_used_as_source():
    with pytest.raises(WiringError, match=r"port 'Means' of layer 4 \(FunctionLayer\) is an input; an edge's source"):
        NetGraph(seed_layers(), [(NetPort(4, "Means"), 1)])


def test_too_many_edges_is_a_wrong_argument_count_and_a_repeated_one_is_named():
    with pytest.raises(WiringError, match=r"^invalid wiring: edge 2 -> 4 is given twice \(edges 1 and 3\): layer 4 "
                                          r"\(FunctionLayer\) takes 3 inputs \['Means', 'Stds', 'Random'\]; delete one "
                                          r"of them$"):
        NetGraph(seed_layers(), [(1, 4), (2, 4), (3, 4), (2, 4)])


def test_edge_into_a_layer_without_inputs():
    with pytest.raises(WiringError, match=r"layer 2 \(NetArrayLayer\) has no input ports, but 1 -> 2 feeds it"):
        NetGraph(seed_layers()[:2], [(1, 2)])


def test_all_wiring_errors_are_reported_at_once():
    with pytest.raises(WiringError) as info:
        NetGraph(seed_layers(), [(1, 9), (NetPort(3, "Outptu"), 4)])
    assert len(info.value.errors) == 2 and "2 problems" in str(info.value)


def test_cycle_is_printed():
    with pytest.raises(CycleError, match=r"cycle layer 1 \(LinearLayer\) -> layer 2 \(LinearLayer\) -> layer 1"):
        NetGraph([LinearLayer(2), LinearLayer(2)], [(1, 2), (2, 1)])


def test_self_loop_is_a_cycle():
    with pytest.raises(CycleError):
        NetGraph([FunctionLayer("#a + #b")], [(1, NetPort(1, "a"))])



@pytest.mark.parametrize("edges", [[(1, 2), (2, 1)], [(1, 1), (2, 2)]])
def test_a_cycle_that_leaves_a_given_port_unwired_is_reported_as_the_cycle(edges):
    """A cycle wires the ports that would have been the graph's Input and Output: the error is the cycle, not
    'Input' is neither an input nor an output port of this NetGraph; its ports are inputs [], outputs []."""
    with pytest.raises(CycleError, match=r"found the cycle layer 1 \(LinearLayer\) -> layer"):
        NetGraph([LinearLayer(2), LinearLayer(2)], edges, Input=2, Output=2)

def test_shape_mismatch_names_layer_port_and_edge():
    layers = {"means": NetArrayLayer(array=[1.0, 2.0, 3.0]), "stds": NetArrayLayer(array=[1.0, 2.0]),
              "f": FunctionLayer("#Means * #Stds", output=2)}
    with pytest.raises(ShapeError) as info:
        NetGraph(layers, [(["means", "stds"], "f")])
    msg = str(info.value)
    assert "layer 3 'f' (FunctionLayer)" in msg and "'Means' (3)" in msg and "edge [means, stds] -> f" in msg


def test_rank_mismatch_between_declared_shapes():
    layers = [NetArrayLayer(array=[[1.0, 2.0]]), FunctionLayer("#x", input=2)]
    with pytest.raises(ShapeError, match=r"expected rank 1 \(2\), found rank 2 \(1, 2\)"):
        NetGraph(layers, [(1, 2)])


def test_graph_port_shape_conflict():
    with pytest.raises(ShapeError, match=r"the shape given for graph output 'Output': expected shape \(2\), found \(3\) \(the \(2\) was set by "
                                         r"layer 1 \(LinearLayer\) port 'Output'"):
        NetGraph([LinearLayer(2)], [], Input=4, Output=3)
    # a type whose shape is still open names what it fixed (it printed "the ? was set by")
    from netgraph import PortType
    with pytest.raises(ShapeError, match=r"expected dtype Real, found Integer \(the dtype Real was set by layer 1 'a' "
                                         r"\(LinearLayer\) port 'Input'"):
        NetGraph({"a": LinearLayer(3)}, [], Input=PortType((2,), "Integer"))


def test_unknown_graph_port_keyword():
    with pytest.raises(WiringError, match=r"'Inptu' is neither an input nor an output port of this NetGraph "
                                          r"\(did you mean 'Input'\?\)"):
        NetGraph([LinearLayer(2)], [], Inptu=3)


def test_a_port_keyword_no_edge_uses_says_so_as_the_yaml_reader_does():
    """It said only that 'unused' is no port; YAML's declared port no edge uses says why and what to do."""
    with pytest.raises(WiringError) as info:
        NetGraph({"a": LinearLayer(3)}, [(NetPort("x"), "a")], x=2, unused=7)
    (d,) = info.value.diagnostics
    assert (d.kind, d.port) == ("unknown-graph-port", "unused")
    assert d.message == ("'unused' is neither an input nor an output port of this NetGraph: no edge uses it and no "
                         "layer has a port of that name; connect it (e.g. (NetPort('unused'), layer)) or remove it; "
                         "its ports are inputs ['x'], outputs ['Output']")


def test_dangling_input_with_unknown_shape_is_reported_before_any_tensor():
    net = NetGraph([LinearLayer(2)], [])  # a partial net is allowed, as in Wolfram
    hint = (r"graph input 'Input' \(feeding layer 1 \(LinearLayer\) port 'Input'\) has unknown shape \?: give the "
            r"graph input a shape, e.g. NetGraph\(layers, edges, Input=3\)")
    with pytest.raises(ShapeError, match=r"the net is not fully specified: " + hint):
        net.compile()
    with pytest.raises(ShapeError, match=r"cannot initialise arrays of unknown shape: " + hint + r"[^\n]*$") as info:
        net_initialize(net)  # the same hint, once (not again as the port it feeds)
    assert len(info.value.errors) == 1


def test_an_unknown_graph_input_is_told_once_and_not_again_as_each_port_it_feeds():
    """compile() names an unknown graph input with the layers it feeds; those ports are not listed again, while a
    value of unknown shape that it does not feed is, once (not for each port it reaches)."""
    net = NetGraph({"a": LinearLayer(2), "e": "Tanh", "g": "Sin"}, [(NetPort("x"), ["a", "e"]), ("e", "g")])
    with pytest.raises(ShapeError) as info:
        net.compile()
    told = [str(e) for e in info.value.errors]
    assert len(told) == 3, told
    assert told[0].startswith("graph input 'x' (feeding layer 1 'a' (LinearLayer) port 'Input', layer 2 'e' "
                              "(ElementwiseLayer) port 'Input') has unknown shape"), told
    assert told[1:] == ["layer 2 'e' (ElementwiseLayer) port 'Output' has unknown shape ?",  # not g's Input again
                        "layer 3 'g' (ElementwiseLayer) port 'Output' has unknown shape ?"], told


def test_uninitialised_arrays():
    with pytest.raises(UninitializedError, match=r"call net_initialize\(net\) first.*\n.*layer 1 \(LinearLayer\) array 'Weights'"):
        NetGraph([LinearLayer(2)], [], Input=3).compile()


def test_distribution_argument_count():
    with pytest.raises(OptionError, match=r"NormalDistribution takes 0 or 2 parameters \(mu \(mean\), sigma \(standard deviation\)\), found 3"):
        NormalDistribution(1, 2, 3)


def test_layer_options_are_checked():
    with pytest.raises(OptionError, match="LinearLayer option output= dims must be positive"):
        LinearLayer(-1)
    with pytest.raises(OptionError, match=r"array= has shape \(2\) but output= is \(3\)"):
        NetArrayLayer(array=[1.0, 2.0], output=3)


def test_unknown_shorthand_suggests():
    with pytest.raises(WiringError, match=r"layer 2 is not a layer .* found 'Tanhh' \(did you mean 'Tanh'\?\)"):
        NetGraph([NetArrayLayer(array=[1.0]), "Tanhh"], [(1, 2)])


def test_reserved_and_bad_layer_names():
    with pytest.raises(WiringError, match="name 'forward' is not allowed"):
        NetGraph({"forward": LinearLayer(2)}, [])
    with pytest.raises(WiringError, match="name 'a.b' is not allowed"):
        NetGraph({"a.b": LinearLayer(2)}, [])


def test_empty_graph_and_bad_edges():
    with pytest.raises(WiringError, match="at least one layer"):
        NetGraph([], [])
    with pytest.raises(WiringError, match="is not a valid edge"):
        NetGraph(seed_layers(), [1])


def test_options_whose_compiled_and_interpreted_forms_would_disagree_or_fail_are_refused():
    """Found by the long fuzz profile: an infinite ParametricRamp slope gave NaN in one form and not the other,
    and a padding value just past float32's range made torch raise from inside F.pad."""
    from netgraph import OptionError, PaddingLayer, ParametricRampLayer
    with pytest.raises(OptionError, match="slope= must be finite"):
        ParametricRampLayer([], slope=float("inf"))
    with pytest.raises(OptionError, match=r"padding= must lie within float32's range"):
        PaddingLayer([[1, 2]], padding=3.402823466385289e+38)
    top = float(torch.finfo(torch.float32).max)
    for value in (top, float("inf"), -float("inf")):  # the edges themselves pad
        net = NetGraph([PaddingLayer([[1, 0]], padding=value)], [], Input=2)
        assert net(torch.zeros(1, 2))[0, 0].item() == value


@pytest.mark.parametrize("given, words", [
    (("PortType", (4,), "Int"), "dtype must be 'Real' or 'Integer' (or None: unknown), found 'Int' (did you mean "
                                "'Integer'?)"),
    (("PortType", -2, "Integer"), "dims must be positive ints"),
    ((4, "Integer"), "has 'Integer' as a dim, which is a dtype, not a length: give a port's dtype as PortType(shape, 'Integer')"),
    ("integer", "found 'integer' (did you mean 'Integer', the dtype of a scalar port?)"),
    ("Rael", "found 'Rael' (did you mean 'Real', the dtype of a scalar port?)"),
])
def test_a_port_dtype_given_wrongly_is_named_as_a_dtype_mistake(given, words):
    """PortType's dtype and shape were taken unchecked ('Int' surfaced as 'expected dtype Real, found Int', a
    PortType(-2) as a shape), and (4, "Integer") read "Integer" as a variable length. A PortType refuses them when
    made."""
    with pytest.raises(ShapeError) as info:
        value = PortType(*given[1:]) if given[0] == "PortType" else given
        NetGraph({"e": FunctionLayer("#Input * 2")}, [], Input=value)
    assert words in str(info.value)


@pytest.mark.parametrize("word, dtype", [("Interval", "Integer"), ("Iter", "Integer"), ("Deal", "Real"),
                                         ("Ideal", "Real")])
def test_a_shape_word_only_somewhat_near_a_dtype_is_told_the_length_form_first(word, dtype):
    """Found by review: 'Interval' or 'Deal' (likely lengths' names) got only "did you mean 'Integer', the dtype", where
    they used to be told a variable length is a name inside the list; both hints now, the length's first."""
    with pytest.raises(ShapeError) as info:
        NetGraph({"e": FunctionLayer("#Input * 2")}, [], Input=word)
    assert (f"found {word!r}; a variable length is a name inside the list: [{word!r}] is a sequence of length {word}"
            in str(info.value)) and f"(or did you mean {dtype!r}, a scalar port's dtype?)" in str(info.value)


def test_a_dtype_conflict_says_which_dtype_the_other_side_set():
    """It said 'expected dtype Integer, found Real (the (4) was set by ...)': the shape, not the clashing dtype."""
    with pytest.raises(ShapeError, match=r"expected dtype Integer, found Real \(the \(4\) Real was set by layer 1 'l'"):
        NetGraph({"l": LinearLayer(4), "e": EmbeddingLayer(3, 5)}, [("l", "e")], Input=2)


def test_a_bare_edge_into_a_layer_whose_inputs_netport_edges_feed_names_those_edges():
    """It said 'takes 1 input(s) ['Input'] (0 not wired by NetPort), but 1 edges feed it: a -> c'."""
    with pytest.raises(WiringError, match=r"layer 3 'c' \(LinearLayer\) takes 1 input \['Input'\], all fed by "
                                          r"NetPort edges \(b -> NetPort\('c', 'Input'\)\), so no input is left for a -> c\."):
        NetGraph({"a": LinearLayer(3), "b": LinearLayer(3), "c": LinearLayer(2)},
                 [(NetPort("Input"), ["a", "b"]), ("a", "c"), ("b", NetPort("c", "Input"))], Input=2)


@pytest.mark.parametrize("edges, at, message", [
    ([("a", "b"), ("a", "b")], 1, "edge a -> b is given twice (edges 0 and 1): layer 2 'b' (LinearLayer) takes 1 "
                                  "input ['Input']; delete one of them"),
    ([("a", "b"), ("c", "a"), (1, "b")], 2, "edge 1 -> b repeats edge a -> b (edges 0 and 2): layer 2 'b' "
                                            "(LinearLayer) takes 1 input ['Input']; delete one of them"),
    ([(NetPort("a", "Output"), NetPort("b", "Input"))] * 2, 1,
     "edge NetPort('a', 'Output') -> NetPort('b', 'Input') is given twice (edges 0 and 1): port 'Input' of layer 2 'b' "
     "(LinearLayer) takes one edge; delete one of them"),
    ([("a", NetPort("y")), ("a", NetPort("y"))], 1, "edge a -> NetPort('y') is given twice (edges 0 and 1): graph "
                                                    "output 'y' takes one edge; delete one of them")])
def test_the_same_edge_given_twice_is_called_a_duplicate_naming_both_edges(edges, at, message):
    """It said "takes 1 input(s) ['Input'], but 2 edges feed it: a -> b, a -> b", as if two sources competed."""
    with pytest.raises(WiringError) as error:
        NetGraph({"a": LinearLayer(3), "b": LinearLayer(3), "c": LinearLayer(3)}, edges, Input=2)
    (diagnostic,) = error.value.diagnostics
    assert (diagnostic.message, diagnostic.kind, diagnostic.edge) == (message, "duplicate-edge", at)


def test_a_layer_given_more_edges_than_inputs_counts_its_inputs_in_words():
    """'takes 1 input(s)': now '1 input', '2 inputs'."""
    with pytest.raises(WiringError, match=r"layer 3 'f' \(FunctionLayer\) takes 2 inputs \['a', 'b'\], but 3 edges "
                                          r"feed it: NetPort\('Input'\) -> f, NetPort\('Input2'\) -> f, "
                                          r"NetPort\('Input3'\) -> f\.$"):
        NetGraph({"x": LinearLayer(3), "y": LinearLayer(3), "f": FunctionLayer("#a + #b")},
                 [(NetPort("Input"), "f"), (NetPort("Input2"), "f"), (NetPort("Input3"), "f")], Input=2)


def test_a_graph_output_fed_twice_is_not_called_an_input_port():
    with pytest.raises(WiringError, match=r"graph output 'y' is fed by 2 edges \(a -> NetPort\('y'\); b -> NetPort\('y'\)\): "
                                          r"a graph output takes exactly one edge"):
        NetGraph({"a": LinearLayer(3), "b": LinearLayer(3)}, [("a", NetPort("y")), ("b", NetPort("y"))], Input=2)


def test_a_layer_named_training_is_refused_when_built():
    """Found by QA: a layer named 'training' (an attribute every nn.Module sets in __init__, so not in
    dir(nn.Module)) was accepted, and the first call failed inside torch: "cannot assign 'bool' as child module
    'training'", as did the compiled module's train() and eval(). The other names __init__ sets work (tests/fuzz)."""
    with pytest.raises(WiringError, match="name 'training' is not allowed"):
        NetGraph({"training": LinearLayer(3), "d": "Tanh"}, [("training", "d")], Input=2)


def test_indices_from_any_layer_wired_into_a_real_port_are_told_of_an_embedding():
    from netgraph import LinearLayer, PortType, TorchLayer

    class Argmax(torch.nn.Module):
        def forward(self, x):
            return x.argmax(-1)

    argmax = TorchLayer(Argmax(), inputs={"Input": (4, 3)}, outputs={"Output": PortType((4,), "Integer")})
    with pytest.raises(ShapeError, match=r"found Integer .*\. Integer values are indices: turn them into Real vectors "
                                         r"with an EmbeddingLayer\(size, n\)") as error:
        NetGraph({"a": argmax, "lin": LinearLayer(2)}, [("a", "lin")])
    assert error.value.diagnostics[0].hint.startswith("Integer values are indices")


@pytest.mark.parametrize("build", [
    lambda: NetGraph({"s": SequenceIndicesLayer(), "l": NetMapOperator(LinearLayer(2))}, [("s", "l")], Input=("n", 3)),
    lambda: NetGraph({"g": NetGraph({"s": SequenceIndicesLayer()}, [], Input=("n", 3)),
                      "l": NetMapOperator(LinearLayer(2))}, [("g", "l")], Input=("n", 3)),
    lambda: NetGraph({"r": LongShortTermMemoryLayer(3)}, [], Input=PortType(("n", 2), "Integer")),
], ids=["into-operator", "from-nested-graph", "graph-input"])
def test_indices_from_an_operator_nested_graph_or_graph_input_are_told_of_an_embedding(build):
    with pytest.raises(ShapeError, match=r"found Integer .*\. Integer values are indices: turn them into Real vectors "
                                         r"with an EmbeddingLayer\(size, n\)") as error:
        build()
    assert error.value.diagnostics[0].hint.startswith("Integer values are indices")


def test_a_port_keyword_a_layer_has_gets_no_unused_hint_and_a_long_one_is_shortened():
    """The hint said no layer has a port 'Input' (layer a has one), and quoted a 3,000-character name whole."""
    with pytest.raises(WiringError) as info:
        NetGraph({"a": LinearLayer(3)}, [(NetPort("x"), "a")], x=2, Input=2)
    assert "no layer has" not in str(info.value) and "connect it" not in str(info.value)
    long = "p" * 3000
    with pytest.raises(WiringError) as info:
        NetGraph({"a": LinearLayer(3)}, [(NetPort("x"), "a")], x=2, **{long: 7})
    (d,) = info.value.diagnostics
    assert f"(e.g. (NetPort({quoted(long)}), layer))" in d.message and len(d.message) < 600
