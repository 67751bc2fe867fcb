"""Surgery on nets holding operators keeps their learning-rate multipliers and shared arrays: after each edit, the
stored rules give every surviving parameter the rate training gave it before (read from what net_train applies:
the compiled module's parameters through ``resolve_multipliers``), whatever its new name."""

from __future__ import annotations

import pytest
import torch

from netgraph import (CatenateLayer, ElementwiseLayer, LinearLayer, NetChain, NetFoldOperator, NetGraph,
                      NetMapOperator, NetPort, NetSharedArray, SequenceLastLayer, WiringError, net_append, net_delete,
                      net_drop, net_extract, net_flatten, net_initialize, net_insert, net_join, net_rename, net_replace,
                      net_replace_part, net_set_learning_rate_multipliers, net_take, net_train)
from netgraph.core.operator import NetOperator
from netgraph.core.shared import shared_users
from netgraph.train.options import resolve_multipliers


def _array(net, name: str) -> torch.Tensor:
    """The array a parameter name (``enc.map.net.l1.Weights``) holds, found through graphs and operators."""
    *path, array = name.split(".")
    layer = net
    for part in path:
        layer = getattr(layer, part) if isinstance(layer, NetOperator) else layer.layers[part]
    return layer.arrays[array]


def rates(net) -> dict[int, tuple[str, float]]:
    """Each parameter, by the identity of its array (surgery keeps arrays): (its name, the rate training applies)."""
    params = list(dict(net.compile().named_parameters()))
    applied = resolve_multipliers(net, params, None)
    return {id(_array(net, name)): (name, applied[name]) for name in params}


def assert_same_rates(before, after, kept: int) -> None:
    old, new = rates(before), rates(after)
    changed = [(old[k], new[k]) for k in new if k in old and old[k][1] != new[k][1]]
    assert not changed, f"rates changed (before -> after): {changed}"
    assert len(set(old) & set(new)) == kept  # so that the comparison is not vacuous


def _cell() -> NetGraph:
    return NetGraph({"cat": CatenateLayer(), "lin": LinearLayer(5), "act": ElementwiseLayer("Tanh")},
                    [([NetPort("Input"), NetPort("State")], "cat"), ("cat", "lin", "act")], Input=4)


def _inner() -> NetChain:
    """The map's inner net, storing a rule of its own."""
    inner = NetChain({"l1": LinearLayer(3), "act": "Tanh", "l2": LinearLayer(3)})
    return net_set_learning_rate_multipliers(inner, {("l2", "Biases"): 0.6})


def _graph() -> NetGraph:
    enc = NetGraph({"map": NetMapOperator(_inner()), "post": NetMapOperator(LinearLayer(4))}, [("map", "post")])
    enc = net_set_learning_rate_multipliers(enc, {("map", "net", "l1"): 0.1, "map/net/l2/Weights": 0.2})
    net = NetGraph({"enc": enc, "fold": NetFoldOperator(_cell()), "last": SequenceLastLayer(), "head": LinearLayer(2)},
                   [("enc", "fold", "last", "head")], Input=(5, 4))
    net = net_initialize(net, seed=0)
    return net_set_learning_rate_multipliers(net, {("enc", "post", "net"): 0.3, ("fold", "net", "lin", "Weights"): 0,
                                                   "head": 0.4})


GRAPH_RATES = {"enc.map.net.l1.Weights": 0.1, "enc.map.net.l1.Biases": 0.1, "enc.map.net.l2.Weights": 0.2,
               "enc.map.net.l2.Biases": 0.6, "enc.post.net.layer.Weights": 0.3, "enc.post.net.layer.Biases": 0.3,
               "fold.net.lin.Weights": 0.0, "fold.net.lin.Biases": 1.0, "head.Weights": 0.4, "head.Biases": 0.4}


def test_the_graph_fixture_and_a_rule_stored_on_an_inner_net_apply_in_training():
    """The inner net's own rule (l2/Biases 0.6) was ignored: only graphs nested as layers were read."""
    assert {name: r for name, r in rates(_graph()).values()} == GRAPH_RATES


def test_net_train_freezes_a_layer_by_a_rule_its_inner_net_stores():
    inner = net_set_learning_rate_multipliers(NetChain({"l1": LinearLayer(3), "act": "Tanh"}), {"l1": 0})
    net = net_initialize(NetChain({"map": NetMapOperator(inner), "last": SequenceLastLayer(), "head": LinearLayer(3)},
                                  input=(5, 4)), seed=0)
    data = {"Input": torch.randn(8, 5, 4), "Target": torch.randn(8, 3)}
    trained = net_train(net, data, max_training_rounds=2, batch_size=4, progress=False, random_seed=0)
    for path, frozen in [(("map", "net", "l1", "Weights"), True), (("head", "Weights"), False)]:
        assert torch.equal(net_extract(trained, path), net_extract(net, path)) == frozen


def _extracted_map(net):
    return NetGraph({"m": net_extract(net, ("enc", "map"))}, [], Input=(5, 4))


def _extracted_inner(net):
    return NetGraph({"m": NetMapOperator(net_extract(net, ("enc", "map", "net")))}, [], Input=(5, 4))


W = torch.ones(3, 4)
GRAPH_EDITS = {
    "rename the operator": (lambda n: net_rename(n, {("enc", "map"): "m", "fold": "f"}), 10),
    "rename inner layers": (lambda n: net_rename(n, {("enc", "map", "net", "l1"): "a", ("fold", "net", "lin"): "b"}),
                            10),
    "rename the graph around it": (lambda n: net_rename(n, {"enc": "encoder"}), 10),
    "replace_part an inner layer": (lambda n: net_replace_part(n, {("enc", "map", "net", "act"): "Sin"}), 10),
    "replace_part an inner array": (lambda n: net_replace_part(n, {("enc", "map", "net", "l1", "Weights"): W}), 8),
    "flatten": (net_flatten, 10),
    "flatten one level": (lambda n: net_flatten(n, 1), 10),
    "drop an inner layer": (lambda n: net_drop(n, ("enc", "map", "net", "act")), 10),
    "delete an inner layer": (lambda n: net_delete(n, ("enc", "map", "net", "l2")), 8),
    "drop a layer beside it": (lambda n: net_drop(n, "head"), 8),
    "delete a layer beside it": (lambda n: net_delete(n, "head"), 8),
    "take": (lambda n: net_take(n, "last"), 8),
    "take a port": (lambda n: net_take(n, NetPort(("enc", "post"), "Output")), 6),
    "extract the operator": (_extracted_map, 4),
    "extract its inner net": (_extracted_inner, 4),
    "replace by type reaching inside": (lambda n: net_replace(n, {ElementwiseLayer: ElementwiseLayer("Sin")}), 10),
    "replace_part a port": (lambda n: net_replace_part(n, {"Input": (5, 4)}), 10),
}


@pytest.mark.parametrize("edit", GRAPH_EDITS)
def test_graph_surgery_keeps_each_surviving_parameters_rate(edit):
    function, kept = GRAPH_EDITS[edit]
    net = _graph()
    assert_same_rates(net, function(net), kept)


def test_extracting_an_operator_carries_the_rules_naming_its_inside():
    """They were lost: a rule stored on the outer net cannot travel with a layer; the operator's inner net takes it."""
    op = net_extract(_graph(), ("enc", "map"))
    assert op.net.learning_rate_multipliers == {"l1": 0.1, "l2/Weights": 0.2, "l2/Biases": 0.6}
    whole = net_set_learning_rate_multipliers(_graph(), {"enc": 0.5})  # a rule about a graph around it: All
    assert net_extract(whole, ("enc", "map", "net")).learning_rate_multipliers == {
        "All": 0.5, "l1": 0.1, "l2/Weights": 0.2, "l2/Biases": 0.6}


def test_net_replace_reaches_into_operators_inner_nets():
    """It searched nested graphs only and warned that nothing matched."""
    net = _graph()
    x = torch.randn(2, 5, 4)
    replaced = net_replace(net, {ElementwiseLayer: ElementwiseLayer("Sin")})
    assert replaced.layers["enc"].layers["map"].net.layers["act"].function == "Sin"
    assert replaced.layers["fold"].net.layers["act"].function == "Sin"
    assert not torch.allclose(replaced(x)["Output"], net(x)["Output"])
    deleted = net_replace(net, {ElementwiseLayer: None})
    assert list(deleted.layers["enc"].layers["map"].net.layers) == ["l1", "l2"]
    same = net_replace(net, {NetMapOperator: lambda op: NetMapOperator(op.net)})  # a matched operator: replaced whole
    torch.testing.assert_close(same(x)["Output"], net(x)["Output"])


def test_replacing_an_inner_layer_keeps_the_rule_at_its_path():
    net = _graph()
    new = net_initialize(net_replace_part(net, {("enc", "map", "net", "l1"): LinearLayer(3)}), seed=1)
    assert {name: r for name, r in rates(new).values()} == GRAPH_RATES


def _chain() -> NetChain:
    inner = net_set_learning_rate_multipliers(_inner(), {"l1": 0.1, ("l2", "Biases"): 0.6})  # replaces its rules
    chain = NetChain([NetMapOperator(LinearLayer(4)), NetMapOperator(inner), SequenceLastLayer(), LinearLayer(2)],
                     input=(5, 4))
    return net_set_learning_rate_multipliers(net_initialize(chain, seed=0), {(2, "net", "l2", "Weights"): 0.2, 1: 0.3})


def _first() -> NetChain:
    return net_initialize(NetChain([NetMapOperator(LinearLayer(4))], input=(5, 4)), seed=2)


def _inner_edited(chain):
    """The inner net taken out, edited and put back: the rules it carried out come back with it."""
    return net_replace_part(chain, {(2, "net"): net_drop(net_extract(chain, (2, "net")), "act")})


CHAIN_EDITS = {
    "append": (lambda c: net_initialize(net_append(c, LinearLayer(2)), seed=1), 8),
    "insert": (lambda c: net_insert(c, "Tanh", 2), 8),
    "delete inside": (lambda c: net_delete(c, (2, "net", "act")), 8),
    "delete the head": (lambda c: net_delete(c, 4), 6),
    "rename inside": (lambda c: net_rename(c, {(2, "net", "l1"): "first"}), 8),
    "rename the operator": (lambda c: net_rename(c, {"2": "map"}), 8),
    "join": (lambda c: net_join(_first(), c), 8),
    "flatten": (net_flatten, 8),
    "replace by type reaching inside": (lambda c: net_replace(c, {ElementwiseLayer: "Sin"}), 8),
    "inner net extracted, edited and put back": (_inner_edited, 8),
}


def test_the_chain_fixture():
    assert sorted(r for _, r in rates(_chain()).values()) == [0.1, 0.1, 0.2, 0.3, 0.3, 0.6, 1.0, 1.0]


@pytest.mark.parametrize("edit", CHAIN_EDITS)
def test_chain_surgery_keeps_each_surviving_parameters_rate(edit):
    function, kept = CHAIN_EDITS[edit]
    chain = _chain()
    assert_same_rates(chain, function(chain), kept)


def test_a_chain_rebuilt_by_replace_part_keeps_its_rules():
    """A replacement that changed the chain's types rebuilt it as a new NetChain without its stored rules."""
    chain = net_set_learning_rate_multipliers(NetChain({"a": LinearLayer(3), "b": LinearLayer(2)}, input=4), {"a": 0.5})
    assert net_replace_part(chain, {"b": LinearLayer(5)}).learning_rate_multipliers == {"a": 0.5}


def test_net_take_into_an_operator_says_what_it_takes():
    net = _graph()
    for spec in [("fold", "net", "lin"), NetPort(("fold", "net", "lin", "Output")), ["head", ("fold", "net")]]:
        with pytest.raises(WiringError, match=r"net_take: .* goes into layer 2 'fold' \(NetFoldOperator\), inner net "
                                              r"'net'; net_take takes top-level layers, graph outputs or NetPorts .*"
                                              r"take it whole \('fold' or NetPort\('fold', 'Output'\)\), or take from "
                                              r"its inner net: net_take\(net_extract\(net, \('fold', 'net'\)\)"):
            net_take(net, spec)
    with pytest.raises(WiringError, match=r"goes into layer 1 'enc' \(NetGraph\) > layer 1 'map' .*take it whole "
                                          r"\(NetPort\(\('enc', 'map'\), 'Output'\)\)"):
        net_take(net, NetPort(("enc", "map", "net", "l1"), "Output"))


def test_net_flatten_keeps_operators_one_layer_and_leaves_flat_inner_nets_as_they_are():
    net = _graph()
    flat = net_flatten(net)
    assert list(flat.layers) == ["enc/map", "enc/post", "fold", "last", "head"]
    assert flat.layers["enc/map"] is net.layers["enc"].layers["map"] and flat.layers["fold"] is net.layers["fold"]


def test_net_flatten_flattens_the_nets_nested_inside_operators_as_wolframs_netflatten():
    """Wolfram's NetFlatten "will flatten nested nets at any level, including within operators such as
    NetMapOperator and NetFoldOperator"; ours left an operator's inner net nested."""
    inner = NetChain({"c": NetChain({"x": LinearLayer(3), "t": "Tanh"}), "y": LinearLayer(2)})
    net = net_initialize(NetGraph({"map": NetMapOperator(inner), "last": "Sin"}, [("map", "last")], Input=(5, 4)),
                         seed=0)
    net = net_set_learning_rate_multipliers(net, {("map", "net", "c", "x"): 0.1})
    flat = net_flatten(net)
    assert list(flat.layers["map"].net.layers) == ["c/x", "c/t", "y"] and isinstance(flat.layers["map"].net, NetChain)
    assert list(net_flatten(net, 1).layers["map"].net.layers) == ["c/x", "c/t", "y"]
    x = torch.randn(2, 5, 4)
    torch.testing.assert_close(flat(x), net(x))
    assert_same_rates(net, flat, 4)
    assert sorted(rate for _, rate in rates(flat).values()) == [0.1, 0.1, 1.0, 1.0]


# -- shared arrays inside an operator -------------------------------------------------------------------------------
def _shared() -> NetGraph:
    """``w`` used by ``a`` and by two layers of the map's inner net."""
    w = NetSharedArray("w")
    inner = NetChain({"l1": LinearLayer(3, weights=w), "act": "Tanh", "l2": LinearLayer(3, weights=w)})
    net = NetGraph({"a": LinearLayer(3, weights=w), "map": NetMapOperator(inner), "last": SequenceLastLayer(),
                    "head": LinearLayer(2)}, [(NetPort("X"), "a"), (NetPort("S"), "map", "last", "head")],
                   X=3, S=(5, 3))
    return net_initialize(net, seed=0)


SHARED_EDITS = {
    "rename the operator": (lambda n: net_rename(n, {"map": "m"}), 3),
    "rename inside": (lambda n: net_rename(n, {("map", "net", "l1"): "first"}), 3),
    "flatten": (net_flatten, 3),
    "take the operator's branch": (lambda n: net_take(n, "head"), 2),
    "drop the outer user": (lambda n: net_drop(n, "a"), 2),
    "drop inside": (lambda n: net_drop(n, ("map", "net", "act")), 3),
    "delete an inner user": (lambda n: net_delete(n, ("map", "net", "l2")), 2),
    "extract the operator": (lambda n: NetGraph({"m": net_extract(n, "map")}, [], Input=(5, 3)), 2),
    "replace by type reaching inside": (lambda n: net_replace(n, {ElementwiseLayer: "Sin"}), 3),
}


@pytest.mark.parametrize("edit", SHARED_EDITS)
def test_shared_arrays_in_an_operator_stay_shared_where_two_users_remain(edit):
    function, users = SHARED_EDITS[edit]
    edited = function(_shared())
    assert len(shared_users(edited)["w"]) == users
    params = dict(edited.compile().named_parameters())
    assert sum(p.shape == (3, 3) for p in params.values()) == 1  # one parameter for every user


@pytest.mark.parametrize("spec", [("map", "net", "l2", "Weights"), ("a", "Weights"), NetSharedArray("w")])
def test_replace_part_of_a_shared_array_sets_every_user_inside_and_outside_the_operator(spec):
    """Named through the inner net it left the outer user behind (shared arrays disagree); named through the outer
    user, the operator was given its two users' values one at a time (the same error)."""
    net, new = _shared(), torch.eye(3)
    replaced = net_replace_part(net, {spec: new})
    for path in [("a", "Weights"), ("map", "net", "l1", "Weights"), ("map", "net", "l2", "Weights")]:
        assert torch.equal(net_extract(replaced, path), new)
    assert len(list(replaced.compile().parameters())) == 6
