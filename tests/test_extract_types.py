"""net_extract of a nested net gives it the input types it had in place (Wolfram's layers keep their inferred
types), so an extracted decoder runs on its own: a VAE's decoder sampled from the prior."""

from __future__ import annotations

import torch

from netgraph import LinearLayer, NetChain, NetGraph, NetPort, net_extract, net_initialize


def _autoencoder():
    return net_initialize(NetGraph({"enc": NetChain([LinearLayer(6), "Tanh", LinearLayer(2)]),
                                    "dec": NetChain([LinearLayer(6), "Tanh", LinearLayer(4)])},
                                   [("enc", "dec")], Input=4), seed=0)


def test_an_extracted_nested_chain_takes_the_input_it_took_in_place():
    net = _autoencoder()
    dec = net_extract(net, "dec")
    assert dec.input_shapes == {"Input": (2,)} and isinstance(dec, NetChain)
    z = torch.randn(5, 2)
    expected = torch.tanh(z @ dec.layers["1"].arrays["Weights"].T + dec.layers["1"].arrays["Biases"])
    expected = expected @ dec.layers["3"].arrays["Weights"].T + dec.layers["3"].arrays["Biases"]
    torch.testing.assert_close(dec(z), expected)
    assert torch.equal(net_extract(net, ("dec", 3, "Weights")), dec.layers["3"].arrays["Weights"])


def test_an_extracted_graph_of_an_uninitialised_net_gets_its_shapes_too():
    inner = NetGraph({"a": LinearLayer(3), "b": LinearLayer(3), "add": "Plus"}, [(NetPort("x"), "a", "add"),
                                                                               (NetPort("y"), "b", "add")])
    net = NetGraph({"pre": LinearLayer(5), "inner": inner}, [("pre", NetPort("inner", "x")),
                                                              (NetPort("z"), NetPort("inner", "y"))], Input=2, z=7)
    extracted = net_extract(net, "inner")
    assert extracted.input_shapes == {"x": (5,), "y": (7,)} and extracted.output_shapes == {"Output": (3,)}
    assert list(extracted.layers) == ["a", "b", "add"]


def test_a_nested_net_that_declares_its_input_comes_back_as_it_is():
    dec = NetChain([LinearLayer(4)], input=2)
    net = NetChain({"enc": LinearLayer(2), "dec": dec}, input=3)
    assert net_extract(net, "dec") is dec
