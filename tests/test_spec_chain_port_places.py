"""A NetChain's 'input:'/'output:' that conflicts with a layer is reported at the shape written, as a graph's
'inputs:' entry is at its port (it was at the key, column 1)."""

import pytest

from tests.spec_refusals import spec_problems


def _places(text: str) -> list[tuple]:
    return spec_problems(text, ("line", "column", "kind", "port"))


_CHAIN = "netgraph: 1\ntype: NetChain\nlayers:\n  - {}\n"


@pytest.mark.parametrize("layer, ports, place", [
    ("{type: ReshapeLayer, dims: [2, 3]}", "input: 5\n", (5, 8, "shape", "Input")),
    ("{type: LinearLayer, output: 3}", "input: 4\noutput: 5\n", (6, 9, "shape", "Output")),
    ("{type: LinearLayer, output: 3}", "input: 4\noutput: [5]\n", (6, 9, "shape", "Output")),
    ("{type: LinearLayer, output: 3}", "input: 4\noutput:\n  [5]\n", (7, 3, "shape", "Output")),
])
def test_a_chains_port_shape_conflicting_with_a_layer_is_at_the_shape(layer, ports, place, yaml_loader):
    assert _places(_CHAIN.format(layer) + ports) == [place]
