"""The test suite's own setting: under pytest-xdist each worker's torch takes its share of the cores."""

from __future__ import annotations

import os

import torch

from tests.conftest import pytest_configure, torch_threads


def test_each_xdist_worker_takes_its_share_of_the_cores(monkeypatch):
    """14 workers on 16 cores each ran torch on 16 threads: a small GRU-training test took 150 s, not 1 s."""
    before = torch.get_num_threads()
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "14")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    try:
        pytest_configure(None)
        assert torch.get_num_threads() == 1 and os.environ["OMP_NUM_THREADS"] == "1"
    finally:
        torch.set_num_threads(before)
    assert torch_threads(16, 4) == 4 and torch_threads(None, 3) == 1 and torch_threads(2, 14) == 1
