"""netgraph.interpret(net, module, **inputs) with an input port named ``net`` or ``module`` (QA pass 11): both
are Python identifiers a graph port may have, and the compiled module and net(...) take them, but interpret's own
parameters took the keyword (Python's TypeError 'got multiple values for argument')."""

from __future__ import annotations

import pytest
import torch

from netgraph import LinearLayer, NetGraph, NetPort, interpret, net_initialize


@pytest.mark.parametrize("port", ["net", "module"])
def test_interpret_takes_inputs_named_like_its_own_parameters(port):
    net = net_initialize(NetGraph({"a": LinearLayer(3)}, [(NetPort(port), "a")], **{port: 2}), seed=0)
    module, x = net.compile(), torch.tensor([[1.0, -2.0]])
    expected = x @ net.layers["a"].arrays["Weights"].T + net.layers["a"].arrays["Biases"]
    assert torch.allclose(interpret(net, module, **{port: x}), expected)
    assert torch.allclose(module(**{port: x}), expected)
