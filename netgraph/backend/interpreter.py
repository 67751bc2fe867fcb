"""A small reference interpreter: runs a NetGraph layer by layer, calling each built module.

It walks the graph's own edges (not the generated code), so tests can check that
``compiled(x) == interpret(net, compiled, x)``; both share the same modules and weights.
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["interpret"]


def interpret(net: Any, module: torch.nn.Module, **inputs: torch.Tensor) -> Any:
    """Run ``net`` with the submodules of ``module`` (a compiled ``net``) on batched ``inputs``."""
    env: dict[tuple, torch.Tensor] = {((), p): inputs[p] for p in net.input_ports}
    batch = next(iter(inputs.values())).shape[0] if inputs else 1
    for path, layer in net.leaves():
        sub = module.get_submodule(".".join(path))
        args = [env[net.producer((path, p))] for p in layer.input_ports]
        result = sub(*args) if layer.input_ports else sub(batch)
        results = result if len(layer.output_ports) > 1 else (result,)
        env.update({(path, p): r for p, r in zip(layer.output_ports, results)})
    outputs = {p: env[net.producer(((), p))] for p in net.output_ports}
    if not inputs:
        outputs = {p: v[0] for p, v in outputs.items()}
    return next(iter(outputs.values())) if len(outputs) == 1 else outputs
