"""A checkpoint folder is held by one run at a time (a marker made with an exclusive create): two runs started at
once with one folder both passed the occupied-folder check, and one removed the other's checkpoints."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
import torch

from netgraph import LinearLayer, NetChain, OptionError, net_initialize, net_train
from netgraph.train.folder_marker import MARKER

X = torch.randn(64, 3, generator=torch.Generator().manual_seed(0))
DATA = {"Input": X, "Target": X.sum(1, keepdim=True)}


def _train(folder, **options):
    net = net_initialize(NetChain([LinearLayer(1)], input=3), seed=0)
    return net_train(net, DATA, max_training_rounds=2, batch_size=16, random_seed=0, progress=None,
                     checkpoint=str(folder), **options)


@pytest.mark.timeout(60)
def test_a_run_started_while_another_runs_in_the_folder_is_refused(tmp_path):
    errors, started, release = [], threading.Event(), threading.Event()

    def first_waits(outputs, batch):  # the first run's loss, which waits at its first step
        started.set()
        release.wait(30)
        return (outputs["Output"] - batch["Target"]).square().sum(-1)

    first = threading.Thread(target=lambda: _train(tmp_path, loss_function=first_waits), daemon=True)
    first.start()
    assert started.wait(30)  # the first run is at its first step: no checkpoint written yet
    try:
        with pytest.raises(OptionError) as info:
            _train(tmp_path)
        errors.append(info.value)
    finally:
        release.set()
        first.join(30)
    assert errors[0].kind == "occupied-folder" and "in use by another training run" in str(errors[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["round-000001.pt", "round-000002.pt"]  # the first's, kept


def test_the_marker_goes_at_the_runs_end_and_a_resumed_run_may_use_the_folder(tmp_path):
    _train(tmp_path)
    assert not (tmp_path / MARKER).exists()
    net = net_initialize(NetChain([LinearLayer(1)], input=3), seed=0)
    net_train(net, DATA, max_training_rounds=3, batch_size=16, random_seed=0, progress=None, checkpoint=str(tmp_path),
              resume=True)
    assert (tmp_path / "round-000003.pt").exists() and not (tmp_path / MARKER).exists()


def test_a_marker_of_a_process_that_is_gone_is_taken_over(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / MARKER).write_text(gone.stdout.strip())
    _train(tmp_path)
    assert (tmp_path / "round-000002.pt").exists() and not (tmp_path / MARKER).exists()


def test_a_marker_of_another_living_process_refuses_the_run_and_says_how_to_clear_it(tmp_path):
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / MARKER).write_text(str(other.pid))
        with pytest.raises(OptionError) as info:
            _train(tmp_path)
    finally:
        other.kill()
        other.wait()
    assert f"process {other.pid}" in str(info.value) and f"delete {str(tmp_path / MARKER)!r}" in str(info.value)
    assert os.listdir(tmp_path) == [MARKER]  # the other's marker left; nothing written
