"""A graph's read-only views (``GraphViews``): the port types declared at construction, and the types of a graph
initialised inside another, inferred when first read (``Inference.settled``), for it and the copies sharing them."""

from __future__ import annotations

import pickle

import pytest
import torch

from netgraph import ElementwiseLayer, LinearLayer, NetChain, NetGraph, net_initialize, net_replace_part
from netgraph.core.types import PortType


def test_declared_port_types_are_the_types_given_at_construction_read_only():
    net = NetGraph({"fc": LinearLayer(4), "act": "Tanh"}, [("fc", "act")], Input=3)
    declared = net.declared_port_types
    assert dict(declared) == {"Input": PortType((3,), None)} and "Output" not in declared
    assert net.port_types["Output"].shape == (4,)  # inferred, not declared
    with pytest.raises(TypeError):
        declared["Output"] = PortType((4,), None)
    assert dict(NetChain([LinearLayer(2)]).declared_port_types) == {}


def _initialised() -> NetChain:
    inner = [NetChain([LinearLayer(5), ElementwiseLayer("Tanh")]) for _ in range(2)]
    return net_initialize(NetChain(inner, Input=5), seed=0)


def _built(inner: NetChain) -> NetChain:
    return NetChain(list(inner.layers.values()))


def test_a_copy_sharing_an_unread_inner_net_s_types_reads_them_as_built():
    net = _initialised()
    edited = net_replace_part(net, {(1, 1, "Biases"): torch.ones(5)})  # a copy of the inner chain 1
    for inner in (*edited.layers.values(), *net.layers.values()):
        assert inner.port_types == _built(inner).port_types and inner.port_types["Input"].shape == (5,)


def test_an_unread_inner_net_s_types_read_after_pickling_and_in_a_net_built_around_it():
    net = _initialised()
    back = pickle.loads(pickle.dumps(net))
    assert [inner.port_types for inner in back.layers.values()] == [_built(i).port_types for i in net.layers.values()]
    first, second = net.layers.values()
    outer = NetGraph({"a": first, "b": second}, [("a", "b")])  # inferred level by level
    assert outer.port_types == {"Input": PortType((5,), "Real"), "Output": PortType((5,), "Real")}
