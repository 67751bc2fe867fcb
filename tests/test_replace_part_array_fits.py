"""An array of the wrong shape given to net_replace_part beside a key that puts a layer in (the array's own layer,
replaced by an earlier key, or another) is the OptionError its key alone gives (kind "array-shape", naming the layer,
the array, the shape expected and the one found), not the ShapeError of the net rebuilt with it."""

from __future__ import annotations

import pytest
import torch

from netgraph import (GatedRecurrentLayer, LinearLayer, NetBidirectionalOperator, NetChain, NetGraph, NetMapOperator,
                      NetPort, NetSharedArray, OptionError, ShapeError, net_initialize, net_replace_part)
from tests.profile_helpers import calls


def _chain():
    return net_initialize(NetChain({"a": LinearLayer(3), "b": LinearLayer(2)}, input=4), seed=0)


def _nested():
    return net_initialize(NetChain({"enc": NetChain({"lin": LinearLayer(3)}), "b": LinearLayer(2)}, input=4), seed=0)


def _sharing():
    """Layers a and b share the array "w"; c is a layer of its own."""
    w = NetSharedArray("w")
    layers = {"a": LinearLayer(3, weights=w), "b": LinearLayer(3, weights=w), "c": LinearLayer(2)}
    return net_initialize(NetGraph(layers, [("a", "b"), ("b", "c")], Input=3), seed=0)


def _refusal(net, changes):
    with pytest.raises(OptionError) as info:
        net_replace_part(net, changes)
    first = info.value.diagnostics[0]
    return info.value.kind, first.layer, first.option, first.expected, first.found


@pytest.mark.parametrize("key", ["a", 1])
def test_an_array_inside_a_layer_an_earlier_key_put_in_is_refused_as_its_key_alone(key):
    wrong = {("a", "Weights"): torch.zeros(3, 5)}
    alone = _refusal(_chain(), wrong)
    assert alone == ("array-shape", ("a",), "weights", (3, 4), (3, 5))
    assert _refusal(_chain(), {key: LinearLayer(3), **wrong}) == alone


def test_an_array_inside_a_nested_graph_an_earlier_key_put_in_is_refused_as_its_key_alone():
    wrong = {("enc", "lin", "Weights"): torch.zeros(3, 5)}
    alone = _refusal(_nested(), wrong)
    assert alone == ("array-shape", ("enc", "lin"), "weights", (3, 4), (3, 5))
    assert _refusal(_nested(), {"enc": NetChain({"lin": LinearLayer(3)}), **wrong}) == alone


def test_an_array_beside_another_layer_put_in_is_refused_as_its_key_alone():
    wrong = {("a", "Weights"): torch.zeros(3, 5)}
    assert _refusal(_chain(), {"b": LinearLayer(2), **wrong}) == ("array-shape", ("a",), "weights", (3, 4), (3, 5))
    resized = _refusal(_chain(), {"a": LinearLayer(6), ("b", "Weights"): torch.zeros(2, 5)})
    assert resized == ("array-shape", ("b",), "weights", (2, 6), (2, 5))  # against the new layer's output


def test_an_array_its_new_layers_options_rule_out_names_the_layer_inside():
    refusal = _refusal(_nested(), {"enc": NetChain({"lin": LinearLayer(3)}), ("enc", "lin", "Biases"): torch.zeros(5)})
    assert refusal == ("array-shape", ("enc", "lin"), "biases", (3,), (5,))
    assert _refusal(_chain(), {"a": LinearLayer(3), ("a", "Biases"): torch.zeros(4)})[:2] == ("array-shape", ("a",))


def test_a_change_that_does_not_fit_with_arrays_that_do_is_still_the_shape_conflict():
    with pytest.raises(ShapeError, match=r"^net_replace_part: .*'b'"):
        net_replace_part(_chain(), {"a": LinearLayer(6), ("a", "Weights"): torch.zeros(6, 4)})
    fits = net_replace_part(_chain(), {"a": LinearLayer(3), ("a", "Weights"): torch.ones(3, 4)})
    assert torch.equal(fits.layers["a"].arrays["Weights"], torch.ones(3, 4))


@pytest.mark.parametrize("key", [NetSharedArray("w"), ("a", "Weights")])
@pytest.mark.parametrize("layer", ["c", "a"])
def test_a_shared_array_beside_a_layer_put_in_is_refused_as_its_key_alone(key, layer):
    wrong = {key: torch.zeros(3, 5)}
    alone = _refusal(_sharing(), wrong)
    assert alone == ("array-shape", ("a",), "weights", (3, 3), (3, 5))
    assert _refusal(_sharing(), {layer: LinearLayer(3 if layer == "a" else 2), **wrong}) == alone


def _mapped():
    """A Map over 3 vectors of 8 whose inner net declares no input: its layer 'h' takes 8 from the Map's input."""
    return NetGraph({"map": NetMapOperator(NetGraph({"h": LinearLayer(5)}, []))}, [], Input=(3, 8))


@pytest.mark.parametrize("net, changes", [
    (_mapped, {("map", "net", "h", "Weights"): torch.zeros(5, 9)}),  # was accepted: (5, 9) against the inner net alone
    (_mapped, {("map", "net", "h", "Weights"): torch.zeros(8, 5)}),  # was expected (5, 5) (the layer's options)
    (_mapped, {("map", "net", "h"): LinearLayer(5), ("map", "net", "h", "Weights"): torch.zeros(8, 5)}),
    (lambda: NetGraph({"h": LinearLayer(5)}, [], Input=8), {"h": LinearLayer(5), ("h", "Weights"): torch.zeros(8, 5)}),
])
def test_an_array_is_checked_against_the_shape_the_net_needs(net, changes):
    with pytest.raises(OptionError) as info:
        net_replace_part(net(), changes)
    error, (path, given) = info.value, list(changes.items())[-1]
    assert (error.kind, error.layer, error.option, error.expected, error.found) == \
        ("array-shape", path[:-1], "weights", (5, 8), tuple(given.shape))
    assert str(error).startswith("net_replace_part: ") and str(error).count("net_replace_part") == 1
    assert f"array 'Weights': expected shape (5, 8), found {tuple(given.shape)}" in str(error)


def test_an_array_that_fits_the_map_is_taken():
    net = net_replace_part(_mapped(), {("map", "net", "h", "Weights"): torch.ones(5, 8),
                                       ("map", "net", "h", "Biases"): torch.zeros(5)})
    assert torch.equal(net(torch.ones(3, 8)), torch.full((3, 5), 8.0))


@pytest.mark.parametrize("replace", [lambda net, layer: net.replace_layers({1: layer}),
                                     lambda net, layer: net_replace_part(net, {1: layer})])
def test_a_layer_put_in_with_an_array_the_known_port_types_rule_out_is_refused_as_its_array_key_is(replace):
    """replace_layers took the layer when every graph port was known (its types kept, its arrays not looked at):
    the net failed only when compiled; it now refuses it with net_replace_part's own error for the array alone."""
    net = NetChain([LinearLayer(4)], input=3)
    layer = LinearLayer(4, weights=torch.ones(4, 5))
    alone = _refusal(net, {(1, "Weights"): torch.ones(4, 5)})
    assert alone == ("array-shape", ("1",), "weights", (4, 3), (4, 5))
    with pytest.raises(OptionError) as info:
        replace(net, layer)
    first = info.value.diagnostics[0]
    assert (info.value.kind, first.layer, first.option, first.expected, first.found) == alone
    assert "array 'Weights': expected shape (4, 3), found (4, 5)" in str(info.value)


def test_a_layer_put_in_with_arrays_that_fit_the_known_port_types_is_taken():
    net = NetChain([LinearLayer(4)], input=3)
    weights = torch.ones(4, 3)
    replaced = net.replace_layers({1: LinearLayer(4, weights=weights)})
    assert torch.equal(replaced.layers["1"].weights, weights) and replaced.input_shapes == {"Input": (3,)}


_DEEP_CASES = [  # (net, key, the layer's path named): a nested graph's layer, an operator's inner net's, deeper still
    (NetGraph({"enc": NetChain([LinearLayer(4)])}, [], Input=3), ("enc", 1), ("enc", "1")),
    (NetGraph({"map": NetMapOperator(NetChain({"l1": LinearLayer(4)}))}, [], Input=(2, 3)), ("map", "net", "l1"),
     ("map", "net", "l1")),
    (NetChain({"enc": NetChain({"map": NetMapOperator(NetChain({"g": NetChain([LinearLayer(4)])}))})}, input=(2, 3)),
     (1, 1, "net", 1, 1), ("enc", "map", "net", "g", "1")),
]


@pytest.mark.parametrize("net, key, path", _DEEP_CASES)
@pytest.mark.parametrize("replace", [lambda net, changes: net.replace_layers(changes), net_replace_part])
def test_a_layer_put_in_deeper_with_an_array_the_port_types_rule_out_is_refused_as_at_the_top(net, key, path,
                                                                                             replace):
    """replace_layers gave inference's ShapeError where a nested graph's layer or an operator's inner net's was put
    in with an array of the wrong shape (net_replace_part too, for a nested graph's): both now give the OptionError a
    layer of the net itself gets, naming the layer by its whole path, the array, the shape expected and found."""
    with pytest.raises(OptionError) as info:
        replace(net, {key: LinearLayer(4, weights=torch.ones(4, 5))})
    first = info.value.diagnostics[0]
    assert (info.value.kind, first.layer, first.option, first.expected, first.found) == \
        ("array-shape", path, "weights", (4, 3), (4, 5))
    assert "array 'Weights': expected shape (4, 3), found (4, 5)" in str(info.value)


def _wrong():
    return LinearLayer(4, weights=torch.ones(4, 5))


_WHOLE_CASES = [  # (net, key, the layer put in whole, the path of the layer holding the array): a graph, an
    # operator's inner net, an operator, a graph holding an operator
    (NetGraph({"enc": NetChain([LinearLayer(4)])}, [], Input=3), "enc", lambda: NetChain({"lin": _wrong()}),
     ("enc", "lin")),
    (NetGraph({"map": NetMapOperator(NetChain({"l1": LinearLayer(4)}))}, [], Input=(2, 3)), ("map", "net"),
     lambda: NetChain({"lin": _wrong()}), ("map", "net", "lin")),
    (NetGraph({"map": NetMapOperator(NetChain({"l1": LinearLayer(4)}))}, [], Input=(2, 3)), "map",
     lambda: NetMapOperator(NetChain({"lin": _wrong()})), ("map", "net", "lin")),
    (NetChain({"enc": NetChain([NetMapOperator(LinearLayer(4))])}, input=(2, 3)), "enc",
     lambda: NetChain({"m": NetMapOperator(NetChain({"lin": _wrong()}))}), ("enc", "m", "net", "lin")),
]


@pytest.mark.parametrize("net, key, layer, path", _WHOLE_CASES)
@pytest.mark.parametrize("replace", [lambda net, changes: net.replace_layers(changes), net_replace_part])
def test_an_array_inside_a_graph_or_operator_put_in_whole_is_refused_as_a_layers_own(net, key, layer, path,
                                                                                     replace):
    """An array inside a graph or operator put in whole stayed the ShapeError of the net rebuilt with it, while the
    same array in a layer put in alone is the OptionError naming the layer's whole path, the array and both shapes."""
    with pytest.raises(OptionError) as info:
        replace(net, {key: layer()})
    first = info.value.diagnostics[0]
    assert (info.value.kind, first.layer, first.option, first.expected, first.found) == \
        ("array-shape", path, "weights", (4, 3), (4, 5))
    assert "array 'Weights': expected shape (4, 3), found (4, 5)" in str(info.value)
    assert "does not fit the net around it" not in str(info.value)  # the array's error alone, not a conflict's


def test_a_graph_put_in_whole_whose_arrays_fit_is_taken_and_a_misfit_elsewhere_stands():
    net = NetChain({"enc": NetChain([LinearLayer(4)]), "b": LinearLayer(2, weights=torch.ones(2, 4))}, input=3)
    fits = net.replace_layers({"enc": NetChain({"lin": LinearLayer(4, weights=torch.ones(4, 3))})})
    assert torch.equal(fits.layer_at(("enc", "lin")).weights, torch.ones(4, 3))
    with pytest.raises(ShapeError, match="'b'"):  # enc's array fits: b's weights refuse its new output
        net_replace_part(net, {"enc": NetChain({"lin": LinearLayer(6, weights=torch.ones(6, 3))})})


@pytest.mark.parametrize("replace", [lambda net, changes: net.replace_layers(changes), net_replace_part])
def test_a_deeper_array_is_checked_against_the_net_with_every_change_made(replace):
    """The layer beside it resized too: the array is refused for the shape the net with both changes needs."""
    net = NetChain({"enc": NetChain({"a": LinearLayer(3), "b": LinearLayer(2)})}, input=4)
    with pytest.raises(OptionError) as info:
        replace(net, {("enc", "a"): LinearLayer(6), ("enc", "b"): LinearLayer(2, weights=torch.ones(2, 5))})
    first = info.value.diagnostics[0]
    assert (info.value.kind, first.layer, first.expected, first.found) == ("array-shape", ("enc", "b"), (2, 6), (2, 5))


def test_a_deeper_change_that_does_not_fit_with_arrays_that_do_is_still_the_shape_conflict():
    net = NetChain({"enc": NetChain({"a": LinearLayer(3), "b": LinearLayer(2, weights=torch.ones(2, 3))})}, input=4)
    with pytest.raises(ShapeError, match="'b'"):
        net.replace_layers({("enc", "a"): LinearLayer(6, weights=torch.ones(6, 4))})


def _mapped_beside():
    """An operator's inner net a -> b beside q -> r, r's weights fixed at (2, 3)."""
    inner = NetChain({"a": LinearLayer(3), "b": LinearLayer(2)})
    layers = {"map": NetMapOperator(inner), "q": LinearLayer(3), "r": LinearLayer(2, weights=torch.ones(2, 3))}
    edges = [(NetPort("Input"), "map"), ("map", NetPort("Output")), (NetPort("X"), "q"), ("q", "r"),
             ("r", NetPort("Y"))]
    return NetGraph(layers, edges, Input=(2, 4), X=5)


_INNER_FITS = {("map", "net", "a"): LinearLayer(6), ("map", "net", "b"): LinearLayer(2, weights=torch.ones(2, 6))}


@pytest.mark.parametrize("replace", [lambda net, changes: net.replace_layers(changes), net_replace_part])
def test_an_inner_nets_arrays_that_fit_its_changes_leave_the_conflict_elsewhere_standing(replace):
    """replace_layers blamed b's array (checked against the old inner net, where it needs (2, 3)): the array fits the
    inner net with a changed too, and the conflict is q's with r's fixed weights."""
    assert replace(_mapped_beside(), _INNER_FITS).layer_at(("map", "net", "b")).weights.shape == (2, 6)
    with pytest.raises(ShapeError, match="'r'"):
        replace(_mapped_beside(), {**_INNER_FITS, ("q",): LinearLayer(4)})


@pytest.mark.parametrize("replace", [lambda net, changes: net.replace_layers(changes), net_replace_part])
def test_an_inner_nets_array_is_checked_against_that_net_with_all_its_changes_made(replace):
    with pytest.raises(OptionError) as info:
        replace(_mapped_beside(), {**_INNER_FITS, ("map", "net", "b"): LinearLayer(2, weights=torch.ones(2, 5))})
    first = info.value.diagnostics[0]
    assert (info.value.kind, first.layer, first.expected, first.found) == \
        ("array-shape", ("map", "net", "b"), (2, 6), (2, 5))


def test_a_conflict_deep_in_nested_graphs_rebuilds_each_level_a_bounded_number_of_times(monkeypatch):
    """Each nesting level caught the ShapeError and rebuilt its subnet again to look for a refused array: the
    rebuilds grew with the square of the depth (200 levels: 0.4 s -> 33 s). The array is looked for once, on top."""
    depth = 30
    net = NetChain({"a": LinearLayer(3), "b": LinearLayer(2, weights=torch.ones(2, 3))}, input=4)
    for _ in range(depth):
        net = NetChain({"n": net})
    built = []
    replaced = NetGraph._replaced
    monkeypatch.setattr(NetGraph, "_replaced", lambda self, changes: built.append(1) or replaced(self, changes))
    with pytest.raises(ShapeError, match="'b'"):
        net.replace_layers({("n",) * depth + ("a",): LinearLayer(6, weights=torch.ones(6, 4))})
    assert len(built) <= 2 * (depth + 1)  # the edit, then the net without the arrays: each level once


def test_net_replace_part_refusing_an_array_rebuilds_the_net_once_without_the_arrays(monkeypatch):
    """The error path rebuilt the net three times (once without the arrays given, once without the layers' own)."""
    net = NetChain({"enc": NetChain({"a": LinearLayer(3), "b": LinearLayer(2)})}, input=4)
    built = []
    replaced = NetGraph._replaced
    monkeypatch.setattr(NetGraph, "_replaced", lambda self, changes: built.append(1) or replaced(self, changes))
    with pytest.raises(OptionError, match=r"expected shape \(2, 6\), found \(2, 5\)"):
        net_replace_part(net, {("enc", "a"): LinearLayer(6), ("enc", "b"): LinearLayer(2, weights=torch.ones(2, 5))})
    assert len(built) == 4  # the edit and the net without the arrays: the outer net and enc each


def _deep_conflict(depth):
    net = NetChain({"a": LinearLayer(3), "b": LinearLayer(2, weights=torch.ones(2, 3))}, input=4)
    for _ in range(depth):
        net = NetChain({"n": net})
    return lambda: pytest.raises(ShapeError, net.replace_layers,
                                 {("n",) * depth + ("a",): LinearLayer(6, weights=torch.ones(6, 4))})


def test_the_error_of_a_deep_replace_layers_costs_calls_linear_in_the_depth():
    """Each level named the error's whole path again (every layer along it described: the depth's square, twice with
    the net rebuilt without the arrays; 200 levels 0.37 -> 1.2 s): each level now adds its own layer's words."""
    (shallow, deep), message = [calls(_deep_conflict(depth)) for depth in (40, 80)], _deep_conflict(80)().value
    assert deep < 2.3 * shallow  # linear: twice the calls (the square: four times)
    level = "layer 1 'n' (NetChain)"  # the path named whole, its middle elided
    assert str(message).startswith(f"in {level} > {level} > {level} > ... 74 levels ... > {level} > {level} > {level}: "
                                   f"shape conflict: layer 2 'b' (LinearLayer): port 'Input': expected size 3")


def _trained_gru(size):
    """A GRU(4) initialised for inputs of ``size``: every one of its *InputWeights has ``size`` columns."""
    return net_initialize(NetChain({"g": GatedRecurrentLayer(4)}, input=("n", size)), seed=0).layer_at(("g",))


_MAPPED_GRU = NetChain({"m": NetMapOperator(NetChain({"g": GatedRecurrentLayer(4)}))}, input=(2, "n", 3))
_BIDI_GRU = NetChain({"b": NetBidirectionalOperator([NetChain({"g": GatedRecurrentLayer(4)})] * 2)}, input=("n", 3))
_MANY_ARRAYS_CASES = [  # (net, key, the layer put in, the path of the first layer holding a wrong array)
    (_MAPPED_GRU, "m", lambda: NetMapOperator(NetChain({"g": _trained_gru(5)})), ("m", "net", "g")),
    (_MAPPED_GRU, ("m", "net"), lambda: NetChain({"g": _trained_gru(5)}), ("m", "net", "g")),
    (_MAPPED_GRU, ("m", "net", "g"), lambda: _trained_gru(5), ("m", "net", "g")),
    (_BIDI_GRU, "b", lambda: NetBidirectionalOperator([NetChain({"g": _trained_gru(3)}),
                                                       NetChain({"g": _trained_gru(5)})]), ("b", "backward_net", "g")),
]


@pytest.mark.parametrize("net, key, layer, path", _MANY_ARRAYS_CASES)
@pytest.mark.parametrize("replace", [lambda net, changes: net.replace_layers(changes), net_replace_part])
def test_a_layer_in_an_operator_with_several_wrong_arrays_is_refused_for_its_arrays(net, key, layer, path, replace):
    """Each array was checked with only itself cleared: the layer's other wrong arrays (a trained GRU's three
    *InputWeights) kept the inner net from being built, and the ShapeError stood."""
    with pytest.raises(OptionError) as info:
        replace(net, {key: layer()})
    first = info.value.diagnostics[0]
    assert (info.value.kind, first.layer, first.expected, first.found) == ("array-shape", path, (4, 3), (4, 5))
    assert "expected shape (4, 3), found (4, 5)" in str(info.value)


def _rebuilds_refusing_a_chain_put_in_whole(monkeypatch, n):
    inner = net_initialize(NetChain([LinearLayer(4) for _ in range(n)] + [LinearLayer(6)], input=4), seed=0)
    net = NetChain({"enc": NetChain([LinearLayer(4)]), "b": LinearLayer(2, weights=torch.ones(2, 4))}, input=4)
    built = []
    replaced = NetGraph._replaced
    monkeypatch.setattr(NetGraph, "_replaced", lambda self, changes: built.append(1) or replaced(self, changes))
    with pytest.raises(ShapeError, match="'b'"):  # the chain's arrays fit: its output, 6, does not fit b
        net.replace_layers({"enc": NetChain(dict(inner.layers))})
    monkeypatch.undo()
    return len(built)


def test_a_graph_put_in_whole_is_rebuilt_without_its_arrays_once_however_many_it_holds(monkeypatch):
    """The net without the arrays was built once per array of the graph put in (800 layers: 0.03 -> 3.7 s)."""
    assert _rebuilds_refusing_a_chain_put_in_whole(monkeypatch, 20) == _rebuilds_refusing_a_chain_put_in_whole(
        monkeypatch, 5)


def _inner_conflict():
    """b's weights need 3 inputs: a layer a of 6 put in before it does not fit."""
    return NetChain({"a": LinearLayer(3), "b": LinearLayer(2, weights=torch.ones(2, 3))})


@pytest.mark.parametrize("net, key, path", [
    (NetChain({"m": NetMapOperator(NetChain({"x": _inner_conflict()}))}, input=(5, 4)), ("m", "net", "x", "a"),
     ("m", "net", "x", "b")),
    (NetChain({"q": NetChain({"m": NetMapOperator(_inner_conflict())})}, input=(5, 4)), ("q", "m", "net", "a"),
     ("q", "m", "net", "b")),
])
@pytest.mark.parametrize("replace", [lambda net, changes: net.replace_layers(changes), net_replace_part])
def test_a_conflict_in_an_operators_inner_net_names_the_inner_nets_field_in_its_path(net, key, path, replace):
    """replace_layers dropped the field 'net': the layer was ('q', 'm', 'b'), or naming ('m', 'x') raised a
    WiringError "no layer at 'm/x'" that hid the ShapeError."""
    with pytest.raises(ShapeError, match=r"'b' \(LinearLayer\): port 'Input': expected size 3") as info:
        replace(net, {key: LinearLayer(6)})
    assert info.value.diagnostics[0].layer == path
