"""On a GPU: net_train(target_device="cuda") learns in float32, float64 and mixed precision and gives back arrays on
the CPU; float64 training on the GPU follows float64 training on the CPU; a checkpoint written on the GPU loads and
resumes on the CPU; `netgraph train --device cuda` (in-process) trains and writes its files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from netgraph import ElementwiseLayer, LinearLayer, NetChain, OptionError, net_initialize, net_train
from netgraph.cli import main
from netgraph.core.information import all_arrays
from netgraph.train.checkpoint import checkpoints, load_checkpoint
from tests.gpu_helpers import exact_matmuls, needs_cuda

pytestmark = needs_cuda

RNG = np.random.default_rng(0)
X = RNG.normal(size=(256, 4))
Y = (np.tanh(X @ np.array([1.0, -2.0, 3.0, 0.5])) + 0.1 * X[:, 0])[:, None]
DATA = {"Input": X, "Target": Y}
TINY_SPEC = "netgraph: 1\ntype: NetChain\nlayers: {h: {type: LinearLayer, output: 8}, act: Tanh, " \
            "out: {type: LinearLayer, output: 1}}\ninputs: {Input: [4]}\n"


def _net():
    return net_initialize(NetChain([LinearLayer(8), ElementwiseLayer("Tanh"), LinearLayer(1)], input=4), seed=0)


def check_learns(device: str, precision: str) -> None:
    """The round loss falls to under half its first value; every trained array is on the CPU, in the precision's
    dtype (float32 for mixed: the arrays and optimizer stay float32)."""
    results = net_train(_net(), DATA, target_device=device, working_precision=precision, batch_size=32,
                        max_training_rounds=10, learning_rate=0.03, random_seed=0, progress=False, all=True)
    losses = results["RoundLossList"]
    assert np.isfinite(losses).all() and losses[-1] < 0.5 * losses[0], (precision, losses)
    dtype = torch.float64 if precision == "float64" else torch.float32
    arrays = all_arrays(results["TrainedNet"])
    assert {(v.device.type, v.dtype) for v in arrays.values()} == {("cpu", dtype)}, precision


def float64_run(device: str) -> tuple[list[float], dict]:
    """SGD in float64 from the same arrays and seed (no random layer): the batch losses and trained arrays."""
    with exact_matmuls():
        results = net_train(_net(), DATA, target_device=device, working_precision="float64", batch_size=32,
                            max_training_rounds=5, method=("SGD", {"momentum": 0.9}), learning_rate=0.05,
                            random_seed=3, progress=False, all=True)
    return results["BatchLossList"], all_arrays(results["TrainedNet"])


def check_float64_follows(device: str, reference: str = "cpu") -> None:
    losses, arrays = float64_run(device)
    want_losses, want = float64_run(reference)
    np.testing.assert_allclose(losses, want_losses, rtol=1e-9, atol=1e-12)
    assert arrays.keys() == want.keys()
    for key, value in arrays.items():
        torch.testing.assert_close(value, want[key], rtol=1e-8, atol=1e-10, msg=lambda m, key=key: f"{key}: {m}")


def check_checkpoint_loads_on_the_cpu(device: str, folder: Path) -> None:
    """Training on ``device`` with checkpoints; the newest loads on the CPU with the trained arrays, and resuming
    from it on the CPU goes on to the rounds asked."""
    options = dict(batch_size=32, learning_rate=0.01, random_seed=0, progress=False, all=True)
    trained = net_train(_net(), DATA, target_device=device, max_training_rounds=3, checkpoint=folder, **options)
    assert [p.name for p in checkpoints(folder)][-1] == "round-000003.pt"
    loaded = load_checkpoint(_net(), folder)
    want = all_arrays(trained["TrainedNet"])
    for key, value in all_arrays(loaded).items():
        assert value.device.type == "cpu", key
        torch.testing.assert_close(value, want[key], rtol=0, atol=0)
    resumed = net_train(_net(), DATA, target_device="cpu", max_training_rounds=5, checkpoint=folder, resume=True,
                        **options)
    assert resumed["TotalRounds"] == 5 and len(resumed["RoundLossList"]) == 5


def check_command_line_trains(device: str, folder: Path) -> None:
    """`netgraph train s.yaml --data d.npz -o out --device DEVICE` through cli.main (in this process)."""
    (folder / "s.yaml").write_text(TINY_SPEC)
    np.savez(folder / "d.npz", Input=X.astype("f4"), Target=Y.astype("f4"))
    assert main(["train", str(folder / "s.yaml"), "--data", str(folder / "d.npz"), "-o", str(folder / "out"),
                 "--device", device, "--rounds", "3", "--batch-size", "64", "--seed", "0", "--quiet"]) == 0
    assert {p.name for p in (folder / "out").iterdir()} >= {"s.yaml", "results.json", "loss.svg"}


@pytest.mark.parametrize("precision", ["float32", "float64", "mixed"])
def test_net_train_on_the_gpu_learns_and_gives_back_cpu_arrays(precision):
    check_learns("cuda", precision)


def test_float64_training_on_the_gpu_follows_the_cpu():
    check_float64_follows("cuda")


def test_a_checkpoint_written_on_the_gpu_loads_and_resumes_on_the_cpu(tmp_path):
    check_checkpoint_loads_on_the_cpu("cuda", tmp_path)


def test_netgraph_train_device_cuda(tmp_path, capsys):
    check_command_line_trains("cuda", tmp_path)
    assert "trained 3 rounds" in capsys.readouterr().out


def test_a_gpu_index_past_the_last_is_an_option_error_on_this_machine(tmp_path, capsys):
    count = torch.cuda.device_count()
    with pytest.raises(OptionError, match=f"there is no CUDA device {count}; this machine has {count}"):
        net_train(_net(), DATA, target_device=f"cuda:{count}", progress=False)
    (tmp_path / "s.yaml").write_text(TINY_SPEC)
    np.savez(tmp_path / "d.npz", Input=X.astype("f4"), Target=Y.astype("f4"))
    assert main(["train", str(tmp_path / "s.yaml"), "--data", str(tmp_path / "d.npz"), "-o", str(tmp_path / "out"),
                 "--device", "cuda", "--nproc", str(count + 1), "--quiet"]) == 1
    assert f"each process takes one GPU, and this machine has {count}" in capsys.readouterr().err
