"""Wolfram's rule for a nested net's coders (reference §1.4): "encoders and decoders are stripped from interior nodes
and kept only on the periphery". A nested graph's decoder on an output that becomes the outer net's output was dropped
(``NetChain({"g": g})(x)`` gave the raw tensor, ``net_flatten`` too); so was an encoder on a fed-through input."""

from __future__ import annotations

import pytest
import torch

from netgraph import (ClassDecoder, ClassEncoder, EmbeddingLayer, LinearLayer, NetChain, NetGraph, NetPort, ShapeError,
                      SoftmaxLayer, WiringError, load, net_append, net_flatten, net_initialize, net_rename,
                      net_replace_part, save)
from netgraph.spec.api import from_yaml, to_yaml
from netgraph.train import net_measurements, net_train

ENC, DEC = ClassEncoder(["red", "green", "blue"]), ClassDecoder(["warm", "cold"])


@pytest.fixture
def coded():
    """Colour names -> warm/cold, its own encoder and decoder."""
    return net_initialize(NetChain([EmbeddingLayer(4, 3), LinearLayer(2), SoftmaxLayer()], input=ENC, output=DEC),
                          seed=0)


def _outers(g):
    return {"chain": NetChain({"g": g}), "graph": NetGraph({"g": g}, []),
            "three levels": NetGraph({"a": NetChain({"b": NetGraph({"g": g}, [])})}, [])}


@pytest.mark.parametrize("kind", ["chain", "graph", "three levels"])
def test_a_nested_nets_peripheral_coders_become_the_outer_ports(coded, kind):
    outer = _outers(coded)[kind]
    assert outer.coders == {"Input": ENC, "Output": DEC}
    assert outer("red") == coded("red") and outer(["red", "blue"]) == coded(["red", "blue"])
    assert outer("green", decoder="Probabilities") == coded("green", decoder="Probabilities")
    assert torch.equal(outer("blue", decoder=None), coded("blue", decoder=None))
    assert outer.information("Decoders") == coded.information("Decoders")


def test_the_stripped_inner_net_keeps_its_values_and_the_type_its_encoder_gave(coded):
    inner = NetChain({"g": coded}).layers["g"]
    assert inner.coders == {} and inner.port_types == coded.port_types  # an index port, as the encoder made it
    assert torch.equal(inner(torch.tensor([2])), coded(torch.tensor([2]), decoder=None))


def test_net_flatten_keeps_the_periphery_coders(coded):
    flat = net_flatten(NetGraph({"a": NetChain({"g": coded})}, []))
    assert flat.coders == {"Input": ENC, "Output": DEC} and flat("red") == coded("red")


def test_interior_coders_are_stripped_and_values_unchanged(coded):
    head = LinearLayer(3, weights=torch.eye(3, 2), biases=torch.zeros(3))
    net = NetChain({"g": coded, "head": head})  # g's decoder now feeds a layer: interior
    assert net.coders == {"Input": ENC} and net.layers["g"].coders == {}
    probabilities = coded("red", decoder=None)
    assert torch.allclose(net("red"), torch.cat([probabilities, torch.zeros(1)]))
    assert net_append(NetChain({"g": coded}), head).coders == {"Input": ENC}


def test_a_coded_net_put_in_by_net_replace_part_gives_its_coders_to_the_outer_ports(coded):
    plain = NetChain({"g": NetChain({"g": coded}).layers["g"]})  # the same net, its coders stripped
    assert plain.coders == {}
    assert net_replace_part(plain, {"g": coded}).coders == {"Input": ENC, "Output": DEC}


def test_an_outer_coder_given_explicitly_wins(coded):
    named = NetChain({"g": coded}, output=ClassDecoder(["hot", "cold"]))
    assert named.coders["Output"] == ClassDecoder(["hot", "cold"]) and named("red") in ("hot", "cold")
    assert named.layers["g"].coders == {}


def test_one_input_feeding_two_different_encoders_is_refused_naming_both(coded):
    other = net_replace_part(coded, {"Input": ClassEncoder(["r", "g", "b"])})
    with pytest.raises(WiringError, match=r"graph input 'Input' feeds a\.Input with ClassEncoder.*'red'.* and "
                                          r"b\.Input with ClassEncoder.*'r'") as info:
        NetGraph({"a": coded, "b": other}, [(NetPort("Input"), "a"), (NetPort("Input"), "b")])
    assert info.value.kind == "coder-clash" and info.value.port == "Input"
    same = NetGraph({"a": coded, "b": coded}, [(NetPort("Input"), "a"), (NetPort("Input"), "b")])
    assert same.coders == {"Input": ENC, "Output1": DEC, "Output2": DEC}


def test_yaml_and_save_keep_the_periphery_coders(coded, tmp_path):
    outer = NetChain({"g": coded})
    assert from_yaml(to_yaml(outer)) == outer
    save(outer, tmp_path / "net.yaml")
    assert load(tmp_path / "net.yaml")("blue") == coded("blue")
    text = to_yaml(coded).split("\n", 1)[1].replace("\n", "\n    ")  # a nested spec with coders
    nested = from_yaml(f"netgraph: 1\nlayers:\n  g:\n    {text}\n")
    assert nested.coders == {"Input": ENC, "Output": DEC} and nested("red") == coded("red")


def test_net_train_and_measurements_take_class_names_at_the_outer_ports(coded):
    data = {"Input": ["red", "green", "blue"] * 4, "Output": ["warm", "cold", "cold"] * 4}
    trained, alone = (net_train(net, data, max_training_rounds=5, progress=False, random_seed=0)
                      for net in (NetChain({"g": coded}), coded))  # the same steps on the same arrays
    assert trained(data["Input"]) == alone(data["Input"]) and set(alone(data["Input"])) <= {"warm", "cold"}
    measured = [net_measurements(net, data, ["Loss", "Accuracy"]) for net in (trained, alone)]
    assert measured[0] == pytest.approx(measured[1], rel=1e-6)


def test_net_replace_part_takes_a_netport_for_a_graph_port_as_net_rename_does(coded):
    plain = NetChain([LinearLayer(2)])
    assert net_replace_part(plain, {NetPort("Input"): 6}).input_shapes == {"Input": (6,)}
    outer = NetChain({"g": coded})
    assert net_replace_part(outer, {NetPort("Output"): None}).coders == {"Input": ENC}
    relabelled = net_replace_part(outer, {NetPort("Output"): ClassDecoder(["x", "y"])})
    assert relabelled("red") == {"warm": "x", "cold": "y"}[coded("red")]
    named_input = NetGraph({"Input": LinearLayer(2)}, [(NetPort("In"), "Input")])  # a layer named as no graph port is
    assert net_replace_part(named_input, {NetPort("In"): 5}).input_shapes == {"In": (5,)}
    with pytest.raises(WiringError, match=r"NetPort\('Nope'\): the net has no graph port 'Nope'; its graph ports "
                                          r"are \['Input', 'Output'\]"):
        net_replace_part(plain, {NetPort("Nope"): 6})


OTHER = ClassEncoder(list("abcde")), ClassDecoder(["x", "y", "z"])


@pytest.mark.parametrize("kind", ["chain", "graph"])
def test_replacing_a_coded_net_takes_the_new_nets_coders_not_the_old_ones(coded, kind):
    other = net_initialize(NetChain([EmbeddingLayer(4, 5), LinearLayer(3), SoftmaxLayer()], input=OTHER[0],
                                    output=OTHER[1]), seed=0)
    swapped = net_replace_part(_outers(coded)[kind], {"g": other})  # was a ShapeError: "2 labels ... found (3)"
    assert swapped.coders == {"Input": OTHER[0], "Output": OTHER[1]}
    assert swapped("c") == other("c")
    back = net_replace_part(swapped, {"g": coded})  # the coders taken are known as taken after a replacement too
    assert back.coders == {"Input": ENC, "Output": DEC} and back("red") == coded("red")


@pytest.mark.parametrize("kind", ["chain", "graph"])
def test_replacing_a_coded_net_by_a_plain_one_drops_the_coders_it_gave(coded, kind):
    plain = net_replace_part(_outers(coded)[kind], {"g": NetChain([EmbeddingLayer(4, 3), LinearLayer(5)])})
    assert plain.coders == {} and plain.port_types["Output"].shape == (5,)


def test_coders_given_on_the_outer_net_stay_when_the_inner_net_is_replaced(coded):
    own = ClassDecoder(["hot", "cool"])
    outer = NetChain({"g": coded}, output=own)
    swapped = net_replace_part(outer, {"g": net_initialize(NetChain([EmbeddingLayer(4, 3), LinearLayer(2),
                                                                     SoftmaxLayer()], input=ENC), seed=1)})
    assert swapped.coders == {"Input": ENC, "Output": own}


@pytest.mark.parametrize("given", [{"input": 5}, {"input": "Real"}, {"output": 7}])
def test_a_shape_given_on_the_outer_port_is_checked_not_overwritten_by_the_inner_coder(coded, given):
    with pytest.raises(ShapeError, match="shape conflict"):  # built silently, the inner coder written over it
        NetChain({"g": coded}, **given)


def _encoding():
    return net_initialize(NetChain([EmbeddingLayer(3, 3)], input=ENC), seed=2)


def _two_coded(kind):
    """An encoder net 'e' then a decoder net 'g' (warm/cold), in a chain or a graph: each gives the outer a coder."""
    enc = _encoding()
    dec = net_initialize(NetChain([LinearLayer(2), SoftmaxLayer()], input=(3,), output=DEC), seed=3)
    return NetChain({"e": enc, "g": dec}) if kind == "chain" else NetGraph({"e": enc, "g": dec}, [("e", "g")])


THREE = ClassDecoder(["x", "y", "z"])


def _three_labels():
    return net_initialize(NetChain([LinearLayer(3), SoftmaxLayer()], input=(3,), output=THREE), seed=4)


@pytest.mark.parametrize("kind", ["chain", "graph"])
def test_the_coders_taken_stay_known_as_taken_over_two_replacements(kind):
    outer = _two_coded(kind)
    again = net_replace_part(outer, {"e": _encoding()})  # an equal net: rebuilt, the decoder from 'g' given back
    swapped = net_replace_part(again, {"g": _three_labels()})  # was a ShapeError: "2 labels ... found (3)"
    assert swapped.coders == {"Input": ENC, "Output": THREE} and swapped("red") in ("x", "y", "z")


@pytest.mark.parametrize("kind", ["chain", "graph"])
def test_the_coders_taken_stay_known_as_taken_after_net_rename(kind):
    renamed = net_rename(_two_coded(kind), {"g": "d"})
    swapped = net_replace_part(renamed, {"d": _three_labels()})  # was a ShapeError: "2 labels ... found (3)"
    assert swapped.coders == {"Input": ENC, "Output": THREE} and swapped("red") in ("x", "y", "z")
    plain = net_replace_part(renamed, {"e": NetChain([EmbeddingLayer(3, 3)])})  # the encoder went with 'e'
    assert plain.coders == {"Output": DEC}
