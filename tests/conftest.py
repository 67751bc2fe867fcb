"""Shared fixtures: the seed example, fixed seeds."""

from __future__ import annotations

import gc
import os
import sys

import pytest
import torch
from hypothesis import HealthCheck, settings


from netgraph.core.registry import registry_scope
from netgraph.render import api as render_api
from netgraph.render import engines as render_backend
from netgraph.spec.yaml_nodes import LOADERS, use_loader
from netgraph import FunctionLayer, NetArrayLayer, NetGraph, NetPort, NormalDistribution, RandomArrayLayer

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]
# "ci" (the default) keeps the `fuzz` tests within their one-minute budget; "long" is the large run:
# `pytest -m fuzz --hypothesis-profile=long` (2,500 cases per test: 12,500 API and 7,500 YAML cases).
settings.register_profile("ci", max_examples=12, deadline=None, suppress_health_check=_SLOW_OK, derandomize=True,
                          print_blob=True)
settings.register_profile("long", max_examples=2500, deadline=None, suppress_health_check=_SLOW_OK,
                          print_blob=True)
settings.load_profile("ci")


def torch_threads(cores: int | None, workers: int) -> int:
    """Threads per test process: the machine's cores shared out among pytest-xdist's ``workers`` (at least 1).
    Each torch took every core: 14 workers of 16 threads on 16 cores spun on each other's tiny ops, and a
    GRU-training test took 150 s instead of 1 s (0.6 s with 1 thread against 27 s with 2 on a busy 2 cores)."""
    return max(1, (cores or 1) // max(1, workers))


def pytest_configure(config):
    """Under xdist, each worker's torch (and the processes its tests start: OMP_NUM_THREADS) takes its share."""
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if workers:
        threads = torch_threads(os.cpu_count(), int(workers))
        torch.set_num_threads(threads)
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))


def normal_reparameterization_layer(initial_means, initial_stds):
    """The seed, literally as in DESIGN.md."""
    n = len(initial_means)
    rl = RandomArrayLayer(NormalDistribution(0, 1), output=n)
    mu = NetArrayLayer(array=initial_means, output=n)
    sigma = NetArrayLayer(array=initial_stds, output=n)
    rv = FunctionLayer("#Means + #Stds * #Random", output=n)
    return NetGraph([mu, sigma, rl, rv],
                    [(1, 4), (2, 4), (3, 4), (NetPort(3, "Output"), NetPort("Params"))])


@pytest.fixture
def seed_net():
    return normal_reparameterization_layer([0.0, 30.0], [10.0, 5.0])


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.fixture(autouse=True)
def _recursion_limit_kept():
    """Each test leaves Python's recursion limit as it found it (torch.compile's inductor raised it for good, so every
    later test ran with another limit than a test run alone: recursion_room and the depth limits depend on it)."""
    before = sys.getrecursionlimit()
    yield
    after = sys.getrecursionlimit()
    if after != before:
        sys.setrecursionlimit(before)
        pytest.fail(f"the test left sys.getrecursionlimit() at {after}, found at {before}")


@pytest.fixture(autouse=True)
def _scoped_registry():
    """Layer types and distributions a test defines or registers are forgotten after it."""
    with registry_scope():
        yield


@pytest.fixture
def dtype(request):
    """torch's default dtype set to the parameter (``indirect=True``) for the test, and put back after it."""
    default = torch.get_default_dtype()
    torch.set_default_dtype(request.param)
    yield request.param
    torch.set_default_dtype(default)


@pytest.fixture
def no_collection():
    """No garbage collection during the test: DataLoader worker processes must end when net_train (or
    net_measurements) returns or raises, not when a collection happens to run. Garbage an earlier test left (a
    caught worker error's traceback cycle holding its iterator and workers) is collected first."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()


@pytest.fixture(params=sorted(LOADERS))
def yaml_loader(request):
    """Run a test once with each YAML loader (libyaml's C parser when PyYAML has it, and the pure one)."""
    previous = use_loader(request.param)
    yield request.param
    use_loader(previous)


@pytest.fixture
def no_dot(monkeypatch):
    """Hide the system dot (PATH without it); graphviz-pure is still found beside the Python."""
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(render_backend, "_announced", set())


@pytest.fixture
def engines(monkeypatch):
    """Every engine installed; the calls that reach dot or graphviz-pure are recorded, not run."""
    calls = []
    monkeypatch.setattr(render_backend, "find_executable", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(render_backend, "_announced", set())
    monkeypatch.setattr(render_api, "run_engine",
                        lambda name, source, fmt, timeout=None: calls.append(name) or b"<svg/>")
    return calls


@pytest.fixture
def no_engines(monkeypatch):
    """Neither dot nor graphviz-pure: only the built-in layout remains."""
    monkeypatch.setattr(render_backend, "find_executable", lambda name: None)
    monkeypatch.setattr(render_backend, "_announced", set())


@pytest.fixture
def cli(tmp_path, capsys, monkeypatch):
    """The command line, run in-process from ``tmp_path`` (``tests.cli_runner``)."""
    from tests.cli_runner import Cli
    monkeypatch.chdir(tmp_path)
    return Cli(tmp_path, capsys)
