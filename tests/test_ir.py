"""The graph IR (net.ir), the one GraphWalker, compile's checks option and linecache release."""

from __future__ import annotations

import dataclasses
import gc
import linecache

import pytest
import torch
import torch.nn.functional as F

from netgraph import (DataError, FunctionLayer, LinearLayer, NetChain, NetGraph, NormalDistribution, OptionError,
                      RandomArrayLayer, interpret, net_initialize, set_distribution_checks)
from netgraph.core.ir import GraphIR, Value, build_ir
from netgraph.core.walk import GraphWalker, map_nodes


def nested_net() -> NetGraph:
    inner = NetGraph({"lin": LinearLayer(3), "act": "Tanh"}, [("lin", "act")])
    return NetGraph({"enc": inner, "dec": LinearLayer(2)}, [("enc", "dec")], Input=4)


def edges_share_types(ir: GraphIR) -> bool:
    """Both ends of every edge (and every graph output) hold the same PortType object."""
    return (all(node.types[port] is ir.type_of(value) for node in ir.nodes for port, value in node.inputs.items())
            and all(ir.type_of(v) is ir.output_types[p] for p, v in ir.outputs.items()))


# -- the IR -----------------------------------------------------------------------------------------------------
def test_seed_ir_nodes_values_and_maps(seed_net):
    ir = seed_net.ir
    assert [node.path for node in ir.nodes] == [("1",), ("2",), ("3",), ("4",)]
    assert [node.layer for node in ir.nodes] == [seed_net.layers[n] for n in "1234"]
    sample = ir.node(("4",))
    assert sample.input_ports == ("Means", "Stds", "Random") and sample.output_ports == ("Output",)
    assert dict(sample.inputs) == {"Means": Value(("1",), "Output"), "Stds": Value(("2",), "Output"),
                                   "Random": Value(("3",), "Output")}
    assert dict(ir.outputs) == {"Output": Value(("4",), "Output"), "Params": Value(("3",), "Output")}
    assert ir.input_types == {}
    assert ir.consumers(Value(("3",), "Output")) == ((("4",), "Random"), ((), "Params"))
    assert ir.consumers(Value(("4",), "Output")) == (((), "Output"),)
    assert ir.producer((("4",), "Stds")) == Value(("2",), "Output")
    assert edges_share_types(ir)
    assert sample.types["Random"] is ir.node(("3",)).types["Output"]


def test_the_ir_is_built_once_frozen_and_agrees_with_the_old_accessors(seed_net):
    assert seed_net.ir is seed_net.ir
    node = seed_net.ir.nodes[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.layer = None
    with pytest.raises(TypeError):
        node.inputs["x"] = Value(None, "x")
    for node in seed_net.ir.nodes:
        assert seed_net.layer_types(node.path) == dict(node.types)
        assert all(seed_net.producer((node.path, p)) == v.key for p, v in node.inputs.items())
    assert list(seed_net.leaves()) == [(node.path, node.layer) for node in seed_net.ir.nodes]


def test_nested_graph_ir_flattens_to_leaf_nodes():
    net = nested_net()
    ir = net.ir
    assert [node.name for node in ir.nodes] == ["enc/lin", "enc/act", "dec"]
    assert ir.node(("enc", "lin")).inputs["Input"] == Value(None, "Input")
    assert ir.node(("dec",)).inputs["Input"] == Value(("enc", "act"), "Output")
    assert ir.producer((("enc",), "Output")) == Value(("enc", "act"), "Output")  # a nested graph port
    assert ir.consumers(Value(None, "Input")) == ((("enc", "lin"), "Input"),)
    assert not ir.has_node(("enc",)) and net.layer_types(("enc",))["Output"].shape == (3,)
    assert ir.input_types["Input"].shape == (4,) and ir.output_types["Output"].shape == (2,)
    assert edges_share_types(ir)
    assert ir.node(("dec",)).types["Input"] is ir.node(("enc", "act")).types["Output"]


def test_leaves_given_consumers_first_still_find_each_input_producer():
    """build_ir makes the nodes in one pass when producers come first; leaves in another order get the same feeds."""
    net = nested_net()
    leaves = [(node.path, node.layer) for node in net.ir.nodes]
    solution = net._inference.solution(net)
    backwards = build_ir(leaves[::-1], solution, net.input_ports, net.output_ports)
    assert [node.path for node in backwards.nodes] == [path for path, _ in leaves[::-1]]
    for node in backwards.nodes:
        assert dict(node.inputs) == dict(net.ir.node(node.path).inputs)
        assert dict(node.types) == dict(net.ir.node(node.path).types)
    assert dict(backwards.outputs) == dict(net.ir.outputs)


def test_array_changes_rebuild_the_ir_with_the_new_layers():
    net = nested_net()
    filled = net_initialize(net, seed=0)
    assert net.ir.node(("dec",)).layer.arrays["Weights"] is None
    assert filled.ir.node(("dec",)).layer is filled.layers["dec"]
    assert filled.ir.node(("enc", "lin")).layer.arrays["Weights"].shape == (3, 4)


# -- the walker ---------------------------------------------------------------------------------------------------
class Expression(GraphWalker):
    """Walks text: each node's output is its type name applied to its inputs' texts."""

    def __init__(self, graph):
        super().__init__(graph)
        self.order = []

    def visit_node(self, node, inputs):
        assert None not in inputs, f"{node.name} visited before its producers"
        self.order.append(node.name)
        return [f"{node.layer.type_name}({', '.join(inputs)})" for _ in node.output_ports]


def test_walker_visits_producers_first_and_returns_the_graph_outputs():
    net = NetGraph({"sum": FunctionLayer("#a + #b"), "x": "Tanh", "y": "Ramp"}, [(["x", "y"], "sum")], Input=2)
    walker = Expression(net)
    assert walker.run({"Input": "in"}) == {"Output": "FunctionLayer(ElementwiseLayer(in), ElementwiseLayer(in))"}
    assert walker.order == ["x", "y", "sum"]


def test_a_custom_walker_collects_shapes_and_counts_nodes():
    net = nested_net()

    class Shapes(GraphWalker):
        def visit_node(self, node, inputs):
            return [(*(inputs[0] or ()), node.types[p].shape) for p in node.output_ports]
    assert Shapes(net).run() == {"Output": ((3,), (3,), (2,))}
    assert map_nodes(net.ir, lambda node: node.name) == ["enc/lin", "enc/act", "dec"]
    assert net.information("LayersCount") == len(map_nodes(net, id)) == 3


# -- stages through the walker --------------------------------------------------------------------------------------
def test_compile_interpret_and_handwritten_agree_on_a_nested_net():
    net = net_initialize(nested_net(), seed=3)
    module = net.compile()
    x = torch.randn(5, 4)
    lin, dec = net.layers["enc"].layers["lin"], net.layers["dec"]
    expected = F.linear(torch.tanh(F.linear(x, lin.arrays["Weights"], lin.arrays["Biases"])),
                        dec.arrays["Weights"], dec.arrays["Biases"])
    torch.testing.assert_close(module(x), expected)
    torch.testing.assert_close(interpret(net, module, Input=x), expected)
    assert module.code == ("def forward(self, Input):\n"
                           "    enc_lin = F.linear(Input, self.enc.lin.Weights, self.enc.lin.Biases)\n"
                           "    enc_act = torch.tanh(enc_lin);  enc_lin = None\n"
                           "    dec = F.linear(enc_act, self.dec.Weights, self.dec.Biases);  enc_act = None\n"
                           "    return dec\n")
    assert module.to_net() == net


def test_initialize_draws_arrays_in_topological_order_from_the_seed():
    net = net_initialize(nested_net(), seed=11)
    generator = torch.Generator().manual_seed(11)
    for path in (("enc", "lin"), ("dec",)):
        layer = net.ir.node(path).layer
        shapes = layer.array_shapes(net.layer_types(path))
        for name in ("Weights", "Biases"):
            torch.testing.assert_close(layer.arrays[name], layer.init_array(name, shapes[name], generator))


def test_initialising_and_compiling_a_chain_keep_no_path_table_no_second_path_and_no_layer_dict():
    net = net_initialize(NetChain([LinearLayer(3) if i % 2 == 0 else "Tanh" for i in range(20)], input=2), seed=0)
    net.compile()
    solution = net._inference.solution(net)
    assert solution.ids._leaf_of is None  # each leaf found among the next few: no dict of every leaf's path
    assert all(node.path is path for node, path in zip(net.ir.nodes, solution.ids.paths, strict=True))
    held = [gc.get_referents(node.layer) for node in net.ir.nodes]  # a layer's attributes, or its __dict__ once read
    assert not any(type(value) is dict for values in held for value in values)  # compiling read no layer's __dict__


def test_nodes_whose_ports_hold_the_same_type_objects_share_one_read_only_types_map():
    ir = NetChain([LinearLayer(3), "Tanh", LinearLayer(3), "Tanh", LinearLayer(5), "Tanh"], input=3).ir
    maps = [node.types for node in ir.nodes]
    assert [dict(m) for m in maps] == [{"Input": ir.type_of(node.inputs["Input"]), "Output": ir.type_of(node.output(
        "Output"))} for node in ir.nodes]
    assert [str(m["Output"]) for m in maps] == ["(3)", "(3)", "(3)", "(3)", "(5)", "(5)"]
    assert maps[1] is maps[2] is maps[3] and maps[0] is not maps[1] and maps[4] is not maps[3]  # (3)->(3) alike
    assert edges_share_types(ir)


# -- distribution checks as a compile option --------------------------------------------------------------------------
def random_net() -> NetGraph:
    return NetGraph([RandomArrayLayer(NormalDistribution("#mu", "#sigma"))], [], mu=2, sigma=2)


def test_compile_checks_option_decides_inlining_and_run_time_checks():
    net, mu, bad = random_net(), torch.zeros(1, 2), -torch.ones(1, 2)
    assert "randn_like" in net.compile(checks="auto").code
    checked = net.compile(checks=True)
    assert "randn_like" not in checked.code
    previous = set_distribution_checks(False)
    try:
        with pytest.raises(DataError, match="sigma"):
            checked(mu=mu, sigma=bad)  # an explicit setting wins over the global one
    finally:
        set_distribution_checks(previous)
    assert net.compile(checks=False)(mu=mu, sigma=bad).shape == (1, 2)  # unchecked: no error
    with pytest.raises(OptionError, match="checks"):
        net.compile(checks="sometimes")


def test_evaluation_honours_a_changed_global_setting():
    net, mu, bad = random_net(), torch.zeros(2), -torch.ones(2)
    assert net(mu=mu, sigma=bad).shape == (2,)  # "auto": the inline Normal draw is unchecked
    previous = set_distribution_checks(True)
    try:
        with pytest.raises(DataError, match="sigma"):
            net(mu=mu, sigma=bad)
    finally:
        set_distribution_checks(previous)
    assert net(mu=mu, sigma=bad).shape == (2,)


def test_a_collected_module_releases_its_linecache_entry():
    module = net_initialize(nested_net()).compile()
    filename = module.forward.__code__.co_filename
    assert linecache.getline(filename, 1) == "def forward(self, Input):\n"
    del module
    gc.collect()
    # the next compile of code no module alive has (one of the same code reuses its class, and some other test may
    # keep such a module alive: a layer class a test defines stays alive with what its closures hold) takes the
    # collected modules' entries out
    other = net_initialize(NetChain({"linecache_probe": LinearLayer(3)}, input=4)).compile()
    assert other._filename != filename
    assert filename not in linecache.cache


def test_a_module_collected_while_linecache_is_read_leaves_the_entry_in_place():
    # Found in a suite run: doctest's pdb calls linecache.checkcache(), which lists the keys and then reads each; a
    # module collected in between took its entry out (a finalizer runs wherever the collector does): KeyError
    module = net_initialize(nested_net()).compile()
    filename = module.forward.__code__.co_filename
    listed = list(linecache.cache)
    del module
    gc.collect()
    assert all(linecache.cache[name] for name in listed)  # what checkcache does next
    assert filename in listed
    linecache.checkcache()
