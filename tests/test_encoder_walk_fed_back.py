"""A NetFoldOperator's InitialState is its first step's State, and each step's Output the next one's: the encoder
range walk follows an index range given at InitialState into the step (it did not: an EmbeddingLayer too small for
it after the fold was built, and failed at the call). A step that drops its State passes none of it on."""

from __future__ import annotations

import pytest
import torch

from netgraph import (CatenateLayer, EmbeddingLayer, NetFoldOperator, NetGraph, NetPort, PartLayer,
                      PortType, ReshapeLayer, Restricted, ShapeError, net_initialize)
from netgraph.core.types import INTEGER


def _fold(n, out="Output", keeps_state=True):
    """Elements 0..1 folded from an InitialState Init in 0..4, the step giving out its State (Part 1;;1 of
    Catenate(State, the element)) or, not ``keeps_state``, the element (2;;2); the fold's ``out`` into an
    EmbeddingLayer(2, n)."""
    step = NetGraph({"r": ReshapeLayer((1,)), "c": CatenateLayer(), "p": PartLayer("1;;1" if keeps_state else "2;;2")},
                    [(NetPort("Input"), "r"), (NetPort("State"), NetPort("c", "Input1")),
                     ("r", NetPort("c", "Input2")), ("c", "p"), ("p", NetPort("Output"))],
                    State=PortType((1,), INTEGER), Input=PortType((), INTEGER))
    other = "State" if out == "Output" else "Output"
    return NetGraph({"f": NetFoldOperator(step, True), "emb": EmbeddingLayer(2, n)},
                    [(NetPort("Input"), NetPort("f", "Input")), (NetPort("Init"), NetPort("f", "InitialState")),
                     (NetPort("f", out), "emb"), (NetPort("f", other), None)],
                    Input=Restricted("Integer", (0, 1), shape=("n",)), Init=Restricted("Integer", (0, 4), shape=(1,)))


@pytest.mark.parametrize("out", ["Output", "State"])
def test_an_initial_state_range_reaching_an_embedding_through_the_steps_is_refused_when_built(out):
    with pytest.raises(ShapeError) as info:
        _fold(2, out)
    (problem,) = info.value.diagnostics
    assert (problem.kind, problem.layer, problem.port, problem.expected, problem.found) == \
        ("encoder-range", ("emb",), "Init", (0, 1), (0, 4))
    assert "graph input 'Init' takes indices in its range 0..4" in problem.message and "give it n=5" in problem.message


@pytest.mark.parametrize("out", ["Output", "State"])
def test_an_embedding_taking_the_range_builds_and_every_step_gives_the_initial_state(out):
    net = net_initialize(_fold(5, out), seed=0)
    weights = net.layer_at("emb").arrays["Weights"]
    result = net({"Input": torch.tensor([[1, 0, 1]]), "Init": torch.tensor([[4]])})
    expected = weights[4].expand(1, 3, 1, 2) if out == "Output" else weights[4].expand(1, 1, 2)
    torch.testing.assert_close(result, expected)
    assert _fold(None, out).layer_at("emb").n is None  # after no step, or beside other values: no n from it


def test_a_step_dropping_its_state_passes_the_initial_states_range_on_to_nothing():
    net = net_initialize(_fold(2, keeps_state=False), seed=0)  # elements 0..1 alone reach it
    weights = net.layer_at("emb").arrays["Weights"]
    torch.testing.assert_close(net({"Input": torch.tensor([[1, 0]]), "Init": torch.tensor([[4]])}),
                               weights[[1, 0]].reshape(1, 2, 1, 2))
