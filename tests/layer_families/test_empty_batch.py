"""A batch of 0 examples runs through every layer that reduces each example to one number (losses, CTC, Summation,
KL) and through group normalisation: the result has 0 rows, as torch's own layers give, on all three paths
(``net(x)``, the compiled module, the reference interpreter). Each once raised torch's "cannot reshape tensor of
0 elements into shape [0, -1]" from ``reshape(batch, -1)`` (CTC: F.ctc_loss's "log_probs tensor must not be empty")."""

from __future__ import annotations

import pytest
import torch

from netgraph import (ContrastiveLossLayer, CrossEntropyLossLayer, CTCLossLayer, ExponentialDistribution,
                      GammaDistribution, KLDivergenceLayer, MeanAbsoluteLossLayer, MeanSquaredLossLayer, NetGraph,
                      NormalDistribution, NormalizationLayer, PoissonDistribution, PortType, SummationLayer, interpret,
                      net_initialize)

CASES = [
    (SummationLayer(), {"Input": (2, 3)}),
    (SummationLayer(), {"Input": ()}),
    (MeanSquaredLossLayer(), {"Input": (2, 3), "Target": (2, 3)}),
    (MeanAbsoluteLossLayer(), {"Input": (), "Target": ()}),
    (CrossEntropyLossLayer("Index"), {"Input": (4, 5), "Target": PortType((4,), "Integer")}),
    (CrossEntropyLossLayer("Index", logits=True), {"Input": (5,), "Target": PortType((), "Integer")}),
    (CrossEntropyLossLayer("Probabilities"), {"Input": (5,), "Target": (5,)}),
    (CrossEntropyLossLayer("Binary", logits=True), {"Input": (2, 3), "Target": (2, 3)}),
    (ContrastiveLossLayer(), {"Input": (3,), "Target": PortType((3,), "Integer")}),
    (CTCLossLayer(), {"Input": (4, 3), "Target": PortType((2,), "Integer")}),
    (CTCLossLayer(logits=True), {"Input": ("n", 3), "Target": PortType(("m",), "Integer")}),
    (NormalizationLayer(group_number=2), {"Input": (4, 3)}),
    (KLDivergenceLayer(NormalDistribution("#mu", "#s"), NormalDistribution()), {"mu": (3,), "s": (3,)}),
    (KLDivergenceLayer(GammaDistribution("#a", 1.0), ExponentialDistribution(2.0), samples=3), {"a": (2, 3)}),
    (KLDivergenceLayer(PoissonDistribution("#m"), PoissonDistribution(1.0), method="monte_carlo", samples=2),
     {"m": ()}),
]


def _empty(shape):
    if isinstance(shape, PortType):
        return torch.zeros((0, *(2 if isinstance(d, str) else d for d in shape.shape)), dtype=torch.long)
    return torch.ones(0, *(4 if isinstance(d, str) else d for d in shape))


@pytest.mark.filterwarnings("ignore:var_mean")
@pytest.mark.parametrize("layer, shapes", CASES, ids=lambda v: type(v).__name__ if not isinstance(v, dict) else "")
def test_a_batch_of_zero_examples_gives_zero_rows(layer, shapes):
    net = net_initialize(NetGraph([layer], [], **shapes), seed=0)
    (port,) = net.output_ports
    inputs = {name: _empty(shape) for name, shape in shapes.items()}
    module = net.compile().eval()
    expected = (0, *net.output_shapes[port])
    assert tuple(net(**inputs).shape) == expected
    assert tuple(module(**inputs).shape) == expected
    interpreted = interpret(net, module, **inputs)
    assert tuple((interpreted[port] if isinstance(interpreted, dict) else interpreted).shape) == expected
