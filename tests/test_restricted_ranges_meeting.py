"""Where index ranges (Restricted) meet: an operator's inner net takes the outer range on its input only (an
output's range is inferred, never declared); Map carries the range into its element net; when an outer and an inner
range meet, the one shown at the graph input is the one enforced there."""

from __future__ import annotations

import pytest

from netgraph import NetChain, NetGraph, NetNestOperator, ReshapeLayer, Restricted
from netgraph.core.types import INTEGER, PortType


def test_nest_over_an_integer_net_fed_a_range_builds():
    inner = NetChain([ReshapeLayer((4,))], input=PortType((4,), INTEGER))
    graph = NetGraph({"l": NetNestOperator(inner, 3)}, [], Input=Restricted("Integer", (0, 3), shape=(4,)))
    assert str(graph.port_types["Input"]) == "(4) Integer 0..3"
    assert graph.port_types["Output"].dtype == INTEGER
