"""A shape a layer only guesses (a LinearLayer's Input as a vector, from its weights) is dropped where the net rules
it out: an initialised chain nested under a graph, rebuilt on its own (load, surgery, probes), stays valid with that
port unknown, as in Wolfram, instead of failing on its own guess."""

from __future__ import annotations

import pytest
import torch

from netgraph import (ConvolutionLayer, ElementwiseLayer, EmbeddingLayer, LinearLayer, NetChain, NetGraph, NetPort,
                      PortType, ShapeError, load, net_delete, net_initialize, net_insert, net_rename, net_replace,
                      net_replace_part, save)


@pytest.fixture(scope="module")
def cnn():
    """A convolution's Output (8, 6, 6) flattened by a LinearLayer: its weights alone suggest an Input (288)."""
    return net_initialize(NetGraph({"f": NetChain([ConvolutionLayer(8, 3), "Ramp", LinearLayer(10)])}, [],
                                   Input=(3, 8, 8)), seed=0)


@pytest.fixture(scope="module")
def encoder():
    """An embedding's Output (5, 4) flattened by a LinearLayer: its weights alone suggest an Input (20)."""
    return net_initialize(NetGraph({"enc": NetChain([EmbeddingLayer(4, 10), LinearLayer(3)])}, [],
                                   Input=PortType((5,), "Integer")), seed=0)


def _images() -> torch.Tensor:
    return torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(1))


def _tokens() -> torch.Tensor:
    return torch.randint(0, 10, (7, 5), generator=torch.Generator().manual_seed(2))


def test_the_nested_chain_alone_keeps_its_input_unknown(cnn, encoder):
    for net, name in ((cnn, "f"), (encoder, "enc")):
        alone = NetChain(list(net.layers[name].layers.values()))  # its arrays initialised, its Input not given
        assert alone.input_shapes == {"Input": None}
        assert alone.layers == net.layers[name].layers
    assert NetChain([LinearLayer(3, weights=torch.ones(3, 4))]).input_shapes == {"Input": (4,)}  # a guess that fits


@pytest.mark.parametrize("name", ["cnn", "encoder"])
def test_what_save_writes_load_reads(name, cnn, encoder, tmp_path):
    net, x = (cnn, _images()) if name == "cnn" else (encoder, _tokens())
    save(net, tmp_path / f"{name}.yaml")
    loaded = load(tmp_path / f"{name}.yaml")
    assert loaded == net
    assert torch.equal(loaded(x), net(x))


def test_surgery_on_the_nested_chain(cnn):
    x = _images()
    tanh = net_replace(cnn, {ElementwiseLayer: ElementwiseLayer("Tanh")})
    assert tanh.layers["f"].layers["2"] == ElementwiseLayer("Tanh")
    assert net_insert(cnn, "Tanh", ("f", 2)).layers["f"].layers["2"] == ElementwiseLayer("Tanh")
    assert list(net_rename(cnn, {("f", 1): "conv"}).layers["f"].layers) == ["conv", "2", "3"]
    assert torch.equal(net_rename(cnn, {("f", 1): "conv"})(x), cnn(x))
    without_ramp = net_delete(cnn, ("f", 2))
    conv, linear = cnn.layers["f"].layers["1"], cnn.layers["f"].layers["3"]
    expected = torch.nn.functional.conv2d(x, conv.arrays["Weights"], conv.arrays["Biases"]).flatten(1)
    expected = expected @ linear.arrays["Weights"].T + linear.arrays["Biases"]
    assert torch.allclose(without_ramp(x), expected, atol=1e-5)


def test_surgery_on_the_nested_encoder(encoder):
    tokens = _tokens()
    table = torch.arange(40.0).reshape(10, 4)
    replaced = net_replace_part(encoder, {("enc", 1, "Weights"): table})
    linear = encoder.layers["enc"].layers["2"]
    expected = table[tokens].flatten(1) @ linear.arrays["Weights"].T + linear.arrays["Biases"]
    assert torch.allclose(replaced(tokens), expected)


def test_probes_inside_the_nested_chains(cnn, encoder):
    tokens = _tokens()
    embedded = encoder(tokens, outputs=NetPort(("enc", 1, "Output")))
    assert torch.equal(embedded, encoder.layers["enc"].layers["1"].arrays["Weights"][tokens])
    ramp = cnn(_images(), outputs=NetPort(("f", 2, "Output")))
    assert ramp.shape == (2, 8, 6, 6) and bool((ramp >= 0).all())


def _weighted(width: int) -> LinearLayer:
    return LinearLayer(2, weights=torch.zeros(2, width), biases=torch.zeros(2))


def test_two_layers_weights_on_one_input_stay_a_conflict():
    """Two guesses that disagree (not the net ruling one out) are reported, naming both layers, not dropped."""
    with pytest.raises(ShapeError) as raised:
        NetGraph({"t": "Tanh", "a": _weighted(3), "b": _weighted(5)}, [(NetPort("Input"), "t"), ("t", ["a", "b"])])
    assert raised.value.layer == ("b",) and raised.value.port == "Input" and "layer 2 'a'" in str(raised.value)
    assert (raised.value.expected, raised.value.found) == (5, (3,))


def test_guesses_joined_by_a_plus_stay_a_conflict():
    layers = {"t1": "Tanh", "t2": "Tanh", "p": "Plus", "a": _weighted(3), "b": _weighted(5)}
    with pytest.raises(ShapeError) as raised:
        NetGraph(layers, [(NetPort("x"), "t1"), (NetPort("y"), "t2"), (["t1", "t2"], "p"), ("t1", "a"), ("t2", "b")])
    assert raised.value.layer == ("p",) and "layer 4 'a'" in str(raised.value) and "layer 5 'b'" in str(raised.value)
    agreeing = NetGraph({**layers, "b": _weighted(3)}, [(NetPort("x"), "t1"), (NetPort("y"), "t2"),
                                                         (["t1", "t2"], "p"), ("t1", "a"), ("t2", "b")])
    assert agreeing.input_shapes == {"x": (3,), "y": (3,)}


def test_a_ruled_out_guess_is_dropped_beside_guesses_that_fit():
    """A convolution's Output guessed a vector is dropped; many other layers' guesses are kept."""
    layers = {f"l{i}": _weighted(3) for i in range(40)} | {"c": ConvolutionLayer(2, 3), "cl": _weighted(8)}
    edges = [(NetPort(f"x{i}"), f"l{i}") for i in range(40)] + [(NetPort("img"), "c"), ("c", "cl")]
    net = NetGraph(layers, edges)
    assert net.input_shapes == {**{f"x{i}": (3,) for i in range(40)}, "img": None}


def test_a_conflicting_guess_is_found_in_few_propagations(monkeypatch):
    """Finding the guess the net rules out among many takes a few propagations (halving), not one per guess: each
    costs the leaves it touches, so one per guess made a large net's build quadratic."""
    from netgraph.core import inference
    calls, propagate = [], inference._propagate
    monkeypatch.setattr(inference, "_propagate", lambda *a, **k: calls.append(1) or propagate(*a, **k))
    layers = {f"l{i}": _weighted(3) for i in range(512)} | {"c": ConvolutionLayer(2, 3), "cl": _weighted(8)}
    edges = [(NetPort(f"x{i}"), f"l{i}") for i in range(512)] + [(NetPort("img"), "c"), ("c", "cl")]
    assert NetGraph(layers, edges).input_shapes["img"] is None
    assert len(calls) < 40
