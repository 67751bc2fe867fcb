"""Every edge form of DESIGN.md, graph-port naming, nesting."""

from __future__ import annotations

import inspect
import re

import pytest
import torch

from netgraph import (ElementwiseLayer, FunctionLayer, LinearLayer, NetArrayLayer, NetGraph, NetPort, ThreadingLayer,
                      WiringError, interpret, net_initialize)
from netgraph.core.ports import PortRef


def arr(values):
    return NetArrayLayer(array=values)


def wired(net):
    """{(src, dst)} as 'layer.Port' strings, explicit and implicit."""
    return {(str(e.src), str(e.dst)) for e in net.edges}


def test_pairs_are_threaded_onto_input_ports_in_edge_order():
    net = NetGraph([arr([1.0]), arr([2.0]), arr([3.0]), FunctionLayer("#a - #b * #c")], [(3, 4), (1, 4), (2, 4)])
    assert {("3.Output", "4.a"), ("1.Output", "4.b"), ("2.Output", "4.c")} <= wired(net)
    assert net().item() == pytest.approx(3.0 - 1.0 * 2.0)


def test_grouped_list_feeds_ports_in_order():
    net = NetGraph([arr([1.0]), arr([2.0]), arr([3.0]), FunctionLayer("#a - #b * #c")], [([3, 1, 2], 4)])
    assert net().item() == pytest.approx(1.0)


def test_dict_edges_and_named_layers():
    layers = {"x": arr([2.0]), "y": arr([5.0]), "f": FunctionLayer("#a / #b")}
    net = NetGraph(layers, {"y": "f", "x": "f"})
    assert net().item() == pytest.approx(5.0 / 2.0)


def test_chain_and_fan_out():
    net = NetGraph([LinearLayer(3), ElementwiseLayer("Tanh"), ElementwiseLayer("Exp"), ElementwiseLayer("Sin")],
                   [(1, 2, 3), (1, [4])], Input=2)
    assert wired(net) >= {("1.Output", "2.Input"), ("2.Output", "3.Input"), ("1.Output", "4.Input")}
    assert net.output_ports == ("Output1", "Output2")  # two unwired outputs named Output -> numbered
    net = net_initialize(net, seed=1)
    out = net(torch.ones(4, 2))
    assert set(out) == {"Output1", "Output2"}
    h = net.compile()
    lin = torch.nn.functional.linear(torch.ones(4, 2), h.get_submodule("1").Weights, h.get_submodule("1").Biases)
    torch.testing.assert_close(out["Output1"], torch.exp(torch.tanh(lin)))
    torch.testing.assert_close(out["Output2"], torch.sin(lin))


def test_chain_with_group_in_the_middle():
    net = NetGraph([arr([1.0]), ElementwiseLayer("Exp"), ElementwiseLayer("Sin"), FunctionLayer("#p + #q")],
                   [(1, [2, 3], 4)])
    assert net().item() == pytest.approx(torch.exp(torch.tensor(1.0)).item() + torch.sin(torch.tensor(1.0)).item())


def test_explicit_ports_and_graph_ports():
    f = FunctionLayer("#a * #b")
    net = NetGraph({"f": f}, [(NetPort("x"), NetPort("f", "b")), (NetPort("y"), NetPort("f", "a")),
                              (NetPort("f", "Output"), NetPort("Product"))], x=2, y=2)
    assert net.input_ports == ("x", "y") and net.output_ports == ("Product",)
    out = net(x=torch.tensor([[1.0, 2.0]]), y=torch.tensor([[3.0, 4.0]]))
    torch.testing.assert_close(out, torch.tensor([[3.0, 8.0]]))


def test_muting_an_output_removes_the_graph_output():
    net = NetGraph([arr([1.0]), ElementwiseLayer("Exp")], [(1, 2), (NetPort(2, "Output"), None)])
    assert net.output_ports == ()
    kept = NetGraph([arr([1.0]), ElementwiseLayer("Exp"), ElementwiseLayer("Sin")], [(1, [2, 3]), (2, None)])
    assert kept.output_ports == ("Output",)
    assert kept().item() == pytest.approx(torch.sin(torch.tensor(1.0)).item())


def test_dangling_inputs_with_the_same_name_merge():
    net = NetGraph([ElementwiseLayer("Exp"), ElementwiseLayer("Sin"), FunctionLayer("#a + #b")], [([1, 2], 3)],
                   Input=3)
    assert net.input_ports == ("Input",)
    x = torch.randn(2, 3)
    torch.testing.assert_close(net(x), torch.exp(x) + torch.sin(x))


def test_graph_port_order_is_deterministic():
    def build():
        return NetGraph({"f": FunctionLayer("#b + #a"), "g": ElementwiseLayer("Exp")},
                        [(NetPort("g", "Output"), NetPort("Extra"))], b=1, a=1, Input=1)
    assert build().input_ports == build().input_ports == ("b", "a", "Input")
    assert build().output_ports == ("Output", "Extra")


def test_seed_has_output_and_params(seed_net):
    assert seed_net.input_ports == ()
    assert seed_net.output_ports == ("Output", "Params")
    assert PortRef("3", "Output") in {e.src for e in seed_net.edges if e.dst == PortRef(None, "Params")}


def test_nested_graph_is_a_layer_and_compiles_flat():
    inner = NetGraph({"lin": LinearLayer(4), "act": ElementwiseLayer("Ramp")}, [("lin", "act")])
    outer = net_initialize(NetGraph({"enc": inner, "head": LinearLayer(2)}, [("enc", "head")], Input=3), seed=0)
    assert outer.input_shapes == {"Input": (3,)} and outer.output_shapes == {"Output": (2,)}
    module = outer.compile()
    assert set(dict(module.named_parameters())) == {"enc.lin.Weights", "enc.lin.Biases", "head.Weights", "head.Biases"}
    assert "self.enc.lin" in module.code and module.code.count("\n") < 8
    x = torch.randn(5, 3)
    h = torch.relu(torch.nn.functional.linear(x, module.enc.lin.Weights, module.enc.lin.Biases))
    torch.testing.assert_close(module(x), torch.nn.functional.linear(h, module.head.Weights, module.head.Biases))


def test_inner_shapes_are_inferred_from_the_outer_graph():
    inner = NetGraph({"lin": LinearLayer(4)}, [])
    assert inner.input_shapes == {"Input": None}
    outer = NetGraph({"a": NetArrayLayer(array=[1.0, 2.0, 3.0]), "inner": inner}, [("a", "inner")])
    assert outer.layer_types(("inner", "lin"))["Input"].shape == (3,)


@pytest.mark.parametrize("make, fed_by", [
    (lambda: NetGraph({"t": "Tanh"}, [(NetPort("Input"), "t"), ("t", NetPort("Input"))], Input=3), "layer 1 't'"),
    (lambda: NetGraph({"t": "Tanh"}, [(NetPort("Input"), NetPort("Input"))], Input=3), "the graph input itself"),
    (lambda: NetGraph({"lin": LinearLayer(3), "t": "Tanh"}, [(NetPort("a"), "lin", "t", NetPort("a"))], a=3),
     "layer 2 't'"),
    # a nested graph's dangling output named like the dangling input of another layer
    (lambda: NetGraph({"g": NetGraph({"t": "Tanh"}, [("t", NetPort("Input2"))]), "u": FunctionLayer("#Input2 + 1")},
                      [], Input=3, Input2=3), "layer 1 'g'"),
])
def test_a_graph_input_and_output_may_not_share_a_name(make, fed_by):
    """Inside a graph an input and an output of the same name are one port, so the output's value would replace
    the input's (the generated code fed a layer None, or its own output): refused, naming the port."""
    with pytest.raises(WiringError, match="is both a graph input and a graph output") as info:
        make()
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.port in ("Input", "a", "Input2") and diagnostic.layer == () and fed_by in str(info.value)


@pytest.mark.parametrize("make, suggested", [
    (lambda: NetGraph({"l": LinearLayer(2)}, [(NetPort("Output"), "l")], Output=2), "NetPort('OutputOut') or "
                                                                                   "NetPort('Result')"),
    (lambda: NetGraph({"t": "Tanh"}, [(NetPort("Input"), "t"), ("t", NetPort("Input"))], Input=3),
     "NetPort('InputOut') or NetPort('Output')"),
    (lambda: NetGraph({"l": LinearLayer(2), "m": LinearLayer(2)},
                      [(NetPort("Output"), "l", NetPort("Result")), (NetPort("OutputOut"), "m", NetPort("Output"))],
                      Output=2, OutputOut=2), "NetPort('Prediction') or NetPort('OutputOut2')"),
])
def test_the_name_clash_suggests_only_names_that_do_not_clash(make, suggested):
    with pytest.raises(WiringError) as info:
        make()
    assert str(info.value).endswith(f"name the output differently, e.g. {suggested}")


def test_the_renamed_output_computes_the_same_compiled_and_interpreted():
    net = net_initialize(NetGraph({"lin": LinearLayer(3), "t": "Tanh"}, [(NetPort("a"), "lin", "t", NetPort("b"))],
                                  a=3), seed=0)
    x = torch.rand(2, 3)
    module = net.compile()
    weights, biases = (module.get_submodule("lin").get_parameter(k) for k in ("Weights", "Biases"))
    expected = torch.tanh(x @ weights.T + biases)
    torch.testing.assert_close(module(a=x), expected)
    torch.testing.assert_close(interpret(net, module, a=x), expected)


def test_numbered_unwired_outputs_skip_the_names_of_a_nested_graphs_unwired_outputs():
    """x.Output and y.Output were numbered Output1/Output2, the names g's own unwired outputs keep: the graph
    had the output ports ('Output1', 'Output1', 'Output2', 'Output2')."""
    inner = NetGraph({"a": LinearLayer(3), "b": LinearLayer(3)}, [(NetPort("Input"), ["a", "b"])], Input=3)
    outer = NetGraph({"x": LinearLayer(3), "g": inner, "y": LinearLayer(3)}, [(NetPort("Input"), ["x", "g", "y"])],
                     Input=3)
    assert sorted(outer.output_ports) == ["Output1", "Output2", "Output3", "Output4"]
    outer, x = net_initialize(outer, seed=0), torch.randn(2, 3)
    out = outer(x)
    expected = {"Output1": ("g", "a"), "Output2": ("g", "b"), "Output3": ("x",), "Output4": ("y",)}
    for port, path in expected.items():
        leaf = outer.layer_at(path)
        torch.testing.assert_close(out[port], x @ leaf.arrays["Weights"].T + leaf.arrays["Biases"])


def test_graph_inputs_come_in_the_order_the_edges_name_them():
    """The inputs are the compiled module's positional arguments: an edge from a layer name ((Src, "enc")) was
    listed after the NetPort edges, so Src came second; a rebuild from explicit_edges() kept that order."""
    edges = [(NetPort("Src"), "enc"), ("enc", NetPort("sub", "Input1")), (NetPort("Tgt"), NetPort("sub", "Input2"))]
    net = NetGraph({"enc": LinearLayer(3), "sub": ThreadingLayer("Subtract")}, edges, Src=2, Tgt=3)
    assert net.input_ports == ("Src", "Tgt")
    assert NetGraph(dict(net.layers), net.explicit_edges(), Src=2, Tgt=3).input_ports == ("Src", "Tgt")
    assert list(inspect.signature(net_initialize(net, seed=0).compile().forward).parameters) == ["Src", "Tgt"]


def test_a_number_names_an_input_of_a_multi_input_layer_as_wolframs_numbered_inputs():
    from netgraph import CatenateLayer
    layers = {"a": arr([1.0, 2.0]), "b": arr([3.0]), "cat": CatenateLayer()}
    net = NetGraph(layers, [("a", NetPort("cat", 2)), ("b", NetPort(("cat", 1)))])
    assert NetPort("cat", 2) == NetPort("cat", "Input2")
    torch.testing.assert_close(net(), torch.tensor([3.0, 1.0, 2.0]))
    with pytest.raises(WiringError, match=r"has no port 'Input3'.* \(set its input count with inputs=3\)"):
        NetGraph(layers, [("a", NetPort("cat", 1)), ("b", NetPort("cat", 3))])
    with pytest.raises(WiringError, match=r"numbered inputs count from 1"):
        NetPort("cat", 0)


def test_a_python_function_in_a_layer_list_says_how_to_use_it():
    # Wolfram's layer lists take the symbol Tanh; a Python function got the generic 'not a layer' error
    with pytest.raises(WiringError, match=r"a Python function is no shorthand: give a function name such as 'Tanh' "
                                          r"or 'Ramp', or wrap it: FunctionLayer\(lambda Input: f\(Input\)\)"):
        NetGraph([LinearLayer(3), torch.tanh], [(1, 2)], Input=2)
    wrapped = NetGraph([LinearLayer(3), FunctionLayer(lambda Input: torch.tanh(Input))], [(1, 2)], Input=2)
    assert wrapped.output_shapes == {"Output": (3,)}


def test_the_output_clash_advice_mutes_the_clashing_port_not_the_layers_first_one():
    """It advised ('a', None), which mutes a's first output ('Output'), for a clash on its 'State': following it
    changed nothing (found by QA)."""
    from netgraph import GatedRecurrentLayer, SequenceLastLayer
    with pytest.raises(WiringError, match=re.escape("mute one with (NetPort('a', 'State'), None) or name")):
        NetGraph({"a": GatedRecurrentLayer(3, state_output=True), "last": SequenceLastLayer(), "b": LinearLayer(3)},
                 [("a", "last", "b", NetPort("State"))], Input=("n", 2))


@pytest.mark.parametrize("ref", ["a.Output", "a.Input"])
def test_a_layers_port_written_with_a_dot_says_the_netport_of_the_layer_and_port(ref):
    """Found by QA with torch habits: ('a.Output', 'b') was told 'a graph port is written NetPort('a.Output')', a
    graph port named 'a.Output', where the layer 'a''s port is meant."""
    from netgraph import LinearLayer, NetGraph, WiringError
    layer, port = ref.split(".")
    with pytest.raises(WiringError) as info:
        NetGraph({"a": LinearLayer(2), "b": LinearLayer(1)}, [(ref, "b")], Input=3)
    assert (f"there is no layer {ref!r}; a layer's port is written NetPort({layer!r}, {port!r}), a graph port "
            f"NetPort('name')") in str(info.value)
    with pytest.raises(WiringError, match=re.escape("there is no layer 'x'; a graph port is written NetPort('x')")):
        NetGraph({"a": LinearLayer(2)}, [("x", "a")], x=3)


def test_normalize_copies_the_table_unless_told_it_owns_it():
    """NetGraph's wiring holds the table named_layers made for it (no copy of every entry); normalize called on its
    own changes only its copy (a variadic layer given its input count)."""
    from netgraph import TotalLayer
    from netgraph.core.layer_table import named_layers
    from netgraph.core.wiring import normalize

    names, table = named_layers({"a": LinearLayer(3), "b": LinearLayer(3), "c": LinearLayer(3), "t": TotalLayer()})
    before, three = dict(table), ("Input1", "Input2", "Input3")
    copied = normalize(names, table, [(["a", "b", "c"], "t")])
    assert copied.layers is not table and table == before and table["t"] is before["t"]
    assert copied.layers["t"].input_ports == three and before["t"].input_ports != three
    owned = normalize(names, table, [(["a", "b", "c"], "t")], copy=False)
    assert owned.layers is table and table["t"].input_ports == three
    net = NetGraph({"a": LinearLayer(3), "t": TotalLayer()}, [("a", "t")], Input=2)
    assert net.layers["t"].input_ports == ("Input1",)


def test_edges_are_listed_in_the_order_of_the_users_edges():
    """Bare edges are threaded by the layer they feed, then listed by the user's edge: sorted where threading left
    them out of order or a NetPort edge came before them, and kept as made where they are in order already."""
    def indices(edges):
        net = NetGraph({"x": arr([1.0]), "y": arr([2.0]), "f": FunctionLayer("#a - #b"), "g": ElementwiseLayer("Sin"),
                        "h": FunctionLayer("#a * #b")}, edges)
        return [(e.index, str(e.dst)) for e in net.edges if not e.implicit]

    assert indices([("x", "f"), ("x", "g"), ("y", "f"), ("g", "h"), ("f", "h")]) == [
        (0, "f.a"), (1, "g.Input"), (2, "f.b"), (3, "h.a"), (4, "h.b")]  # threaded as f, f, g, h, h
    assert indices([("y", NetPort("f", "b")), ("x", "f"), ("x", "g"), ("g", "h"), ("f", "h")]) == [
        (0, "f.b"), (1, "f.a"), (2, "g.Input"), (3, "h.a"), (4, "h.b")]
    assert indices([("x", "g"), ("y", "f"), ("g", "h"), (NetPort("x"), NetPort("f", "b")), ("f", "h")])[1:4] == [
        (1, "f.a"), (2, "h.a"), (3, "f.b")]  # a NetPort edge after bare ones
    assert indices([(["x", "y"], "f"), ("x", "g"), ("f", "h"), ("g", "h")]) == [
        (0, "f.a"), (0, "f.b"), (1, "g.Input"), (2, "h.a"), (3, "h.b")]


@pytest.mark.parametrize("fed, unwired", [(1, ("b", "c", "d")), (2, ("c", "d")), (3, ("d",))])
def test_the_inputs_no_edge_feeds_become_graph_inputs_however_many_are_fed(fed, unwired):
    """The ports edges feed are noted by layer (one port, two, or more): the others are the graph's inputs."""
    layers = {"f": FunctionLayer("#a + #b + #c + #d"), **{f"x{i}": arr([float(i)]) for i in range(fed)}}
    net = NetGraph(layers, [([f"x{i}" for i in range(fed)], "f")], **{p: 1 for p in unwired})
    assert net.input_ports == unwired and net.output_ports == ("Output",)
    assert net(**{p: torch.ones(1, 1) for p in unwired}).item() == pytest.approx(sum(range(fed)) + len(unwired))
