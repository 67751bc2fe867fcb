"""A port whose shape holds a variable length is checked against the port_elements limit at its least size (the
fixed dims' product, a derived length at its least), as a fixed-size port is: one "too-large" ShapeError at build,
not a raw torch error when the net is called."""

import pytest
import torch

import netgraph as ng
from netgraph import ElementwiseLayer, NetChain, PaddingLayer, ReplicateLayer
from netgraph.core.errors import ShapeError
from netgraph.core.limits import current_limits


@pytest.mark.parametrize("layers, found", [
    ([ReplicateLayer(10**18), ElementwiseLayer("Tanh")], 10**18),
    ([ReplicateLayer(2**40), ReplicateLayer(2**40)], 2**40),
    ([PaddingLayer([[0, 2**63 - 5]])], 2**63 - 4),
])
def test_variable_length_port_too_large_at_build(layers, found):
    with pytest.raises(ShapeError) as info:
        NetChain(layers, Input=["n"])
    first = info.value.diagnostics[0]
    assert (first.kind, first.layer, first.port, first.expected, first.found) == \
        ("too-large", ("1",), "Output", current_limits().port_elements, found)
    assert "at least" in str(info.value)


def test_derived_length_past_int64_refused_whatever_the_limit():
    with ng.limits(port_elements=2**70), pytest.raises(ShapeError) as info:
        NetChain([PaddingLayer([[0, 2**62]]), PaddingLayer([[0, 2**62]])], Input=["n"])
    first = info.value.diagnostics[0]
    assert (first.kind, first.layer, first.expected, first.found) == ("too-large", ("2",), 2**63 - 1, 2**63 + 1)
    assert "a torch tensor holds" in str(info.value)


def test_fixed_size_past_int64_refused_whatever_the_limit():
    with ng.limits(port_elements=2**70), pytest.raises(ShapeError) as info:
        NetChain([PaddingLayer([[0, 2**63 - 2]])], Input=[3])
    assert info.value.diagnostics[0].found == 2**63 + 1


def test_variable_length_within_limits_builds_and_runs():
    net = NetChain([ReplicateLayer(3), PaddingLayer([[0, 0], [0, 2]])], Input=["n"])
    assert net(torch.zeros(2, 4)).shape == (2, 3, 6)
    with ng.limits(port_elements=17), pytest.raises(ShapeError):  # 3 * (1 + 2) = 9 at least: fits; 3 * 7 does not
        NetChain([ReplicateLayer(3), PaddingLayer([[0, 0], [0, 6]])], Input=["n"])
    with ng.limits(port_elements=9):
        NetChain([ReplicateLayer(3), PaddingLayer([[0, 0], [0, 2]])], Input=["n"])
