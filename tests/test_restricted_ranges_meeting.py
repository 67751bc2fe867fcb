"""Where index ranges (Restricted) meet: an operator's inner net takes the outer range on its input only (an
output's range is inferred, never declared); Map carries the range into its element net; when an outer and an inner
range meet, the one shown at the graph input is the one enforced there."""

from __future__ import annotations

import pytest
import torch

from netgraph import NetChain, NetGraph, NetNestOperator, ReshapeLayer, Restricted
from netgraph.core.types import INTEGER, PortType


def test_nest_over_an_integer_net_fed_a_range_builds():
    inner = NetChain([ReshapeLayer((4,))], input=PortType((4,), INTEGER))
    graph = NetGraph({"l": NetNestOperator(inner, 3)}, [], Input=Restricted("Integer", (0, 3), shape=(4,)))
    assert str(graph.port_types["Input"]) == "(4) Integer 0..3"
    assert graph.port_types["Output"].dtype == INTEGER


def test_map_carries_the_range_into_its_element_net():
    from netgraph import EmbeddingLayer, NetMapOperator, ShapeError, net_initialize

    def mapped(span):
        return NetChain([NetMapOperator(EmbeddingLayer(3, n=4))], input=Restricted("Integer", span, shape=(5,)))
    with pytest.raises(ShapeError, match=r"in its range 0..9, but layer 'layer' \(EmbeddingLayer\) takes n=4") as info:
        mapped((0, 9))  # it built, and refused a 9 only when run
    assert str(info.value).endswith("set by the range 0..9 given for graph input 'Input']")  # not 'the Restricted on'
    net = net_initialize(mapped((0, 3)), seed=0)
    out = net(torch.tensor([[0, 1, 2, 3, 3]]))
    assert out.shape == (1, 5, 3) and torch.equal(out[0, 3], out[0, 4])


def test_only_the_shape_layers_the_readme_lists_carry_a_range():
    # the default was to carry it: a new shape layer computing new values (ResizeLayer interpolates) carried it too
    import netgraph.layers.aggregation  # noqa: F401  (each module defining shape layers, loaded)
    from netgraph.layers import recurrent, reshape, resize, sequence  # noqa: F401
    from netgraph.layers._shapes import _ShapeLayer

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)
    carrying = {c.__name__ for c in subclasses(_ShapeLayer) if isinstance(c.moved_inputs, tuple)
                and "Input" in c.moved_inputs and not c.__name__.startswith("_")}
    assert carrying == {"FlattenLayer", "ReshapeLayer", "TransposeLayer", "PartLayer", "ReplicateLayer",
                        "SequenceMostLayer", "SequenceRestLayer", "SequenceLastLayer", "SequenceReverseLayer"}
    assert not _ShapeLayer.moved_inputs
    deciding = {c.__name__ for c in subclasses(_ShapeLayer) if not isinstance(c.moved_inputs, tuple)}
    assert deciding == {"PaddingLayer"}  # by its padding: a method's carries the range, a constant's does not
    methods, constant = resize.PaddingLayer(1, padding="Fixed"), resize.PaddingLayer(1)
    assert (methods.moved_inputs, constant.moved_inputs) == (("Input",), ())


def _inner():
    from netgraph import EmbeddingLayer
    return NetChain([ReshapeLayer((1,)), EmbeddingLayer(2, n=4)], input=Restricted("Integer", (0, 3), shape=()))


@pytest.mark.parametrize("layers, compared", [
    (lambda: [_inner()], r"expected range 0\.\.3, found 0\.\.9"),  # the inner net's input takes 0..3
    # the ReshapeLayer says its Output holds 0..9, the range the inner net gave that port is 0..3
    (lambda: [ReshapeLayer(()), _inner()], r"port 'Output': expected range 0\.\.9, found 0\.\.3")])
def test_an_outer_range_meeting_another_inner_range_is_a_conflict_naming_both(layers, compared):
    # the first range won: the net showed 0..3 at its input, its encoder let 9 through to the embedding
    from netgraph import ShapeError
    with pytest.raises(ShapeError, match=compared):
        NetChain(layers(), input=Restricted("Integer", (0, 9), shape=()))
    net = NetChain(layers(), input=Restricted("Integer", (0, 3), shape=()))
    assert str(net.port_types["Input"]) == "() Integer 0..3"


def _shown_range_net():
    # an Integer input with no range of its own, fed straight into an inner net whose input is ranged
    inner = NetChain([ReshapeLayer((1,))], input=Restricted("Integer", (0, 3), shape=()))
    return NetGraph({"box": inner}, [], Input=PortType((), INTEGER))


def test_an_inner_range_shown_at_a_plain_outer_input_is_checked_there_at_the_call():
    # it showed 0..3 at 'Input' while 7 went through: only an inner layer (an EmbeddingLayer) ever checked it
    from netgraph import DataError
    net = _shown_range_net()
    assert str(net.port_types["Input"]) == "() Integer 0..3" and net.coders == {}
    with pytest.raises(DataError, match=r"input port 'Input' .*index 7 is outside the port's range 0\.\.3") as info:
        net(torch.tensor([1, 7]))
    assert (info.value.kind, info.value.port, info.value.expected, info.value.found) == ("encoding", "Input", "0..3", 7)
    assert torch.equal(net(torch.tensor([0, 3])), torch.tensor([[0], [3]]))


def test_an_inner_range_shown_at_a_plain_outer_input_is_checked_in_net_train():
    from netgraph import DataError, EmbeddingLayer, SummationLayer, net_train
    # the embedding takes 0..7, so only the range checks a 5
    inner = NetChain([EmbeddingLayer(2, n=8)], input=Restricted("Integer", (0, 3), shape=()))
    net = NetGraph({"box": inner, "sum": SummationLayer()}, [("box", "sum")], Input=PortType((), INTEGER))
    with pytest.raises(DataError, match=r"input port 'Input' .*: index 5 is outside the port's range 0\.\.3"):
        net_train(net, {"Input": torch.tensor([1, 5]), "Output": torch.zeros(2)}, max_training_rounds=1, progress=None)


def _moving(layer, shape):
    return NetChain([layer], input=PortType(shape, INTEGER))  # an inner net that only moves its input's values


def test_map_and_nest_outputs_carry_the_range_an_inner_net_that_only_moves_values_gives():
    # both outputs were shown as plain Integer: the operators' settled inner types dropped the range
    from netgraph import NetMapOperator, PartLayer
    mapped = NetGraph({"m": NetMapOperator(_moving(PartLayer(1), (2,)))}, [], Input=Restricted("Integer", (0, 3),
                                                                                                  shape=(5, 2)))
    assert str(mapped.port_types["Output"]) == "(5) Integer 0..3"
    nested = NetGraph({"l": NetNestOperator(_moving(ReshapeLayer((4,)), (4,)), 3)}, [],
                      Input=Restricted("Integer", (0, 3), shape=(4,)))
    assert str(nested.port_types["Output"]) == "(4) Integer 0..3"


def test_nest_of_a_net_computing_new_values_gives_no_range():
    from netgraph import PaddingLayer
    nested = NetGraph({"l": NetNestOperator(_moving(PaddingLayer([[0, 0]]), (4,)), 3)}, [],
                      Input=Restricted("Integer", (0, 3), shape=(4,)))
    assert str(nested.port_types["Input"]) == "(4) Integer 0..3" and str(nested.port_types["Output"]) == "(4) Integer"


def test_fold_carries_its_elements_range_into_its_net_and_out_of_its_state():
    # the state is a 1-based position the net picks from each element with: it was plain Integer everywhere
    from netgraph import ExtractLayer, NetFoldOperator, NetPort
    picking = NetGraph({"ex": ExtractLayer()}, [(NetPort("State"), NetPort("ex", "Position")),
                                                (NetPort("Input"), NetPort("ex", "Input"))],
                       Input=PortType((3, 1), INTEGER), State=PortType((1,), INTEGER))
    fold = NetGraph({"f": NetFoldOperator(picking, state_input=True)}, [],
                    Input=Restricted("Integer", (1, 3), shape=(5, 3, 1)), InitialState=PortType((1,), INTEGER))
    shown = {p: str(t) for p, t in fold.port_types.items()}
    assert shown == {"Input": "(5, 3, 1) Integer 1..3", "InitialState": "(1) Integer 1..3",
                     "Output": "(5, 1) Integer 1..3", "State": "(1) Integer 1..3"}
    from netgraph import DataError
    elements = torch.tensor([[[3], [1], [2]]] * 5).unsqueeze(0)  # each element: position p holds the next one
    assert fold(Input=elements, InitialState=torch.tensor([[1]]))["Output"][0].flatten().tolist() == [3, 2, 1, 3, 2]
    with pytest.raises(DataError, match=r"input port 'InitialState' .*index 4 is outside the port's range 1\.\.3"):
        fold(Input=elements, InitialState=torch.tensor([[4]]))


def _catenating_fold(seq_range: int, state_range: int) -> NetGraph:
    """A fold whose next state is Catenate(State, Input) cut to its last two: ranges joined by Catenate, fed back."""
    from netgraph import CatenateLayer, NetFoldOperator, NetPort, PartLayer
    inner = NetGraph({"r": ReshapeLayer((1,)), "cat": CatenateLayer(), "p": PartLayer("2;;3")},
                     [(NetPort("Input"), "r"), (NetPort("State"), NetPort("cat", "Input1")),
                      ("r", NetPort("cat", "Input2")), ("cat", "p"), ("p", NetPort("Output"))],
                     State=PortType((2,), INTEGER), Input=PortType((), INTEGER))
    return NetGraph({"f": NetFoldOperator(inner, state_input=True)},
                    [(NetPort("Seq"), NetPort("f", "Input")), (NetPort("S0"), NetPort("f", "InitialState"))],
                    Seq=Restricted("Integer", seq_range, shape=(4,)), S0=Restricted("Integer", state_range, shape=(2,)))


def test_fold_whose_fed_back_state_joins_two_ranges_builds():
    graph = _catenating_fold(9, 3)  # the state starts in 0..2, then takes the sequence's 0..8
    types = graph.layer_types("f")
    assert (types["InitialState"].range, types["State"].range, types["Output"].range) == ((0, 2), (0, 8), (0, 8))
    out = graph(Seq=[[1, 2, 3, 4]], S0=[[0, 1]])
    assert out["State"].tolist() == [[3, 4]]
    assert out["Output"].tolist() == [[[1, 1], [1, 2], [2, 3], [3, 4]]]


def test_fold_whose_ranges_agree_keeps_the_range():
    types = _catenating_fold(3, 3).layer_types("f")
    assert {p: t.range for p, t in types.items()} == dict.fromkeys(("Input", "InitialState", "Output", "State"), (0, 2))
