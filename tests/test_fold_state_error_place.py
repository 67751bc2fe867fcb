"""A NetFoldOperator (NetNestOperator) whose inner net outputs another shape than its state takes is reported at the
layer giving the inner net's output where no 'outputs:' entry declares it (at that entry where one does), whether or
not an edge feeds the operator (it was put at an unrelated top-level edge, Input -> f, when one did: an operator's
inner-net problem takes only an edge into the operator's port of that name; then at the inner net as a whole)."""

from __future__ import annotations

import pytest

from netgraph import NetGraph
from netgraph.core.errors import NetGraphError

FOLD = """netgraph: 1
layers:
  f:
    type: NetFoldOperator
    net:
      type: NetGraph
      layers:
        p: {type: ThreadingLayer, function: Plus}
        l: {type: LinearLayer, output: 5}
      inputs: {State: 2, Input: 2}
      edges: ["[State, Input] -> p", p -> l]
"""
NEST = """netgraph: 1
layers:
  f:
    type: NetNestOperator
    n: 2
    net:
      type: NetChain
      layers:
        - Tanh
        - {type: LinearLayer, output: 5}
      input: 2
"""


@pytest.mark.parametrize("text, place", [
    (FOLD, "<string>:9:9:"), (FOLD + "inputs: {Input: [n, 2]}\nedges: [Input -> f]\n", "<string>:9:9:"),
    (NEST, "<string>:10:11:"), (FOLD.replace("Input: 2}", "Input: 2}\n      outputs: {Output: 5}"), "<string>:11:17:")],
    ids=["fold", "fold-fed", "nest", "fold-declared"])
def test_the_output_fed_back_is_reported_at_the_layer_giving_the_inner_nets_output(text, place):
    with pytest.raises(NetGraphError, match="is fed back into") as caught:
        NetGraph.from_yaml(text)
    assert str(caught.value).startswith(place), str(caught.value)
