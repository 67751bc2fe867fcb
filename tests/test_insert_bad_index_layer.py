"""net_insert into a nested chain with an index out of range names that chain (its Diagnostic had layer=None)."""

from __future__ import annotations

import pytest

from netgraph import LinearLayer, NetChain, NetGraph, OptionError, net_insert


def test_a_bad_index_inside_a_nested_chain_names_the_chain():
    net = NetGraph({"enc": NetChain({"a": LinearLayer(3), "b": LinearLayer(2)}), "out": LinearLayer(4)},
                   [("enc", "out")], Input=5)
    with pytest.raises(OptionError) as caught:
        net_insert(net, LinearLayer(3), ("enc", 9))
    assert caught.value.layer == ("enc",) and caught.value.diagnostics[0].layer == ("enc",)
