"""Surgery on a layer alone as Wolfram's: NetRename, NetTake, NetDrop, NetAppend, NetPrepend and NetDelete take a
NetChain or NetGraph only ("First argument should be a NetChain or NetGraph"), so ours refuse a layer with a hint to
put it in a net; NetFlatten of a layer is the layer, its inner nets flattened if it is an operator
(Wolfram-parity follow-up: net_flatten refused a layer, and the refusals gave no hint)."""

from __future__ import annotations

import pytest

from netgraph import (LinearLayer, NetChain, NetMapOperator, OptionError, net_append, net_delete, net_drop,
                      net_flatten, net_insert, net_prepend, net_rename, net_take)
from tests.diagnostic_helpers import sole_diagnostic


@pytest.mark.parametrize("edit, name", [
    (lambda layer: net_rename(layer, {"LinearLayer": "a"}), "net_rename"),
    (lambda layer: net_take(layer, "Output"), "net_take"),
    (lambda layer: net_drop(layer, 1), "net_drop"),
    (lambda layer: net_append(layer, "Tanh"), "net_append"),
    (lambda layer: net_prepend(layer, "Tanh"), "net_prepend"),
    (lambda layer: net_insert(layer, "Tanh", 1), "net_insert"),
    (lambda layer: net_delete(layer, 1), "net_delete"),
])
def test_edits_wolfram_refuses_on_a_layer_say_to_put_it_in_a_net(edit, name):
    diagnostic = sole_diagnostic(lambda: edit(LinearLayer(2, input=3)), OptionError)
    assert diagnostic.message.startswith(f"{name} takes a NetGraph or NetChain as its first argument, found "
                                         f"LinearLayer LinearLayer(2, input=3)")
    assert diagnostic.hint == "a layer alone holds no layers to edit: put it in a net, NetChain([layer])"
    assert diagnostic.message.endswith("; " + diagnostic.hint) and diagnostic.option == "net"


def test_flattening_a_layer_gives_the_layer():
    layer = LinearLayer(2, input=3)
    assert net_flatten(layer) is layer


def test_flattening_an_operator_alone_flattens_its_inner_nets():
    mapped = NetMapOperator(NetChain({"a": NetChain({"lin": LinearLayer(2)}), "act": "Tanh"}, input=3))
    flat = net_flatten(mapped)
    assert isinstance(flat, NetMapOperator) and list(flat.net.layers) == ["a/lin", "act"]
    assert flat.output_ports == mapped.output_ports
    with pytest.raises(OptionError, match="levels= must be a positive integer"):
        net_flatten(mapped, levels=0)
