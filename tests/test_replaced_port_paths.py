"""net_replace_part of a nested net that an outer edge reads inside through a port path
(``NetPort(("enc", "l1", "Output"))``), by a net without that layer: the error says the new net lacks the layer the
edge needs, not that it lacks the port ``l1_Output`` the path was given as (a name the user never wrote)."""

from __future__ import annotations

import pytest

from netgraph import LinearLayer, NetChain, NetGraph, NetPort, WiringError, net_initialize, net_rename, net_replace_part


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


def _user_named_port():
    """A nested graph whose output the user named ``l1_Output`` (the name a port path would give), read outside."""
    enc = NetGraph({"l1": LinearLayer(4), "l2": LinearLayer(3)},
                   [("l1", "l2"), (NetPort("l1", "Output"), NetPort("l1_Output")), ("l2", NetPort("Output"))])
    return net_initialize(NetGraph({"enc": enc, "z": LinearLayer(2)}, [(NetPort("x"), "enc"),
                                                                      (NetPort("enc", "l1_Output"), "z")], x=5), seed=0)


def test_renaming_a_layer_keeps_an_output_the_user_named_like_a_port_path_output():
    renamed = net_rename(_user_named_port(), {("enc", "l1"): "first"})
    assert renamed.layers["enc"].output_ports == ("l1_Output", "Output")
    assert net_rename(_user_named_port().layers["enc"], {"l1": "first"}).output_ports == ("l1_Output", "Output")


def test_a_replacement_without_an_output_the_user_named_like_a_port_path_output_is_an_error():
    new = NetChain({"l1": LinearLayer(4), "q": LinearLayer(6)}, input=5)
    with pytest.raises(WiringError, match="'enc' .* has no port 'l1_Output'"):
        net_replace_part(_user_named_port(), {"enc": new})


def test_a_deeper_replacement_without_the_layer_a_port_path_reads_names_no_inner_edge():
    enc = NetChain({"l1": LinearLayer(4), "l2": LinearLayer(3)})
    deep = NetGraph({"a": NetGraph({"enc": enc}, []), "z": LinearLayer(2)},
                    [(NetPort(("a", "enc", "l1", "Output")), "z")], Input=5)
    with pytest.raises(WiringError) as caught:
        net_replace_part(deep, {("a", "enc"): NetChain({"b": LinearLayer(3)})})
    text = str(caught.value)
    assert "has no layer 'l1'" in text and "its layers are ['b']" in text
    assert "l1_Output" not in text and "-> NetPort(" not in text


@pytest.mark.parametrize("where", ["holder", "ancestor"])
def test_a_replacement_with_the_layer_but_without_the_path_s_output_is_an_error_naming_it(where):
    new = NetChain({"l1": LinearLayer(4), "q": LinearLayer(6)}, input=5)
    net = _reading_inside() if where == "holder" else \
        NetGraph({"a": NetGraph({"enc": NetChain({"l1": LinearLayer(4), "l2": LinearLayer(3)})}, []),
                  "z": LinearLayer(2)}, [(NetPort(("a", "enc", "l1", "Output")), "z")], Input=5)
    part, lacked = ("enc", "'l1_Output'") if where == "holder" else ("a", "'enc_l1_Output'")
    with pytest.raises(WiringError, match=f"has no port {lacked}"):
        net_replace_part(net, {part: new if where == "holder" else NetGraph({"enc": new}, [])})
