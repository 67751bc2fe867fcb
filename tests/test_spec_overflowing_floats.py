"""A float written too large for a float64 (``1e400``) is read as ±inf, and a problem with it says what was written:
``found 1e400``, not ``found inf`` (in an option, a port shape, a range, an array); an array refuses it (an
infinity there is written .inf, as to_yaml writes it)."""

from __future__ import annotations

import math

import pytest

from netgraph import NetGraph, SpecError
from netgraph.cli.check import problem_json

_HEAD = "netgraph: 1\nlayers:\n"
_TANH = "  a: {type: ElementwiseLayer, function: Tanh}\n"
# where: (spec, the diagnostic's found as repr shows it, the number as written)
_SPECS = {
    "option": (_HEAD + "  d: {type: DropoutLayer, p: 1e400, input: 3}\n", "1e400", "1e400"),
    "port shape": (_HEAD + _TANH + "inputs:\n  Input: [3, -1e400]\n", "-1e400", "-1e400"),
    "graph range": (_HEAD + _TANH + "inputs:\n  Input: {shape: [3], range: [0, 1e400]}\n", "(0, 1e400)", "1e400"),
    "chain range": ("netgraph: 1\ntype: NetChain\ninput: {range: [0, 1.5e999]}\nlayers:\n"
                    "  - {type: EmbeddingLayer, output: 3}\n", "(0, 1.5e999)", "1.5e999"),
}


@pytest.mark.parametrize("where", _SPECS)
def test_an_overflowing_float_is_told_as_written(where, yaml_loader):
    text, found, written = _SPECS[where]
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    (diagnostic,) = info.value.diagnostics
    assert repr(diagnostic.found) == found and written in diagnostic.message and "inf" not in diagnostic.message
    assert written in str(problem_json(diagnostic, "s.yaml")["found"])


def test_an_overflowing_float_in_an_array_is_refused_and_an_infinity_is_written_inf(yaml_loader):
    """An array's 1e400 was taken as inf, though a value beyond the dtype's range is a SpecError: .inf is infinity."""
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(_HEAD + "  c: {type: NetArrayLayer, array: [1.0, -1e400], output: 2}\n")
    (diagnostic,) = info.value.diagnostics
    assert repr(diagnostic.found) == "-1e400" and "holds -1e400 at [2], beyond float64's range" in diagnostic.message
    net = NetGraph.from_yaml(_HEAD + "  c: {type: NetArrayLayer, array: [1.0, -.inf], output: 2}\n")
    assert net.layers["c"].array.tolist() == [1.0, -math.inf]
    assert "[1.0, -.inf]" in net.to_yaml() and NetGraph.from_yaml(net.to_yaml()) == net
