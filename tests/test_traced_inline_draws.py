"""A Normal or Uniform draw written into the forward (``mu + sigma * randn``) under ``torch.fx.symbolic_trace``: the
traced graph reads its constant parameters from the layer's module, so its state dict is the module's, and its draws
follow the graph's casts and moves.

The forward read a constant parameter (a buffer outside the state dict) as an attribute: fx copied it into the graph
as a state-dict key of its own ("Missing key(s) in state_dict: 'r.param_sigma'"), and fixed the draws' dtype and
device at the trace's.
"""

from __future__ import annotations

import pytest
import torch

from netgraph import (LinearLayer, NetGraph, NormalDistribution, RandomArrayLayer, ThreadingLayer, UniformDistribution,
                      net_initialize)

SIGMAS = [0.5, 1.0, 2.0]
DRAWS = {  # a layer whose draw is inline, fed by the input "mu" (3 elements) where it has a slot
    "slot_and_constant": RandomArrayLayer(NormalDistribution("#mu", SIGMAS)),
    "constant_and_slot": RandomArrayLayer(UniformDistribution([[-1.0, 0.0, 0.5], "#mu"])),
    "constants": RandomArrayLayer(NormalDistribution([0.5, -1.0, 2.0], 2.0), output=3),
    "numbers": RandomArrayLayer(NormalDistribution(0.3, 1.5), output=3),
}


def _module(name: str, seed: int = 0) -> torch.nn.Module:
    ports = {"mu": 3} if "slot" in name else {}
    net = NetGraph({"r": DRAWS[name], "lin": LinearLayer(3), "sum": ThreadingLayer("Plus")},
                   [("r", "sum"), ("lin", "sum")], Input=2, **ports)
    module = net_initialize(net, seed=seed).compile()
    assert "torch.rand" in module.code  # the draw is written into the forward
    return module


def _inputs(name: str, dtype=torch.float32) -> dict[str, torch.Tensor]:
    inputs = {"Input": torch.randn(4, 2, generator=torch.Generator().manual_seed(0), dtype=dtype)}
    return inputs | ({"mu": torch.full((4, 3), 1.5, dtype=dtype)} if "slot" in name else {})


def _drawn(run, inputs) -> torch.Tensor:
    torch.manual_seed(0)
    return run(**inputs)


@pytest.mark.parametrize("name", DRAWS)
def test_a_traced_inline_draw_takes_the_modules_state_dict_strictly(name):
    module, other = _module(name), _module(name, seed=1)
    traced = torch.fx.symbolic_trace(module)
    assert set(traced.state_dict()) == set(module.state_dict())
    traced.load_state_dict(other.state_dict(), strict=True)
    assert torch.equal(_drawn(traced, _inputs(name)), _drawn(other, _inputs(name)))


@pytest.mark.parametrize("name", DRAWS)
def test_a_traced_inline_draw_follows_the_graphs_cast(name):
    # the noise drawn in float64, not float32's draw widened: the same numbers as the module cast alike
    module = _module(name)
    traced = torch.fx.symbolic_trace(module).double()
    drawn = _drawn(traced, _inputs(name, torch.float64))
    assert drawn.dtype == torch.float64
    assert torch.equal(drawn, _drawn(module.double(), _inputs(name, torch.float64)))
