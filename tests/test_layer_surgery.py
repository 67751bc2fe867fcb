"""net_extract and net_replace_part of a layer alone: Wolfram's NetExtract[layer, "param"] and
NetReplacePart[layer, "array" -> value], the first forms on their pages (found by QA, qa-wolfram: both said they
take a NetGraph or NetChain)."""

from __future__ import annotations

import pytest
import torch

from netgraph import (LinearLayer, NetArrayLayer, NetGraph, NetMapOperator, OptionError, WiringError, net_extract,
                      net_initialize, net_replace_part)


def test_extract_an_array_of_a_layer_by_its_name():
    w, b = torch.arange(6.0).reshape(3, 2), torch.tensor([1.0, 2.0, 3.0])
    layer = LinearLayer(3, weights=w, biases=b)
    assert torch.equal(net_extract(layer, "Weights"), w) and torch.equal(net_extract(layer, "Biases"), b)
    assert net_extract(LinearLayer(3, input=2), "Weights") is None  # uninitialised: None, Wolfram's Automatic
    assert torch.equal(net_extract(NetArrayLayer(array=[1.0, 2.0]), "Array"), torch.tensor([1.0, 2.0]))
    everything = net_extract(layer, "All")
    assert list(everything) == ["Weights", "Biases"] and torch.equal(everything["Weights"], w)


def test_extract_from_an_operator_takes_the_path_into_its_inner_net():
    mapped = net_initialize(NetMapOperator(LinearLayer(2, input=3)), seed=0)
    (path, weights), = [(k, v) for k, v in net_extract(mapped, "All").items() if k[-1] == "Weights"]
    assert path == ("net", "layer", "Weights") and weights.shape == (2, 3)
    assert torch.equal(net_extract(mapped, path), weights)


def test_an_unknown_array_of_a_layer_names_its_arrays():
    with pytest.raises(WiringError, match=r"has no array 'Weigths' \(did you mean 'Weights'\?\); its arrays are "
                                          r"\['Weights', 'Biases'\]"):
        net_extract(LinearLayer(3), "Weigths")


def test_replace_an_array_of_a_layer_gives_the_new_layer():
    layer = net_initialize(LinearLayer(3, input=2), seed=0)
    zeros = torch.zeros(3, 2)
    new = net_replace_part(layer, {"Weights": zeros})
    assert isinstance(new, LinearLayer) and torch.equal(new.arrays["Weights"], zeros)
    assert torch.equal(new.arrays["Biases"], layer.arrays["Biases"]) and not torch.equal(layer.arrays["Weights"], zeros)
    torch.testing.assert_close(new(torch.ones(4, 2)), layer.arrays["Biases"].expand(4, 3))
    with pytest.raises(OptionError, match=r"array 'Weights': expected shape \(3, 2\), found \(2, 3\)"):
        net_replace_part(layer, {"Weights": torch.zeros(2, 3)})


def test_replace_a_port_of_a_layer_says_to_give_the_layer_the_shape():
    with pytest.raises(OptionError, match=r"net_replace_part of a layer replaces its arrays; 'Input' is a port"):
        net_replace_part(LinearLayer(3), {"Input": 4})
    assert NetGraph(LinearLayer(3), Input=4).input_shapes == {"Input": (4,)}


def test_errors_about_a_layer_alone_name_the_layer_not_a_net_around_it():
    """net_extract(layer, "Weigths") said "layer 1 'LinearLayer' (LinearLayer) has no array ...": the net of the
    layer alone, which the caller never wrote, leaked into the message and the Diagnostic's layer path."""
    layer = net_initialize(LinearLayer(3, input=2), seed=0)
    with pytest.raises(WiringError) as info:
        net_extract(layer, "Weigths")
    assert str(info.value).startswith("net_extract: LinearLayer has no array 'Weigths' (did you mean 'Weights'?)")
    assert info.value.diagnostics[0].layer == ()
    with pytest.raises(OptionError) as info:
        net_replace_part(layer, {"Weights": torch.zeros(2, 3)})
    assert str(info.value).startswith("net_replace_part: LinearLayer array 'Weights': expected shape (3, 2)")
    assert info.value.diagnostics[0].layer == () and info.value.diagnostics[0].expected == (3, 2)


@pytest.mark.parametrize("spec", [1, (1, "Weights"), ("Weights", "x")])
def test_a_layer_path_into_a_layer_alone_names_the_layer(spec):
    """net_extract(layer, 1) said "no layer at 'LinearLayer/1': layer 'LinearLayer' (LinearLayer) is not a graph":
    the path into the one-layer net that carries the edit, which the caller never wrote."""
    layer = net_initialize(LinearLayer(3, input=2), seed=0)
    for function, edit in (("net_extract", lambda: net_extract(layer, spec)),
                           ("net_replace_part", lambda: net_replace_part(layer, {spec: torch.zeros(3, 2)}))):
        with pytest.raises(WiringError) as info:
            edit()
        assert str(info.value).startswith(f"{function}: LinearLayer is a layer, not a net: it holds no layers, so "
                                          f"{spec!r} names nothing in it; name one of its arrays, 'Weights' or "
                                          f"'Biases'")
        d = info.value.diagnostics[0]
        assert (d.kind, d.layer, d.found) == ("layer-path", (), spec)


@pytest.mark.parametrize("spec, first", [(("nett", "layer"), "'nett' (did you mean 'net'?)"), (1, "1")])
def test_a_path_into_an_operator_alone_names_the_operator(spec, first):
    mapped = NetMapOperator(LinearLayer(2, input=3))
    with pytest.raises(WiringError) as info:
        net_extract(mapped, spec)
    assert str(info.value).startswith(f"net_extract: a path into NetMapOperator names its inner net first, one of "
                                      f"['net'], not {first}")
    assert (info.value.diagnostics[0].layer, info.value.diagnostics[0].found) == ((), spec[0] if spec != 1 else 1)
