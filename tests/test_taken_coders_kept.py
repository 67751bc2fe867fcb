"""The coders an outer graph takes from a nested net (Wolfram's periphery rule) stay known as taken from it after a file
round trip and after edits that rebuild the outer net: replacing that nested net then gives the outer ports its coders.
They were lost: read back, appended to or renamed inside, the outer net held them as its own, and replacing the nested
net by one with other coders was a ShapeError ("ClassDecoder with 2 labels ... found (3)") or kept the old encoder."""

from __future__ import annotations

import pytest
import yaml

from netgraph import (ClassDecoder, ClassEncoder, ElementwiseLayer, EmbeddingLayer, LinearLayer, NetChain, NetGraph,
                      NetPort, SoftmaxLayer, load, net_append, net_delete, net_drop, net_extract,
                      net_flatten, net_initialize, net_insert, net_join, net_prepend, net_rename, net_replace_part,
                      net_take, save)
from netgraph.spec.api import from_yaml, to_yaml

ENC, DEC = ClassEncoder(["red", "green", "blue"]), ClassDecoder(["warm", "cold"])
OTHER = ClassEncoder(list("abcde")), ClassDecoder(["x", "y", "z"])


def _coded(encoder=ENC, decoder=DEC, seed=0):
    """Colour names -> warm/cold (or letters -> x/y/z), its own encoder and decoder."""
    return net_initialize(NetChain([EmbeddingLayer(4, len(encoder.labels)), LinearLayer(len(decoder.labels)),
                                    SoftmaxLayer()], input=encoder, output=decoder), seed=seed)


def _decoding(decoder=DEC):
    return net_initialize(NetChain([LinearLayer(len(decoder.labels)), SoftmaxLayer()], input=3, output=decoder), seed=1)


def _outers():
    return {"chain": NetChain({"g": _coded()}), "graph": NetGraph({"g": _coded()}, []),
            "three levels": NetGraph({"a": NetChain({"b": NetGraph({"g": _coded()}, [])})}, [])}


def _saved(net, tmp_path):
    save(net, tmp_path / "net.yaml")
    return load(tmp_path / "net.yaml")


READ_BACK = {"to_yaml": lambda net, _: from_yaml(to_yaml(net)), "save": _saved}


@pytest.mark.parametrize("how", READ_BACK)
@pytest.mark.parametrize("kind", ["chain", "graph", "three levels"])
def test_a_net_read_back_is_equal_and_its_taken_coders_are_replaced_with_the_nested_net(kind, how, tmp_path):
    outer = _outers()[kind]
    back = READ_BACK[how](outer, tmp_path)
    assert back == outer and back.information("TopologyHash") == outer.information("TopologyHash")
    assert back.coders == {"Input": ENC, "Output": DEC} and back("red") == outer("red")
    assert to_yaml(back) == to_yaml(outer)
    place = "g" if kind != "three levels" else ("a", "b", "g")
    swapped = net_replace_part(back, {place: _coded(*OTHER)})
    assert swapped.coders == {"Input": OTHER[0], "Output": OTHER[1]} and swapped("c") == _coded(*OTHER)("c")
    plain = net_replace_part(back, {place: NetChain([EmbeddingLayer(4, 3), LinearLayer(5)])})
    assert plain.coders == {} and plain.port_types["Output"].shape == (5,)


def test_a_file_writes_the_taken_coders_on_the_nested_net_and_the_outer_nets_own_on_its_port():
    own = ClassDecoder(["hot", "cool"])
    spec = yaml.safe_load(to_yaml(NetChain({"g": _coded()}, output=own)))
    assert "inputs" not in spec and spec["outputs"]["Output"]["decoder"]["labels"] == ["hot", "cool"]
    nested = spec["layers"]["g"]
    assert nested["inputs"]["Input"]["encoder"]["labels"] == ["red", "green", "blue"] and "outputs" not in nested
    back = from_yaml(to_yaml(NetChain({"g": _coded()}, output=own)))
    assert back.coders == {"Input": ENC, "Output": own}
    swapped = net_replace_part(back, {"g": _coded(OTHER[0], ClassDecoder(["p", "q"]))})
    assert swapped.coders == {"Input": OTHER[0], "Output": own}


def _swapped_decoder(net, name="g"):
    return net_replace_part(net, {name: _decoding(OTHER[1])}).coders


def test_chain_edits_keep_the_decoder_known_as_taken():
    chain = NetChain({"l": LinearLayer(3), "g": _decoding()}, input=2)
    edits = {"net_prepend": net_prepend(chain, {"p": LinearLayer(2)}),
             "net_insert": net_insert(chain, {"p": LinearLayer(3)}, "g"),
             "net_delete": net_delete(net_prepend(chain, {"p": LinearLayer(2)}), "p"),
             "net_take": net_take(chain, "g"), "net_drop": net_drop(chain, 1),
             "net_join": net_join(NetChain({"p": LinearLayer(2)}, input=4), chain),
             "net_replace_part": net_replace_part(chain, {"l": LinearLayer(3)})}
    for name, edited in edits.items():
        assert edited.coders == {"Output": DEC}, name
        assert _swapped_decoder(edited) == {"Output": OTHER[1]}, name
    renamed = net_rename(chain, {"g": "d"})
    assert _swapped_decoder(renamed, "d") == {"Output": OTHER[1]}


def test_an_edit_inside_the_nested_net_keeps_its_coders_taken():
    outer = _outers()["three levels"]
    inside = net_replace_part(outer, {("a", "b", "g", 2): LinearLayer(2)})  # g keeps its ports: its coders stay
    assert inside.coders == {"Input": ENC, "Output": DEC}
    assert net_replace_part(inside, {"a": _coded(*OTHER)}).coders == {"Input": OTHER[0], "Output": OTHER[1]}
    renamed = net_rename(outer, {("a", "b"): "c"})
    assert net_replace_part(renamed, {("a", "c", "g"): _coded(*OTHER)}).coders == {"Input": OTHER[0],
                                                                                     "Output": OTHER[1]}


def test_an_edit_that_makes_a_taken_coder_interior_drops_it_as_wolfram_strips_it():
    appended = net_append(NetChain({"g": _coded()}), {"h": ElementwiseLayer("Tanh")})  # g's output feeds h
    assert appended.coders == {"Input": ENC}
    assert net_replace_part(appended, {"g": _coded(*OTHER)}).coders == {"Input": OTHER[0]}  # was the old encoder
    prepended = net_prepend(NetChain({"g": _decoding()}, input=3), {"p": LinearLayer(3)})
    assert prepended.coders == {"Output": DEC}
    assert net_drop(appended, -1).coders == {"Input": ENC}  # stripped, not given back when g's output is outer again
    grown = NetChain({"e": _coded(), "h": ElementwiseLayer("Tanh")})
    assert net_take(grown, "e").coders == {"Input": ENC}


def test_net_flatten_keeps_the_coders_though_no_nested_net_is_left_to_replace():
    flat = net_flatten(_outers()["three levels"])
    assert flat.coders == {"Input": ENC, "Output": DEC} and flat("red") == _coded()("red")
    assert from_yaml(to_yaml(flat)) == flat


def test_a_same_ports_replacement_of_the_coded_net_gives_its_coders_and_strips_them_inside():
    outer = NetChain({"g": _coded()})
    same = _coded(ClassEncoder(["r", "g", "b"]), ClassDecoder(["hot", "cool"]), seed=1)
    swapped = net_replace_part(outer, {"g": same})
    assert swapped.coders == same.coders and swapped.layers["g"].coders == {}
    assert swapped("b") == same("b") and swapped(["r", "g"]) == same(["r", "g"])
    assert from_yaml(to_yaml(swapped)) == swapped


def test_a_nested_net_taken_out_is_written_without_the_coders_stripped_from_it():
    middle = net_extract(_outers()["three levels"], "a")  # its coders (taken from 'b') were stripped
    assert middle.coders == {} and from_yaml(to_yaml(middle)).coders == {}
    assert from_yaml(to_yaml(middle)) == middle


def test_one_input_feeding_two_nested_nets_takes_their_encoder_from_both_after_a_file_round_trip():
    net = NetGraph({"a": _coded(), "b": _coded()}, [(NetPort("Input"), "a"), (NetPort("Input"), "b")])
    back = from_yaml(to_yaml(net))
    assert back == net and back.coders == {"Input": ENC, "Output1": DEC, "Output2": DEC}
    swapped = net_replace_part(back, {"a": _coded(*OTHER), "b": _coded(*OTHER)})
    assert swapped.coders == {"Input": OTHER[0], "Output1": OTHER[1], "Output2": OTHER[1]}
