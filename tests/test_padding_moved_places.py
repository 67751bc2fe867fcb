"""A method's padding (Fixed, Reflected, Periodic) carries an index input's values on (``moved_inputs``): after a
CatenateLayer of two encoded inputs the encoder walk asks it where each input's values land (``moved_places``).
PaddingLayer had no such answer (its shared one called a ``function`` it has not): a bare NotImplementedError at
construction. Every layer moving values answers it, so that the next one cannot crash there either."""

from __future__ import annotations

import pytest
import torch

from netgraph import (AppendLayer, CatenateLayer, EmbeddingLayer, ExtractLayer, FlattenLayer, NetChain, NetGraph,
                      NetNestOperator, NetPort, PaddingLayer, PartLayer, PrependLayer, ReplicateLayer, ReshapeLayer,
                      Restricted, SequenceLastLayer, SequenceMostLayer, SequenceRestLayer, SequenceReverseLayer,
                      TransposeLayer, net_initialize)
from netgraph.core.types import INTEGER, PortType
from netgraph.layers import REGISTRY

P = NetPort
FOUR, TEN = Restricted("Integer", (0, 3), shape=(2,)), Restricted("Integer", (0, 9), shape=(2,))


def _padded(method, part=None):
    """Catenate(a (0..3), b (0..9)) padded [[1, 1]] by ``method``, then PartLayer(part) if given, into an
    EmbeddingLayer(2)."""
    chain = ("c", "p", *(("s",) if part else ()), "e")
    return NetGraph({"c": CatenateLayer(), "p": PaddingLayer([[1, 1]], padding=method),
                     **({"s": PartLayer(part)} if part else {}), "e": EmbeddingLayer(2)},
                    [((P("a"), P("b")), "c"), chain], a=FOUR, b=TEN)


# padded [a1 a2 b1 b2]: Fixed [a1 a1 a2 b1 b2 b2], Reflected [a2 a1 a2 b1 b2 b1], Periodic [b2 a1 a2 b1 b2 a1]
@pytest.mark.parametrize("method, part, n", [
    ("Fixed", "1;;3", 4), ("Fixed", "4;;6", 10), ("Reflected", "1;;3", 4), ("Reflected", "4;;6", 10),
    ("Periodic", "2;;3", 4), ("Periodic", "6;;6", 4), ("Periodic", "1;;1", 10), ("Periodic", "5;;5", 10)])
def test_a_part_of_a_method_padded_join_takes_the_n_of_the_input_it_picks(method, part, n):
    assert _padded(method, part).layer_at("e").n == n


@pytest.mark.parametrize("method", ["Fixed", "Reflected", "Periodic"])
def test_a_method_padded_join_builds_with_both_inputs_ranges_and_runs(method):
    net = net_initialize(_padded(method), seed=0)
    assert net.layer_at("e").n == 10
    weights = net.layer_at("e").arrays["Weights"]
    order = {"Fixed": [3, 3, 2, 9, 0, 0], "Reflected": [2, 3, 2, 9, 0, 9], "Periodic": [0, 3, 2, 9, 0, 3]}[method]
    torch.testing.assert_close(net(a=torch.tensor([[3, 2]]), b=torch.tensor([[9, 0]])), weights[order][None])


def test_a_constant_padding_carries_no_range():
    assert _padded(0.0, "1;;3").layer_at("e").n is None


def _after_join(layer, inputs=("Input",), shape=(2,), **extra):
    """``layer`` fed at its first port by Catenate(a (0..3), b (0..9)) of ``shape``, at the others by graph inputs
    ``extra``, into an EmbeddingLayer(2)."""
    ranged = {name: Restricted("Integer", span, shape=shape) for name, span in (("a", (0, 3)), ("b", (0, 9)))}
    return NetGraph({"c": CatenateLayer(), "l": layer, "e": EmbeddingLayer(2)},
                    [((P("a"), P("b")), "c"), ("c", P("l", inputs[0])), *((P(p), P("l", p)) for p in inputs[1:]),
                     ("l", "e")], **ranged, **extra)


MOVING = {  # one layer of each kind moving its inputs' values, after a join of two ranged inputs
    "CatenateLayer": lambda: _after_join(CatenateLayer(), ("Input1", "Input2"), Input2=FOUR),
    "FlattenLayer": lambda: _after_join(FlattenLayer(), shape=(2, 2)),
    "ReshapeLayer": lambda: _after_join(ReshapeLayer((2, 2))),
    "TransposeLayer": lambda: _after_join(TransposeLayer(), shape=(2, 3)),
    "PartLayer": lambda: _after_join(PartLayer("2;;3")),
    "ReplicateLayer": lambda: _after_join(ReplicateLayer(2)),
    "PaddingLayer": lambda: _after_join(PaddingLayer([[1, 2]], padding="Reflected")),
    "ExtractLayer": lambda: _after_join(ExtractLayer(), ("Input", "Position"), Position=PortType((1,), INTEGER)),
    "SequenceLastLayer": lambda: _after_join(SequenceLastLayer()),
    "SequenceMostLayer": lambda: _after_join(SequenceMostLayer()),
    "SequenceRestLayer": lambda: _after_join(SequenceRestLayer()),
    "SequenceReverseLayer": lambda: _after_join(SequenceReverseLayer()),
    "AppendLayer": lambda: _after_join(AppendLayer(), ("Input", "Element"), Element=Restricted("Integer", (0, 1))),
    "PrependLayer": lambda: _after_join(PrependLayer(), ("Input", "Element"), Element=Restricted("Integer", (0, 1))),
    "NetNestOperator": lambda: _after_join(NetNestOperator(NetChain([ReshapeLayer((4,))], input=(4,)), 0)),
}


def test_every_layer_that_can_move_its_inputs_values_is_tried_after_a_join():
    moving = {name for name, cls in REGISTRY.items() if isinstance(cls.moved_inputs, property) or cls.moved_inputs}
    assert moving == set(MOVING)


@pytest.mark.parametrize("name", sorted(MOVING))
def test_a_layer_moving_values_after_a_join_of_two_ranged_inputs_builds(name):
    net = MOVING[name]()
    assert net.layer_at("l").moved_inputs  # this one moves them: the walk goes through it
    assert net.layer_at("e").n == 10  # the join's values reach the embedding: the larger range's n
