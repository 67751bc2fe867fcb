"""net_extract of a nested net gives it the input types it had in place (Wolfram's layers keep their inferred
types), so an extracted decoder runs on its own: a VAE's decoder sampled from the prior."""

from __future__ import annotations

import torch

from netgraph import (AppendLayer, BasicRecurrentLayer, ElementwiseLayer, FunctionLayer, LinearLayer, NetChain,
                      NetGraph, NetMapOperator, NetPort, PortType, ThreadingLayer, TorchLayer, net_extract,
                      net_initialize)


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


# -- a plain layer keeps the input shapes it had in the net, through its own shape options --------------------------

def test_an_extracted_layer_declares_the_input_it_had_so_it_initialises_and_runs_alone():
    chain = NetChain([LinearLayer(8), "Tanh"], input=4)
    assert net_extract(chain, 1) == chain[0] == LinearLayer(8, input=4)
    assert chain[1] == ElementwiseLayer("Tanh", input=8)
    lin = net_initialize(chain[0], seed=0)
    x = torch.randn(5, 4)
    torch.testing.assert_close(lin(x), x @ lin.arrays["Weights"].T + lin.arrays["Biases"])


def test_a_layer_with_several_inputs_declares_each_through_its_option():
    net = NetGraph({"seq": LinearLayer((4, 3)), "el": LinearLayer(3), "app": AppendLayer(),
                    "f": FunctionLayer("#x * #y")},
                   [("seq", NetPort("app", "Input")), ("el", NetPort("app", "Element")),
                    ("el", NetPort("f", "x")), (NetPort("y"), NetPort("f", "y"))], Input=2, y=3)
    assert net_extract(net, "app") == AppendLayer(input=(4, 3), element=3)
    assert net_extract(net, "f") == FunctionLayer("#x * #y", input={"x": (3,), "y": (3,)})
    assert NetGraph(net_extract(net, "f")).input_shapes == {"x": (3,), "y": (3,)}


def test_options_named_otherwise_take_the_shapes_too():
    rnn = NetChain({"rnn": BasicRecurrentLayer(3)}, input=["n", 2])
    assert net_extract(rnn, "rnn") == BasicRecurrentLayer(3, input=["n", 2])
    wrapped = NetGraph({"a": LinearLayer(3), "t": TorchLayer(torch.nn.Tanh())}, [("a", "t")], Input=2)
    t = net_extract(wrapped, "t")
    assert NetGraph(t).input_shapes == {"Input": (3,)}
    assert t == TorchLayer(torch.nn.Tanh(), inputs={"Input": PortType((3,), "Real")})


def test_layers_deep_inside_take_the_shapes_they_had_there():
    net = NetChain({"enc": NetChain({"l1": LinearLayer(8), "act": "Ramp"}), "head": LinearLayer(2)}, input=4)
    assert net_extract(net, ("enc", "act")) == ElementwiseLayer("Ramp", input=8)
    mapped = NetChain({"map": NetMapOperator(NetChain({"lin": LinearLayer(3)}))}, input=(5, 2))
    assert net_extract(mapped, ("map", "net", "lin")) == mapped["map", "net", "lin"] == LinearLayer(3, input=2)


def test_a_layer_that_knows_its_shapes_comes_back_as_it_is_one_without_an_option_for_them_keeps_them_beside():
    lin = LinearLayer(3, input=2)
    plus = ThreadingLayer("Plus", inputs=2)
    net = NetGraph({"a": lin, "b": LinearLayer(3), "plus": plus}, [("a", "plus"), ("b", NetPort("plus", "Input2"))],
                   Input=2)
    assert net_extract(net, "a") is lin
    extracted = net_extract(net, "plus")  # no option declares a ThreadingLayer's input shapes: it keeps them beside
    assert extracted == plus and NetGraph(extracted).input_shapes == {"Input1": (3,), "Input2": (3,)}


def test_an_extracted_layer_keeps_the_dtype_and_range_it_had_where_alone_it_infers_others():
    """A Reshape fed indices 0..9 came back with its shape only: alone it took Real values. It declares as an
    edited net does (``declared_where_needed``): the dtype and range too where alone it infers others."""
    from netgraph import EmbeddingLayer, ReshapeLayer
    net = NetGraph({"r": ReshapeLayer((2, 2)), "e": EmbeddingLayer(3, 10)}, [("r", "e")],
                   Input=PortType(4, "Integer", (0, 9)))
    extracted = net_extract(net, "r")
    assert extracted == ReshapeLayer((2, 2))  # (no option takes its input's type: kept beside)
    assert NetGraph(extracted).port_types == net.layer_types("r")
    nested = NetGraph({"enc": NetChain([ReshapeLayer((2, 2))]), "e": EmbeddingLayer(3, 10)}, [("enc", "e")],
                      Input=PortType(4, "Integer", (0, 9)))  # a nested net: with_declared_inputs
    assert net_extract(nested, "enc").port_types == nested.layer_types("enc")
    real = NetChain({"r": ReshapeLayer((2, 2)), "t": "Tanh"}, Input=4)
    assert NetGraph(net_extract(real, "r")).port_types == real.layer_types("r")  # Real alone too: the shape only
