"""A layer object held at several positions is several layers: surgery moves each position's learning-rate rule to
where that position went, not to another position holding the same object (checked through net_train's rates)."""

from __future__ import annotations

from netgraph import (ElementwiseLayer, LinearLayer, NetChain, NetGraph, NetMapOperator, net_delete, net_drop,
                      net_flatten, net_insert, net_join, net_prepend, net_rename, net_replace,
                      net_set_learning_rate_multipliers, net_take)
from netgraph.core.multipliers import array_names
from netgraph.train.options import resolve_multipliers


def slowed(net: NetGraph) -> set[str]:
    """The layers (dotted paths) whose arrays net_train gives a multiplier other than 1."""
    rates = resolve_multipliers(net, array_names(net), None)
    return {name.rsplit(".", 1)[0] for name, r in rates.items() if r != 1.0}


def _repeated(rule: dict) -> NetChain:
    """The chain [l, Tanh, l, l] of one LinearLayer object ``l``, storing ``rule``."""
    lin = LinearLayer(4)
    return net_set_learning_rate_multipliers(NetChain([lin, "Tanh", lin, lin], input=3), rule)


def test_net_delete_in_a_nested_chain_moves_the_rule_with_its_position():
    lin = LinearLayer(4)
    net = NetChain({"inner": NetChain([lin, "Tanh", lin, lin]), "head": LinearLayer(2)}, input=3)
    net = net_set_learning_rate_multipliers(net, {("inner", 3): 0.1})
    assert slowed(net_delete(net, ("inner", 2))) == {"inner.2"}


def test_net_delete_and_net_replace_deleting_at_the_top_level():
    assert slowed(net_delete(_repeated({3: 0.1}), 2)) == {"2"}
    assert slowed(net_replace(_repeated({3: 0.1}), {ElementwiseLayer: None})) == {"2"}


def test_net_insert_renumbers_the_rules_of_the_positions_after_it():
    assert slowed(net_insert(_repeated({3: 0.1}), "Ramp", 2)) == {"4"}


def test_net_prepend_of_the_same_layer_object_leaves_the_rule_on_the_old_layer():
    lin = LinearLayer(3)
    chain = net_set_learning_rate_multipliers(NetChain([lin, "Tanh"], input=3), {1: 0.1})
    assert slowed(net_prepend(chain, lin)) == {"2"}


def test_net_join_puts_each_arguments_rule_on_its_own_layers():
    lin = LinearLayer(4)
    first = NetChain([lin, "Tanh"], input=3)
    second = net_set_learning_rate_multipliers(NetChain([lin]), {1: 0.1})
    assert slowed(net_join(first, second)) == {"3"}


def test_net_rename_swapping_two_names_of_one_object():
    lin = LinearLayer(4)
    chain = net_set_learning_rate_multipliers(NetChain({"x": lin, "y": lin}, input=3), {"y": 0.1})
    assert slowed(net_rename(chain, {"x": "y", "y": "x"})) == {"x"}


def test_net_take_from_a_start_renumbers_a_numbered_chain():
    assert slowed(net_take(_repeated({4: 0.1}), 4, start=3)) == {"2"}  # layers 3 and 4 are now 1 and 2


def test_net_drop_renumbers_a_numbered_chain():
    assert slowed(net_drop(_repeated({3: 0.1}), 2)) == {"2"}


def test_net_flatten_of_a_graph_held_twice():
    inner = NetChain({"lin": LinearLayer(4)})
    net = net_set_learning_rate_multipliers(NetChain({"a": inner, "b": inner}, input=4), {("b", "lin"): 0.1})
    assert slowed(net_flatten(net)) == {"b/lin"}


def test_surgery_still_keeps_the_callers_layer_objects():
    deleted = net_delete(_repeated({3: 0.1}), 2)
    lin = deleted.layers["1"]
    assert deleted.layers["2"] is lin and deleted.layers["3"] is lin and slowed(deleted) == {"2"}


def test_net_delete_in_an_operators_inner_net_with_the_object_outside_too():
    lin = LinearLayer(4)
    net = NetChain({"map": NetMapOperator(NetChain([lin, "Tanh", lin, lin])), "last": lin}, input=(5, 3))
    net = net_set_learning_rate_multipliers(net, {("map", "net", 3): 0.1})
    assert slowed(net_delete(net, ("map", "net", 2))) == {"map.net.2"}
