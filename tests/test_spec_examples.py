"""The example specs in specs/: each loads, checks, compiles and runs, and does what it says."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from netgraph import NetGraph, interpret, net_initialize, net_train
from netgraph.cli import main

SPECS = Path(__file__).resolve().parent.parent / "specs"
EXAMPLES = ["normal_reparameterization", "mlp_classifier", "small_cnn", "vae", "vae_elbo", "bernoulli_latent",
            "stripes_classifier", "transformer_block", "residual_cnn"]


def test_the_examples_are_all_here():
    assert sorted(p.stem for p in SPECS.glob("*.yaml")) == sorted(EXAMPLES)


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_checks_compiles_and_matches_the_interpreter(name, capsys):
    path = SPECS / f"{name}.yaml"
    assert main(["check", str(path)]) == 0
    assert capsys.readouterr().out.startswith(f"{path}: ok, ")
    net = net_initialize(NetGraph.from_yaml(path), seed=0)
    module = net.compile()
    inputs = {p: torch.rand(3, *(5 if isinstance(d, str) else d for d in shape)) for p, shape in net.input_shapes.items()}
    torch.manual_seed(1)
    compiled = module(**inputs)
    torch.manual_seed(1)
    interpreted = interpret(net, module, **inputs)
    compiled = compiled if isinstance(compiled, dict) else {"Output": compiled}
    interpreted = interpreted if isinstance(interpreted, dict) else {"Output": interpreted}
    for port, shape in net.output_shapes.items():
        batch = (3,) if inputs else ()
        assert compiled[port].shape == (*batch, *(5 if isinstance(d, str) else d for d in shape))
        torch.testing.assert_close(compiled[port], interpreted[port])


@pytest.mark.parametrize("name", ["mlp_classifier", "small_cnn"])
def test_classifiers_output_probabilities_over_10_classes(name):
    net = net_initialize(NetGraph.from_yaml(SPECS / f"{name}.yaml"), seed=0)
    shape = net.input_shapes["Input"]
    probs = net.compile().eval()(Input=torch.rand(5, *shape))
    assert probs.shape == (5, 10)
    torch.testing.assert_close(probs.sum(1), torch.ones(5))
    assert bool((probs > 0).all())


def test_small_cnn_layer_shapes():
    net = NetGraph.from_yaml(SPECS / "small_cnn.yaml")
    assert net.layer_types("pool1")["Output"].shape == (8, 14, 14)
    assert net.layer_types("pool2")["Output"].shape == (16, 7, 7)
    assert net.layer_types("flatten")["Output"].shape == (784,)


def test_vae_loss_is_reconstruction_plus_kl():
    net = net_initialize(NetGraph.from_yaml(SPECS / "vae.yaml"), seed=0)
    module = net.compile()
    x = torch.rand(4, 16)
    torch.manual_seed(0)
    out = module(Input=x)
    hidden = torch.tanh(torch.nn.functional.linear(x, module.get_submodule("encoder.1").Weights,
                                                   module.get_submodule("encoder.1").Biases))
    mu = torch.nn.functional.linear(hidden, module.mu.Weights, module.mu.Biases)
    sigma = torch.nn.functional.linear(hidden, module.log_sigma.Weights, module.log_sigma.Biases).exp()
    kl = ((mu ** 2 + sigma ** 2 - 1) / 2 - sigma.log()).sum(1)
    squared = ((out["Reconstruction"] - x) ** 2).sum(1)
    torch.testing.assert_close(out["Loss"], squared + kl)


def test_vae_gradients_reach_the_encoder_through_the_random_layer():
    net = net_initialize(NetGraph.from_yaml(SPECS / "vae.yaml"), seed=0)
    module = net.compile()
    out = module(Input=torch.rand(8, 16))
    out["Reconstruction"].sum().backward()  # Reconstruction depends on mu and sigma only through the draw z
    assert module.mu.Weights.grad is not None and module.mu.Weights.grad.abs().sum() > 0
    assert module.log_sigma.Weights.grad is not None and module.log_sigma.Weights.grad.abs().sum() > 0


def test_vae_trains():
    net = NetGraph.from_yaml(SPECS / "vae.yaml")
    data = {"Input": torch.rand(256, 16)}
    results = net_train(net, data, max_training_rounds=40, batch_size=64, learning_rate=0.01, random_seed=0,
                        progress=False, all=True)
    first, last = results.round_losses[0], sum(results.round_losses[-5:]) / 5
    assert last < 0.5 * first


def test_bernoulli_latent_reconstruction_mean_is_the_decoder_of_p():
    """E[z] = p, so the mean reconstruction over many draws is decoder(p): a statistical check of the draws."""
    net = net_initialize(NetGraph.from_yaml(SPECS / "bernoulli_latent.yaml"), seed=0)
    module = net.compile()
    x = torch.rand(1, 16).expand(4000, 16)
    with torch.no_grad():
        recon = module(Input=x)["Reconstruction"]
        p = torch.sigmoid(torch.nn.functional.linear(x[:1], module.encoder.Weights, module.encoder.Biases))
        expected = torch.nn.functional.linear(p, module.decoder.Weights, module.decoder.Biases)[0]
        # each draw of z is 0/1: recon - biases is W @ z with z binary
        z = torch.linalg.lstsq(module.decoder.Weights, (recon - module.decoder.Biases).T).solution.T
    assert torch.allclose(z, z.round(), atol=1e-3)
    se = recon.std(0) / 4000 ** 0.5
    assert bool(((recon.mean(0) - expected).abs() < 5 * se + 1e-6).all())
