"""A net of thousands of input ports called with keywords: the compiled module gets its inputs by position.

Python binds each keyword argument by comparing it with the forward's parameter names one by one (by value, for a
port name that is not the compiled code's own string), so 8,000 keywords took 8,000² comparisons: 1.8 s a call.
"""

from __future__ import annotations

import torch

from netgraph import ElementwiseLayer, NetGraph, NetPort
from netgraph.backend.eval_options import EvaluationOptions, call_by_name, compiled_module


def many(n: int) -> NetGraph:
    layers = {f"t{i}": ElementwiseLayer("Tanh") for i in range(n)}
    return NetGraph(layers, [(NetPort(f"x{i}"), f"t{i}") for i in range(n)], **{f"x{i}": 2 for i in range(n)})


def calls_seen(net: NetGraph, run) -> list[tuple[tuple, dict]]:
    seen = []
    handle = compiled_module(net, EvaluationOptions()).register_forward_pre_hook(
        lambda module, args, kwargs: seen.append((args, kwargs)), with_kwargs=True)
    try:
        result = run()
    finally:
        handle.remove()
    return seen, result


def test_thousands_of_keyword_inputs_reach_the_module_by_position_in_port_order():
    net = many(3000)
    inputs = {f"x{i}": torch.full((1, 2), float(i) / 3000) for i in reversed(range(3000))}  # not in port order
    seen, result = calls_seen(net, lambda: net(**inputs))
    assert [(len(args), kwargs) for args, kwargs in seen] == [(3000, {})]
    assert all(a is inputs[p] for a, p in zip(seen[0][0], net.input_ports))
    assert torch.equal(result["Output1501"], torch.tanh(inputs["x1500"]))


def test_batches_go_by_position_too():
    net = many(50)
    inputs = {f"x{i}": torch.randn(4, 2) for i in range(50)}
    seen, result = calls_seen(net, lambda: net(**inputs, batch_size=2))
    assert [(len(args), kwargs) for args, kwargs in seen] == [(50, {}), (50, {})]
    assert torch.equal(result["Output8"], torch.tanh(inputs["x7"]))


def test_call_by_name_passes_the_rest_by_keyword_and_keeps_python_errors():
    class Module(torch.nn.Module):
        def forward(self, a, b, c=None, *, d=0):
            return (a, b, c, d)
    module = Module()
    assert call_by_name(module, {"b": 2, "a": 1, "d": 4}) == (1, 2, None, 4)
    try:
        call_by_name(module, {"a": 1, "e": 5})
    except TypeError as exc:
        assert "e" in str(exc)
    else:
        raise AssertionError("an unknown keyword must stay Python's TypeError")
