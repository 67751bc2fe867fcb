"""Outer edges reading inside a nested net through a port path (``NetPort(("enc", "l1", "Output"))``, held as the
nested net's output ``l1_Output``). net_rename of that layer renames that output after it (``first_Output``): it kept
the old name in ``to_yaml``'s edges. net_replace_part of the nested net by a net without that layer: the error says
the new net lacks the layer the edge needs, not that it lacks the port ``l1_Output`` (a name the user never wrote)."""

from __future__ import annotations

import pytest
import torch

from netgraph import (LinearLayer, NetChain, NetGraph, NetPort, WiringError, net_extract, net_initialize, net_rename,
                      net_replace_part)
from netgraph.spec.api import from_yaml, to_yaml


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


def test_renaming_the_layer_a_port_path_reads_renames_the_output_exposed_for_it_at_every_level():
    net = net_initialize(_reading_inside(), seed=0)
    deep = net_initialize(NetGraph({"a": NetGraph({"enc": NetChain({"l1": LinearLayer(4), "l2": LinearLayer(3)})}, []),
                                    "z": LinearLayer(2)}, [(NetPort(("a", "enc", "l1", "Output")), "z")], Input=5),
                          seed=0)
    for before, path in [(net, ("enc",)), (deep, ("a", "enc"))]:
        after = net_rename(before, {(*path, "l1"): "first"})
        text = to_yaml(after)
        assert "l1" not in text and "first_Output" in text
        assert after.input_ports == before.input_ports and after.output_ports == before.output_ports
        assert from_yaml(text) == after
        x = torch.randn(3, 5, generator=torch.Generator().manual_seed(0))
        assert all(torch.equal(after(x)[port], before(x)[port]) for port in before.output_ports)
    assert net_extract(net_rename(net, {("enc", "l1"): "first"}), "enc").output_ports == ("Output", "first_Output")
    assert net_extract(net_rename(deep, {("a", "enc", "l1"): "first"}), "a").output_ports[-1] == "enc_first_Output"
