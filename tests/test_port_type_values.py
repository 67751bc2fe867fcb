"""A PortType is made of plain values (a new user's QA): a shape or range given as a list or with numpy's ints is the
tuple of Python ints equal to it (PortType([5], "Integer") was unequal to PortType((5,), "Integer") and unhashable),
and a dtype other than "Real", "Integer" or None ("Int", torch.long) is refused when the PortType is made, not when a
net first uses it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import EmbeddingLayer, NetChain, PortType, ShapeError, net_initialize


@pytest.mark.parametrize("given, plain", [
    (PortType([5], "Integer"), PortType((5,), "Integer")),
    (PortType(np.array([5, 3])), PortType((5, 3))),
    (PortType((np.int64(5), "n")), PortType((5, "n"))),
    (PortType((), "Integer", [0, 9]), PortType((), "Integer", (0, 9))),
    (PortType((), "Integer", np.array([0, 9])), PortType((), "Integer", (0, 9))),
    (PortType((), "Integer", (np.int32(0), 9)), PortType((), "Integer", (0, 9)))])
def test_a_port_type_of_lists_or_numpy_ints_is_the_one_of_tuples_of_python_ints(given, plain):
    assert given == plain and hash(given) == hash(plain) and repr(given) == repr(plain)
    assert all(type(d) in (int, str) for d in given.shape)
    assert given.range is None or all(type(v) is int for v in given.range)


def test_a_listed_port_type_works_as_a_net_port():
    net = net_initialize(NetChain([EmbeddingLayer(2, 10)], input=PortType([], "Integer", [0, 9])), seed=0)
    torch.testing.assert_close(net(np.array([3, 9])), net(torch.tensor([3, 9])))


@pytest.mark.parametrize("dtype, said", [("Int", "found 'Int' (did you mean 'Integer'?)"),
                                         (torch.long, "found torch.int64"), ("real", "found 'real'")])
def test_an_unknown_dtype_is_refused_when_the_port_type_is_made(dtype, said):
    with pytest.raises(ShapeError, match=r"^PortType dtype must be 'Real' or 'Integer' \(or None: unknown\), ") as info:
        PortType((5,), dtype)
    assert said in str(info.value)
    problem = info.value.diagnostics[0]
    assert (problem.kind, problem.expected, problem.found) == ("port-shape", ("Real", "Integer"), dtype)


@pytest.mark.parametrize("shape, span, said", [([0], None, "shape dims must be positive ints"),
                                               ([True], None, "shape dims must be positive ints"),
                                               ((), (0, 1, 2), "range must be two ints"),
                                               ((), (0.5, 3), "range must be two ints"),
                                               ((), [0, True], "range must be two ints"),
                                               ((), "ab", "range must be two ints")])
def test_a_shape_or_range_of_other_values_is_refused_when_the_port_type_is_made(shape, span, said):
    with pytest.raises(ShapeError, match=f"^PortType {said}") as info:
        PortType(shape, "Integer", span)
    assert info.value.diagnostics[0].kind == "port-shape"
