"""Names in chain editing (net_append, net_prepend, net_insert): existing layers keep their names (a numbered
chain is renumbered), an added layer's name that a layer of the chain has or takes is an OptionError, as
Wolfram's NetInsert refuses an existing key."""

from __future__ import annotations

import pytest

from netgraph import LinearLayer, NetChain, OptionError, net_append, net_delete, net_insert, net_join, net_prepend


def _functions(chain):
    return {name: getattr(layer, "function", type(layer).__name__) for name, layer in chain.layers.items()}


def test_a_named_layer_keeps_its_name_when_an_unnamed_one_lands_on_its_position():
    chain = NetChain({"a": LinearLayer(3), "2": "Ramp"}, input=2)
    for edited in (net_insert(chain, "Tanh", 2), net_insert(chain, "Tanh", "2")):
        assert _functions(edited)["2"] == "Ramp"  # the user's layer "2" is still "2"
        assert [f for f in _functions(edited).values()] == ["LinearLayer", "Tanh", "Ramp"]
    mixed = NetChain({"1": LinearLayer(3), "act": "Ramp", "3": LinearLayer(2)}, input=2)
    prepended = net_prepend(mixed, "Tanh")
    assert {n: _functions(prepended)[n] for n in mixed.layers} == {"1": "LinearLayer", "act": "Ramp",
                                                                    "3": "LinearLayer"}
    assert list(prepended.layers.values())[0].function == "Tanh"


@pytest.mark.parametrize("edit", [
    lambda c: net_insert(c, {"a": "Tanh"}, 2),
    lambda c: net_append(c, {"b": "Tanh"}),
    lambda c: net_prepend(c, {"x": "Sin", "b": "Tanh"}),
])
def test_an_added_name_the_chain_has_is_an_option_error(edit):
    chain = NetChain({"a": LinearLayer(3), "b": "Ramp"}, input=2)
    with pytest.raises(OptionError, match=r"has a layer named '(a|b)' \((LinearLayer|ElementwiseLayer)\)") as info:
        edit(chain)
    assert info.value.diagnostics[0].option == "layers"


def test_an_added_name_that_a_numbered_layer_takes_is_an_option_error():
    chain = NetChain([LinearLayer(3), "Ramp"], input=2)
    with pytest.raises(OptionError, match=r"the name '2' is the number the chain's layer 1 \(LinearLayer\) takes"):
        net_insert(chain, {"2": "Tanh"}, 1)
    assert list(net_insert(chain, {"3": "Tanh"}, 3).layers) == ["1", "2", "3"]  # its own position: no clash
    assert list(net_insert(chain, {"t": "Tanh"}, 2).layers) == ["1", "t", "3"]  # renumbered, as Wolfram


def test_join_keeps_a_given_name_and_renumbers_numbered_layers_around_it():
    joined = net_join(NetChain([LinearLayer(3), "Ramp"]), NetChain({"2": "Tanh"}))
    assert _functions(joined)["2"] == "Tanh"
    assert list(_functions(joined).values()) == ["LinearLayer", "Ramp", "Tanh"]


def test_a_head_prepended_then_deleted_gives_the_chain_back_as_the_readme_says():
    named = NetChain({"a": LinearLayer(3), "b": "Tanh"}, input=4)
    assert net_delete(net_prepend(named, {"head": LinearLayer(4)}), "head") == named
    numbered = NetChain([LinearLayer(3), "Tanh"], input=4)
    assert net_delete(net_prepend(numbered, LinearLayer(4)), 1) == numbered
    kept_names = net_delete(net_prepend(numbered, {"head": LinearLayer(4)}), "head")  # names now: they stay
    assert list(kept_names.layers) == ["2", "3"] and kept_names.port_types == numbered.port_types
