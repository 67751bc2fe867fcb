"""Operators (layers holding whole nets): against handwritten torch, YAML, saving, SVG, training, errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import torch
import torch.nn.functional as F

from netgraph import (BasicRecurrentLayer, CatenateLayer, ElementwiseLayer, LinearLayer, NetBidirectionalOperator,
                      NetChain, NetFoldOperator, NetGraph, NetMapOperator, NetNestOperator, NetPairEmbeddingOperator, NetPort, OptionError, ReshapeLayer, SequenceLastLayer, ShapeError, SpecError, interpret,
                      load, net_initialize, net_train, save)
from netgraph.core.types import format_shape
from netgraph.core.walk import nested_nodes


def mlp(inputs: int = 3, hidden: int = 5, out: int = 2) -> NetGraph:
    return NetGraph({"h": LinearLayer(hidden), "act": ElementwiseLayer("Tanh"), "o": LinearLayer(out)},
                    [("h", "act", "o")], Input=inputs)


def cell(inputs: int = 3, size: int = 4) -> NetGraph:
    """A fold's inner net: (Input, State) -> Output = Tanh(W [Input; State] + b), the next state."""
    return NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(size), "act": ElementwiseLayer("Tanh")},
                    [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin", "act")], Input=inputs)


def arrays(net: NetGraph, path: tuple) -> tuple[torch.Tensor, torch.Tensor]:
    layer = net.layer_at(path)
    return layer.arrays["Weights"], layer.arrays["Biases"]


def test_map_equals_the_handwritten_reshape_and_the_interpreter():
    net = net_initialize(NetGraph({"map": NetMapOperator(mlp())}, [], Input=("n", 3)), seed=1)
    assert net.port_types["Output"].shape == ("n", 2)
    module = net.compile()
    assert "for " not in module.code and "flatten(0, 1)" in module.code  # the sequence goes into the batch
    (w1, b1), (w2, b2) = arrays(net, ("map", "net", "h")), arrays(net, ("map", "net", "o"))
    for length in (1, 7):
        x = torch.randn(4, length, 3)
        expected = F.linear(torch.tanh(F.linear(x.reshape(-1, 3), w1, b1)), w2, b2).reshape(4, length, 2)
        torch.testing.assert_close(module(x), expected)
        torch.testing.assert_close(interpret(net, module, Input=x), expected)


def test_map_with_several_ports_maps_each_and_refuses_different_lengths():
    inner = NetGraph({"sum": "Plus"}, [([NetPort("a"), NetPort("b")], "sum"), ("sum", NetPort("s"))], a=2, b=2)
    net = NetGraph({"map": NetMapOperator(inner)}, [], a=(6, 2))
    assert net.port_types["b"].shape == (6, 2) and net.port_types["s"].shape == (6, 2)
    a, b = torch.randn(3, 6, 2), torch.randn(3, 6, 2)
    torch.testing.assert_close(net(a=a, b=b), a + b)
    with pytest.raises(ShapeError, match=r"'map'.*(expected shape \(6, 2\), found \(5, 2\)|length)"):
        NetGraph({"map": NetMapOperator(inner)}, [], a=(6, 2), b=(5, 2))


def test_map_refuses_a_non_sequence_naming_the_port():
    with pytest.raises(ShapeError, match=r"layer 1 'map' \(NetMapOperator\): port 'Input' takes a sequence of \(3\) "
                                         r"elements, shape \(n, 3\) \(rank 2\); found \(3\) \(rank 1\)"):
        NetGraph({"map": NetMapOperator(mlp())}, [], Input=3)
    with pytest.raises(ShapeError, match=r"'fold'.*port 'Input' takes a sequence of \(3\) elements"):
        NetGraph({"fold": NetFoldOperator(cell())}, [], Input=3)


def test_fold_equals_a_handwritten_loop_and_the_interpreter():
    net = net_initialize(NetGraph({"fold": NetFoldOperator(cell())}, [], Input=("n", 3)), seed=2)
    types = net.port_types
    assert (types["Output"].shape, types["State"].shape) == (("n", 4), (4,))
    module = net.compile()
    assert "for fold_t in range(Input.shape[1]):" in module.code
    w, b = arrays(net, ("fold", "net", "lin"))
    x = torch.randn(3, 5, 3)
    state, states = torch.zeros(3, 4), []
    for t in range(5):
        state = torch.tanh(F.linear(torch.cat([x[:, t], state], -1), w, b))
        states.append(state)
    out = module(x)
    torch.testing.assert_close(out["Output"], torch.stack(states, 1))
    torch.testing.assert_close(out["State"], state)
    for port, value in interpret(net, module, Input=x).items():
        torch.testing.assert_close(value, out[port])


def test_fold_takes_an_initial_state_when_asked():
    net = net_initialize(NetGraph({"fold": NetFoldOperator(cell(), state_input=True)}, [], Input=(2, 3)), seed=0)
    assert net.input_ports == ("Input", "InitialState") and net.port_types["InitialState"].shape == (4,)
    x, s0 = torch.randn(2, 2, 3), torch.randn(2, 4)
    w, b = arrays(net, ("fold", "net", "lin"))
    first = torch.tanh(F.linear(torch.cat([x[:, 0], s0], -1), w, b))
    torch.testing.assert_close(net(Input=x, InitialState=s0)["Output"][:, 0], first)


def test_fold_names_the_ports_it_expects():
    with pytest.raises(OptionError, match=r"NetFoldOperator needs an inner net with input ports 'State' .*'Input'.*"
                                          r"output port 'Output'.*found input ports \['Input'\] and output ports "
                                          r"\['Output'\]"):
        NetFoldOperator(mlp())
    with pytest.raises(OptionError, match=r"NetNestOperator needs an inner net with one input port 'Input'"):
        NetNestOperator(cell(), 2)


def test_fold_state_that_does_not_feed_back_is_a_shape_error():
    wrong = NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(3)},
                     [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin")], Input=3, State=4)
    with pytest.raises(ShapeError, match=r"'fold'.*'Output' is fed back into 'State'"):
        NetGraph({"fold": NetFoldOperator(wrong)}, [], Input=("n", 3))


def test_nest_output_that_does_not_fit_its_input_is_a_shape_error():
    with pytest.raises(ShapeError, match=r"'nest'.*'Output' is fed back into 'Input', so they must agree: expected "
                                         r"shape \(3\), found \(4\)"):
        NetGraph({"nest": NetNestOperator(NetGraph({"lin": LinearLayer(4)}, [], Input=3), 2)}, [])


def test_nest_applies_the_net_n_times():
    net = net_initialize(NetGraph({"nest": NetNestOperator(NetGraph({"lin": LinearLayer(3)}, []), 3)}, [], Input=3),
                         seed=0)
    w, b = arrays(net, ("nest", "net", "lin"))
    x = torch.randn(5, 3)
    expected = F.linear(F.linear(F.linear(x, w, b), w, b), w, b)
    module = net.compile()
    torch.testing.assert_close(module(x), expected)
    torch.testing.assert_close(interpret(net, module, Input=x), expected)


def test_arrays_are_the_inner_nets_and_the_compiled_state_dict_keys():
    net = net_initialize(NetGraph({"map": NetMapOperator(mlp())}, [], Input=("n", 3)), seed=0)
    module = net.compile()
    assert set(module.state_dict()) == {"map.net.h.Weights", "map.net.h.Biases", "map.net.o.Weights",
                                        "map.net.o.Biases"}
    assert net.information("LayersCount") == 3  # the inner net's layers, not the operator (Wolfram's walkNet)
    assert net.information("ArraysTotalElementCount") == 3 * 5 + 5 + 5 * 2 + 2
    with torch.no_grad():
        module.map.net.h.Weights.fill_(0.5)
    assert torch.equal(module.to_net().layer_at(("map", "net", "h")).arrays["Weights"], torch.full((5, 3), 0.5))
    assert [p for p, _ in nested_nodes(net)] == [("map",), ("map", "net", "h"), ("map", "net", "act"),
                                                 ("map", "net", "o")]


def test_yaml_round_trips_inline_and_saving_keeps_inner_arrays(tmp_path):
    net = net_initialize(NetGraph({"fold": NetFoldOperator(cell()), "map": NetMapOperator(mlp(4, 3, 1)),
                                   "nest": NetNestOperator(NetGraph({"lin": LinearLayer(4)}, []), 2)},
                                  [(NetPort("fold", "Output"), "map"), (NetPort("fold", "State"), "nest")],
                                  Input=("n", 3)), seed=0)
    text = net.to_yaml()
    assert "    net:\n      type: NetGraph\n" in text
    back = NetGraph.from_yaml(text)
    assert back == net and back.to_yaml() == text
    save(net, tmp_path / "ops.yaml")
    loaded = load(tmp_path / "ops.yaml")
    assert loaded == net
    x = torch.randn(2, 4, 3)
    expected = net(x)
    assert len(expected) == 2
    for port, value in loaded(x).items():
        torch.testing.assert_close(value, expected[port])


def test_an_error_inside_an_inner_net_is_placed_at_its_line_and_column():
    text = ("netgraph: 1\nlayers:\n  map:\n    type: NetMapOperator\n    net:\n      type: NetGraph\n"
            "      layers:\n        lin: {type: LinearLayer, output: 3, bogus: 1}\n      edges: []\n"
            "inputs:\n  Input: [n, 2]\nedges: []\n")
    with pytest.raises(SpecError, match=r"<string>:8:45: layer 'map/net/lin' \(LinearLayer\) has no option 'bogus'"):
        NetGraph.from_yaml(text)


def test_an_inner_net_may_be_another_spec_file(tmp_path):
    (tmp_path / "cell.yaml").write_text(NetGraph({"lin": LinearLayer(2)}, [], Input=3).to_yaml())
    (tmp_path / "top.yaml").write_text("netgraph: 1\nlayers:\n  map: {type: NetMapOperator, net: {file: cell.yaml}}\n"
                                       "inputs:\n  Input: [n, 3]\nedges: []\n")
    net = NetGraph.from_yaml(tmp_path / "top.yaml")
    assert net.port_types["Output"].shape == ("n", 2)
    assert net.layers["map"].net == NetGraph({"lin": LinearLayer(2)}, [], Input=3)


def test_the_diagram_draws_the_operator_as_a_cluster_holding_its_inner_net():
    net = NetGraph({"fold": NetFoldOperator(cell())}, [], Input=("n", 3))
    root = ET.fromstring(net.render_svg(backend="builtin"))
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    assert {"cluster_fold", "cluster_fold.net", "L.fold.net.lin", "I.fold.net.State", "O.fold.State"} <= ids
    texts = [el.text for el in root.iter() if el.text]
    assert "(b, n, 4)" in texts and "(b, 4)" in texts  # the sequence output and the inner state
    both = NetGraph({"bi": NetBidirectionalOperator(rnn())}, [], Input=("n", 3))
    ids = {el.get("id") for el in ET.fromstring(both.render_svg(backend="builtin")).iter() if el.get("id")}
    assert {"cluster_bi.forward_net", "cluster_bi.backward_net", "L.bi.backward_net.r"} <= ids


def test_a_map_net_trains_to_a_per_element_target():
    torch.manual_seed(0)
    x = torch.rand(128, 6, 2) * 2 - 1
    y = (x[..., :1] * x[..., 1:]).clone()  # per element: the product of the two features
    net = NetGraph({"map": NetMapOperator(NetGraph({"h": LinearLayer(16), "act": "Tanh", "o": LinearLayer(1)},
                                                   [("h", "act", "o")], Input=2))}, [], Input=(6, 2))
    before = float(((net_initialize(net, seed=0)(x) - y) ** 2).mean())
    trained = net_train(net, {"Input": x, "Target": y}, max_training_rounds=15, batch_size=64, learning_rate=0.05,
                        random_seed=0)
    after = float(((trained(x) - y) ** 2).mean())
    assert after < 0.25 * before, (before, after)


def test_a_fold_net_learns_a_running_sum_that_needs_order():
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(128, 5, 1, generator=generator) - 0.5
    y = x.cumsum(1)[:, -1]  # the final state must hold the sum of every element
    net = NetGraph({"fold": NetFoldOperator(cell(1, 8)), "read": LinearLayer(1)},
                   [(NetPort("fold", "State"), "read"), (NetPort("fold", "Output"), None)], Input=(5, 1))
    before = float(((net_initialize(net, seed=0)(x) - y) ** 2).mean())
    trained = net_train(net, {"Input": x, "Target": y}, max_training_rounds=15, batch_size=64, learning_rate=0.05,
                        random_seed=0)
    after = float(((trained(x) - y) ** 2).mean())
    assert after < 0.2 * before, (before, after)


def test_torch_export_and_compile_accept_the_fold_loop():
    net = net_initialize(NetGraph({"fold": NetFoldOperator(cell()), "last": SequenceLastLayer()},
                                  [(NetPort("fold", "Output"), "last"), (NetPort("fold", "State"), None)],
                                  Input=(4, 3)), seed=0)
    module = net.compile()
    x = torch.randn(2, 4, 3)
    exported = torch.export.export(module, (x,))
    torch.testing.assert_close(exported.module()(x), module(x))


def rnn(size: int = 4) -> NetGraph:
    return NetGraph({"r": BasicRecurrentLayer(size)}, [], Input=("n", 3))


@pytest.mark.parametrize("aggregation", ["Catenate", "Plus", "Mean"])
def test_bidirectional_reads_the_sequence_both_ways(aggregation):
    net = net_initialize(NetGraph({"bi": NetBidirectionalOperator([rnn(), rnn()], aggregation)}, [],
                                  Input=("n", 3)), seed=0)
    assert net.port_types["Output"].shape == ("n", 8 if aggregation == "Catenate" else 4)
    module = net.compile()
    x = torch.randn(2, 5, 3)

    def direction(name: str, seq: torch.Tensor) -> torch.Tensor:
        arrays = net.layer_at(("bi", name, "r")).arrays
        state, out = torch.zeros(2, 4), []
        for t in range(seq.shape[1]):
            state = torch.tanh(F.linear(seq[:, t], arrays["InputWeights"]) + F.linear(state, arrays["StateWeights"])
                               + arrays["Biases"])
            out.append(state)
        return torch.stack(out, 1)
    a, b = direction("forward_net", x), direction("backward_net", x.flip(1)).flip(1)
    expected = {"Catenate": torch.cat([a, b], -1), "Plus": a + b, "Mean": (a + b) / 2}[aggregation]
    torch.testing.assert_close(module(x), expected)
    torch.testing.assert_close(interpret(net, module, Input=x), expected)
    assert NetGraph.from_yaml(net.to_yaml()) == net


def test_bidirectional_with_one_net_gives_each_direction_its_own_arrays():
    net = net_initialize(NetGraph({"bi": NetBidirectionalOperator(rnn())}, [], Input=("n", 3)), seed=0)
    fwd, bwd = (net.layer_at(("bi", name, "r")).arrays["InputWeights"] for name in ("forward_net", "backward_net"))
    assert fwd.shape == bwd.shape == (4, 3) and not torch.equal(fwd, bwd)
    with pytest.raises(OptionError, match=r"aggregation= must be one of \['Catenate', 'Plus', 'Mean'\], found 'Max'"):
        NetBidirectionalOperator(rnn(), "Max")
    with pytest.raises(OptionError, match=r"NetBidirectionalOperator needs an inner net with one input port 'Input'"):
        NetBidirectionalOperator(cell())


@pytest.mark.parametrize("distance", ["Euclidean", "Cosine"])
def test_pair_embedding_is_the_distance_of_shared_embeddings(distance):
    net = net_initialize(NetGraph({"pair": NetPairEmbeddingOperator(mlp(3, 5, 2), distance)}, [], Input1=3), seed=0)
    assert net.input_ports == ("Input1", "Input2") and net.port_types["Output"].shape == ()
    (w1, b1), (w2, b2) = arrays(net, ("pair", "net", "h")), arrays(net, ("pair", "net", "o"))
    x1, x2 = torch.randn(6, 3), torch.randn(6, 3)
    e1, e2 = (F.linear(torch.tanh(F.linear(x, w1, b1)), w2, b2) for x in (x1, x2))
    expected = (e1 - e2).norm(dim=1) if distance == "Euclidean" else 1 - F.cosine_similarity(e1, e2, dim=1)
    module = net.compile()
    torch.testing.assert_close(module(Input1=x1, Input2=x2), expected)
    torch.testing.assert_close(interpret(net, module, Input1=x1, Input2=x2), expected)
    with pytest.raises(ShapeError, match=r"'Input1' and 'Input2' go through the same net"):
        NetGraph({"pair": NetPairEmbeddingOperator(mlp(), distance)}, [], Input1=3, Input2=4)


@pytest.mark.parametrize("wolfram, ours", [("EuclideanDistance", "Euclidean"), ("CosineDistance", "Cosine")])
def test_pair_embedding_takes_wolframs_distance_function_names(wolfram, ours):
    """Found by QA (qa-wolfram): Wolfram's NetPairEmbeddingOperator[net, DistanceFunction -> CosineDistance] written
    distance="CosineDistance" was refused ("must be one of ['Euclidean', 'Cosine']")."""
    assert NetPairEmbeddingOperator(mlp(3, 5, 2), wolfram) == NetPairEmbeddingOperator(mlp(3, 5, 2), ours)
    assert NetPairEmbeddingOperator(mlp(3, 5, 2), distance=wolfram).distance == ours


def test_a_pair_embedding_of_sequences_takes_two_lengths_of_its_own():
    """The inputs are embedded apart (a sentence against a longer one): Input2 gets a length of its own, n_2,
    unless given or wired one; each pair of a ragged call is the pair run alone."""
    from netgraph import GatedRecurrentLayer
    embed = NetChain([GatedRecurrentLayer(4), SequenceLastLayer()])
    net = net_initialize(NetGraph({"pair": NetPairEmbeddingOperator(embed)}, [], Input1=("n", 2)), seed=0)
    assert net.port_types["Input1"].shape == ("n", 2) and net.port_types["Input2"].shape == ("n_2", 2)
    assert net(Input1=torch.randn(3, 5, 2), Input2=torch.randn(3, 7, 2)).shape == (3,)
    a, b = [torch.randn(n, 2) for n in (5, 3)], [torch.randn(n, 2) for n in (7, 2)]
    out = net(Input1=a, Input2=b)
    for i in range(2):
        torch.testing.assert_close(out[i], net(Input1=a[i][None], Input2=b[i][None])[0])
    wired = NetGraph({"rev": "SequenceReverseLayer", "pair": NetPairEmbeddingOperator(embed)},
                     [(NetPort("Input"), [NetPort("pair", "Input1"), "rev"]), ("rev", NetPort("pair", "Input2"))],
                     Input=("n", 2))
    assert wired.layer_types("pair")["Input2"].shape == ("n", 2)  # one sequence and its reverse: one length


def test_a_pair_embedding_learns_distances():
    generator = torch.Generator().manual_seed(0)
    x1, x2 = torch.randn(128, 3, generator=generator), torch.randn(128, 3, generator=generator)
    target = (x1[:, :1] - x2[:, :1]).abs()[:, 0]  # the distance along the first feature only
    net = NetGraph({"pair": NetPairEmbeddingOperator(NetGraph({"lin": LinearLayer(1)}, []))}, [], Input1=3)
    before = float(((net_initialize(net, seed=0)(Input1=x1, Input2=x2) - target) ** 2).mean())
    trained = net_train(net, {"Input1": x1, "Input2": x2, "Target": target}, max_training_rounds=15, batch_size=64,
                        learning_rate=0.05, random_seed=0)
    after = float(((trained(Input1=x1, Input2=x2) - target) ** 2).mean())
    assert after < 0.1 * before, (before, after)


def test_operators_nest_a_fold_over_each_row_of_a_map(tmp_path):
    rows = NetGraph({"fold": NetFoldOperator(cell())}, [(NetPort("fold", "Output"), None)])
    net = net_initialize(NetGraph({"map": NetMapOperator(rows)}, [], Input=(2, 5, 3)), seed=0)
    assert net.port_types["State"].shape == (2, 4)
    module = net.compile()
    assert list(module.state_dict()) == ["map.net.fold.net.lin.Weights", "map.net.fold.net.lin.Biases"]
    x = torch.randn(3, 2, 5, 3)
    w, b = arrays(net, ("map", "net", "fold", "net", "lin"))
    state = torch.zeros(3, 2, 4)
    for t in range(5):
        state = torch.tanh(F.linear(torch.cat([x[:, :, t], state], -1), w, b))
    torch.testing.assert_close(module(x), state)
    torch.testing.assert_close(interpret(net, module, Input=x), state)
    save(net, tmp_path / "rows.yaml")
    torch.testing.assert_close(load(tmp_path / "rows.yaml")(x), state)


def test_operators_nested_many_levels_read_each_inner_array_a_bounded_number_of_times(monkeypatch):
    """Each level asked its inner operator for every array separately, and that operator did the same one level
    down: building 25 nested NetMapOperators took 53 s (2^depth reads); now the reads grow with the depth."""
    from netgraph.core.layer import Layer
    reads = []
    plain = Layer.arrays
    monkeypatch.setattr(Layer, "arrays", property(lambda layer: reads.append(layer) or plain.fget(layer)))
    net, depth = NetChain([LinearLayer(3)], input=3), 16
    for _ in range(depth):
        net = NetMapOperator(net)
    assert len(reads) < 10 * depth  # 2 ** depth = 65,536 before
    prefix = "net" + ".layer.net" * (depth - 1)  # an operator given to an operator sits in a one-layer graph
    assert sorted(net.arrays) == [f"{prefix}.1.Biases", f"{prefix}.1.Weights"]
    ready = net_initialize(NetGraph({"m": net}, [], Input=(1,) * depth + (3,)), seed=0)
    x, arrays = torch.randn(2, *(1,) * depth, 3), ready.layers["m"].arrays
    torch.testing.assert_close(ready(x), x @ arrays[f"{prefix}.1.Weights"].T + arrays[f"{prefix}.1.Biases"])


def test_an_inner_net_whose_shapes_the_operator_leaves_open_is_a_shape_error_naming_its_layers():
    # LinearLayer(None) inside a NetMapOperator: the operator's ports are known, the inner hidden size is not;
    # net_initialize raised KeyError 'net.1.Weights' (found by the long fuzz profile)
    net = NetGraph({"ff": NetMapOperator(NetChain([LinearLayer(None), "Ramp", LinearLayer(4)]))}, [], Input=("n", 4))
    assert net.output_shapes == {"Output": ("n", 4)}
    expected = (r"layer 1 'ff' \(NetMapOperator\): cannot size the arrays inside NetMapOperator .*net: layer 1 "
                r"\(LinearLayer\) port 'Output' has unknown shape .*net: layer 3 \(LinearLayer\) port 'Input'")
    with pytest.raises(ShapeError, match=r"cannot initialise arrays of unknown shape: " + expected):
        net_initialize(net)
    with pytest.raises(ShapeError, match=r"the net is not fully specified: " + expected):
        net.compile()


def test_an_error_deep_inside_nested_operators_names_the_inner_layers_path_once():
    """Each level wrapped the whole message of the level inside it: 40 nested NetMapOperators over a ReshapeLayer
    that cannot take the element gave an 11.6 KB message repeating 'its inner net does not accept ...' 40 times."""
    def nested(depth):
        net = NetChain([ReshapeLayer((5,))])
        for _ in range(depth):
            net = NetMapOperator(net)
        return net

    for depth in (1, 2, 40):
        with pytest.raises(ShapeError) as info:
            NetGraph({"m": nested(depth)}, [], Input=(2,) * depth + (4,))
        message, d = str(info.value), info.value.diagnostics[0]
        path = ("m", *("net", "layer") * (depth - 1), "net", "1")  # an operator given to one sits in a one-layer
        assert d.layer == path and message.count("its inner net does not accept") == 1  # graph; layer 1 refuses
        assert message.startswith("shape conflict: layer 1 'm' (NetMapOperator): its inner net does not accept the "
                                  f"port types Input {format_shape((2,) * (depth - 1) + (4,))}: " +
                                  f"{'/'.join(path[1:])} (ReshapeLayer): cannot reshape 4 elements to (5)"), message
        assert len(message) < 600 + 12 * depth, message  # the path once, and the shapes given twice
