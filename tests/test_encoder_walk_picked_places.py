"""A layer picking from joined values (PartLayer, SequenceLastLayer, SequenceMostLayer after a CatenateLayer or an
AppendLayer) carries an index input's values on only where it picks some of them, where the sizes are fixed: a
NetFoldOperator whose step gives out Part 1;;1 of Catenate(State, the element) gives out its State alone, so an
EmbeddingLayer(2, n=1) after it was refused ("give it n=5") though no index of the input reaches it. Where the sizes
are not fixed, every element is taken to carry them, as before."""

from __future__ import annotations

import pytest
import torch

from netgraph import (AppendLayer, CatenateLayer, EmbeddingLayer, NetFoldOperator, NetGraph, NetPort, PartLayer,
                      PortType, ReshapeLayer, Restricted, SequenceLastLayer, SequenceMostLayer, ShapeError,
                      net_initialize)
from netgraph.core.types import INTEGER

ELEMENTS = Restricted("Integer", (0, 4), shape=("n",))  # indices 0..4: an EmbeddingLayer needs n=5


def _fold(part, n=None):
    """A fold whose step gives out PartLayer(part) of Catenate(State (plain Integer, size 1), the element), into an
    EmbeddingLayer(2, n)."""
    step = NetGraph({"r": ReshapeLayer((1,)), "c": CatenateLayer(), "p": PartLayer(part)},
                    [(NetPort("Input"), "r"), (NetPort("State"), NetPort("c", "Input1")),
                     ("r", NetPort("c", "Input2")), ("c", "p"), ("p", NetPort("Output"))],
                    State=PortType((1,), INTEGER), Input=PortType((), INTEGER))
    return NetGraph({"f": NetFoldOperator(step), "emb": EmbeddingLayer(2, n)},
                    [(NetPort("Input"), NetPort("f", "Input")), (NetPort("f", "Output"), "emb"),
                     (NetPort("f", "State"), None)], Input=ELEMENTS)


def _joined(picker, n=None, length=3):
    """A plain Integer sequence Seq of ``length`` with the ranged Label appended, then ``picker``, into an
    EmbeddingLayer(2, n)."""
    return NetGraph({"app": AppendLayer(), "pick": picker, "emb": EmbeddingLayer(2, n)},
                    [(NetPort("Seq"), NetPort("app", "Input")), (NetPort("Label"), NetPort("app", "Element")),
                     ("app", "pick"), ("pick", "emb")],
                    Seq=PortType((length,), INTEGER), Label=Restricted("Integer", (0, 4)))


def test_a_fold_giving_out_its_state_picked_from_a_join_builds_with_the_states_n_and_runs():
    net = net_initialize(_fold("1;;1", 1), seed=0)
    weights = net.layer_at("emb").arrays["Weights"]
    torch.testing.assert_close(net(torch.tensor([[3, 4, 1]])), weights[0].expand(1, 3, 1, 2))  # the state: zeros
    assert _fold("1;;1").layer_at("emb").n is None  # no index of the input reaches it: no n from its range


def _catenated(part, n=None):
    """The same join outside an operator: Part ``part`` of Catenate(L (plain Integer, size 2), R (ranged) reshaped
    to (1)) into an EmbeddingLayer(2, n)."""
    return NetGraph({"r": ReshapeLayer((1,)), "c": CatenateLayer(), "p": PartLayer(part), "emb": EmbeddingLayer(2, n)},
                    [(NetPort("L"), NetPort("c", "Input1")), (NetPort("R"), "r"), ("r", NetPort("c", "Input2")),
                     ("c", "p"), ("p", "emb")], L=PortType((2,), INTEGER), R=Restricted("Integer", (0, 4)))


@pytest.mark.parametrize("make", [lambda n: _fold("2;;2", n), lambda n: _fold("-1;;-1", n),
                                  lambda n: _catenated("2;;3", n), lambda n: _catenated(3, n),
                                  lambda n: _catenated("1;;-1;;2", n)])
def test_a_part_picking_the_ranged_elements_is_still_refused(make):
    with pytest.raises(ShapeError) as info:
        make(1)
    (problem,) = info.value.diagnostics
    assert (problem.kind, problem.layer, problem.expected, problem.found) == ("encoder-range", ("emb",), (0, 0),
                                                                             (0, 4))
    assert "takes n=1 (indices 0 to 0); give it n=5" in problem.message


def test_a_part_of_a_join_picking_none_of_the_ranged_elements_builds_and_runs():
    net = net_initialize(_catenated("1;;2;;1", 1), seed=0)  # L's two elements, not R's third
    weights = net.layer_at("emb").arrays["Weights"]
    torch.testing.assert_close(net(L=torch.tensor([[0, 0]]), R=torch.tensor([4])), weights[[0, 0]][None])


def test_a_part_picking_only_the_ranged_elements_gives_the_ranges_n_one_picking_both_none():
    assert _fold("2;;2").layer_at("emb").n == 5  # the plain State's values are not picked
    assert _catenated(3).layer_at("emb").n == 5
    assert _catenated("2;;3").layer_at("emb").n is None  # L's second value beside R's


def test_a_sequence_layer_after_an_append_follows_the_element_only_where_it_picks_it():
    assert net_initialize(_joined(SequenceMostLayer(), 1), seed=0).layer_at("emb").n == 1
    with pytest.raises(ShapeError, match="give it n=5"):
        _joined(SequenceLastLayer(), 1)
    assert _joined(SequenceLastLayer()).layer_at("emb").n == 5


def test_a_sequence_of_variable_length_is_taken_to_carry_the_values_everywhere():
    # the Label's place in the appended sequence is known only at the call: it may be picked, as before
    with pytest.raises(ShapeError, match="give it n=5"):
        _joined(SequenceMostLayer(), 1, length="n")
