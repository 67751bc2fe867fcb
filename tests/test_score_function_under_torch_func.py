"""A score-function RandomArrayLayer under torch.func's transforms: its parameters get their gradient by a surrogate
term recorded at each draw for ``surrogate_loss``, which no transform carries out of itself. Under ``vmap`` the
record was lost (``surrogate_loss`` gave 0 and the encoder no gradient, silently); under ``grad`` and ``jacrev``
torch refused the recording autograd.Function ("it must override the setup_context staticmethod"). Both are an
OptionError naming the layer; draws without grad, and the differentiable estimators, work there."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from netgraph import BernoulliDistribution, NetGraph, OptionError, RandomArrayLayer, net_initialize

SPECS = Path(__file__).resolve().parent.parent / "specs"


def _spec_module(estimator: str | None = None) -> torch.nn.Module:
    net = NetGraph.from_yaml(SPECS / "bernoulli_latent.yaml")
    if estimator:
        net = net.replace_layers({"z": RandomArrayLayer(BernoulliDistribution("#p"), estimator=estimator)})
    return net_initialize(net, seed=0).compile()


def _loss_grads(module, x):
    """torch.func.grad of the mean loss by the module's parameters."""
    params = dict(module.named_parameters())
    return torch.func.grad(lambda p: torch.func.functional_call(module, p, (x,))["Loss"].mean())(params)


@pytest.mark.parametrize("transform", ["vmap", "grad"])
def test_a_score_function_layer_recording_under_a_torch_func_transform_is_refused_naming_it(transform):
    module, x = _spec_module(), torch.rand(3, 5, 16, generator=torch.Generator().manual_seed(0))
    refused = r"layer 'z' .*score-function.* torch.func .*estimator='straight_through'"
    with pytest.raises(OptionError, match=refused) as caught:
        if transform == "vmap":
            torch.func.vmap(module, randomness="different")(x)
        else:
            _loss_grads(module, x[0])
    assert (caught.value.diagnostics[0].layer, caught.value.diagnostics[0].option) == (("z",), "estimator")


def test_a_straight_through_layer_under_torch_func_grad_gives_autograds_gradient():
    module, x = _spec_module("straight_through"), torch.rand(5, 16, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    grads = _loss_grads(module, x)
    torch.manual_seed(0)
    module(x)["Loss"].mean().backward()
    for name, p in module.named_parameters():
        torch.testing.assert_close(grads[name], p.grad)
    assert grads["encoder.Weights"].abs().sum() > 0  # the encoder's gradient goes through the draws


@pytest.mark.parametrize("estimator", ["straight_through", "relaxed"])
def test_a_differentiable_estimator_under_vmap_passes_the_gradient_to_its_parameters(estimator):
    # a batched tensor says it requires no grad: the straight-through draw took that for "no gradient wanted" and
    # gave the draws, detached, so p got none
    module = net_initialize(NetGraph([RandomArrayLayer(BernoulliDistribution("#p"), estimator=estimator)], [], p=3),
                            seed=0).compile()
    p = torch.full((2, 4, 3), 0.3, requires_grad=True)
    weights = torch.randn(2, 4, 3, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    (torch.func.vmap(module, randomness="different")(p) * weights).sum().backward()
    assert p.grad is not None and p.grad.abs().sum() > 0
    if estimator == "straight_through":  # the draws' gradient is their mean's, p's own: d(sum w·z)/dp = w
        torch.testing.assert_close(p.grad, weights)
