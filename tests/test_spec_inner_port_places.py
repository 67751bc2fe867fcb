"""An operator's inner net with ports the operator cannot use is placed at the port's inputs:/outputs: entry in
the inner net, found that group's port names (not at the net's start, with every port as pairs)."""

from __future__ import annotations

import pytest

from netgraph import NetGraph, SpecError

FOLD = """\
netgraph: 1
layers:
  fold:
    type: NetFoldOperator
    net:
      type: NetGraph
      layers:
        l: {type: LinearLayer, output: 3}
        cat: {type: CatenateLayer}
      inputs:
        State: 4
        Input: 2
      outputs:
        Out: null
      edges:
        - "[State, Input] -> cat -> l -> Out"
inputs: {Input: [n, 2]}
edges:
  - Input -> fold
"""


def test_a_fold_net_with_a_wrong_output_name_is_placed_at_that_output():
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(FOLD)
    problem = info.value.diagnostics[0]
    assert (problem.line, problem.column) == (14, 9)  # '        Out: null'
    assert (problem.layer, problem.option, problem.port, problem.found) == (("fold",), "net", "Out", ("Out",))


def test_a_fold_net_without_a_state_input_is_placed_at_its_odd_input():
    text = FOLD.replace("State: 4", "Stat: 4").replace("[State, Input]", "[Stat, Input]").replace("Out", "Output")
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    problem = info.value.diagnostics[0]
    assert (problem.line, problem.column) == (11, 9)  # '        Stat: 4'
    assert (problem.port, problem.found) == ("Stat", ("Stat", "Input"))


def test_an_inner_port_problem_among_several_of_the_layer_is_placed_at_that_port_too():
    text = FOLD.replace("    net:\n", "    state_input: Foo\n    net:\n", 1)
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(text)
    assert [(d.line, d.column, d.option, d.port) for d in info.value.diagnostics] == [
        (5, 18, "state_input", None), (15, 9, "net", "Out")]  # 'Foo', then '        Out: null'
