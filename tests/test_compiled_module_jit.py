"""The compiled module under TorchScript: torch.jit.trace records it (with the module's values), torch.jit.script is
refused with a clear error."""

from __future__ import annotations

import warnings

import pytest
import torch

from netgraph import NetGraph, net_initialize
from tests.test_layer_parity import _as_dict, _inputs, distribution_examples

VECTOR = sorted(name for name in distribution_examples() if "Multinormal" in name or "Dirichlet" in name)


def _traced(module: torch.nn.Module, inputs: dict[str, torch.Tensor]) -> torch.jit.ScriptModule:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit.trace is deprecated in torch 2.13, and warns of its Python ints
        return torch.jit.trace(module, tuple(inputs.values()), check_trace=False, strict=False)


@pytest.mark.parametrize("name", VECTOR)
def test_a_vector_distributions_layer_is_traced_by_torch_jit_with_the_modules_draws(name):
    # the check of the event sizes compared the traced sizes (tensors) as a set: "event sizes disagree: 2, 2"
    example = distribution_examples()[name]
    module = net_initialize(NetGraph([example.layer], [], **example.shapes), seed=0).compile()
    inputs = _inputs(module.net, example, torch.float32)
    traced = _traced(module, inputs)
    torch.manual_seed(1)
    expected = _as_dict(module(**inputs))
    torch.manual_seed(1)
    found = _as_dict(traced(*inputs.values()))
    for port, value in expected.items():
        torch.testing.assert_close(found[port], value)
