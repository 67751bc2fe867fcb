"""net_replace_part of a nested net that an outer edge reads inside through a port path
(``NetPort(("enc", "l1", "Output"))``), by a net without that layer: the error says the new net lacks the layer the
edge needs, not that it lacks the port ``l1_Output`` the path was given as (a name the user never wrote)."""

from __future__ import annotations

import pytest

from netgraph import LinearLayer, NetChain, NetGraph, NetPort, WiringError, net_replace_part


def _reading_inside():
    enc = NetChain({"l1": LinearLayer(4), "l2": LinearLayer(3)})
    return NetGraph({"enc": enc, "z": LinearLayer(2)}, [(NetPort("x"), "enc"), (NetPort(("enc", "l1", "Output")), "z")],
                    x=5)


def test_a_replacement_without_the_layer_a_port_path_reads_is_an_error_naming_that_layer_and_the_edge():
    with pytest.raises(WiringError) as caught:
        net_replace_part(_reading_inside(), {"enc": NetChain({"a": LinearLayer(3)})})
    text = str(caught.value)
    assert text.startswith("net_replace_part: the new 'enc' (NetChain) has no layer 'l1', which the edge "
                           "NetPort(('enc', 'l1', 'Output')) -> z needs")
    assert "l1_Output" not in text and "its layers are ['a']" in text
    assert caught.value.kind == "unknown-layer" and caught.value.layer == ("enc",) and caught.value.found == "l1"
