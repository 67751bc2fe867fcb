"""FunctionLayer's matrix Norm and Det (of a size past Leibniz's sum) in float16 and bfloat16: computed in float32
(torch's CPU SVD and LU have no kernels for them), the result in the input's dtype; under autocast, moved modules and
net_train(working_precision="mixed") alike, compiled as interpreted."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import (FunctionLayer, LinearLayer, MeanSquaredLossLayer, NetGraph, NetMapOperator, NetPort,
                      net_initialize, net_train)

FLOAT32_VALUES = {"Det[#m]": torch.linalg.det, "Norm[#m]": lambda m: torch.linalg.matrix_norm(m, ord=2)}
MATRICES = torch.randn(3, 4, 4, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("expression", FLOAT32_VALUES)
def test_a_module_moved_to_a_low_precision_computes_in_float32_and_answers_in_its_dtype(expression, dtype):
    module = NetGraph({"f": FunctionLayer(expression)}, [], m=(4, 4)).compile().to(dtype)
    m = MATRICES.to(dtype)
    out = module(m=m)
    assert out.dtype == dtype
    assert torch.equal(out, FLOAT32_VALUES[expression](m.float()).to(dtype))


@pytest.mark.parametrize("expression", FLOAT32_VALUES)
def test_under_autocast_the_compiled_module_gives_the_interpreted_nets_values(expression):
    net = net_initialize(NetGraph({"lin": NetMapOperator(LinearLayer(4)), "f": FunctionLayer(expression)},
                                  [("lin", "f")], Input=(4, 4)), seed=0)
    module = net.compile()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        compiled, interpreted = module(MATRICES), net(MATRICES)
        expected = FLOAT32_VALUES[expression](module.lin(MATRICES).float()).to(torch.bfloat16)
    assert compiled.dtype == torch.bfloat16 and torch.equal(compiled, interpreted) and torch.equal(compiled, expected)


def test_mixed_precision_training_through_a_determinant_runs():
    net = NetGraph({"lin": NetMapOperator(LinearLayer(4)), "f": FunctionLayer("Det[#m]"),
                    "loss": MeanSquaredLossLayer()}, [("lin", "f", NetPort("loss", "Input"))], Input=(4, 4))
    rng = np.random.default_rng(0)
    data = {"Input": rng.normal(size=(32, 4, 4)), "Target": rng.normal(size=32)}
    results = net_train(net, data, max_training_rounds=2, random_seed=0, progress=False, all=True,
                        working_precision="mixed")
    assert len(results["RoundLossList"]) == 2 and np.isfinite(results["RoundLossList"]).all()
