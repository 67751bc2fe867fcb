"""One graph input feeding two coded nested nets takes their one encoder from both; replacing one of them by a net
with another encoder is the ``coder-clash`` a net built so directly is, not an index-range ShapeError (or, for an
encoder of as many labels, the new encoder silently taken for the net left, which still reads the old labels)."""

from __future__ import annotations

import pytest

from netgraph import (ClassDecoder, ClassEncoder, EmbeddingLayer, LinearLayer, NetChain, NetGraph, NetPort,
                      SoftmaxLayer, WiringError, load, net_initialize, net_replace_part, save)
from netgraph.spec.api import from_yaml, to_yaml

ENC, DEC = ClassEncoder(["red", "green", "blue"]), ClassDecoder(["warm", "cold"])
OTHERS = {"more labels": ClassEncoder(list("abcde")), "as many labels": ClassEncoder(["r", "g", "b"])}


def _coded(encoder=ENC, seed=0):
    return net_initialize(NetChain([EmbeddingLayer(4, len(encoder.labels)), LinearLayer(2), SoftmaxLayer()],
                                   input=encoder, output=DEC), seed=seed)


def _two(a, b):
    return NetGraph({"a": a, "b": b}, [(NetPort("Input"), "a"), (NetPort("Input"), "b")])


def _saved(net, tmp_path):
    save(net, tmp_path / "net.yaml")
    return load(tmp_path / "net.yaml")


READ = {"python": lambda net, _: net, "to_yaml": lambda net, _: from_yaml(to_yaml(net)), "file": _saved}


@pytest.mark.parametrize("how", READ)
@pytest.mark.parametrize("other", OTHERS)
def test_replacing_one_of_two_nets_an_input_feeds_by_another_encoders_is_the_direct_clash(how, other, tmp_path):
    net = READ[how](_two(_coded(), _coded()), tmp_path)
    with pytest.raises(WiringError) as direct:
        _two(_coded(), _coded(OTHERS[other]))
    with pytest.raises(WiringError) as replaced:
        net_replace_part(net, {"b": _coded(OTHERS[other], seed=1)})
    error = replaced.value
    assert (error.kind, error.port, error.expected, error.found) == ("coder-clash", "Input", ENC, OTHERS[other])
    assert "graph input 'Input' feeds a.Input with ClassEncoder" in str(error) and "b.Input with" in str(error)
    assert str(error).endswith(str(direct.value)), str(error)


@pytest.mark.parametrize("how", READ)
def test_replacing_one_of_them_keeps_the_encoder_the_other_gives(how, tmp_path):
    net = READ[how](_two(_coded(), _coded()), tmp_path)
    same = net_replace_part(net, {"b": _coded(seed=1)})
    assert same.coders == {"Input": ENC, "Output1": DEC, "Output2": DEC} and same("red") == _two(_coded(),
                                                                                              _coded(seed=1))("red")
    plain = net_replace_part(net, {"b": NetChain([EmbeddingLayer(4, 3), LinearLayer(5)])})  # its encoder went
    assert plain.coders == {"Input": ENC, "Output1": DEC}
    assert net_replace_part(plain, {"a": _coded(OTHERS["as many labels"])}).coders["Input"] == OTHERS["as many labels"]
