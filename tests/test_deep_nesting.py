"""Nets nested 800 deep build, initialise, compile, run and train correctly (their speed is
benchmarks/nesting_depth.py's job); deeper than the nesting_depth limit is one WiringError; and the
per-level inference gives exactly the types of the flattened inference it replaces."""

from __future__ import annotations

import copy
import pickle
import sys
from pathlib import Path

import pytest
import torch

import netgraph
from netgraph import (ElementwiseLayer, EmbeddingLayer, FunctionLayer, LinearLayer, NetArrayLayer, NetChain,
                      NetGraph, NetNestOperator, NetPort, ReshapeLayer, WiringError, interpret, net_initialize)
from netgraph.core.inference import solve
from netgraph.core.nesting import recursion_room

SPECS = sorted((Path(__file__).resolve().parent.parent / "specs").glob("*.yaml"))


def nested(kind: str, depth: int):
    net = LinearLayer(3)
    for _ in range(depth - 1):
        net = NetGraph([net], []) if kind == "graph" else NetChain([net])
    return NetGraph([net], [], Input=2) if kind == "graph" else NetChain([net], input=2)


@pytest.mark.parametrize("kind", ["graph", "chain"])
def test_a_linear_layer_800_levels_deep_computes_its_affine_map(kind):
    net = net_initialize(nested(kind, 800), seed=0)
    path = ("1",) * 800
    leaf = net.layer_at(path)
    assert net.layer_types(path)["Input"].shape == (2,) and net.output_shapes == {"Output": (3,)}
    x = torch.randn(5, 2)
    expected = x @ leaf.arrays["Weights"].T + leaf.arrays["Biases"]
    module = net.compile()
    torch.testing.assert_close(module(x), expected)
    torch.testing.assert_close(interpret(net, module, Input=x), expected)
    assert net == net_initialize(nested(kind, 800), seed=0)


def test_nesting_past_the_limit_is_a_wiring_error_and_the_limit_can_be_raised():
    net = nested("graph", 10)
    with netgraph.limits(nesting_depth=10), pytest.raises(
            WiringError, match=r"nests graphs 11 levels deep, more than the nesting_depth limit \(10; "
                               r"netgraph.limits\(nesting_depth=\.\.\.\) raises it"):
        NetGraph([net], [])
    with netgraph.limits(nesting_depth=11):
        assert NetGraph([net], []).output_shapes == {"Output": (3,)}


def _flat(net):
    """Every port's type as the flattened inference over all nested graphs gives it."""
    return solve(net._problem()).types()


def _nets():
    inner = NetGraph({"lin": LinearLayer(3), "act": "Tanh"}, [("lin", "act")])  # input shape open
    typed = NetGraph({"lin": LinearLayer(3)}, [], Input=4)
    array = NetGraph({"a": NetArrayLayer()}, [])  # takes its consumer's shape
    embed = NetGraph({"e": EmbeddingLayer(4, 10)}, [])
    generic = NetGraph({"r": ReshapeLayer([2, 3])}, [])  # dtype-generic: learns Real by default
    weighted = net_initialize(NetChain([LinearLayer(3)], input=2), seed=0).layers["1"]  # its weights guess its Input
    return {
        "shape flows in": NetGraph({"g": inner}, [], Input=5),
        "shape flows out": NetGraph({"g": typed, "h": NetGraph({"in": inner}, [])}, [("g", "h")]),
        "nothing flows": NetGraph({"g": typed, "t": "Tanh"}, [("g", "t")]),
        "array learns from outside": NetGraph({"g": array, "f": FunctionLayer("#a + #b", output=(2, 3))},
                                              [(NetPort("g", "Output"), NetPort("f", "a"))]),
        "integers flow in": NetGraph({"g": embed}, [], Input=(7,)),
        "dtype default": NetGraph({"g": generic, "t": "Tanh"}, [("g", "t")], Input=6),
        "dtype default inside": NetGraph({"g": NetGraph({"h": generic}, [])}, []),
        "open": NetGraph({"g": NetGraph({"h": NetGraph({"t": "Tanh"}, [])}, [])}, []),
        "weights guess inside": NetGraph({"g": NetChain([weighted]), "t": "Tanh"}, [("g", "t")]),
        "siblings": NetGraph({"a": NetGraph({"t": ElementwiseLayer("Tanh")}, [], Input=3),
                              "b": NetGraph({"s": ElementwiseLayer("Sin")}, [])}, [("a", "b")]),
    }


@pytest.mark.parametrize("name", list(_nets()))
def test_per_level_inference_equals_the_flattened_one(name):
    net = _nets()[name]
    per_level = net._inference._solution is None  # nothing flowed into a nested graph: its own level sufficed
    assert per_level == (name in ("nothing flows", "dtype default inside", "open", "weights guess inside"))
    flat = _flat(net)
    assert net.port_types == {p: flat[((), p)] for p in net.port_types}
    assert net._inference.full(net) == flat
    for path, _ in net.leaves():
        assert net.layer_types(path) == {p: flat[(path, p)] for p in net.layer_types(path)}


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.name)
def test_every_example_spec_infers_as_the_flattened_inference(spec):
    net = netgraph.load(spec)
    flat = _flat(net)
    assert net.port_types == {p: flat[((), p)] for p in net.port_types}
    wrapped = NetGraph({"outer": NetGraph({"inner": net}, [])}, [])
    assert wrapped.port_types == {p: _flat(wrapped)[((), p)] for p in wrapped.port_types}


def test_deep_nets_raise_the_recursion_limit_only_while_they_walk_their_nesting():
    """A net 300 levels deep needs more than Python's default 1000 frames to compare, write or rename; the limit
    is raised for each walk and restored after (it once stayed raised for good after the first deep build)."""
    limit = sys.getrecursionlimit()
    net = net_initialize(nested("chain", 300), seed=0)
    assert sys.getrecursionlimit() == limit
    with netgraph.limits(yaml_depth=2000):  # to_yaml writes what from_yaml reads under the same limits
        text = net.to_yaml()
    again = NetGraph.from_yaml(text, limits={"yaml_depth": 2000})
    assert again == net and sys.getrecursionlimit() == limit
    renamed = netgraph.net_rename(net, {("1",) * 300: "leaf"})
    assert renamed.layer_at(("1",) * 299 + ("leaf",)) == net.layer_at(("1",) * 300)
    assert sys.getrecursionlimit() == limit
    with recursion_room(net._depth):
        assert sys.getrecursionlimit() > limit
    assert sys.getrecursionlimit() == limit


def test_a_deep_copy_of_a_net_800_levels_deep_is_equal_and_owns_its_arrays():
    net = net_initialize(nested("chain", 800), seed=0)
    before = sys.getrecursionlimit()
    twin = copy.deepcopy(net)
    assert sys.getrecursionlimit() == before
    assert twin == net and twin is not net
    path = ("1",) * 800
    ours, theirs = net.layer_at(path).arrays["Weights"], twin.layer_at(path).arrays["Weights"]
    assert torch.equal(ours, theirs) and ours.data_ptr() != theirs.data_ptr()
    x = torch.randn(4, 2)
    torch.testing.assert_close(twin(x), net(x))


def test_errors_about_a_layer_300_levels_deep_elide_its_path_but_their_diagnostics_keep_it():
    net, path = nested("chain", 300), ("1",) * 300
    for attempt in (lambda: net(torch.randn(2, 2)), net.compile):
        with pytest.raises(netgraph.UninitializedError) as info:
            attempt()
        message = str(info.value)
        assert len(message) < 600 and message.count("... 294 levels ...") == 2
        assert "layer 1 (NetChain) > layer 1 (NetChain) > layer 1 (LinearLayer) array 'Weights'" in message
        assert [d.layer for d in info.value.diagnostics] == [path, path]
    assert net.describe((path, "Input")) == ("layer 1 (NetChain) > " * 3 + "... 294 levels ... > "
                                             + "layer 1 (NetChain) > " * 2 + "layer 1 (LinearLayer) port 'Input'")
    assert net.describe((path[:8], None)).count(" > ") == 7  # 8 levels: all shown


def test_a_net_800_levels_deep_pickles_flat_and_loads_equal_with_the_same_outputs():
    net = net_initialize(nested("chain", 800), seed=0)
    before = sys.getrecursionlimit()
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        data = pickle.dumps(net, protocol=protocol)
        assert b"from_levels" in data and sys.getrecursionlimit() == before
        twin = pickle.loads(data)
        assert twin == net and type(twin.layer_at(("1",) * 799)) is NetChain
    x = torch.randn(4, 2)
    torch.testing.assert_close(twin(x), net(x))
    torch.testing.assert_close(twin.compile()(x), net.compile()(x))


def test_deep_nets_keep_shared_nested_graphs_shared_and_shallow_ones_pickle_plainly():
    inner = nested("chain", 300).layers["1"]  # its input size left open
    net = NetGraph({"a": NetChain([inner]), "b": NetChain([inner])}, [("a", "b")])
    twin = pickle.loads(pickle.dumps(net))
    assert twin == net and twin.layers["a"].layers["1"] is twin.layers["b"].layers["1"]
    assert b"from_levels" not in pickle.dumps(nested("chain", 50))
    assert pickle.loads(pickle.dumps(nested("chain", 50))) == nested("chain", 50)


def test_a_net_1000_levels_deep_copied_runs_and_its_module_walks_within_the_recursion_limit():
    """torch walks the compiled module tree (one module per level) recursively, a frame or more per level:
    at the nesting_depth limit (1000) net(x), train(), to() and state_dict() passed Python's default limit."""
    net = net_initialize(nested("chain", 1000), seed=0)
    limit, x = sys.getrecursionlimit(), torch.randn(4, 2)
    twin = copy.deepcopy(net)
    torch.testing.assert_close(twin(x), net(x))
    module = net.compile()
    module.train().eval().to(torch.float64).float()
    assert len(list(module.parameters())) == 2 and len(list(module.named_modules())) == 1001
    module.load_state_dict(module.state_dict())
    module.zero_grad()
    assert "LinearModule" in repr(module) and sys.getrecursionlimit() == limit
    torch.testing.assert_close(module(x), net(x))


def test_a_net_1000_levels_deep_trains_and_honours_a_multiplier_stored_on_an_inner_graph():
    """Collecting the multipliers stored on the nested graphs recursed once per level (RecursionError at 1000)."""
    net = net_initialize(nested("chain", 1000), seed=0)
    inner = netgraph.net_set_learning_rate_multipliers(net.layer_at(("1",) * 999), {("1", "Biases"): 0})
    net = net.replace_layers({("1",) * 999: inner})
    limit = sys.getrecursionlimit()
    data = {"Input": torch.randn(20, 2), "Output": torch.randn(20, 3)}
    trained = netgraph.net_train(net, data, max_training_rounds=2, batch_size=10)
    before, after = net.layer_at(("1",) * 1000).arrays, trained.layer_at(("1",) * 1000).arrays
    assert not torch.equal(before["Weights"], after["Weights"]) and torch.equal(before["Biases"], after["Biases"])
    assert sys.getrecursionlimit() == limit


def test_replacing_the_innermost_graph_of_an_initialised_net_collects_each_level_a_number_of_times_linear_in_depth(
        monkeypatch):
    """Each level rebuilt along the path solved the flattened problem of every level below it (its own level
    refused: the innermost Input, a shape the leaf's weights guess, was not passed out as a guess): 501,502
    ``_collect`` calls at depth 999, the square of the depth; now each level is solved on its own."""
    from netgraph.core import graph

    calls, real = [0], graph.NetGraph._collect

    def counted(net, prefix, problem):
        calls[0] += 1
        return real(net, prefix, problem)
    counts = []
    for depth in (100, 200):
        net = net_initialize(nested("chain", depth), seed=0)
        inner = netgraph.net_set_learning_rate_multipliers(net.layer_at(("1",) * (depth - 1)), {("1", "Biases"): 0})
        monkeypatch.setattr(graph.NetGraph, "_collect", counted)
        calls[0] = 0
        replaced = net.replace_layers({("1",) * (depth - 1): inner})
        counts.append(calls[0])
        monkeypatch.undo()
        assert replaced.layer_at(("1",) * (depth - 1)).learning_rate_multipliers == inner.learning_rate_multipliers
        assert replaced.port_types == net.port_types and replaced.layer_types(("1",) * depth)["Input"].shape == (2,)
    assert counts[1] <= 2.2 * counts[0] + 10, counts


def test_a_deep_copy_of_a_deeper_net_makes_calls_linear_in_the_depth():
    """A deep copy copied the outermost graph's flattened solution, whose keys hold every nested path (``d**2`` path
    elements at depth ``d``): twice the depth cost over 3x the calls; the copy now shares the inferred types."""
    from tests.test_build_scaling import calls

    nets = [net_initialize(nested("chain", depth), seed=0) for depth in (150, 300)]
    counts = [calls(copy.deepcopy, net) for net in nets]
    assert counts[1] <= 2.2 * counts[0], counts
    twin = copy.deepcopy(nets[0])
    assert twin == nets[0] and twin.port_types == nets[0].port_types and twin._inference is nets[0]._inference
    assert twin.layer_at(("1",) * 150).arrays["Weights"] is not nets[0].layer_at(("1",) * 150).arrays["Weights"]


def test_a_finished_net_wrapped_999_times_initializes_and_runs():
    """Wrapping a net that declares its input (not the outermost graph) took inference's full walk, which
    recursed once per level outside ``recursion_room``: RecursionError in net_initialize at 999 levels."""
    net = NetChain([LinearLayer(3)], input=2)
    for _ in range(998):
        net = NetChain([net])
    net, limit = net_initialize(net, seed=0), sys.getrecursionlimit()
    leaf, x = net.layer_at(("1",) * 999), torch.randn(4, 2)
    torch.testing.assert_close(net(x), x @ leaf.arrays["Weights"].T + leaf.arrays["Biases"])
    assert sys.getrecursionlimit() == limit


def test_a_deep_copy_of_the_compiled_module_of_a_net_1000_levels_deep_computes_the_same_with_its_own_arrays():
    net = net_initialize(nested("chain", 1000), seed=0)
    module, limit, x = net.compile(), sys.getrecursionlimit(), torch.randn(4, 2)
    twin = copy.deepcopy(module)
    torch.testing.assert_close(twin(x), module(x))
    pairs = list(zip(twin.parameters(), module.parameters()))
    assert len(pairs) == 2 and all(a is not b and a.data_ptr() != b.data_ptr() for a, b in pairs)
    assert sys.getrecursionlimit() == limit


def _operators(depth: int) -> NetGraph:
    net = LinearLayer(3)
    for _ in range(depth):
        net = NetNestOperator(net, 1)
    return NetGraph([net], [], Input=3)


def test_operators_nested_200_deep_compile_run_and_write_yaml_and_count_toward_nesting_depth():
    """Operators did not count toward nesting_depth: compile, net(x) and to_yaml hit a raw RecursionError at 150
    levels, and 1,100 levels died in the constructor with one."""
    net = net_initialize(_operators(200), seed=0)
    inner = net
    while not isinstance(inner, LinearLayer):
        inner = inner.layers[next(iter(inner.layers))]
        inner = inner.net if isinstance(inner, NetNestOperator) else inner
    x = torch.randn(2, 3)
    expected = x @ inner.weights.T + inner.biases
    torch.testing.assert_close(net(x), expected)
    torch.testing.assert_close(net.compile()(x), expected)
    # the module called directly gets the room too: 300 operators run out of Python's default 1000 frames without it
    deeper = net_initialize(_operators(300), seed=0).compile()  # (250 do; 450, 2.4x the CPU time, proved no more)
    assert deeper(x).shape == (2, 3)
    with netgraph.limits(yaml_depth=1000):
        assert net.to_yaml().count("NetNestOperator") == 200
    assert net._depth > 400  # each operator and its inner net a level
    with pytest.raises(WiringError, match=r"nests graphs 1001 levels deep, more than the nesting_depth limit .*an "
                                          r"operator and the inner net it holds count a level each"):
        _operators(1100)


def _mapped_folds(depth: int) -> NetGraph:
    """A NetFoldOperator inside ``depth`` NetMapOperators, each inner net a graph of two layers."""
    from netgraph import CatenateLayer, NetFoldOperator, NetMapOperator, NetPort
    cell = NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(3), "act": ElementwiseLayer("Tanh")},
                    [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin", "act")])
    inner = NetGraph({"f": NetFoldOperator(cell), "lin": LinearLayer(3)}, [(NetPort("f", "State"), "lin")])
    for _ in range(depth):
        inner = NetMapOperator(NetGraph({"m": inner, "t": ElementwiseLayer("Tanh")}, [("m", "t")]))
    return NetGraph({"op": inner}, [], Input=(2,) * (depth + 1) + (3,))


def test_operators_nested_deeper_infer_each_inner_net_a_few_times_more_not_twice_as_often(monkeypatch):
    """Building, initialising, compiling and calling operators nested d deep infers inner nets a number of times
    linear in d (7 more per level: 31 at depth 4, 59 at depth 8); work repeated per level would double it."""
    from netgraph.core import graph

    calls, real = [0], graph.infer_net

    def counted(net):
        calls[0] += 1
        return real(net)
    monkeypatch.setattr(graph, "infer_net", counted)
    counts = []
    for depth in (4, 8):
        calls[0] = 0
        net = netgraph.net_initialize(_mapped_folds(depth), seed=0)
        net(torch.randn(1, *(2,) * (depth + 1) + (3,)))
        counts.append(calls[0])
    assert counts[1] - counts[0] <= 8 * 4 and counts[1] <= 80, counts  # at most 8 more per level


def test_compiling_operators_nested_deeper_makes_calls_linear_in_the_depth():
    """Each level's compile looked again into every module of the levels inside it (``modules()`` of the
    operator's built module) and specialised each inner net's types at every outer level: 30 more levels cost more
    calls each time (quadratic in the depth); now each further 30 levels cost as many calls as the 30 before."""
    from tests.test_build_scaling import calls

    nets = [net_initialize(_operators(depth), seed=0) for depth in (30, 60, 90)]
    counts = [calls(net.compile) for net in nets]
    first, second = counts[1] - counts[0], counts[2] - counts[1]
    assert second <= first * 1.02, counts


def test_the_first_call_of_operators_nested_deeper_makes_calls_linear_in_the_depth():
    """Making the called module constants (``requires_grad_(False)``) walked torch's recursive ``named_modules``, a
    ``yield from`` per level: 150 more levels cost more calls each time; now as many as the 150 before."""
    from tests.test_build_scaling import calls

    x = torch.randn(2, 3)
    nets = [net_initialize(_operators(depth), seed=0) for depth in (450, 150, 300, 450)]
    nets.pop(0)(x)  # first: what the process does once per depth reached (caches) is not counted
    counts = [calls(net, x) for net in nets]
    first, second = counts[1] - counts[0], counts[2] - counts[1]
    assert second <= first * 1.02, counts
    module = next(iter(nets[0]._compiled.values()))
    assert not any(p.requires_grad for p in module.parameters()) and len(list(module.parameters())) == 2


def test_requires_grad_of_a_compiled_module_reaches_shared_modules_and_parameters_a_user_module_lists_itself():
    """DeepModule.requires_grad_ walks the tree flat, as torch's: each parameter once, and a module listing its
    parameters its own way (overriding ``parameters``) through its own ``parameters()``."""
    from netgraph.backend.deep_module import DeepModule

    class Listed(torch.nn.Module):  # a parameter held outside _parameters, listed by its own parameters()
        def __init__(self):
            super().__init__()
            self.held = [torch.nn.Parameter(torch.ones(2))]

        def parameters(self, recurse=True):
            return iter(self.held)

    shared, listed = torch.nn.Linear(2, 2), Listed()
    root = DeepModule()
    root.a, root.b, root.c = torch.nn.Sequential(shared), shared, listed
    root.register_module("none", None)
    tensors = [shared.weight, shared.bias, listed.held[0]]
    assert root.requires_grad_(False) is root and not any(t.requires_grad for t in tensors)
    root.requires_grad_()
    assert all(t.requires_grad for t in tensors)
