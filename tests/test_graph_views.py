"""A graph's read-only views (``GraphViews``): the port types declared at construction, and the types of a graph
initialised inside another, inferred when first read (``Inference.settled``), for it and the copies sharing them."""

from __future__ import annotations

import pickle

import pytest

from netgraph import (ElementwiseLayer, LinearLayer, NetChain, NetGraph, ReplicateLayer, net_initialize,
                      net_set_learning_rate_multipliers)
from netgraph.core import nesting
from netgraph.core.limits import limits
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
    """The copy settles the inference both share, read first; the original then reads it as settled."""
    inner = _initialised().layers["1"]
    copied = net_set_learning_rate_multipliers(inner, 0.5)
    assert copied._inference is inner._inference and inner._inference.ports is None  # shared, unread
    built = _built(inner).port_types
    assert copied.port_types == built and built["Input"].shape == (5,)
    assert inner._inference.ports is not None and inner.port_types == built  # settled once, for both


def test_an_unread_inner_net_s_types_are_read_under_the_limits_it_was_initialised_under():
    """Its ports were checked when the net holding it was initialised: reading them later, under other limits,
    refuses nothing (a size check run at the read raised 'too large')."""
    with limits(port_elements=2**31):
        net = net_initialize(NetChain([NetChain([LinearLayer(2), ReplicateLayer(2**29)])], Input=3), seed=0)
    assert net.layers["1"].port_types["Output"].shape == (2**29, 2)
    small = net_initialize(NetChain([NetChain([LinearLayer(64), "Tanh"])], Input=8), seed=0)
    with limits(port_elements=50):
        assert small.layers["1"].port_types["Output"].shape == (64,)


def test_a_solution_made_while_an_inference_settles_is_kept(monkeypatch):
    """Another reader (here: one inside infer_net) that settles and solves first keeps its solution: the settling
    that ends later leaves it (it set the solution back to none, which another thread could then have returned)."""
    inner = _initialised().layers["1"]
    inference, infer_net, solved = inner._inference, nesting.infer_net, []

    def other_reader_first(net, **options):
        if not solved:
            solved.append(None)  # this reader's own settling, inside, infers as before
            solved[0] = inference.solution(net)
        made = infer_net(net, **options)
        made._solution = None  # as the graph's own level gives it (_own_level: the ports only, solved when asked)
        return made

    monkeypatch.setattr(nesting, "infer_net", other_reader_first)
    assert inference.settled(inner)._solution is solved[0] is not None
    assert inference.solution(inner) is solved[0]


def test_an_unread_inner_net_s_types_read_after_pickling_and_in_a_net_built_around_it():
    net = _initialised()
    back = pickle.loads(pickle.dumps(net))
    assert [inner.port_types for inner in back.layers.values()] == [_built(i).port_types for i in net.layers.values()]
    first, second = net.layers.values()
    outer = NetGraph({"a": first, "b": second}, [("a", "b")])  # inferred level by level
    assert outer.port_types == {"Input": PortType((5,), "Real"), "Output": PortType((5,), "Real")}
