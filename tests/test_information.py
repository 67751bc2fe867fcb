"""net.information(): Wolfram's Information[net, prop] properties and the compact summary it prints."""

from __future__ import annotations

import re

import networkx as nx
import pytest
import torch

from netgraph import (BernoulliDistribution, CatenateLayer, ElementwiseLayer, GatedRecurrentLayer, LinearLayer,
                      LongShortTermMemoryLayer, NetChain, NetFoldOperator, NetGraph, NetMapOperator, NetPort,
                      NormalDistribution, OptionError, RandomArrayLayer, SequenceLastLayer, net_extract, net_initialize)


@pytest.fixture
def nested():
    enc = NetChain({"l1": LinearLayer(3), "act": "Tanh"})
    return NetGraph({"enc": enc, "head": LinearLayer(2), "side": "Sin"}, [("enc", "head"), ("enc", "side")], Input=4)


def test_every_property_is_available_initialized_or_not(nested):
    for net in (nested, net_initialize(nested, seed=0)):
        info = net.information()
        assert len(info["Properties"]) >= 25 and set(info) == set(info["Properties"])
        for prop in info["Properties"]:
            assert net.information(prop) is not None or prop == "Summary"


def test_array_properties_agree_with_the_tensors(nested):
    net = net_initialize(nested, seed=0)
    info = net.information()
    tensors = {(*path, name): value for path, layer in net.leaves() for name, value in layer.arrays.items()}
    assert info["ArraysPositionList"] == list(tensors) and info["ArraysCount"] == 4
    assert all(torch.equal(a, b) for a, b in zip(info["ArraysList"], tensors.values()))
    assert info["ArraysDimensions"] == {k: tuple(v.shape) for k, v in tensors.items()}
    assert info["ArraysElementCounts"] == {k: v.numel() for k, v in tensors.items()}
    assert info["ArraysByteCounts"] == {k: 4 * v.numel() for k, v in tensors.items()}
    assert info["ArraysTotalElementCount"] == 3 * 4 + 3 + 2 * 3 + 2
    assert info["ArraysTotalByteCount"] == 4 * 23 and info["ArraysTotalSize"] == "92 B"
    assert info["UninitializedArrays"] == []


def test_layers_are_keyed_by_the_path_arrays_and_surgery_take(nested):
    """Layers had string keys ("enc/l1") while Arrays had tuples: both are positions, as Wolfram's {"enc", "l1"}."""
    info = nested.information()
    assert list(info["Layers"]) == info["TopologicalOrder"]
    assert {k[:-1] for k in info["Arrays"]} <= set(info["Layers"])
    for path, layer in info["Layers"].items():  # the layer there (as net_extract names it), as it was given
        assert layer == nested.layer_at(path) and type(net_extract(nested, path)) is type(layer)


def test_the_old_layer_names_still_find_the_layers(nested):
    layers = nested.information("Layers")
    assert layers["enc/l1"] == layers[("enc", "l1")] and layers["head"] == layers[("head",)]
    assert "enc/l1" in layers and layers.get("side") == layers[("side",)] and layers.get("nope") is None
    with pytest.raises(KeyError):
        layers["enc/nope"]


def test_uninitialized_arrays_have_inferred_dimensions(nested):
    info = nested.information()
    assert info["ArraysDimensions"][("enc", "l1", "Weights")] == (3, 4)
    assert info["ArraysTotalElementCount"] == 23 and info["ArraysTotalByteCount"] == 0
    assert len(info["UninitializedArrays"]) == 4
    assert NetChain([LinearLayer(3)]).information("ArraysDimensions") == {("1", "Weights"): None, ("1", "Biases"): None}


def test_layer_properties_and_the_topology(nested):
    info = nested.information()
    assert info["LayersCount"] == 4 and list(info["Layers"]) == [("enc", "l1"), ("enc", "act"), ("head",), ("side",)]
    assert info["LayerTypeCounts"] == {"LinearLayer": 2, "ElementwiseLayer": 2}
    assert info["LayersList"] == list(info["Layers"].values())
    assert info["TopologicalOrder"] == [("enc", "l1"), ("enc", "act"), ("head",), ("side",)]
    graph = info["LayersGraph"]
    assert set(graph.edges) == {(("enc", "l1"), ("enc", "act")), (("enc", "act"), ("head",)),
                                (("enc", "act"), ("side",))}
    assert list(nx.topological_sort(graph))[0] == ("enc", "l1")
    assert info["GraphIR"] is nested.ir
    assert info["InputPorts"] == {"Input": (4,)} and info["OutputPortNames"] == ["Output1", "Output2"]
    assert info["PortTypes"]["Output1"].shape == (2,)
    assert info["SummaryGraphic"].lstrip().startswith(("<svg", "<?xml"))


def test_topology_hash_ignores_arrays_but_not_options(nested):
    digest = nested.information("TopologyHash")
    assert net_initialize(nested, seed=0).information("TopologyHash") == digest
    assert net_initialize(nested, seed=1).information("TopologyHash") == digest
    changed = NetGraph({"enc": NetChain({"l1": LinearLayer(3), "act": "Ramp"}), "head": LinearLayer(2), "side": "Sin"},
                       [("enc", "head"), ("enc", "side")], Input=4)
    assert changed.information("TopologyHash") != digest


def test_topology_hash_of_a_net_holding_an_operator_ignores_initialisation():
    """The inner net's port types, settled by its initialised GRU weights, changed the hash."""
    net = NetGraph({"m": NetMapOperator(NetChain({"g": GatedRecurrentLayer(2)}))}, [], Input=("k", "n", 3))
    digest = net.information("TopologyHash")
    assert net_initialize(net, seed=0).information("TopologyHash") == digest
    assert net_initialize(net, seed=1).information("TopologyHash") == digest
    other = NetGraph({"m": NetMapOperator(NetChain({"g": GatedRecurrentLayer(4)}))}, [], Input=("k", "n", 3))
    assert other.information("TopologyHash") != digest
    assert NetGraph({"m": NetMapOperator(NetChain({"h": GatedRecurrentLayer(2)}))}, [],
                    Input=("k", "n", 3)).information("TopologyHash") != digest


def test_recurrent_states():
    net = NetChain({"lstm": LongShortTermMemoryLayer(3), "gru": GatedRecurrentLayer(2)}, input=(5, 4))
    info = net.information()
    assert info["RecurrentStatesCount"] == 3
    assert info["RecurrentStatesPositionList"] == [("lstm", "State"), ("lstm", "CellState"), ("gru", "State")]


def test_the_default_print_is_a_compact_summary():
    net = net_initialize(NetChain([LinearLayer(50), "Tanh"] * 30, input=50), seed=0)
    text = repr(net.information())
    lines = text.split("\n")
    assert lines[0].startswith("NetChain: inputs Input (50) -> outputs Output (50); 60 layers, 76,500 parameters")
    assert lines[1] == "arrays: 60 (76,500 elements, 306 kB), all initialized"
    shown = [line for line in lines if line[:1].isdigit()]
    assert len(lines) < 30 and f"... {60 - len(shown)} more layers ..." in text and shown[-1].startswith("60 ")
    assert "tensor" not in text and "e-0" not in text  # no weight values


def test_unknown_property_is_an_error_with_a_suggestion(nested):
    with pytest.raises(OptionError, match=r"unknown property 'LayerCount' \(did you mean 'LayersCount'"):
        nested.information("LayerCount")
    with pytest.raises(OptionError, match="unknown property 3"):
        nested.information(3)


def test_an_uninitialised_shared_array_counts_once_and_unknown_sizes_are_unknown():
    from netgraph import NetSharedArray, net_initialize
    w = NetSharedArray("w")
    net = NetGraph({"a": LinearLayer(4, weights=w), "b": LinearLayer(4, weights=w)}, [("a", "b")], Input=4)
    lines = str(net.information()).splitlines()  # read "40 parameters" and "4 uninitialized" of 3 arrays before
    assert lines[0].endswith("2 layers, 24 parameters") and lines[1] == "arrays: 3 (24 elements), 3 uninitialized"
    assert net.information("UninitializedArrays") == [("a", "Weights"), ("a", "Biases"), ("b", "Biases")]
    assert str(net_initialize(net, seed=0).information()).splitlines()[0].endswith("24 parameters")
    open_input = NetGraph([LinearLayer(3)], [])
    assert open_input.information("ArraysTotalElementCount") is None  # it read 0 beside "unknown number of parameters"
    assert str(open_input.information()).splitlines()[1] == "arrays: 2 (unknown number of elements), 2 uninitialized"


def test_an_operators_inner_arrays_are_keyed_as_surgery_takes_them():
    from netgraph import NetMapOperator, NetSharedArray, net_extract, net_replace_part
    w = NetSharedArray("w")
    inner = NetMapOperator(NetChain({"l": LinearLayer(3, weights=w)}))  # a map inside a map, sharing with "a"
    net = NetGraph({"a": LinearLayer(3, weights=w), "m": NetMapOperator(NetChain({"mm": inner})),
                    "enc": NetChain({"l": LinearLayer(3)})}, [(NetPort("X"), "a"), (NetPort("S"), "m"), ("a", "enc")],
                   X=3, S=(2, 5, 3))
    deep = ("m", "net", "mm", "net", "l")
    assert net.information("UninitializedArrays") == [("a", "Weights"), ("a", "Biases"), (*deep, "Biases"),
                                                      ("enc", "l", "Weights"), ("enc", "l", "Biases")]
    net = net_initialize(net, seed=0)
    info = net.information()
    keys = info["ArraysPositionList"]  # "w" once, at its first user "a", as net.arrays lists it
    assert keys == [("a", "Weights"), ("a", "Biases"), (*deep, "Biases"),
                    ("enc", "l", "Weights"), ("enc", "l", "Biases")]  # was ('m', 'net.mm.net.l.Weights')
    for prop in ("Arrays", "ArraysDimensions", "ArraysElementCounts", "ArraysByteCounts"):
        assert list(info[prop]) == keys, prop
    assert list(net_extract(net, "All")) == keys  # "w" once too (it was listed at every user's position)
    assert info["ArraysCount"] == 5 and info["ArraysTotalElementCount"] == 9 + 3 + 3 + 9 + 3  # "w" counted once
    for key in keys:
        assert torch.equal(net_extract(net, key), info["Arrays"][key])
    edited = net_replace_part(net, {(*deep, "Biases"): torch.ones(3)})
    assert torch.equal(edited.information("Arrays")[(*deep, "Biases")], torch.ones(3))


def test_information_is_a_mapping_for_in_and_get():
    """``"Foo" in info`` and ``info.get("Foo")`` raised the OptionError meant for info["Foo"]."""
    from netgraph import NetChain, LinearLayer, OptionError
    info = NetChain([LinearLayer(2)], input=3).information()
    assert "LayersCount" in info and "Properties" in info
    assert "Foo" not in info and ["unhashable"] not in info
    assert info.get("Foo") is None and info.get("Foo", 5) == 5 and info.get("LayersCount") == 1
    with pytest.raises(OptionError, match="unknown property 'Foo'"):
        info["Foo"]


def test_arrays_total_size_never_prints_an_exponent():
    """999,500 to 999,999 bytes printed as '1e+03 kB' (three significant digits of 999.5), not '1 MB'."""
    from netgraph import NetArrayLayer
    from netgraph.core.wording import byte_size
    net = NetGraph({"a": NetArrayLayer(array=torch.zeros(249_900))}, [])
    assert net.information("ArraysTotalByteCount") == 999_600
    assert net.information("ArraysTotalSize") == "1 MB"
    assert "arrays: 1 (249,900 elements, 1 MB)" in str(net.information())
    counts = (0, 999, 1000, 1_500, 999_499, 999_999, 999_999_999, 999_999_999_999, 5 * 10 ** 15)
    sizes = {n: byte_size(n) for n in counts}
    assert sizes == {0: "0 B", 999: "999 B", 1000: "1 kB", 1_500: "1.5 kB", 999_499: "999 kB", 999_999: "1 MB",
                     999_999_999: "1 GB", 999_999_999_999: "1 TB", 5 * 10 ** 15: "5,000 TB"}



def test_arrays_learning_rate_multipliers_as_training_resolves_them():
    """Wolfram's "ArraysLearningRateMultipliers" was an unknown property."""
    from netgraph import NetSharedArray, net_set_learning_rate_multipliers
    net = NetChain({"enc": NetChain({"l1": LinearLayer(8), "act": "Ramp"}), "head": LinearLayer(2)}, input=4)
    slow = net_set_learning_rate_multipliers(net, {("enc", "l1"): 0.1, ("head", "Weights"): 0})
    assert slow.information("ArraysLearningRateMultipliers") == {
        ("enc", "l1", "Weights"): 0.1, ("enc", "l1", "Biases"): 0.1, ("head", "Weights"): 0.0, ("head", "Biases"): 1.0}
    assert set(net.information("ArraysLearningRateMultipliers").values()) == {1.0}
    w = NetSharedArray("w")
    shared = NetGraph({"a": LinearLayer(3, weights=w), "b": LinearLayer(3, weights=w)}, [("a", "b")], Input=3)
    rates = net_set_learning_rate_multipliers(shared, {("b", "Weights"): 0.5}).information(
        "ArraysLearningRateMultipliers")
    assert rates == {("a", "Weights"): 0.5, ("a", "Biases"): 1.0, ("b", "Biases"): 1.0}  # "w" once, at "a"
    inner = net_set_learning_rate_multipliers(NetChain({"m": NetMapOperator(NetChain({"l": LinearLayer(3)}))},
                                                       input=(2, 3)), {("m", "net", "l"): 0.2})
    assert inner.information("ArraysLearningRateMultipliers") == {("m", "net", "l", "Weights"): 0.2,
                                                                  ("m", "net", "l", "Biases"): 0.2}


def test_information_mappings_compare_by_value_arrays_included(nested):
    """Equal nets give equal information (arrays by value, not torch's ambiguous truth of a tensor)."""
    a, b = net_initialize(nested, seed=0), net_initialize(nested, seed=0)
    assert a.information() == b.information() and nested.information() == nested.information()
    assert a.information() != net_initialize(nested, seed=1).information() != nested.information()
    assert a.information() == dict(b.information()) and dict(a.information()) == a.information()
    other = dict(b.information(), ArraysList=[v + 1 for v in b.information("ArraysList")])
    assert a.information() != other


def test_a_folds_inner_net_shows_the_state_it_feeds_back():
    """LayersList showed the cell's State as (None,): the fold feeds Output (5,) back into it, so it is (5,). The
    layers listed are the cell's own now (Wolfram's go inside operators): its concatenation takes that state."""
    cell = NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(5), "act": ElementwiseLayer("Tanh")},
                    [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin", "act")], Input=3)
    net = NetGraph({"fold": NetFoldOperator(cell, state_input=True)}, [], Input=("n", 3))
    state = net.port_types["State"].shape
    text = repr(net_extract(net, "fold"))
    assert f"'State': {state}" in text and "None" not in text and "state_input=True" in text
    listed = net.information("Layers")[("fold", "net", "cat")]
    assert NetGraph(listed).input_shapes == {"Input1": (3,), "Input2": state}
    assert net.layers["fold"].net is cell and repr(cell).count("(None,)") == 1  # the option itself is unchanged


def test_an_array_that_takes_a_variable_length_has_no_size_yet():
    # a learned NetArrayLayer added to a sequence takes the shape ("n", 3): information() and loading the same net
    # from YAML raised TypeError (math.prod of ("n", 3) is the text 'nnn'); net_initialize is what refuses it
    from netgraph import NetArrayLayer, ShapeError
    net = NetGraph({"a": NetArrayLayer(), "p": "Plus"}, [("a", NetPort("p", 1))], Input2=("n", 3))
    assert net.information("ArraysElementCounts") == {("a", "Array"): None}
    assert net.information("ArraysTotalElementCount") is None
    assert "unknown number of parameters" in str(net.information())
    spec = "netgraph: 1\nlayers:\n  b: NetArrayLayer\n  p: Plus\ninputs: {Input: [n, 3]}\nedges: [b -> p, Input -> p]\n"
    assert NetGraph.from_yaml(spec).port_types["Output"].shape == ("n", 3)
    with pytest.raises(ShapeError, match=r"would take their size from a variable-length dimension"):
        net_initialize(net)


def test_estimators_name_random_layers_inside_operators_too():
    """A random layer inside a NetMapOperator was left out of Estimators, though the diagram marks it and
    ArraysDimensions reaches into operators the same way."""
    net = NetGraph({"g": NetGraph({"z": RandomArrayLayer(NormalDistribution(0, 1), output=2)}, []),
                    "m": NetMapOperator(RandomArrayLayer(BernoulliDistribution("#p")))}, [], p=("n", 2))
    assert net.information("Estimators") == {("g", "z"): "NormalDistribution(0.0, 1.0), pathwise (default)",
                                             ("m", "net", "layer"): "BernoulliDistribution('#p'), score_function (default)"}


def test_a_relaxed_estimator_names_its_temperature():
    """The temperature, which sets the bias of relaxed draws, was left out: 'relaxed' alone."""
    net = NetGraph({"a": RandomArrayLayer(BernoulliDistribution("#p"), estimator="relaxed", temperature=0.3),
                    "b": RandomArrayLayer(BernoulliDistribution("#p"), estimator="relaxed")}, [], p=2)
    assert net.information("Estimators") == {("a",): "BernoulliDistribution('#p'), relaxed, temperature 0.3",
                                             ("b",): "BernoulliDistribution('#p'), relaxed, temperature 0.5 (default)"}


def test_estimators_are_keyed_by_path_as_layers_are_and_the_old_names_still_find_them():
    """Estimators was keyed by joined names ("g/z") while Layers and Arrays use tuple paths."""
    net = NetGraph({"g": NetGraph({"z": RandomArrayLayer(NormalDistribution(0, 1), output=2)}, []), "s": "Sin"},
                   [("g", "s")])
    estimators, layers = net.information("Estimators"), net.information("Layers")
    assert set(estimators) <= set(layers) and list(estimators) == [("g", "z")]
    assert estimators["g/z"] == estimators[("g", "z")] and "g/z" in estimators and estimators.get("s") is None


def test_the_layers_graph_has_the_layer_paths_as_nodes(nested):
    graph = nested.information("LayersGraph")
    assert set(graph) == set(nested.information("Layers"))
    assert graph.nodes[("enc", "l1")]["layer"] == nested.layer_at(("enc", "l1"))
    assert "enc/l1" in graph and graph.nodes["enc/l1"] is graph.nodes[("enc", "l1")]
    assert set(graph.successors("enc/act")) == {("head",), ("side",)}


def test_recurrent_states_inside_operators_count_as_wolfram_counts_them():
    inner = NetChain({"lstm": LongShortTermMemoryLayer(3), "gru": GatedRecurrentLayer(2)})
    net = NetChain({"m": NetMapOperator(inner), "last": "Tanh"}, input=("k", "n", 4))
    info = net.information()
    assert info["RecurrentStatesPositionList"] == [("m", "net", "lstm", "State"), ("m", "net", "lstm", "CellState"),
                                                   ("m", "net", "gru", "State")]
    assert info["RecurrentStatesCount"] == 3


def test_a_list_of_properties_gives_their_values_in_order_and_other_keys_are_option_errors():
    """Wolfram's Information[net, {p1, p2}]: a list of values. A list was a raw TypeError (unhashable)."""
    net = NetChain([LinearLayer(3), "Tanh", LinearLayer(2)], input=4)
    assert net.information(["LayersCount", "ArraysCount"]) == [3, 4]
    assert LinearLayer(3, input=4).information(["ArraysCount", "ArraysTotalElementCount"]) == [2, 15]
    assert net.information(("LayersCount", "ArraysCount")) == [3, 4]  # a tuple as a list (was "unknown property")
    assert LinearLayer(3, input=4).information(("ArraysCount", "ArraysTotalElementCount")) == [2, 15]
    for owner in (net, LinearLayer(3, input=4)):
        for bad in ({"ArraysCount"}, {"a": 1}, ["ArraysCount", ["ArraysCount"]]):
            with pytest.raises(OptionError, match="unknown property"):
                owner.information(bad)


def test_arrays_sizes_give_each_arrays_size_as_arrays_total_size_gives_their_sum():
    """Wolfram's Information[net, "ArraysSizes"] (one of its Properties): each array's size; it was 'unknown property
    (did you mean ArraysTotalSize?)'. An uninitialised array has no size yet, as it has no byte count."""
    net = net_initialize(NetChain({"a": LinearLayer(300), "b": LinearLayer(2)}, input=4), seed=0)
    assert net.information("ArraysSizes") == {("a", "Weights"): "4.8 kB", ("a", "Biases"): "1.2 kB",
                                              ("b", "Weights"): "2.4 kB", ("b", "Biases"): "8 B"}
    assert NetChain([LinearLayer(2)], input=3).information("ArraysSizes") == {}
    assert LinearLayer(2, input=3, weights=torch.zeros(2, 3)).information("ArraysSizes") == {"Weights": "24 B"}
    assert "ArraysSizes" in net.information("Properties") and "ArraysSizes" in LinearLayer(2).information("Properties")


def test_layer_counts_go_inside_operators_as_wolframs():
    """Wolfram's LayersCount and LayerTypeCounts walk into an operator's nets and count their layers, not the
    operator (NetInformation's walkNet: walkOperator scans the subnets); ours counted the operator as one layer."""
    inner = NetChain([LinearLayer(3), "Tanh", LinearLayer(2)])
    net = NetChain({"map": NetMapOperator(inner), "last": SequenceLastLayer(), "out": LinearLayer(2)}, input=("n", 4))
    assert net.information("LayersCount") == 5
    assert net.information("LayerTypeCounts") == {"LinearLayer": 3, "ElementwiseLayer": 1, "SequenceLastLayer": 1}
    twice = NetChain([NetMapOperator(NetChain([NetMapOperator(inner)]))], input=("n", "m", 4))  # nested operators
    assert twice.information(["LayersCount", "LayerTypeCounts"]) == [3, {"LinearLayer": 2, "ElementwiseLayer": 1}]
    flat = NetChain([LinearLayer(3), "Tanh"], input=4)  # no operator: the layers as before
    assert flat.information("LayersCount") == len(flat.information("Layers")) == 2


@pytest.mark.parametrize("wolfram, ours", [("MXNetNodeGraph", "'GraphIR'"), ("MXNetNodeGraphPlot", "'SummaryGraphic'"),
                                           ("FullSummaryGraphic", "'SummaryGraphic'"), ("InputForm", "net.to_yaml()")])
def test_wolframs_property_names_spelt_otherwise_here_say_where_to_look(wolfram, ours):
    """Information[net, "MXNetNodeGraph"] (one of Wolfram's Properties; the README calls GraphIR its equivalent) was
    'unknown property' with no pointer: each now names ours."""
    net = NetChain([LinearLayer(3)], input=2)
    with pytest.raises(OptionError, match=re.escape(f"unknown property {wolfram!r} (Wolfram's {wolfram} is {ours} here")):
        net.information(wolfram)
    assert ours.startswith("net.") or ours.strip("'") in net.information("Properties")
