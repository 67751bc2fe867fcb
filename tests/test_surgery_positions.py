"""Surgery says where each position went (``Moves``) and learning-rate rules follow positions: one layer object at
several positions, rules keyed by name, path, position (negative too) and glob, in nested graphs and operators'
inner nets, for each surgery function (checked through the rates net_train gives each layer)."""

from __future__ import annotations

from netgraph import (LinearLayer, NetChain, NetGraph, NetMapOperator, NetPort, net_append, net_delete, net_drop,
                      net_flatten, net_insert, net_join, net_prepend, net_rename, net_replace_part,
                      net_set_learning_rate_multipliers, net_take)
from netgraph.core.layer_moves import Moves, joined_moves, kept_names
from netgraph.core.multipliers import array_names
from netgraph.train.options import resolve_multipliers


def rates(net: NetGraph) -> dict[str, float]:
    """Each layer (dotted path) whose arrays net_train gives a multiplier other than 1, with that multiplier."""
    found = resolve_multipliers(net, array_names(net), None)
    return {name.rsplit(".", 1)[0]: r for name, r in found.items() if r != 1.0}


def repeated(lin: LinearLayer) -> NetChain:
    """[lin, Tanh, lin, lin]: one object at positions 1, 3 and 4."""
    return NetChain([lin, "Tanh", lin, lin])


def twice(rules: dict) -> NetChain:
    """A chain holding one chain object as ``enc`` and as ``dec`` (each [l, Tanh, l, l] of one object ``l``)."""
    inner = repeated(LinearLayer(4))
    return net_set_learning_rate_multipliers(NetChain({"enc": inner, "dec": inner}, input=4), rules)


def mapped(rules: dict) -> NetChain:
    """An operator whose inner net repeats ``l``, and ``l`` again after it."""
    lin = LinearLayer(4)
    net = NetChain({"map": NetMapOperator(repeated(lin)), "last": lin}, input=(5, 4))
    return net_set_learning_rate_multipliers(net, rules)


def test_moves_levels_paths_inside_prefix_and_then():
    moves = Moves(levels={(): {"1": None, "enc": "E"}, ("enc",): {"3": "2"}})
    assert [moves.path(p) for p in [("1",), ("2",), ("enc", "3", "x"), ("enc", "4")]] == \
        [None, ("2",), ("E", "2", "x"), ("E", "4")]
    flat = Moves(paths={("enc", "a"): ("enc/a",), ("enc",): None})
    assert (flat.path(("enc", "a", "w")), flat.path(("enc", "b")), flat.path(("c",))) == (("enc/a", "w"), None, ("c",))
    inner = Moves(levels={(): {"1": None, "2": "1"}})
    around = Moves(levels={(): {"map": "m"}}, inside={("map", "net"): inner})
    assert (around.path(("map", "net", "2")), around.path(("map", "net", "1"))) == (("m", "net", "1"), None)
    assert Moves(prefix=("enc",)).then(Moves(levels={("enc",): {"x": "y"}})).path(("x", "w")) == ("enc", "y", "w")


def test_kept_names_renumber_a_numbered_chain_and_keep_a_graphs_names():
    assert kept_names(["1", "2", "3", "4"], ["2"], ["1", "2", "3"]) == {"2": None, "3": "2", "4": "3"}
    assert kept_names(["a", "b", "c"], ["b"], ["c", "a"]) == {"b": None}
    assert [m.path(("2",)) for m in joined_moves([["1", "2"], None, ["1", "2"]], ["1", "2", "3", "4", "5"])] == \
        [("2",), ("3", "2"), ("5",)]


def test_net_delete_moves_a_negative_position_rule_of_a_repeated_object():
    lin = LinearLayer(4)
    chain = net_set_learning_rate_multipliers(NetChain([lin, "Tanh", lin, lin], input=4), {-1: 0.5, 1: 0.25})
    assert rates(net_delete(chain, 3)) == {"1": 0.25, "3": 0.5}
    assert rates(net_delete(chain, 1)) == {"3": 0.5}


def test_net_delete_inside_one_of_two_places_of_a_chain_object_keeps_a_glob_on_the_other():
    net = net_delete(twice({"dec/*": 0.2, ("enc", -1): 0.5}), ("enc", 1))
    assert rates(net) == {"dec.1": 0.2, "dec.3": 0.2, "dec.4": 0.2, "enc.3": 0.5}


def test_net_drop_of_one_name_of_an_object_in_a_graph_keeps_the_others_rule():
    lin = LinearLayer(4)
    graph = NetGraph({"p": lin, "q": lin, "s": "Plus"}, [("p", "s"), ("q", "s")], Input=4)
    assert rates(net_drop(net_set_learning_rate_multipliers(graph, {"q": 0.1}), "p")) == {"q": 0.1}
    assert rates(net_drop(net_set_learning_rate_multipliers(graph, {"p": 0.1}), "p")) == {}


def test_net_insert_at_a_negative_position_in_an_operators_inner_net():
    net = net_insert(mapped({("map", "net", 4): 0.5, "last": 0.25}), "Ramp", ("map", "net", -2))
    assert rates(net) == {"map.net.5": 0.5, "last": 0.25}  # after layer 3 of 4: the last is now 5


def test_net_append_and_net_prepend_into_one_place_of_a_chain_object():
    rules = {("enc", 3): 0.5, ("dec", -1): 0.25}
    assert rates(net_append(twice(rules), "Ramp", at="enc")) == {"enc.3": 0.5, "dec.4": 0.25}
    assert rates(net_prepend(twice(rules), LinearLayer(4), at="dec")) == {"enc.3": 0.5, "dec.5": 0.25}


def test_net_prepend_in_an_operators_inner_net_with_the_object_outside_it():
    net = net_prepend(mapped({("map", "net", 3): 0.5}), "Ramp", at=("map", "net"))
    assert rates(net) == {"map.net.4": 0.5}


def test_net_rename_of_one_place_of_a_chain_object_and_of_a_layer_in_it():
    net = net_rename(twice({("enc", 3): 0.5, ("dec", 3): 0.25}), {("enc", "3"): "z", "enc": "E"})
    assert rates(net) == {"E.z": 0.5, "dec.3": 0.25}


def test_net_rename_in_an_operators_inner_net():
    net = net_rename(mapped({("map", "net", 4): 0.5, ("map", "net", 1): 0.25}), {("map", "net", "1"): "first"})
    assert rates(net) == {"map.net.first": 0.25, "map.net.4": 0.5}


def test_net_take_cutting_one_place_of_a_chain_object_inside():
    rules = {("enc", 3): 0.5, ("enc", -1): 0.25, ("dec", 4): 0.75}
    net = net_take(twice(rules), NetPort(("enc", 3, "Output")))
    assert rates(net) == {"enc.3": 0.5}  # enc is cut after its layer 3, dec is not taken


def test_net_join_of_a_net_with_itself_puts_a_rule_on_both_copies():
    lin = LinearLayer(4)
    chain = net_set_learning_rate_multipliers(NetChain([lin, "Tanh", lin], input=4), {-1: 0.5})
    assert rates(net_join(chain, chain)) == {"3": 0.5, "6": 0.5}


def test_net_flatten_of_a_chain_object_in_two_places_one_level():
    net = net_flatten(twice({("dec", 1): 0.5, "enc/4": 0.25}), 1)
    assert rates(net) == {"dec/1": 0.5, "enc/4": 0.25}


def test_net_flatten_inside_an_operators_inner_net():
    inner = NetChain([LinearLayer(4), "Tanh"])
    net = NetChain({"map": NetMapOperator(NetChain({"g": inner, "h": inner})), "last": LinearLayer(4)}, input=(5, 4))
    flat = net_flatten(net_set_learning_rate_multipliers(net, {("map", "net", "h", 1): 0.5}))
    assert list(flat.layers["map"].net.layers) == ["g/1", "g/2", "h/1", "h/2"]
    assert rates(flat) == {"map.net.h/1": 0.5}


def test_net_replace_part_keeps_the_rule_of_another_place_of_the_object():
    lin = LinearLayer(4)
    chain = net_set_learning_rate_multipliers(NetChain([lin, "Tanh", lin, lin], input=4), {3: 0.5, 1: 0.25})
    assert rates(net_replace_part(chain, {1: LinearLayer(4)})) == {"1": 0.25, "3": 0.5}
