"""Surgery keeps the learning-rate multipliers stored on a net (net_set_learning_rate_multipliers) for the layers
that remain, their keys following the layers to their new paths; checked through the multipliers training uses."""

from __future__ import annotations

import pytest

from netgraph import (ElementwiseLayer, LinearLayer, NetChain, NetGraph, NetMapOperator, net_append, net_delete,
                      net_drop, net_extract, net_flatten, net_insert, net_join, net_prepend, net_rename, net_replace,
                      net_replace_part, net_set_learning_rate_multipliers, net_take)
from netgraph.core.multiplier_rates import stored_multipliers
from netgraph.core.multipliers import array_names
from netgraph.train.options import resolve_multipliers


def effective(net: NetGraph) -> dict[str, float]:
    """The multiplier net_train gives each array (by dotted name), from the rules the net stores."""
    return resolve_multipliers(net, array_names(net), None)


def _graph() -> NetGraph:
    enc = NetGraph({"lin": LinearLayer(4), "act": "Tanh", "out": LinearLayer(4)}, [("lin", "act", "out")], Input=3)
    enc = net_set_learning_rate_multipliers(enc, {"out": 0.5})
    net = NetGraph({"enc": enc, "mid": LinearLayer(4), "dec": LinearLayer(2)}, [("enc", "mid", "dec")], Input=3)
    return net_set_learning_rate_multipliers(net, {"enc/lin": 0.1, ("dec", "Weights"): 0, "mid": 2})


def _chain() -> NetChain:
    return net_set_learning_rate_multipliers(NetChain([LinearLayer(3), "Tanh", LinearLayer(2)], input=3), {1: 0.5, 3: 0.2})


ORIGINAL = {"enc.lin.Weights": 0.1, "enc.lin.Biases": 0.1, "enc.out.Weights": 0.5, "enc.out.Biases": 0.5,
            "mid.Weights": 2.0, "mid.Biases": 2.0, "dec.Weights": 0.0, "dec.Biases": 1.0}


def _renamed(mapping: dict[str, str]) -> dict[str, float]:
    out = {}
    for name, r in ORIGINAL.items():
        *path, array = name.split(".")
        key = ".".join(path)
        out[f"{mapping.get(key, key)}.{array}"] = r
    return out


def test_the_fixture_stores_what_it_says():
    assert effective(_graph()) == ORIGINAL


def test_net_rename_moves_keys_top_level_and_nested():
    renamed = net_rename(_graph(), {"enc": "encoder", "dec": "decoder", ("enc", "lin"): "first"})
    assert effective(renamed) == _renamed({"enc.lin": "encoder.first", "enc.out": "encoder.out", "dec": "decoder"})


def test_net_flatten_keeps_them_on_the_flattened_names():
    flat = net_flatten(_graph())
    assert set(flat.layers) >= {"enc/lin", "enc/out"}
    assert effective(flat) == _renamed({"enc.lin": "enc/lin", "enc.out": "enc/out"})


def test_net_extract_of_a_nested_graph_keeps_the_outer_rules_about_it():
    inner = net_extract(_graph(), "enc")
    assert effective(inner) == {"lin.Weights": 0.1, "lin.Biases": 0.1, "out.Weights": 0.5, "out.Biases": 0.5}


def test_net_take_and_net_drop_keep_them_for_the_layers_that_remain():
    taken = net_take(_graph(), "mid")
    assert effective(taken) == {k: v for k, v in ORIGINAL.items() if not k.startswith("dec")}
    dropped = net_drop(_graph(), "mid")
    assert effective(dropped) == {k: v for k, v in ORIGINAL.items() if not k.startswith("mid")}
    assert ("mid", 2.0) not in stored_multipliers(dropped)  # a rule for a removed layer is dropped


def test_net_replace_part_of_a_port_and_of_a_layer():
    assert effective(net_replace_part(_graph(), {"Input": 3})) == ORIGINAL
    assert effective(net_replace_part(_graph(), {"mid": LinearLayer(4)})) == ORIGINAL


def test_net_delete_inside_a_nested_graph_keeps_the_graph_rule_whole():
    net = net_set_learning_rate_multipliers(_graph(), {"enc": 0.3})
    deleted = net_delete(net, ("enc", "act"))
    rules = effective(deleted)
    assert rules["enc.lin.Weights"] == 0.3 and rules["enc.out.Weights"] == 0.3 and rules["dec.Weights"] == 1.0
    assert ("enc", 0.3) in stored_multipliers(deleted)


def test_chain_edits_follow_renumbered_layers():
    chain = _chain()
    assert effective(chain) == {"1.Weights": 0.5, "1.Biases": 0.5, "3.Weights": 0.2, "3.Biases": 0.2}
    assert effective(net_prepend(chain, LinearLayer(3))) == {
        "1.Weights": 1.0, "1.Biases": 1.0, "2.Weights": 0.5, "2.Biases": 0.5, "4.Weights": 0.2, "4.Biases": 0.2}
    assert effective(net_insert(chain, "Tanh", 2))["4.Weights"] == 0.2
    assert effective(net_append(chain, LinearLayer(2)))["4.Weights"] == 1.0
    assert effective(net_delete(chain, 1)) == {"2.Weights": 0.2, "2.Biases": 0.2}
    joined = net_join(chain, net_replace_part(chain, {"Input": 2}))  # its input= takes the first chain's output
    assert [effective(joined)[f"{i}.Weights"] for i in (1, 3, 4, 6)] == [0.5, 0.2, 0.5, 0.2]


def test_net_replace_keeps_them_for_untouched_layers():
    replaced = net_replace(_chain(), {ElementwiseLayer: ElementwiseLayer("Ramp")})
    assert effective(replaced) == effective(_chain())


@pytest.mark.parametrize("key", ["enc*", "All"])
def test_globs_and_all_stay_while_they_pick_something(key):
    net = net_set_learning_rate_multipliers(_graph(), {key: 0.7})
    flat = net_flatten(net)
    expected = {k: 0.7 if key == "All" or k.startswith("enc") else 1.0 for k in ORIGINAL}
    assert effective(net) == expected
    assert effective(flat) == {k.replace("enc.", "enc/"): r for k, r in expected.items()}
    assert (key, 0.7) in stored_multipliers(flat)


def test_a_name_that_spells_a_nested_path_is_refused():
    """'enc/l1' beside a graph 'enc' holding 'l1': the key ('enc', 'l1') would pick both, so the net is refused."""
    from netgraph import WiringError
    enc = NetChain({"l1": LinearLayer(3), "act": "Tanh"})
    with pytest.raises(WiringError, match=r"layers 'enc/l1' and \('enc', 'l1'\) have the same path 'enc/l1'.*rename"):
        NetGraph({"enc": enc, "enc/l1": LinearLayer(2)}, [("enc", "enc/l1")], Input=4)
    with pytest.raises(WiringError, match=r"\('enc', 'l1/w'\) and \('enc/l1', 'w'\) have the same path 'enc/l1/w'"):
        NetGraph({"enc/l1": NetChain({"w": LinearLayer(3)}), "enc": NetChain({"l1/w": LinearLayer(3)})}, [], Input=4)
    flat = net_flatten(NetGraph({"enc": enc, "head": LinearLayer(2)}, [("enc", "head")], Input=4))
    renamed = net_rename(flat, {"head": "enc/l1_head"})  # a '/' that spells no other path is fine
    assert effective(net_set_learning_rate_multipliers(renamed, {("enc", "l1"): 0})) == {
        "enc/l1.Weights": 0.0, "enc/l1.Biases": 0.0, "enc/l1_head.Weights": 1.0, "enc/l1_head.Biases": 1.0}


def test_replacing_a_whole_graph_inner_net_or_operator_drops_the_rules_inside_it():
    """The old rules stayed, naming layers that were gone (and later picked a new layer given an old name)."""
    inner = NetGraph({"l1": LinearLayer(4), "l2": LinearLayer(2)}, [("l1", "l2")])
    net = NetGraph({"map": NetMapOperator(inner), "head": NetMapOperator(LinearLayer(2))}, [("map", "head")],
                   Input=("n", 3))
    net = net_set_learning_rate_multipliers(net, {("map", "net", "l1"): 0.1, "map/net/l2": 0, "head": 3, "map": 2})
    for change in ({("map", "net"): NetChain({"z": LinearLayer(2)})}, {"map": NetMapOperator(NetChain({"l1": 2}))}):
        assert net_replace_part(net, change).learning_rate_multipliers == {"head": 3.0, "map": 2.0}
    own = net_set_learning_rate_multipliers(NetChain({"z": LinearLayer(2)}), {"z": 0.5})
    assert ("map/net/z", 0.5) in stored_multipliers(net_replace_part(net, {("map", "net"): own}))  # the new net's own
    outer = NetGraph({"g": _graph()}, [], Input=3)  # the rule 'enc/lin' is stored on g, one level down
    new = net_replace_part(outer, {("g", "enc"): NetChain({"lin": LinearLayer(4)})})
    assert new.layers["g"].learning_rate_multipliers == {"dec/Weights": 0.0, "mid": 2.0}
    assert effective(new)["g.enc.lin.Weights"] == 1.0
    g2 = net_replace_part(_graph(), {"enc": NetChain({"zz": LinearLayer(4)})})
    assert net_rename(g2, {("enc", "zz"): "lin"}).learning_rate_multipliers == {"dec/Weights": 0.0, "mid": 2.0}
    kept = net_replace_part(_graph(), {("enc", "lin"): LinearLayer(4)})  # one layer replaced: its rule stays
    assert kept.learning_rate_multipliers["enc/lin"] == 0.1


def test_a_rule_follows_a_layer_renumbered_inside_a_nested_chain():
    """Deleting inner layer 2 renumbers 3, 4 to 2, 3: the rule for the old 3 moves to 2, and no stale '1/3' is left
    to pick the old layer 4 (it froze it) or to stop the YAML from loading."""
    inner = NetChain([LinearLayer(4), "Tanh", LinearLayer(4), LinearLayer(4)])
    net = net_set_learning_rate_multipliers(NetChain([inner, LinearLayer(2)], input=3), {(1, 3): 0})
    edited = net_delete(net, (1, 2))
    frozen = {name for name, r in effective(edited).items() if r == 0}
    assert frozen == {"1.2.Weights", "1.2.Biases"}
    assert NetGraph.from_yaml(edited.to_yaml()).learning_rate_multipliers == edited.learning_rate_multipliers


@pytest.mark.parametrize("edit", [
    lambda net: net_replace_part(net, {"a": "Sin"}),
    lambda net: net_replace(net, {LinearLayer: lambda layer: "Sin" if layer.output == (4,) else layer}),
    lambda net: net_replace_part(NetChain({"enc": net, "z": "Tanh"}), {("enc", "a"): "Sin"}),
])
def test_a_rule_for_a_layer_replaced_by_one_without_arrays_goes(edit):
    """The rule picks nothing after the edit: kept, the saved net did not load ('names a layer without arrays')."""
    net = NetChain({"a": LinearLayer(4), "t": "Tanh", "b": LinearLayer(2)}, input=4)
    edited = edit(net_set_learning_rate_multipliers(net, {"a": 0.5, "b": 0.25}))
    assert set(effective(edited).values()) == {0.25}
    again = NetGraph.from_yaml(edited.to_yaml())
    assert effective(again) == effective(edited)


def test_replace_layers_drops_a_rule_whose_layer_has_no_arrays_any_more():
    net = net_set_learning_rate_multipliers(NetChain({"a": LinearLayer(4), "b": LinearLayer(2)}, input=4),
                                            {"a": 0.5, "b": 0.25})
    for edited in (net.replace_layers({"a": "Sin"}), NetChain({"o": net}).replace_layers({("o", "a"): "Sin"})):
        assert set(effective(edited).values()) == {0.25}
        assert effective(NetGraph.from_yaml(edited.to_yaml())) == effective(edited)


def _nested(outer: type) -> NetGraph:
    enc = NetChain({"l1": LinearLayer(8), "act": "Ramp"})
    if outer is NetChain:
        return NetChain({"enc": enc, "head": LinearLayer(2)}, input=4)
    return NetGraph({"enc": enc, "head": LinearLayer(2)}, [("enc", "head")], Input=4)


NESTED_EDITS = {"append": (lambda net: net_append(net, LinearLayer(8), at="enc"), "enc.3"),
                "insert": (lambda net: net_insert(net, {"l2": LinearLayer(8)}, ("enc", "act")), "enc.l2"),
                "prepend": (lambda net: net_prepend(net, LinearLayer(4), at="enc"), "enc.1")}


@pytest.mark.parametrize("outer", [NetChain, NetGraph])
@pytest.mark.parametrize("rule", ["All", "enc", "enc/*"])
@pytest.mark.parametrize("edit", NESTED_EDITS)
def test_a_layer_added_inside_a_nested_chain_is_not_frozen_by_the_rules(outer, rule, edit):
    change, added = NESTED_EDITS[edit]
    rates = effective(change(net_set_learning_rate_multipliers(_nested(outer), {rule: 0})))
    assert rates[f"{added}.Weights"] == rates[f"{added}.Biases"] == 1.0
    assert rates["enc.l1.Weights"] == rates["enc.l1.Biases"] == 0.0
    assert rates["head.Weights"] == (0.0 if rule == "All" else 1.0)


@pytest.mark.parametrize("rule", ["All", "map"])
def test_a_layer_inserted_into_an_operators_inner_chain_is_not_frozen_by_the_rules(rule):
    net = NetGraph({"map": NetMapOperator(NetChain({"t": "Tanh", "l": LinearLayer(3)}))}, [], Input=("n", 3))
    edited = net_insert(net_set_learning_rate_multipliers(net, {rule: 0}), {"new": LinearLayer(3)}, ("map", "net", "t"))
    rates = effective(edited)
    assert rates["map.net.new.Weights"] == 1.0 and rates["map.net.l.Weights"] == 0.0


def test_an_appended_head_keeps_its_own_rules_stored_once():
    """The head's rule was stored in it and copied onto the outer net too: ('3/a', 0.5) twice in the stored list."""
    body = net_set_learning_rate_multipliers(NetChain([LinearLayer(3), LinearLayer(3)], input=2), {"1": 0.1})
    head = net_set_learning_rate_multipliers(NetChain({"a": LinearLayer(2)}, input=3), {"a": 0.5})
    appended = net_append(body, head)
    assert stored_multipliers(appended) == [("1", 0.1), ("3/a", 0.5)]
    assert effective(appended)["3.a.Weights"] == 0.5 and effective(appended)["1.Weights"] == 0.1
