"""An input a variadic layer does not have (``b.Input9`` on a CatenateLayer of 2 inputs) is reported as another
layer's unknown port is: with the ports it has as ``expected``, and in a spec at the port inside the edge (it was at
the edge's start, with no expected)."""

import pytest

from netgraph import CatenateLayer, LinearLayer, NetGraph, NetPort, SpecError, WiringError

_SPEC = "netgraph: 1\nlayers:\n  a: 3\n  b: {{type: CatenateLayer}}\ninputs: {{Input: 2}}\nedges:\n  - Input -> a\n" \
        "  - a -> b.Input1\n  - a -> b.Input2\n  - {}\n"


@pytest.mark.parametrize("edge, column", [("a -> b.Input9", 12), ("a -> b.9", 12), ("[a, b.Input9]", 11)])
def test_a_variadic_layers_unknown_input_in_a_spec_is_at_the_port_with_the_ports_it_has(edge, column, yaml_loader):
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml(_SPEC.format(edge))
    (problem,) = info.value.diagnostics
    assert (problem.line, problem.column, problem.kind, problem.port) == (10, column, "unknown-port", "Input9")
    assert problem.expected == ("Input1", "Input2", "Output")


def test_an_unknown_port_in_python_names_the_ports_the_layer_has():
    layers = {"a": LinearLayer(3), "b": CatenateLayer(), "c": LinearLayer(3)}
    for edges, port, expected in (([("a", NetPort("b", 9))], "Input9", ("Input1", "Input2", "Output")),
                                  ([("a", NetPort("c", "Foo"))], "Foo", ("Input", "Output"))):
        with pytest.raises(WiringError) as info:
            NetGraph(layers, [(NetPort("Input"), "a"), *edges], Input=2)
        (problem,) = [d for d in info.value.diagnostics if d.kind == "unknown-port"]
        assert (problem.port, problem.expected) == (port, expected)
