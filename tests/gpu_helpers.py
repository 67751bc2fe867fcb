"""Shared by the GPU tests (tests/test_gpu_*.py): the marker, exact float32 matmuls, and checks that take the device
as a parameter, so that the CPU suite runs each of them once with "cpu" as the device (the code paths are exercised
on every machine; only the GPU run compares two devices)."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch

#: A hardware skip, not a "not there yet" guard: these tests need a CUDA device and run wherever there is one
#: (`pytest -m gpu`); without one they are skipped, and their helpers still run on the CPU in test_gpu_helpers.py.
needs_cuda = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]

#: allclose tolerances between two devices: float32 with TF32 off (reductions run in another order), and float64
#: tight enough that a float32 computation inside would fail it
TOLERANCES = {torch.float32: {"rtol": 1e-4, "atol": 1e-5}, torch.float64: {"rtol": 1e-9, "atol": 1e-11}}


@contextlib.contextmanager
def exact_matmuls() -> Iterator[None]:
    """TF32 off for CUDA matmuls and convolutions (float32 means float32), restored after."""
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def as_dict(result: Any) -> dict[str, torch.Tensor]:
    return result if isinstance(result, dict) else {"Output": result}


def _run(module: torch.nn.Module, inputs: dict[str, torch.Tensor], seed: int) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    with torch.no_grad():
        return {k: v.detach() for k, v in as_dict(module(**inputs)).items()}


def _same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    try:
        for k in a:
            torch.testing.assert_close(a[k], b[k], rtol=0, atol=0, equal_nan=True)
    except AssertionError:
        return False
    return True


def check_moved(make: Callable[[], torch.nn.Module], inputs: dict[str, torch.Tensor], device: str, where: str,
                training: bool = False, tolerances: dict | None = None) -> bool:
    """A compiled module (``make()``, on the CPU) and another moved with ``.to(device)`` give outputs of the same
    ports, shapes and dtypes, on ``device``, and the same values (allclose) unless the module draws at random
    (two seeds on the CPU differ); True when it does. ``tolerances`` replaces ``TOLERANCES``."""
    here, there = make().train(training), make().to(device).train(training)
    want = _run(here, inputs, 1)
    random = not _same(want, _run(make().train(training), inputs, 2))
    with exact_matmuls():
        got = _run(there, {k: v.to(device) for k, v in inputs.items()}, 1)
    assert got.keys() == want.keys(), where
    for port, value in got.items():
        at = f"{where}, port {port!r}"
        assert value.device.type == torch.device(device).type, f"{at}: on {value.device}"
        assert (value.dtype, value.shape) == (want[port].dtype, want[port].shape), f"{at}: {value.dtype} {value.shape}"
        if not random:
            torch.testing.assert_close(value.cpu(), want[port], equal_nan=True,
                                       **(tolerances or TOLERANCES).get(value.dtype, {"rtol": 0, "atol": 0}),
                                       msg=lambda m, at=at: f"{at}: {m}")
    return random


def assert_moments(draws: torch.Tensor, mean: float, std: float, where: str) -> None:
    """The sample's mean and standard deviation lie within 5 standard errors of ``mean`` and ``std`` (the errors
    estimated from the sample itself, its fourth moment for the variance)."""
    x = draws.detach().double().flatten().cpu()
    n = x.numel()
    centred = x - x.mean()
    variance = centred.square().mean()
    se_mean = math.sqrt(float(variance) / n)
    se_var = math.sqrt(max(float(centred.pow(4).mean() - variance.square()), 0.0) / n)
    assert abs(float(x.mean()) - mean) <= 5 * se_mean + 1e-12, f"{where}: mean {float(x.mean())}, expected {mean}"
    assert abs(float(variance) - std**2) <= 5 * se_var + 1e-12, f"{where}: variance {float(variance)}, expected {std**2}"


def assert_mean_estimate(estimates: torch.Tensor, exact: float, where: str) -> None:
    """The mean of per-draw estimates of a gradient lies within 5 standard errors (of the sample) of ``exact``."""
    e = estimates.detach().double().flatten().cpu()
    se = float(e.std()) / math.sqrt(e.numel())
    assert abs(float(e.mean()) - exact) <= 5 * se + 1e-9, f"{where}: {float(e.mean())} ± {se}, exact {exact}"
