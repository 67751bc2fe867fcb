"""An option holding itself (``b = []; b.append(b)``, once or twice) or lists shared down many levels (``x = [x, x]``
thirty times: 31 lists, 2**30 members when expanded) doubles at each level when walked as nested values: making the
layer, freezing the value for a Diagnostic, finding the deepest option and replacing numpy's numbers hung. It is one
OptionError naming the option, at once (``value_extent`` measures each distinct list once)."""

from __future__ import annotations

import time

import numpy as np
import pytest

import netgraph
from netgraph import LinearLayer, NetArrayLayer, NetChain, NetGraph, NetGraphError, OptionError, SpecError
from netgraph.core.frozen_values import frozen_value
from netgraph.core.layer_values import hashed_option, same_option
from netgraph.core.plain_numbers import plain_value

pytestmark = pytest.mark.timeout(20)


def _held_once() -> list:
    held: list = []
    held.append(held)
    return held


def _held_twice() -> list:
    held: list = []
    held.extend([held, held])
    return held


def _held_in_dict() -> dict:
    held: dict = {}
    held["a"], held["b"] = [held], (0, held)
    return held


def _shared(levels: int = 30, kind: type = list, leaf: object = 0) -> object:
    value = leaf
    for _ in range(levels):
        value = {"a": value, "b": value} if kind is dict else kind([value, value])
    return value


def _refused_at_once(make_layer, *args) -> NetGraphError:
    start = time.process_time()
    with pytest.raises(NetGraphError) as refused:
        make_layer(*args)
    assert time.process_time() - start < 1.0
    return refused.value


@pytest.mark.parametrize("make", [_held_once, _held_twice, _held_in_dict, lambda: (1, _held_twice())])
def test_an_option_holding_itself_is_one_option_error_naming_it(make):
    refused = _refused_at_once(LinearLayer, make())
    assert isinstance(refused, OptionError) and (refused.option, refused.kind) == ("output", "option-value")
    assert "LinearLayer: option 'output' is nested too deeply: it holds itself" in str(refused)


@pytest.mark.parametrize("kind", [list, tuple, dict])
def test_an_option_shared_thirty_levels_deep_is_refused_at_the_port_elements_limit(kind):
    refused = _refused_at_once(LinearLayer, _shared(30, kind))
    assert isinstance(refused, OptionError) and (refused.option, refused.kind) == ("output", "limit")
    assert (refused.expected, refused.found) == (2**28, 2**30 + (2**31 - 2 if kind is dict else 0))  # and keys
    assert "more than the port_elements limit" in str(refused)


def test_replacing_an_option_by_a_self_holding_or_shared_value_is_refused_at_once():
    assert _refused_at_once(lambda: LinearLayer(3).replace(output=_held_twice())).kind == "option-value"
    assert _refused_at_once(lambda: LinearLayer(3).replace(output=_shared())).kind == "limit"
    net = NetChain([LinearLayer(3)], input=2)
    refused = _refused_at_once(netgraph.net_replace, net, {LinearLayer: lambda layer: layer.replace(output=_shared())})
    assert refused.kind == "limit" and "option 'output'" in str(refused)


def test_a_layer_list_holding_itself_is_refused_as_nested_too_deeply():
    refused = _refused_at_once(NetChain, _held_twice())
    assert refused.kind == "nesting-depth" and "it holds itself" in str(refused)


def test_a_legitimately_shared_value_works_and_compares_and_hashes_once_per_list():
    row = [1.0, 2.0, 3.0]
    layer = NetArrayLayer(array=[row, row])  # [[0.0] * n] * m: a common way to write an array
    assert layer.array.tolist() == [row, row] and layer == NetArrayLayer(array=[[1.0, 2.0, 3.0]] * 2)
    deep, other = _shared(40), _shared(40)
    start = time.process_time()
    assert same_option(deep, other) and hashed_option(deep) == hashed_option(other)
    assert not same_option(deep, _shared(40, leaf=1)) and same_option([1, (2,)], ((1, [2])))
    assert hashed_option({"a": [1]}) == hashed_option({"a": (1,)})
    assert time.process_time() - start < 1.0


def test_numpy_numbers_in_a_shared_value_are_replaced_once_per_list():
    plain = plain_value(_shared(40, leaf=np.int64(1)))
    assert plain[0] is plain[1] and type(plain[0][0][0][0]) is list and plain_value([np.int64(2)]) == [2]


def test_a_value_doubling_at_each_level_or_holding_itself_is_frozen_as_its_short_repr_and_a_small_one_as_tuples():
    for value in (_shared(30), _held_twice()):
        frozen = frozen_value(value)
        assert isinstance(frozen, str) and len(frozen) < 1000 and hash(frozen) == hash(frozen)
    assert frozen_value([[1, 2], {"a": [3]}]) == ((1, 2), (("a", (3,)),))


def _alias_pairs(levels: int) -> str:
    """A list of YAML anchors each a pair of aliases to the one before: level n expands to 2**(n + 1) values."""
    return ", ".join(["&a0 [1, 1]"] + [f"&a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, levels)])


def test_a_yaml_alias_dag_is_refused_by_the_yaml_nodes_limit_before_expansion():
    start = time.process_time()
    with pytest.raises(SpecError, match="aliases expand to more than 2000000 values") as refused:
        NetGraph.from_yaml(f"netgraph: 1\nlayers: {{x: {{type: LinearLayer, output: [{_alias_pairs(30)}]}}}}\n")
    assert refused.value.kind == "limit" and time.process_time() - start < 1.5
    with pytest.raises(SpecError, match="a cycle"):
        NetGraph.from_yaml("netgraph: 1\nlayers: {x: {type: LinearLayer, output: &a [1, *a]}}\n")


def test_a_small_yaml_alias_dag_is_read_as_its_values():
    net = NetGraph.from_yaml("netgraph: 1\nlayers: {x: {type: NetArrayLayer, array: [&r [1.0, 2.0], *r, *r]}}\n")
    assert net.layers["x"].array.tolist() == [[1.0, 2.0]] * 3


def test_a_layer_list_shared_thirty_levels_deep_is_made_once_per_list_as_nested_chains_are():
    start = time.process_time()
    with netgraph.limits(net_layers=2**30):  # 2**30 layers in all: made once per list, counted, never walked
        net = NetChain(_shared(30, leaf="Tanh"))
    assert time.process_time() - start < 1.0 and list(net.layers) == ["1", "2"] and net._layer_count == 2**30
    chain = NetChain(["Tanh", "Tanh"])
    for _ in range(2):
        chain = NetChain([chain, chain])
    assert NetChain(_shared(3, leaf="Tanh")) == chain
