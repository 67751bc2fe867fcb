"""The wiring's advice travels as data (``netgraph.core.advice``): a Python message writes it in Python, a spec's
in YAML (``netgraph.spec.advice_in_yaml``), each from the same Diagnostic parts, no message text rewritten."""

from __future__ import annotations

import pytest

from netgraph import GatedRecurrentLayer, LinearLayer, NetGraph, NetPort, ShapeError, WiringError
from netgraph.core.advice import COMBINING_LAYER, OUTPUT_TO_OUTPUT, EdgeAdvice, PortAdvice, RemedyAdvice
from netgraph.core.error_data import error_data, error_from_data
from netgraph.core.errors import Diagnostic
from netgraph.core.inner_declared import refused_types
from netgraph.spec.advice_in_yaml import in_yaml


def _advice(error: WiringError) -> list:
    return [p for d in error.diagnostics for p in d.parts if isinstance(p, (EdgeAdvice, PortAdvice, RemedyAdvice))]


_OUTPUT_TO_OUTPUT = ("an edge must go from an output port to an input port. To expose a layer's output as a graph "
                     "output, write (NetPort(layer, 'Output'), NetPort('Name')); to feed another layer, name one of "
                     "its input ports, e.g. (NetPort(3, 'Output'), NetPort(4, 'Input')).")
_FED_TWICE = ("an input port takes exactly one edge. To combine several tensors, feed them to a layer with several "
              "inputs (FunctionLayer('#a + #b'), ThreadingLayer, CatenateLayer) and feed its output here.")


@pytest.mark.parametrize("port, muting, python", [
    ("Output", EdgeAdvice(PortAdvice("b")), "mute one with ('b', None) or"),
    ("State", EdgeAdvice(PortAdvice("b", "State")), "mute one with (NetPort('b', 'State'), None) or")])
def test_an_output_clash_carries_the_muting_edge_as_data(port, muting, python):
    layers = {"a": LinearLayer(3, input=2), "b": GatedRecurrentLayer(3, state_output=True) if port == "State"
              else LinearLayer(3, input=2)}
    with pytest.raises(WiringError) as caught:
        NetGraph(layers, [("a", NetPort(port))])
    assert _advice(caught.value) == [muting] and python in str(caught.value), str(caught.value)
    assert f"mute one with {in_yaml(muting)} or" in caught.value.diagnostics[0].render(str, str, in_yaml)


def test_advice_is_written_by_the_reader_asking_and_in_python_by_default():
    error = pytest.raises(WiringError, NetGraph, {"a": LinearLayer(3, input=2), "b": LinearLayer(3)},
                          [("a", NetPort("b", "Output"))]).value
    (problem,) = error.diagnostics
    assert _advice(error) == [OUTPUT_TO_OUTPUT] and str(error).endswith(_OUTPUT_TO_OUTPUT)
    assert problem.render(str) == problem.message
    assert problem.render(str, str, lambda advice: f"<{advice.topic}>").endswith("is an output: <output-to-output>")


def test_a_port_fed_twice_names_the_combining_layer_as_data():
    error = pytest.raises(WiringError, NetGraph, {"a": LinearLayer(3, input=2), "b": LinearLayer(3, input=2),
                                                  "c": LinearLayer(3)},
                          [("a", NetPort("c", "Input")), ("b", NetPort("c", "Input"))]).value
    assert _advice(error) == [COMBINING_LAYER] and str(error).endswith(_FED_TWICE), str(error)


def test_yaml_advice_quotes_names_as_a_spec_does():
    assert in_yaml(EdgeAdvice(PortAdvice("it's"), None)) == "'it''s -> None'"
    assert in_yaml(RemedyAdvice("not-known-here", "do (this)")) == "do (this)"  # a topic without YAML words: Python's


def test_advice_travels_between_processes_as_its_words():
    problem = Diagnostic.of("output-clash", "mute one with ", EdgeAdvice(PortAdvice("b")), " or not")
    back = error_from_data(error_data(WiringError(problem.message, diagnostics=[problem])))
    assert back.diagnostics[0].render(str) == problem.message == "mute one with ('b', None) or not"


def test_an_inner_net_s_advice_stays_advice_in_its_operator_s_conflict():
    """Found by review-a of yaml-advice12: an operator's Conflict for an inner net that refuses its port types joined
    the inner problem's parts as text, so a spec would have said its advice in Python."""
    problem = pytest.raises(ShapeError, NetGraph, {"a": LinearLayer(2, input=3), "b": LinearLayer(2, input=4)},
                            []).value.diagnostics[0]
    inner = NetGraph({"a": LinearLayer(2, input=3), "b": LinearLayer(2)}, [(NetPort("I2"), NetPort("b", "Input"))])
    conflict = refused_types(inner, {}, problem, "net")
    kept = Diagnostic.of("merge", *conflict.parts)
    assert [p for p in kept.parts if not isinstance(p, str)] == _advice(WiringError("", diagnostics=[problem]))
    assert kept.message == str(conflict) and str(conflict).endswith("(NetPort('Input2'), NetPort('b', 'Input')))")
    assert kept.render(str, str, in_yaml).endswith("e.g. the edge 'Input2 -> b.Input')")


def test_an_operator_s_inner_nets_keep_the_inner_advice_as_advice(monkeypatch):
    """operator.inner_nets(types) joined its Conflict into the ShapeError's text, so the inner net's advice (an edge to
    write) reached a spec as Python words; its Diagnostic now holds the Conflict's parts."""
    from netgraph import NetMapOperator
    from netgraph.core.operator import NetOperator
    from netgraph.core.types import PortType
    problem = pytest.raises(ShapeError, NetGraph, {"a": LinearLayer(2, input=3), "b": LinearLayer(2, input=4)},
                            []).value.diagnostics[0]
    inner = NetGraph({"a": LinearLayer(2, input=3), "b": LinearLayer(2)}, [(NetPort("I2"), NetPort("b", "Input"))])
    conflict = refused_types(inner, {}, problem, "net")

    def refusing(self, types):
        raise conflict
    monkeypatch.setattr(NetOperator, "_inner_nets", refusing)
    with pytest.raises(ShapeError) as info:
        NetMapOperator(LinearLayer(2)).inner_nets({"Input": PortType(("n", 3), "Real")})
    (d,) = info.value.diagnostics
    assert str(info.value) == d.message == f"NetMapOperator: {conflict}"
    assert [p for p in d.parts if not isinstance(p, str)] == _advice(WiringError("", diagnostics=[problem]))
    assert d.render(str, str, in_yaml).endswith("e.g. the edge 'Input2 -> b.Input')")
    assert (d.kind, d.layer, d.port) == ("shape", conflict.inner, conflict.port)
