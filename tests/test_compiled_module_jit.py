"""The compiled module under TorchScript: torch.jit.trace records it (with the module's values), torch.jit.script is
refused with a clear error."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import torch

from netgraph import NetGraph, OptionError, net_initialize
from tests.test_layer_parity import _as_dict, _inputs, distribution_examples

SPECS = Path(__file__).resolve().parent.parent / "specs"
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


@pytest.mark.parametrize("spec", ["mlp_classifier", "small_cnn", "residual_cnn", "transformer_block"])
def test_torch_jit_trace_records_the_modules_values(spec):
    net = net_initialize(NetGraph.from_yaml(SPECS / f"{spec}.yaml"), seed=0)
    module = net.compile().eval()
    shape = tuple(5 if isinstance(d, str) else d for d in net.input_shapes["Input"])
    traced = _traced(module, {"Input": torch.rand(3, *shape)})
    x = torch.rand(2, *shape)  # another batch
    torch.testing.assert_close(traced(x), module(x))


def test_torch_jit_script_is_refused_naming_what_works():
    # TorchScript's own error was "Unknown type annotation: 'tuple[tuple[str, ...], str] | None'"
    module = net_initialize(NetGraph.from_yaml(SPECS / "mlp_classifier.yaml"), seed=0).compile()
    wrapper = torch.nn.Sequential(torch.nn.Identity(), module)  # held by the user's own module too
    for scripted in (module, wrapper):
        with pytest.raises(OptionError, match="torch.jit.script cannot compile a netgraph module.*torch.compile") as caught:
            torch.jit.script(scripted)
        assert caught.value.kind == "not-scriptable" and "torch.jit.trace(module, args)" in caught.value.expected
