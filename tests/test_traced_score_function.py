"""torch.jit.trace and torch.export of a module with a score-function draw whose parameters require grad: they record
its tensor ops only, not the record surrogate_loss reads; the draw warns (EstimatorWarning) and leaves no record
behind for the module's next eager call."""

import warnings

import pytest
import torch

from netgraph import BernoulliDistribution, LinearLayer, NetGraph, NetPort, RandomArrayLayer, net_initialize
from netgraph.layers.estimators import EstimatorWarning, pending_records


def _module():
    net = NetGraph({"l": LinearLayer(3), "sig": "LogisticSigmoid", "b": RandomArrayLayer(BernoulliDistribution("#p"))},
                   [("l", "sig", NetPort("b", "p"))], Input=3)
    return net_initialize(net, seed=0).compile()


def _trace(module, x):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        return torch.jit.trace(module, (x,), check_trace=False)


def _export(module, x):
    return torch.export.export(module, (x,)).module()


def _trained_gradient(module, x):
    torch.manual_seed(1)
    losses = (module(x) - 1).square().sum(1)
    module.zero_grad()
    (losses.mean() + module.surrogate_loss(losses)).backward()
    return module.l.Weights.grad


@pytest.mark.parametrize("record", [_trace, _export])
def test_a_traced_score_function_draw_warns_and_leaves_no_record(record):
    module, x = _module(), torch.randn(16, 3)
    with pytest.warns(EstimatorWarning, match="torch.jit.trace and torch.export record no score-function term"):
        traced = record(module, x)
    assert traced(x).shape == (16, 3) and not list(pending_records(module))
    torch.testing.assert_close(_trained_gradient(module, x), _trained_gradient(_module(), x))  # as never traced


def test_tracing_without_grad_does_not_warn():
    module, x = _module(), torch.randn(4, 3)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("error", EstimatorWarning)
        _trace(module, x)
    assert not list(pending_records(module))
