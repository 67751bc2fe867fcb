"""Wolfram documentation-style examples written with netgraph (a QA pass, qa-wolfram): each test names the Wolfram
input it translates and checks what Wolfram gives: port names, shapes, counts and indices, and the errors."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from netgraph import (CatenateLayer, CycleError, LinearLayer, MeanSquaredLossLayer, NetArrayLayer, NetChain,
                      NetFoldOperator, NetGraph, NetMapOperator, NetNestOperator, NetPairEmbeddingOperator, NetPort,
                      NormalDistribution, RandomArrayLayer, SequenceLastLayer, ShapeError, SoftmaxLayer, ThreadingLayer,
                      TotalLayer, UniformDistribution, WiringError, FunctionLayer, net_append, net_delete, net_drop,
                      net_extract, net_flatten, net_initialize, net_insert, net_join, net_prepend, net_rename,
                      net_replace_part, net_take, net_train)


def linear(layer, x):
    return F.linear(x, layer.arrays["Weights"], layer.arrays["Biases"])


def four():
    """NetChain[{LinearLayer[5], Ramp, LinearLayer[3], SoftmaxLayer[]}, "Input" -> 2]"""
    return net_initialize(NetChain([LinearLayer(5), "Ramp", LinearLayer(3), SoftmaxLayer()], input=2), seed=0)


def kinds(net):
    return [type(layer).__name__ for layer in net.layers.values()]


# NetGraph: ports appear and are named as Wolfram's

def test_dangling_inputs_of_one_name_merge():
    # NetGraph[{Ramp, Tanh, TotalLayer[]}, {1 -> 3, 2 -> 3}, "Input" -> 3]
    net = NetGraph(["Ramp", "Tanh", TotalLayer()], [(1, 3), (2, 3)], Input=3)
    assert (net.input_ports, net.output_ports) == (("Input",), ("Output",))
    x = torch.tensor([[-1.0, 0.5, 2.0]])
    torch.testing.assert_close(net(x), torch.relu(x) + torch.tanh(x))


def test_dangling_outputs_of_one_name_become_output1_output2():
    # NetGraph[{LinearLayer[3], LinearLayer[2]}, {}, "Input" -> 4]
    net = NetGraph([LinearLayer(3), LinearLayer(2)], [], Input=4)
    assert net.input_ports == ("Input",) and net.output_shapes == {"Output1": (3,), "Output2": (2,)}


def test_netport_on_the_right_names_a_graph_output_and_the_layer_still_feeds_on():
    # NetGraph[{LinearLayer[3], Tanh}, {1 -> 2, NetPort[1, "Output"] -> NetPort["Hidden"]}, "Input" -> 4]
    net = net_initialize(NetGraph([LinearLayer(3), "Tanh"], [(1, 2), (NetPort(1, "Output"), NetPort("Hidden"))],
                                  Input=4), seed=0)
    assert net.output_ports == ("Output", "Hidden")
    out = net(torch.randn(2, 4))
    torch.testing.assert_close(out["Output"], torch.tanh(out["Hidden"]))


def test_netport_on_the_left_names_graph_inputs_and_chains_run_in_one_edge():
    # NetGraph[{ThreadingLayer[Plus], Tanh}, {NetPort["a"] -> NetPort[1, "Input1"], NetPort["b"] -> NetPort[1, "Input2"], 1 -> 2}]
    net = NetGraph([ThreadingLayer("Plus"), "Tanh"], [(NetPort("a"), NetPort(1, "Input1")),
                                                       (NetPort("b"), NetPort(1, "Input2")), (1, 2)], a=3, b=3)
    assert net.input_ports == ("a", "b") and net.output_shapes == {"Output": (3,)}
    # NetGraph[<|"a" -> LinearLayer[3], "b" -> Ramp, "c" -> LinearLayer[1]|>, {NetPort["In"] -> "a" -> "b" -> "c" -> NetPort["Out"]}]
    chained = NetGraph({"a": LinearLayer(3), "b": "Ramp", "c": LinearLayer(1)},
                       [(NetPort("In"), "a", "b", "c", NetPort("Out"))], In=2)
    assert (chained.input_ports, chained.output_shapes) == (("In",), {"Out": (1,)})


def test_a_list_of_sources_threads_onto_a_loss_layers_input_and_target():
    # NetGraph[{LinearLayer[1], MeanSquaredLossLayer[]}, {{1, NetPort["Target"]} -> 2}, "Input" -> 3]
    net = NetGraph([LinearLayer(1), MeanSquaredLossLayer()], [([1, NetPort("Target")], 2)], Input=3)
    assert set(net.input_ports) == {"Input", "Target"} and net.output_ports == ("Loss",)
    assert net.input_shapes["Target"] == (1,)


def test_catenate_takes_its_inputs_in_order_and_by_number():
    # NetGraph[{LinearLayer[2], LinearLayer[3], CatenateLayer[]}, {{1, 2} -> 3}, "Input" -> 4]
    grouped = net_initialize(NetGraph([LinearLayer(2), LinearLayer(3), CatenateLayer()], [([1, 2], 3)], Input=4), seed=0)
    numbered = NetGraph(dict(grouped.layers), [(1, NetPort(3, 1)), (2, NetPort(3, 2))], Input=4)
    x = torch.randn(2, 4)
    expected = torch.cat([linear(grouped.layers["1"], x), linear(grouped.layers["2"], x)], -1)
    torch.testing.assert_close(grouped(x), expected)
    torch.testing.assert_close(numbered(x), expected)
    with pytest.raises(WiringError, match=r"has no port 'Input3'"):  # NetGraph::noncontigmi
        NetGraph([LinearLayer(2), LinearLayer(3), CatenateLayer()], [(1, NetPort(3, 1)), (2, NetPort(3, 3))], Input=4)


def test_fan_out_and_muting_an_output():
    # NetGraph[{LinearLayer[3], Tanh, Ramp}, {1 -> {2, 3}}, "Input" -> 2]
    fanned = NetGraph([LinearLayer(3), "Tanh", "Ramp"], [(1, [2, 3])], Input=2)
    assert fanned.output_shapes == {"Output1": (3,), "Output2": (3,)}
    # NetGraph[{LinearLayer[3], Tanh}, {1 -> 2, NetPort[2, "Output"] -> None, NetPort[1, "Output"] -> NetPort["h"]}]
    muted = NetGraph([LinearLayer(3), "Tanh"], [(1, 2), (NetPort(2, "Output"), None), (NetPort(1, "Output"), NetPort("h"))],
                     Input=2)
    assert muted.output_ports == ("h",)


def test_shorthands_in_the_layer_list():
    # NetGraph[{5, Ramp, 2}, {1 -> 2 -> 3}, "Input" -> 3] and {{5, Ramp}, 2}: a list is a NetChain
    assert NetGraph([5, "Ramp", 2], [(1, 2, 3)], Input=3).output_shapes == {"Output": (2,)}
    nested = NetGraph([[5, "Ramp"], 2], [(1, 2)], Input=3)
    assert isinstance(nested.layers["1"], NetChain) and nested.output_shapes == {"Output": (2,)}
    # NetGraph[chain]: the same layers, wired as the chain
    graph = NetGraph(NetChain([LinearLayer(3), "Tanh"], input=2))
    assert type(graph) is NetGraph and list(graph.layers) == ["1", "2"] and graph.input_shapes == {"Input": (2,)}


@pytest.mark.parametrize("build, error, words", [
    (lambda: NetGraph([LinearLayer(3), LinearLayer(3)], [(1, 2), (2, 1)]), CycleError, "must be acyclic"),  # acyclic
    (lambda: NetGraph([], []), WiringError, "needs at least one layer"),  # General::netempty
    (lambda: NetGraph([LinearLayer(3)], [(1, 2)]), WiringError, r"there is no layer 2"),  # invnetvert
    (lambda: NetGraph([LinearLayer(3), "Tanh"], [(NetPort(1, "Outptu"), 2)]), WiringError, "did you mean 'Output'"),
    (lambda: NetGraph([LinearLayer(3), LinearLayer(3), "Tanh"], [(1, 3), (2, 3)]), WiringError, "2 edges feed it"),
    (lambda: NetGraph([LinearLayer(3, input=2), LinearLayer(2, input=4)], [(1, 2)]), ShapeError,
     r"expected shape \(4\), found \(3\)"),  # ninctyp
    (lambda: NetGraph([LinearLayer(3), LinearLayer(3)], [(NetPort(1, "Output"), NetPort("Output"))], Input=2),
     WiringError, "fed explicitly and also by the unwired output"),  # General::outportconfl
    (lambda: NetGraph([LinearLayer(3)], [], Inptu=2), WiringError, "neither an input nor an output port"),  # netinvgport
])
def test_construction_errors_where_wolfram_gives_them(build, error, words):
    with pytest.raises(error, match=words):
        build()


# NetChain, NetExtract, NetReplacePart

def test_a_chain_numbers_its_layers_from_1_and_extracts_count_from_the_end_too():
    chain = four()
    assert list(chain.layers) == ["1", "2", "3", "4"] and chain.output_shapes == {"Output": (3,)}
    assert isinstance(net_extract(chain, -1), SoftmaxLayer)  # NetExtract[chain, -1]
    assert net_extract(chain, (1, "Weights")).shape == (5, 2)  # NetExtract[chain, {1, "Weights"}]
    assert set(net_extract(chain, "All")) == {("1", "Weights"), ("1", "Biases"), ("3", "Weights"), ("3", "Biases")}
    with pytest.raises(WiringError, match=r"there is no layer 0 .*numbered 1 to 4, or -1 for the last"):
        net_extract(chain, 0)
    assert net_extract(NetChain([LinearLayer(5)], input=2), (1, "Weights")) is None  # Automatic until initialised


def test_extract_and_replace_an_array_of_a_layer_alone():
    # NetExtract[LinearLayer[3, "Weights" -> w, "Biases" -> b], "Weights"]; NetReplacePart[layer, "Biases" -> b2]
    w, b = torch.ones(3, 2), torch.zeros(3)
    layer = LinearLayer(3, weights=w, biases=b)
    assert torch.equal(net_extract(layer, "Weights"), w)
    new = net_replace_part(layer, {"Biases": torch.tensor([1.0, 2.0, 3.0])})
    torch.testing.assert_close(new(torch.ones(1, 2)), torch.tensor([[3.0, 4.0, 5.0]]))


def test_replace_part_of_arrays_ports_and_layers():
    chain = four()
    zeros = net_replace_part(chain, {(1, "Weights"): torch.zeros(5, 2)})  # NetReplacePart[chain, {1, "Weights"} -> w]
    torch.testing.assert_close(zeros(torch.randn(2, 2)), torch.full((2, 3), 1 / 3))
    fresh = NetChain([LinearLayer(5), "Ramp", LinearLayer(3), SoftmaxLayer()], input=2)
    assert net_replace_part(fresh, {"Input": 7}).input_shapes == {"Input": (7,)}  # NetReplacePart[chain, "Input" -> 7]
    with pytest.raises(ShapeError, match=r"expected size 2 \(from weights=\), found \(7,\)"):  # its weights fix it
        net_replace_part(chain, {"Input": 7})
    changed = net_replace_part(chain, {3: LinearLayer(4), "Output": 4})  # {3 -> LinearLayer[4], "Output" -> 4}
    assert changed.output_shapes == {"Output": (4,)}
    with pytest.raises(ValueError, match=r"expected shape \(5, 2\), found \(4, 2\)"):  # same dims required
        net_replace_part(chain, {(1, "Weights"): torch.zeros(4, 2)})


# NetTake and NetDrop: Wolfram's Take/Drop on the layer list, as README's table writes them

def test_take_counts_as_wolfram_for_a_positive_count_and_a_name():
    chain = four()
    assert kinds(net_take(chain, 2)) == ["LinearLayer", "ElementwiseLayer"]  # NetTake[chain, 2]
    assert net_take(chain, 2).output_shapes == {"Output": (5,)}
    named = NetChain({"a": LinearLayer(5), "b": "Ramp", "c": LinearLayer(3)}, input=2)
    assert list(net_take(named, "b").layers) == ["a", "b"]  # NetTake[chain, "b"]
    assert list(net_take(chain, NetPort(2, "Output")).layers) == ["1", "2"]  # NetTake[chain, NetPort[{2, "Output"}]]
    assert list(net_take(chain, NetPort(3, "Input")).layers) == ["1", "2"]  # NetTake[chain, NetPort[{3, "Input"}]]


def test_wolframs_other_take_and_drop_forms_as_slices():
    chain, x = four(), torch.randn(3, 2)
    assert kinds(chain[-1:]) == ["SoftmaxLayer"]  # NetTake[chain, -1]
    assert kinds(chain[1:4]) == ["ElementwiseLayer", "LinearLayer", "SoftmaxLayer"]  # NetTake[chain, {2, 4}]
    assert chain[1:4].input_shapes == {"Input": (5,)}
    assert kinds(chain[2:]) == ["LinearLayer", "SoftmaxLayer"]  # NetDrop[chain, 2]
    assert kinds(chain[:-2]) == ["LinearLayer", "ElementwiseLayer"]  # NetDrop[chain, -2]
    torch.testing.assert_close(chain[2:](chain[:2](x)), chain(x))
    # what the Wolfram-looking calls give instead (README's third column)
    assert len(net_take(chain, -1).layers) == 4 and len(net_take(chain, -2).layers) == 3
    assert len(net_drop(chain, 2).layers) == 3  # without layer 2 alone: Wolfram's NetDelete[chain, 2]
    assert net_drop(chain, 2) == net_delete(chain, 2)


def test_drop_a_span_of_interior_layers_needs_its_ends_to_fit():
    # NetDrop[NetChain[{LinearLayer[3], LinearLayer[5], LinearLayer[3], Tanh}, "Input" -> 2], {2, 3}]
    chain = net_initialize(NetChain([LinearLayer(3), LinearLayer(5), LinearLayer(3), "Tanh"], input=2), seed=0)
    dropped = net_drop(chain, list(range(2, 4)))
    x = torch.randn(2, 2)
    torch.testing.assert_close(dropped(x), torch.tanh(linear(chain.layers["1"], x)))
    with pytest.raises(ShapeError, match=r"its producer gives \(5\) Real but its consumers take \(3\) Real"):
        net_drop(four(), [3])  # Possible Issues: the first dropped layer's input and the last's output must match


def test_take_from_a_graph_with_several_outputs_gives_the_subnet_of_one():
    # net = NetGraph[{LinearLayer[3], Tanh, Ramp}, {1 -> 2, 1 -> 3}, "Input" -> 2]; NetTake[net, NetPort["Output2"]]
    net = net_initialize(NetGraph([LinearLayer(3), "Tanh", "Ramp"], [(1, 2), (1, 3)], Input=2), seed=0)
    assert net.output_ports == ("Output1", "Output2")
    taken = net_take(net, NetPort("Output2"))
    assert list(taken.layers) == ["1", "3"] and taken.output_ports == ("Output2",)  # its name, as Wolfram's
    x = torch.randn(2, 2)
    torch.testing.assert_close(taken(x), net(x)["Output2"])
    assert net_delete(net, NetPort("Output1")) == taken  # NetDelete[net, NetPort["Output1"]]


def test_nested_port_paths_probe_and_feed_and_information_counts():
    # enc = NetChain[<|"l1" -> LinearLayer[4], "act" -> Tanh, "l2" -> LinearLayer[2]|>]
    # net = NetGraph[<|"enc" -> enc, "head" -> LinearLayer[5], "skip" -> LinearLayer[5], "add" -> ThreadingLayer[Plus]|>,
    #   {"enc" -> "head", NetPort[{"enc", "act", "Output"}] -> "skip", {"head", "skip"} -> "add"}, "Input" -> 3]
    enc = NetChain({"l1": LinearLayer(4), "act": "Tanh", "l2": LinearLayer(2)})
    net = net_initialize(NetGraph({"enc": enc, "head": LinearLayer(5), "skip": LinearLayer(5), "add": "Plus"},
                                  [("enc", "head"), (NetPort(("enc", "act", "Output")), "skip"), (["head", "skip"], "add")],
                                  Input=3), seed=0)
    x = torch.randn(2, 3)
    hidden = net(x, outputs=NetPort(("enc", "act", "Output")))  # net[x, NetPort[{"enc", "act", "Output"}]]
    assert torch.equal(hidden, net(x, outputs=NetPort(("enc", 2, "Output"))))  # parts by number too
    l1 = net_extract(net, ("enc", "l1"))
    torch.testing.assert_close(hidden, torch.tanh(linear(l1, x)))
    assert net.information("LayersCount") == 6 and net.information("ArraysCount") == 8
    assert net.information("LayerTypeCounts") == {"LinearLayer": 4, "ElementwiseLayer": 1, "ThreadingLayer": 1}
    assert net.information("InputPortNames") == ["Input"] and net.information("OutputPortNames") == ["Output"]


# Chain editing, NetFlatten, NetRename, NetJoin

def test_append_prepend_insert_and_delete():
    chain = four()
    assert kinds(net_append(chain, "Tanh"))[-1] == "ElementwiseLayer"  # NetAppend[chain, Tanh]
    assert list(net_append(chain, {"t": "Tanh"}).layers)[-1] == "t"  # NetAppend[chain, "t" -> Tanh]
    assert kinds(net_prepend(chain, LinearLayer(2)))[0] == "LinearLayer"  # NetPrepend
    inserted = net_insert(chain, "Tanh", 2)  # NetInsert[chain, Tanh, 2]: the new layer is layer 2
    assert kinds(inserted)[:3] == ["LinearLayer", "ElementwiseLayer", "ElementwiseLayer"]
    assert inserted.layers["2"].function == "Tanh"
    functions = [layer.function for layer in net_insert(NetChain(["Sin", "Tanh"]), "Ramp", -2).layers.values()]
    assert functions == ["Sin", "Ramp", "Tanh"]  # NetInsert[chain, Ramp, -2]: Insert's count from the end
    named = NetChain({"a": LinearLayer(5), "b": "Ramp", "c": LinearLayer(3)}, input=2)
    assert list(net_insert(named, {"t": "Tanh"}, "b").layers) == ["a", "t", "b", "c"]  # NetInsert[chain, "t" -> Tanh, "b"]
    assert list(net_delete(named, "b").layers) == ["a", "c"]  # NetDelete[chain, "b"]
    with pytest.raises(ValueError, match="a layer named 'b'"):  # names stay unique
        net_insert(named, {"b": "Tanh"}, "c")


def test_flatten_rename_and_join():
    # NetFlatten[NetChain[{NetChain[{LinearLayer[4], Tanh}], LinearLayer[2]}, "Input" -> 3]]
    flat = net_flatten(NetChain([NetChain([LinearLayer(4), "Tanh"]), LinearLayer(2)], input=3))
    assert isinstance(flat, NetChain) and len(flat.layers) == 3 and flat.output_shapes == {"Output": (2,)}
    with pytest.raises(ValueError, match="levels= must be a positive integer"):  # NetFlatten::flev
        net_flatten(NetChain([NetChain([LinearLayer(4), "Tanh"]), LinearLayer(2)], input=3), levels=0)
    named = NetChain({"a": LinearLayer(5), "b": "Ramp", "c": LinearLayer(3)}, input=2)
    assert list(net_rename(named, {"a": "lin"}).layers) == ["lin", "b", "c"]  # NetRename[chain, "a" -> "lin"]
    assert net_rename(named, {NetPort("Input"): NetPort("x")}).input_ports == ("x",)  # NetPort["Input"] -> NetPort["x"]
    with pytest.raises(WiringError, match="the same name 'b'"):
        net_rename(named, {"a": "b"})
    joined = net_join(named, NetChain({"a": "Tanh", "c": LinearLayer(1)}))  # NetJoin auto-renames repeated names
    assert list(joined.layers) == ["a", "b", "c", "a_2", "c_2"] and joined.output_shapes == {"Output": (1,)}


# Layers

def test_function_layer_ports_from_slots_apply_and_associations():
    assert FunctionLayer("#x + #y").input_ports == ("x", "y")  # FunctionLayer[#x + #y &]
    assert FunctionLayer("Apply[#1 + #2 &]").input_ports == ("Input1", "Input2")
    assert FunctionLayer('<|"Foo" -> Sin[#], "Bar" -> #|> &').output_ports == ("Foo", "Bar")
    torch.testing.assert_close(FunctionLayer("Sin[#]&")(torch.tensor([[0.0, 1.0]])), torch.sin(torch.tensor([[0.0, 1.0]])))


def test_net_array_layer_is_a_source_with_its_array():
    assert NetGraph([NetArrayLayer(output=(2, 3))], []).output_shapes == {"Output": (2, 3)}  # "Output" -> {2, 3}
    torch.testing.assert_close(NetArrayLayer(array=[[1.0, 2.0]])(), torch.tensor([[1.0, 2.0]]))  # layer[]
    with pytest.raises(ValueError, match="uninitialised arrays"):  # an uninitialized net cannot be evaluated
        NetGraph([NetArrayLayer(output=(2, 3))], [])()


def test_random_array_layer_shapes_and_slots():
    draws = RandomArrayLayer(UniformDistribution(), output=(3, 3))()  # RandomArrayLayer[UniformDistribution[], "Output" -> {3, 3}]
    assert draws.shape == (3, 3) and bool(((draws >= 0) & (draws <= 1)).all())
    # RandomArrayLayer[NormalDistribution[#Mean, #StandardDeviation] &]: named slots are its input ports
    net = NetGraph([RandomArrayLayer(NormalDistribution("#Mean", "#StandardDeviation"))], [], Mean=3, StandardDeviation=3)
    assert net.input_ports == ("Mean", "StandardDeviation") and net.output_shapes == {"Output": (3,)}


def test_threading_layer_ports_and_broadcasting():
    assert ThreadingLayer("#1 * #2 &").input_ports == ("Input1", "Input2")
    assert ThreadingLayer("Plus", inputs=["a", "b"]).input_ports == ("a", "b")  # "InputPorts" -> {"a", "b"}
    net = NetGraph([ThreadingLayer("Times", inputs=2)], [], Input1=(2, 3), Input2=(2, 1))  # Automatic: size-1 axes
    assert net.output_shapes == {"Output": (2, 3)}
    with pytest.raises(ShapeError, match="broadcast spec is 'None'"):  # ThreadingLayer[Times, None]
        NetGraph([ThreadingLayer("Times", None, inputs=2)], [], Input1=(2, 3), Input2=(2, 1))


def test_sequence_last_layer_over_a_varying_length():
    # SequenceLastLayer["Input" -> {"Varying", 3}]
    net = NetGraph([SequenceLastLayer()], [], Input=("Varying", 3))
    assert net.output_shapes == {"Output": (3,)}
    named = NetGraph([SequenceLastLayer()], [], Input=("n", 3))
    torch.testing.assert_close(named(torch.arange(12.0).reshape(1, 4, 3)), torch.tensor([[9.0, 10.0, 11.0]]))
    assert NetGraph([SequenceLastLayer()], [], Input=5).output_shapes == {"Output": ()}  # a sequence of 5 numbers
    assert NetGraph([SequenceLastLayer()], [], Input="Varying").output_shapes == {"Output": ()}  # "Input" -> "Varying"


# Operators with inner nets

def test_map_operator_over_fixed_and_varying_lengths():
    # NetMapOperator[LinearLayer[2], "Input" -> {5, 3}] and {"Varying", 3}
    assert NetGraph([NetMapOperator(LinearLayer(2))], [], Input=(5, 3)).output_shapes == {"Output": (5, 2)}
    varying = NetGraph([NetMapOperator(LinearLayer(2))], [], Input=("Varying", 3))
    assert varying.output_shapes == {"Output": ("Varying", 2)}
    chain = net_initialize(NetChain([NetMapOperator(LinearLayer(2)), SequenceLastLayer()], input=("n", 3)), seed=0)
    x = torch.randn(2, 6, 3)
    torch.testing.assert_close(chain(x), linear(net_extract(chain, (1, "net")).layers["layer"], x[:, -1]))


def test_fold_operator_gives_every_state_and_the_last():
    # NetFoldOperator[cell] with cell: {Input, State} -> Output, "Input" -> {"Varying", 2}
    cell = NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(4), "t": "Tanh"},
                    [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin", "t")])
    fold = net_initialize(NetGraph([NetFoldOperator(cell)], [], Input=("n", 2)), seed=0)
    assert fold.output_shapes == {"Output": ("n", 4), "State": (4,)}
    out = fold(torch.randn(3, 5, 2))
    torch.testing.assert_close(out["State"], out["Output"][:, -1])
    with pytest.raises(ValueError, match="needs an inner net with input ports 'State'"):
        NetFoldOperator(LinearLayer(3))


def test_nest_operator_applies_its_net_n_times():
    # NetNestOperator[LinearLayer[3], 3]
    nest = net_initialize(NetGraph([NetNestOperator(LinearLayer(3), 3)], [], Input=3), seed=0)
    (weights,), (biases,) = ([v for k, v in net_extract(nest, "All").items() if k[-1] == name]
                             for name in ("Weights", "Biases"))
    x = torch.randn(2, 3)
    y = x
    for _ in range(3):
        y = F.linear(y, weights, biases)
    torch.testing.assert_close(nest(x), y)
    with pytest.raises(ShapeError, match=r"inner net's 'Output' is fed back into 'Input', so they must agree: "
                                         r"expected shape \(4\), found \(3\)"):
        NetGraph([NetNestOperator(LinearLayer(3), 3)], [], Input=4)


def test_pair_embedding_operator_gives_a_distance_per_pair():
    # NetPairEmbeddingOperator[LinearLayer[3]] (Euclidean distance of the two embeddings)
    pair = net_initialize(NetGraph([NetPairEmbeddingOperator(LinearLayer(3))], [], Input1=4, Input2=4), seed=0)
    assert pair.input_ports == ("Input1", "Input2") and pair.output_shapes == {"Output": ()}
    (weights,), (biases,) = ([v for k, v in net_extract(pair, "All").items() if k[-1] == name]
                             for name in ("Weights", "Biases"))
    x, y = torch.randn(5, 4), torch.randn(5, 4)
    expected = (F.linear(x, weights, biases) - F.linear(y, weights, biases)).norm(dim=-1)
    torch.testing.assert_close(pair(Input1=x, Input2=y), expected)
    torch.testing.assert_close(pair(Input1=x, Input2=x), torch.zeros(5))


# NetTrain

def test_net_train_fits_a_line_from_pairs_and_from_port_names():
    # NetTrain[NetChain[{LinearLayer[1]}, "Input" -> 1], xs -> ys] and <|"Input" -> xs, "Target" -> ys|>
    x = torch.linspace(-1, 1, 64).unsqueeze(1)
    y = 2 * x + 1
    net = NetChain([LinearLayer(1)], input=1)
    for data in ((x, y), {"Input": x, "Target": y}):
        trained = net_train(net, data, max_training_rounds=300, learning_rate=0.05, random_seed=0, progress=False)
        torch.testing.assert_close(net_extract(trained, (1, "Weights")), torch.tensor([[2.0]]), atol=1e-3, rtol=0)
        torch.testing.assert_close(net_extract(trained, (1, "Biases")), torch.tensor([1.0]), atol=1e-3, rtol=0)
    layer = net_train(LinearLayer(1), (x, y), max_training_rounds=300, learning_rate=0.05, random_seed=0,
                      progress=False)  # NetTrain[LinearLayer[], xs -> ys]: a trained layer
    assert isinstance(layer, LinearLayer)
    torch.testing.assert_close(layer(torch.tensor([[3.0]])), torch.tensor([[7.0]]), atol=1e-2, rtol=0)
    losses = net_train(net, {"Input": x, "Target": y}, "RoundLossList", max_training_rounds=3, progress=False)
    assert len(losses) == 3  # NetTrain[net, data, "RoundLossList"]
