"""num_workers (--workers) above the CPUs this process may use: said once, in netgraph's words."""

from __future__ import annotations

import os
import warnings

import pytest

from netgraph import NetGraph, net_train
from tests.test_train_encoded import SPEC, _stripes


@pytest.fixture
def one_cpu(monkeypatch):
    """This process may use one CPU (as under taskset -c 0), so two DataLoader workers are too many."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)


def test_the_command_line_says_once_that_workers_exceed_the_cpus(cli, one_cpu):
    """torch's DataLoader warned at each loader it made and again at its first batch: three times over with
    --validation, twice as Python's file:line warning with torch's source line."""
    _stripes(cli.folder / "set", 4)
    ran = cli("train", SPEC, "--data", "set", "--workers", "2", "--rounds", "2", "--validation", "0.25", "-o", "out",
              "--quiet")
    assert ran.code == 0, ran.err
    assert ran.err == ("note: --workers 2 is more than the 1 CPU this process may use: so many DataLoader processes "
                       "slow reading the files down, or stall it; lower --workers\n")


def test_net_train_warns_once_naming_num_workers(tmp_path, one_cpu):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net_train(NetGraph.from_yaml(SPEC), str(_stripes(tmp_path / "set", 4)), max_training_rounds=2,
                  validation_set=0.25, num_workers=2, progress=False)
    said = [str(w.message) for w in caught if "worker" in str(w.message)]
    assert said == ["num_workers=2 is more than the 1 CPU this process may use: so many DataLoader processes slow "
                    "reading the files down, or stall it; lower num_workers"]
    assert caught[[str(w.message) for w in caught].index(said[0])].filename == __file__
