"""A training run that fails (bad data) leaves no empty folders behind: the output, checkpoint and TensorBoard
folders it created are removed again, in every process `--nproc` starts too; folders that were there before it,
or that hold files, are kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from netgraph import DataError, LinearLayer, NetChain, net_train
from netgraph.cli import main
from netgraph.core.files import remove_made, usable_folder

ROOT = Path(__file__).resolve().parents[1]
SPEC = "netgraph: 1\ntype: NetChain\nlayers: {h: {type: LinearLayer, output: 1}}\ninputs: {Input: [3]}\n"


def _bad(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "s.yaml").write_text(SPEC)
    np.savez(tmp_path / "bad.npz", Input=np.ones((8, 5), "f4"), Target=np.ones((8, 1), "f4"))
    return tmp_path / "s.yaml", tmp_path / "bad.npz"


def _folders(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_dir()}


def test_a_failed_train_command_removes_the_folders_it_made(tmp_path, capsys):
    spec, data = _bad(tmp_path)
    (tmp_path / "kept").mkdir()  # there before the run: stays
    code = main(["train", str(spec), "--data", str(data), "-o", str(tmp_path / "out" / "deep"), "--checkpoint",
                 str(tmp_path / "kept" / "ck"), "--tensorboard", str(tmp_path / "tb"), "--rounds", "1", "--quiet"])
    assert code == 1 and "expected shape (b, 3)" in capsys.readouterr().err
    assert _folders(tmp_path) == {"kept"}


def test_net_train_removes_the_checkpoint_and_log_folders_it_made_on_failure(tmp_path):
    net = NetChain([LinearLayer(1)], input=3)
    with pytest.raises(DataError):
        net_train(net, {"Input": torch.ones(8, 5), "Target": torch.ones(8, 1)}, progress=False,
                  checkpoint=str(tmp_path / "a" / "ck"), progress_reporting="tensorboard", log_dir=str(tmp_path / "tb"))
    assert _folders(tmp_path) == set()
    net_train(net, {"Input": torch.ones(8, 3), "Target": torch.ones(8, 1)}, max_training_rounds=1,
              checkpoint=str(tmp_path / "ck"), progress=False)  # a run that works keeps its folders
    assert any((tmp_path / "ck").iterdir())


def test_remove_made_removes_only_empty_folders_it_made(tmp_path):
    made: list[Path] = []
    usable_folder(tmp_path / "a" / "b" / "c", "x", made)
    usable_folder(tmp_path / "a" / "d", "x", made)
    (tmp_path / "a" / "d" / "file").write_text("x")
    assert made == [tmp_path / "a", tmp_path / "a" / "b", tmp_path / "a" / "b" / "c", tmp_path / "a" / "d"]
    remove_made(made)
    assert _folders(tmp_path) == {"a", "a/d"} and made == []


@pytest.mark.slow
def test_a_failed_nproc_run_leaves_no_empty_folders(tmp_path):
    spec, data = _bad(tmp_path)
    done = subprocess.run([sys.executable, "-m", "netgraph", "train", str(spec), "--data", str(data),
                           "-o", str(tmp_path / "out"), "--checkpoint", str(tmp_path / "ck"), "--tensorboard",
                           str(tmp_path / "tb"), "--rounds", "1", "--nproc", "2", "--quiet"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 1 and "expected shape (b, 3)" in done.stderr, done.stderr
    assert _folders(tmp_path) == set()
