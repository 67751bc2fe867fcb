"""An edge reading a port inside a nested graph that could not be built: its own problem is reported (was an
AttributeError: the path was looked up inside the placeholder of the failed graph)."""

from __future__ import annotations

import pytest

from netgraph import NetGraph, SpecError

SPEC = """netgraph: 1
layers:
  enc:
    type: NetGraph
    layers:
      a: Tanh
    edges:
      - Input -> a
  head: Tanh
edges:
  - Input -> enc
  - {source} -> head
inputs: {{Input: 4}}
"""


@pytest.mark.parametrize("source", ["enc.a.Output", "enc.Output"])
def test_an_edge_from_inside_a_nested_graph_that_failed_reports_that_graphs_problem(source):
    with pytest.raises(SpecError) as caught:
        NetGraph.from_yaml(SPEC.format(source=source))
    assert str(caught.value).startswith("<string>:8:9: 'Input' is not a layer; a graph port used in an edge is "
                                        "declared under 'inputs:'")
