"""GammaTransformDraws._log_prob_log skips work in eager calls: where every shape is below the saddle point's gate
(``below_saddle``), and, for LogGamma (whose draw is no power of G), where every draw is a normal number. Traced code
(vmap, torch.compile, torch.jit.trace) reads no values and selects elementwise instead: both must give the same
log-densities."""

from __future__ import annotations

import warnings

import pytest
import torch

from netgraph import GammaDistribution, LogGammaDistribution, NetGraph, RandomArrayLayer

# rows of log x: every draw a normal float32 (the eager shortcut), and some below the smallest normal (e^-100, e^-200)
LOG_X = [[-1.0, 0.5, 2.0], [-1.0, -100.0, -200.0]]
NEAR_MODE = [4.9, 5.0, 5.1]  # Gamma(300, scale 0.5)'s draws, about 150: where its plain form cancels in float32


def _eager_and_traced(dist, params, rows):
    log_x = torch.tensor(rows)
    eager = torch.stack([dist.log_prob_log(row, params) for row in log_x])  # one row per call: its own shortcut
    traced = torch.func.vmap(lambda row: dist.log_prob_log(row, params))(log_x)
    return eager, traced


@pytest.mark.parametrize("alpha", [0.5, 3.0, 300.0], ids=["small", "moderate", "above-gate"])
def test_log_gamma_eager_shortcut_equals_the_traced_selection(alpha):
    eager, traced = _eager_and_traced(LogGammaDistribution("#a", 0.5, 0.0), [torch.tensor(alpha), 0.5, 0.0], LOG_X)
    assert bool(torch.isfinite(eager).all())
    torch.testing.assert_close(eager, traced, rtol=1e-6, atol=0.0)


@pytest.mark.parametrize("alpha", [0.5, 3.0, 300.0], ids=["small", "moderate", "above-gate"])
def test_gamma_eager_shortcut_equals_the_traced_selection(alpha):
    eager, traced = _eager_and_traced(GammaDistribution("#a", 0.5), [torch.tensor(alpha), 0.5], LOG_X + [NEAR_MODE])
    assert bool(torch.isfinite(eager).all())
    torch.testing.assert_close(eager, traced, rtol=1e-6, atol=0.0)


def test_a_compiled_log_gamma_log_probability_equals_the_eager_modules():
    """torch.compile (backend "eager": the same random ops, so the same draws under one seed) runs the traced
    selection; the module's eager call, the shortcut where every draw is normal (α = 3) or not (α = 0.01)."""
    net = NetGraph([RandomArrayLayer(LogGammaDistribution("#a", 0.5, 0.0), log_probability=True)], [], a=())
    module = net.compile()
    compiled = torch.compile(module, backend="eager", fullgraph=True)
    for alpha in (3.0, 0.01):
        a = torch.full((64,), alpha)
        torch.manual_seed(0)
        eager = module(a=a)
        torch.manual_seed(0)
        traced = compiled(a=a)
        torch.testing.assert_close(eager["Output"], traced["Output"])
        torch.testing.assert_close(eager["LogProbability"], traced["LogProbability"])


@pytest.mark.parametrize("dist,example,other", [
    (GammaDistribution("#a", 1.0), 2.0, 1e6),  # traced below the saddle gate (log x alone), run above it
    (LogGammaDistribution("#a", 1.0, 0.0), 5.0, 0.01)], ids=["Gamma", "LogGamma"])  # traced: no tiny draw; run: some
def test_a_jit_traced_module_takes_no_shortcut_its_example_took(dist, example, other):
    """torch.jit.trace recorded the shortcut its example input took, and ran it for every input: Gamma's log-density
    at α = 1e6 from log x alone was 0.2 off, LogGamma's draws at α = 0.01 skipped the boost below shape 1."""
    module = NetGraph([RandomArrayLayer(dist, log_probability=True)], [], a=()).compile()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit.trace is deprecated in torch 2.13
        traced = torch.jit.trace(module, (torch.full((64,), example),), check_trace=False, strict=False)
    a = torch.full((64,), other)
    torch.manual_seed(0)
    eager = module(a=a)
    torch.manual_seed(0)
    found = traced(a)
    torch.testing.assert_close(found["Output"], eager["Output"])
    torch.testing.assert_close(found["LogProbability"], eager["LogProbability"])
