"""Net editing and inspection as a Wolfram user uses them (QA round 13): each test a bug found and fixed."""

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from netgraph import (FunctionLayer, LinearLayer, NetArrayLayer, NetChain, NetGraph, NetSharedArray, OptionError,
                      net_append, net_extract, net_initialize, net_insert, net_join, net_prepend, net_rename,
                      net_replace_part, net_set_learning_rate_multipliers)


def test_function_layer_port_shapes_written_either_way_are_one_option():
    """input={'x': 4} and input={'x': (4,)} give one layer: net_extract declares (4,), YAML reads back 4, and the
    TopologyHash of an extracted-and-replaced layer changed across to_yaml/from_yaml (the options compared unequal)."""
    assert FunctionLayer("#x + #y", input={"x": 4, "y": 4}) == FunctionLayer("#x + #y", input={"x": (4,), "y": [4]})
    assert hash(FunctionLayer("#x", input={"x": 4})) == hash(FunctionLayer("#x", input={"x": (4,)}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = net_initialize(NetGraph.from_yaml(Path(__file__).parents[1] / "specs" / "vae.yaml"), seed=0)
    edited = net_replace_part(net, {"kl": net_extract(net, "kl")})
    again = NetGraph.from_yaml(edited.to_yaml())
    assert again.layers["kl"] == edited.layers["kl"]
    assert again.information("TopologyHash") == edited.information("TopologyHash")


def test_replace_part_refuses_a_flag_as_an_array():
    """net_replace_part read True as the array 1.0 (and False as 0.0, 'expected shape (2,), found ()'), where the
    layer's own option and with_arrays refuse a bool: a flag is no array."""
    net = net_initialize(NetChain({"a": NetArrayLayer(output=()), "b": LinearLayer(2)}), seed=0)
    for flag in (True, False):
        for key in (("a", "Array"), ("b", "Biases")):
            with pytest.raises(OptionError, match=f"needs a numeric array .* found {flag}; a flag is no array") as exc:
                net_replace_part(net, {key: flag})
            assert exc.value.layer == key[:1] and exc.value.kind == "option-value"
    assert net_replace_part(net, {("a", "Array"): 1})["a", "Array"] == 1.0  # a number still is one


@pytest.mark.parametrize("rules", [{1: "x", "a": "y"}, {"a": "y", -3: "x"}, {("enc", "l1"): "x", ("enc", 1): "y"}])
def test_rename_refuses_two_new_names_for_one_layer(rules):
    """Two rules naming one layer (by name and by index) renamed it silently by the dict's last rule; with level=
    the same clash was already an OptionError naming both rules."""
    net = NetChain({"a": LinearLayer(3), "b": "Tanh", "enc": NetChain({"l1": LinearLayer(2)})}, input=2)
    with pytest.raises(OptionError, match="gets two new names") as exc:
        net_rename(net, rules)
    assert exc.value.option == "rename" and exc.value.layer in {("a",), ("enc", "l1")}
    assert list(net_rename(net, {1: "x", "a": "x"}).layers) == ["x", "b", "enc"]  # the same name twice is one


def test_rename_by_level_and_by_index_agree():
    net = NetChain({"a": LinearLayer(3), "b": "Tanh"}, input=2)
    with pytest.raises(OptionError, match="gets two new names"):
        net_rename(net, {"a": "y", 1: "x"}, level=2)


@pytest.mark.parametrize("changes, part, last", [
    ({"head": "Tanh", 3: LinearLayer(2)}, ("head",), LinearLayer(2)),
    ({("head", "Weights"): torch.ones(2, 4), (-1, "Weights"): torch.zeros(2, 4)}, ("head", "Weights"),
     torch.zeros(2, 4)),
    ({NetSharedArray("w"): torch.eye(4), ("b", "Weights"): torch.eye(4)}, ("a", "Weights"), torch.eye(4))])
def test_replace_part_takes_the_last_of_two_values_for_one_part(changes, part, last):
    """Two keys naming one layer or array (by name and by index) apply in order (netgraph's own rule): the later one
    wins (they were refused). A shared array and one of its users given one value is that value (given two:
    test_shared_array_keys)."""
    w = NetSharedArray("w")
    net = net_initialize(NetChain({"a": LinearLayer(4, weights=w), "b": LinearLayer(4, weights=w),
                                   "head": LinearLayer(2)}, input=4), seed=0)
    edited = net_replace_part(net, changes)
    got = edited.layers[part[0]] if len(part) == 1 else edited[part]
    assert got == last if len(part) == 1 else torch.equal(got, last)


def _rates(net):
    return {"/".join(k): r for k, r in net.information("ArraysLearningRateMultipliers").items()}


@pytest.mark.parametrize("rule", ["All", "*"])
def test_a_frozen_net_freezes_only_its_own_layers_after_adding_some(rule):
    """Freeze a trained net, append a new head: the head trains. The frozen net's "All" (or a glob) followed it into
    the result and froze every added layer too (net_append, net_prepend, net_insert, net_join either way)."""
    frozen = net_set_learning_rate_multipliers(NetChain({"a": LinearLayer(4), "t": "Tanh"}, input=4), {rule: 0})
    assert _rates(net_append(frozen, LinearLayer(2))) == {"a/Weights": 0, "a/Biases": 0, "3/Weights": 1, "3/Biases": 1}
    assert _rates(net_prepend(frozen, LinearLayer(4)))["1/Weights"] == 1
    assert _rates(net_insert(frozen, LinearLayer(4), "t"))["2/Weights"] == 1  # named by its position
    head = NetChain({"h": LinearLayer(2)})
    assert _rates(net_join(frozen, head)) == {"a/Weights": 0, "a/Biases": 0, "h/Weights": 1, "h/Biases": 1}
    assert _rates(net_join(head, net_replace_part(frozen, {"Input": 2}))) == {
        "h/Weights": 1, "h/Biases": 1, "a/Weights": 0, "a/Biases": 0}
    replaced = net_replace_part(frozen, {"a": LinearLayer(3)})  # a layer in a frozen position stays frozen
    assert set(_rates(replaced).values()) == {0}
    assert set(_rates(net_rename(frozen, {"a": "b"})).values()) == {0}


@pytest.mark.parametrize("key", [0, 3, -3])
def test_multiplier_index_out_of_range_says_how_layers_are_numbered(key):
    """A 0-based habit ({0: 0}) or an index past the end read 'key 0 matches no array; layers with arrays: ['a']',
    though layer 'a' has arrays: now it says the layers are numbered 1 to n, as every surgery function does."""
    chain = NetChain({"a": LinearLayer(4), "t": "Tanh"}, input=4)
    with pytest.raises(OptionError, match=rf"key {key} names no layer: the net's 2 layers are numbered 1 to 2, or -1"):
        net_set_learning_rate_multipliers(chain, {key: 0})
    with pytest.raises(OptionError, match=r"key -1 \('t'\) names a layer without arrays"):
        net_set_learning_rate_multipliers(chain, {-1: 0})


@pytest.mark.parametrize("rules, lin1", [({"All": 0, "lin1": 1}, 0.0), ({"lin1": 1, "All": 0}, 1.0)])
def test_append_keeps_the_first_matching_rule(rules, lin1):
    """"All" carried over as one rule per old layer gave a key twice; stored keyed by name the later one won, but the
    first matching rule is the one in force: {"All": 0, "lin1": 1} froze lin1 and it trained after net_append."""
    frozen = net_set_learning_rate_multipliers(NetChain({"lin1": LinearLayer(4), "t": "Tanh"}, input=4), rules)
    appended = net_append(frozen, LinearLayer(2))
    for net in (frozen, appended):
        assert net.information("ArraysLearningRateMultipliers")[("lin1", "Weights")] == lin1
    assert appended.information("ArraysLearningRateMultipliers")[("3", "Weights")] == 1.0
    assert list(appended.learning_rate_multipliers.items()) == [("3", 1.0), *rules.items()]  # stored as they were


def test_replace_part_takes_one_value_given_twice_as_equal_copies():
    """Two keys for one part were compared by identity: two equal lists or np.zeros(2) twice were "two values"; values
    equal in numbers, dtype and shape are one (others: the later wins, test_replace_part_takes_the_last_of_two_...)."""
    net = net_initialize(NetChain({"a": LinearLayer(2), "t": "Tanh"}, input=2), seed=0)
    for value in ([1.0, 2.0], np.zeros(2), torch.ones(2)):
        copy = value.copy() if isinstance(value, (list, np.ndarray)) else value.clone()
        edited = net_replace_part(net, {("a", "Biases"): value, (1, "Biases"): copy})
        assert torch.equal(edited["a", "Biases"], torch.as_tensor(value, dtype=edited["a", "Biases"].dtype))
    assert net_replace_part(net, {"a": LinearLayer(2), 1: LinearLayer(2)}).layers["a"] == LinearLayer(2)
