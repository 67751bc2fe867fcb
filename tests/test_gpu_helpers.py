"""The GPU tests' checks, run here with "cpu" as the device (and a few cases, fewer draws): the code the GPU run
executes is exercised on every machine, and each check can fail (a wrong value is caught)."""

from __future__ import annotations

import pytest
import torch

from netgraph import LinearLayer, NetChain, net_initialize
from tests.gpu_helpers import TOLERANCES, assert_mean_estimate, assert_moments, check_moved, exact_matmuls
from tests.test_gpu_modules import EXAMPLES, check_layer, check_spec, spec_case
from tests.test_gpu_random import (MOMENTS, check_moments, check_pathwise_gradients, check_score_function_gradient)
from tests.test_gpu_training import (check_checkpoint_loads_on_the_cpu, check_command_line_trains,
                                     check_float64_follows, check_learns)


@pytest.mark.parametrize("name", ["mlp_classifier", "vae"])
def test_the_spec_check_runs_on_the_cpu(name):
    check_spec(name, torch.float64, "cpu")


@pytest.mark.parametrize("name", ["LinearLayer", "DropoutLayer", "EmbeddingLayer", "BatchNormalizationLayer"])
def test_the_layer_check_runs_on_the_cpu(name):
    check_layer(EXAMPLES[name][0], torch.float32, "cpu")


def test_the_check_tells_random_modules_and_catches_a_wrong_value():
    net, make, inputs = spec_case("mlp_classifier", torch.float32)
    assert check_moved(make, inputs, "cpu", "mlp", training=True)  # its dropout draws
    assert not check_moved(make, inputs, "cpu", "mlp")
    shifted = net_initialize(NetChain([LinearLayer(3, biases=[0.0, 0.0, 1e-3])], input=2), seed=0)
    plain = net_initialize(NetChain([LinearLayer(3, biases=[0.0, 0.0, 0.0])], input=2), seed=0)
    makes = iter([plain.compile, shifted.compile, plain.compile])  # the CPU one, the "moved" one, the seed check
    with pytest.raises(AssertionError, match="port 'Output'"):
        check_moved(lambda: next(makes)(), {"Input": torch.rand(4, 2)}, "cpu", "shifted")


def test_float64_tolerances_tell_a_float32_computation_apart():
    x = torch.rand(1000, dtype=torch.float64) + 0.5
    with pytest.raises(AssertionError):
        torch.testing.assert_close(x.float().double(), x, **TOLERANCES[torch.float64])
    torch.testing.assert_close(x.float().double(), x, **TOLERANCES[torch.float32])


def test_exact_matmuls_restores_the_tf32_flags():
    before = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    with exact_matmuls():
        assert not torch.backends.cuda.matmul.allow_tf32 and not torch.backends.cudnn.allow_tf32
    assert (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32) == before


@pytest.mark.parametrize("name", sorted(MOMENTS))
def test_the_moment_check_runs_on_the_cpu(name):
    check_moments(name, "cpu", torch.float32, draws=100_000)


def test_the_moment_checks_catch_a_wrong_mean_or_std():
    x = 1.5 + 2.0 * torch.randn(100_000, generator=torch.Generator().manual_seed(0))
    assert_moments(x, 1.5, 2.0, "normal")
    for mean, std in ((1.55, 2.0), (1.5, 2.05)):
        with pytest.raises(AssertionError):
            assert_moments(x, mean, std, "normal")
    with pytest.raises(AssertionError):
        assert_mean_estimate(x, 1.55, "estimate")


def test_the_gradient_checks_run_on_the_cpu():
    check_pathwise_gradients("cpu", draws=100_000)
    check_score_function_gradient("cpu", draws=100_000)


@pytest.mark.parametrize("precision", ["float32", "mixed"])
def test_the_training_check_runs_on_the_cpu(precision):
    check_learns("cpu", precision)


def test_the_float64_comparison_runs_on_the_cpu():
    check_float64_follows("cpu")


def test_the_checkpoint_check_runs_on_the_cpu(tmp_path):
    check_checkpoint_loads_on_the_cpu("cpu", tmp_path)


def test_the_command_line_check_runs_on_the_cpu(tmp_path):
    check_command_line_trains("cpu", tmp_path)
