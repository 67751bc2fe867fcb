"""Multi-process training (torchrun, DDP on gloo) and the `netgraph train` command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from netgraph import (DataError, EmbeddingLayer, GatedRecurrentLayer, LinearLayer, NetChain, NetGraph,
                      SequenceLastLayer, SoftmaxLayer, net_initialize)
from netgraph.cli import main
from netgraph.train.distributed import free_port
from netgraph.train import load_data, net_train
from tests.test_train import known_function, mlp
from tests.distributed_helpers import torchrun

ROOT = Path(__file__).resolve().parents[1]

WORKER = """
import json, os, sys
sys.path.insert(0, {root!r})
from safetensors.torch import save_file
from netgraph import net_initialize
from netgraph.train import net_train
from tests.test_train import known_function, mlp
from tests.test_train_distributed import ragged_run, tail_run

x, y = known_function(100, 0)
r = net_train(net_initialize(mlp(), seed=0), {{"Input": x, "Target": y}}, max_training_rounds=3, batch_size=20,
              random_seed=5, validation_set=0.2, distributed=True, progress=False, all=True)
rank = os.environ["RANK"]
net = r.training_net
save_file({{f"{{n}}.{{k}}": v for n in ("h", "out") for k, v in net.layers[n].arrays.items()}},
          os.path.join({out!r}, f"rank{{rank}}.safetensors"))
with open(os.path.join({out!r}, f"rank{{rank}}.json"), "w") as f:
    json.dump({{"round": r.round_losses, "validation": r.validation_losses}}, f)
for name, run in (("tail", tail_run), ("ragged", ragged_run)):  # later trainings in this process: own groups
    with open(os.path.join({out!r}, f"{{name}}{{rank}}.json"), "w") as f:
        json.dump(run(distributed=True), f)
"""


@pytest.fixture(scope="module")
def torchrun_out(tmp_path_factory) -> Path:
    """Where one torchrun of WORKER (2 processes) wrote the results of its three trainings on each rank."""
    out = tmp_path_factory.mktemp("torchrun")
    torchrun(out, WORKER)
    return out


@pytest.mark.slow
def test_two_gloo_processes_agree_with_each_other_and_with_one_process(torchrun_out):
    ranks = [load_file(torchrun_out / f"rank{r}.safetensors") for r in (0, 1)]
    assert all(torch.equal(ranks[0][k], ranks[1][k]) for k in ranks[0])  # DDP keeps the replicas identical
    losses = [json.loads((torchrun_out / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert losses[0] == losses[1]
    x, y = known_function(100, 0)
    single = net_train(net_initialize(mlp(), seed=0), {"Input": x, "Target": y}, max_training_rounds=3,
                       batch_size=20, random_seed=5, validation_set=0.2, progress=False, all=True)
    for key, value in ranks[0].items():
        layer, array = key.split(".")
        torch.testing.assert_close(value, single.training_net.layers[layer].arrays[array], rtol=1e-5, atol=1e-6)
    assert losses[0]["round"] == pytest.approx(single.round_losses, rel=1e-5)
    assert losses[0]["validation"] == pytest.approx(single.validation_losses, rel=1e-5)


COIN_WORKER = """
import os, sys
sys.path.insert(0, {root!r})
import torch
from safetensors.torch import save_file
from netgraph import NetGraph, LinearLayer, ElementwiseLayer, RandomArrayLayer, BernoulliDistribution, net_initialize
from netgraph.train import net_train

net = NetGraph({{"lin": LinearLayer(3, input=2), "p": ElementwiseLayer("LogisticSigmoid"),
                "coin": RandomArrayLayer(BernoulliDistribution("#p"))}}, [("lin", "p", "coin")])
g = torch.Generator().manual_seed(0)
data = {{"Input": torch.randn(16, 2, generator=g), "Target": (torch.rand(16, 3, generator=g) < 0.5).float()}}
for at in range(1, len(sys.argv), 3):  # rounds, "new" or "resume", name: one training after another
    rounds, resume, name = int(sys.argv[at]), sys.argv[at + 1] == "resume", sys.argv[at + 2]
    r = net_train(net_initialize(net, seed=0), data, max_training_rounds=rounds, batch_size=2, random_seed=3,
                  learning_rate=0.1, checkpoint=os.path.join({out!r}, name), resume=resume, distributed=True,
                  progress=False, all=True)
    save_file(dict(r.training_net.layers["lin"].arrays), os.path.join({out!r}, name + os.environ["RANK"]))
"""


@pytest.mark.slow
def test_a_distributed_resume_gives_each_process_its_own_running_mean_baseline(tmp_path):
    # batches of 2 over 2 processes: each scores a slice of 1, so each keeps a running-mean baseline of its
    # own losses; resuming with rank 0's on every process took other steps than the uninterrupted run
    script = tmp_path / "coin.py"
    script.write_text(textwrap.dedent(COIN_WORKER.format(root=str(ROOT), out=str(tmp_path))))
    # the uninterrupted and the cut run in one launch; the resumed one in processes of its own, as a user resumes
    for args in (("4", "new", "whole", "2", "new", "cut"), ("4", "resume", "cut")):
        command = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "1", "--nproc-per-node", "2",
                   "--master-addr", "127.0.0.1", "--master-port", str(free_port()), str(script), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
    whole, resumed = load_file(tmp_path / "whole0"), load_file(tmp_path / "cut0")
    assert all(torch.equal(whole[k], resumed[k]) for k in whole)


def test_load_data_reads_npz_and_safetensors(tmp_path):
    x, y = known_function(8, 0)
    np.savez(tmp_path / "d.npz", Input=x.numpy(), Target=y.numpy())
    save_file({"Input": x, "Target": y}, tmp_path / "d.safetensors")
    for name in ("d.npz", "d.safetensors"):
        loaded = load_data(tmp_path / name)
        assert torch.equal(loaded["Input"], x) and torch.equal(loaded["Target"], y)
    np.savez(tmp_path / "obj.npz", Input=np.array([{"a": 1}], dtype=object))
    with pytest.raises(DataError, match="cannot read data file"):
        load_data(tmp_path / "obj.npz")  # object arrays would need pickle: refused
    (tmp_path / "x.txt").write_text("1,2\n")
    with pytest.raises(DataError, match="data files are .npz, .safetensors, .csv or .jsonl"):
        load_data(tmp_path / "x.txt")
    with pytest.raises(DataError, match="no data file"):
        load_data(tmp_path / "missing.npz")


def test_cli_train_writes_the_trained_net_plot_and_results(tmp_path, capsys):
    from netgraph.spec import load, save
    spec = tmp_path / "mlp.yaml"
    save(net_initialize(mlp(), seed=0), spec)
    x, y = known_function(64, 0)
    np.savez(tmp_path / "data.npz", Input=x.numpy(), Target=y.numpy())
    out = tmp_path / "trained"
    code = main(["train", str(spec), "--data", str(tmp_path / "data.npz"), "-o", str(out), "--rounds", "3",
                 "--seed", "1", "--validation", "0.25", "--quiet"])
    assert code == 0
    assert "trained 3 rounds (MaxTrainingRounds)" in capsys.readouterr().out
    results = json.loads((out / "results.json").read_text())
    assert len(results["round_losses"]) == 3 and results["total_rounds"] == 3
    assert (out / "loss.svg").read_text().startswith("<svg")
    trained = load(out / "mlp.yaml")
    with torch.no_grad():
        val = (trained(x) - y).square().mean().item()
    assert val < (load(spec)(x) - y).square().mean().item()


@pytest.mark.slow
def test_cli_train_with_two_processes(tmp_path):
    from netgraph.spec import load, save
    spec = tmp_path / "mlp.yaml"
    save(net_initialize(mlp(), seed=0), spec)
    x, y = known_function(64, 0)
    save_file({"Input": x, "Target": y}, tmp_path / "data.safetensors")
    out = tmp_path / "trained"
    done = subprocess.run([sys.executable, "-m", "netgraph", "train", str(spec), "--data",
                           str(tmp_path / "data.safetensors"), "-o", str(out), "--rounds", "2", "--seed", "1",
                           "--batch-size", "16", "--nproc", "2", "--quiet"], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    single = net_train(load(spec), {"Input": x, "Target": y}, max_training_rounds=2, random_seed=1, batch_size=16,
                       progress=False)
    trained = load(out / "mlp.yaml")
    torch.testing.assert_close(trained.layers["h"].arrays["Weights"], single.layers["h"].arrays["Weights"],
                               rtol=1e-5, atol=1e-6)


def test_cli_errors_are_one_line(tmp_path, capsys):
    spec = tmp_path / "none.yaml"
    code = main(["train", str(spec), "--data", str(tmp_path / "missing.npz")])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("netgraph train: ") and "Traceback" not in err


SPEC = "netgraph: 1\ntype: NetChain\nlayers: {h: {type: LinearLayer, output: 1}}\ninputs: {Input: [3]}\n"


@pytest.mark.slow
def test_a_failing_process_under_nproc_shows_its_error_without_torchrun_s_traceback(tmp_path):
    """A DataError in each process was followed by torchrun's ChildFailedError traceback and failure report, and
    printed by each process (the same message twice): it is printed once."""
    (tmp_path / "s.yaml").write_text(SPEC)
    np.savez(tmp_path / "bad.npz", Input=np.ones((8, 5), "f4"), Target=np.ones((8, 1), "f4"))
    done = subprocess.run([sys.executable, "-m", "netgraph", "train", str(tmp_path / "s.yaml"), "--data",
                           str(tmp_path / "bad.npz"), "-o", str(tmp_path / "out"), "--rounds", "1", "--nproc", "2",
                           "--quiet"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 1 and done.stderr.count("expected shape (b, 3)") == 1, done.stderr
    assert done.stderr.startswith("netgraph train: ")
    assert "Traceback" not in done.stderr and "FAILED" not in done.stderr and "exitcode" not in done.stderr


def test_nproc_reads_the_spec_before_starting_processes(tmp_path, capsys, monkeypatch):
    """A broken spec was reported once per process (under torchrun's traceback), after starting them all."""
    monkeypatch.setattr("netgraph.cli.train.launch", lambda *a: pytest.fail("started processes for a broken spec"))
    (tmp_path / "s.yaml").write_text(SPEC.replace("LinearLayer", "LinearLayr"))
    assert main(["train", str(tmp_path / "s.yaml"), "--data", "d.npz", "--nproc", "2", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("netgraph train: ") and "did you mean 'LinearLayer'" in err


def _workers(marker: str) -> list[int]:
    """The training processes torchrun started for a run whose arguments hold ``marker``."""
    table = subprocess.run(["ps", "-ww", "-eo", "pid,args"], capture_output=True, text=True).stdout.splitlines()
    return [int(line.split()[0]) for line in table
            if marker in line and "--distributed" in line.split() and "--nproc-per-node" not in line]  # not torchrun


@pytest.mark.slow
@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_nproc_run_stops_its_processes(tmp_path, signal_number):
    """SIGINT to `netgraph train --nproc 2` killed torchrun 0.25 s later (subprocess.run), before it could stop its
    workers, which run in sessions of their own: they trained on in the background (after a SIGTERM, torchrun too)."""
    (tmp_path / "s.yaml").write_text(SPEC)
    x = np.random.default_rng(0).standard_normal((64, 3)).astype("f4")
    np.savez(tmp_path / "long.npz", Input=x, Target=x[:, :1])
    process = subprocess.Popen([sys.executable, "-m", "netgraph", "train", str(tmp_path / "s.yaml"), "--data",
                                str(tmp_path / "long.npz"), "-o", str(tmp_path / "out"), "--rounds", "100000",
                                "--nproc", "2", "--batch-size", "8", "--quiet", "--checkpoint", str(tmp_path / "ck")],
                               stderr=subprocess.PIPE, text=True, cwd=ROOT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not list(tmp_path.glob("ck/round-*.pt")) and time.monotonic() < deadline:  # training
            time.sleep(0.2)
        assert len(_workers(str(tmp_path))) == 2
        process.send_signal(signal_number)
        _, err = process.communicate(timeout=60)
        deadline = time.monotonic() + 10
        while _workers(str(tmp_path)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _workers(str(tmp_path)), "worker processes left running"
        assert process.returncode == 128 + signal_number and "Traceback" not in err, err[-3000:]
        if signal_number == signal.SIGINT:  # rank 0 says its checkpoints stay at the last round (none mid-round)
            assert "training interrupted; a distributed run's processes do not stop at one step: round-" in err, err
            assert not list(tmp_path.glob("ck/*-batch-*.pt"))
        else:  # each process ends at once: the line said nothing of what was left (the net is not written)
            newest = sorted(tmp_path.glob("ck/round-*.pt"))[-1].name
            assert ("netgraph train: terminated (SIGTERM); its 2 processes stopped at once, each at its own step (a "
                    "distributed run writes no checkpoint mid-round): the net trained so far is not written, and "
                    f"{newest} in {tmp_path / 'ck'} is the newest checkpoint, from which --resume continues"
                    ) in err, err
            assert not list(tmp_path.glob("out/*.yaml")) and not list(tmp_path.glob("ck/*-batch-*.pt"))
        assert "death signal" not in err  # torchrun's own warning: "Received 15 death signal, shutting down workers"
    finally:
        process.kill()
        for pid in _workers(str(tmp_path)):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def tail_run(distributed: bool) -> list:
    """41 training and 21 validation examples in batches of 20: batches, examples, round and validation losses."""
    g = torch.Generator().manual_seed(0)
    x, vx = torch.randn(41, 2, generator=g), torch.randn(21, 2, generator=g)
    net = net_initialize(NetGraph([LinearLayer(1)], [], Input=2), seed=0)
    r = net_train(net, {"Input": x, "Target": x.sum(1, keepdim=True)},
                  validation_set={"Input": vx, "Target": vx.sum(1, keepdim=True)}, batch_size=20,
                  max_training_rounds=2, random_seed=1, distributed=distributed, progress=False, all=True)
    return [r.total_batches, r.examples_processed, r.round_losses, r.validation_losses]


def ragged_run(distributed: bool) -> list:
    """A GRU classifier on 30 ragged sequences in batches of 4: batches, examples, round and validation losses."""
    g = torch.Generator().manual_seed(0)
    xs = [torch.randint(0, 10, (1 + i % 3,), generator=g) for i in range(30)]
    net = NetChain([EmbeddingLayer(4, 10), GatedRecurrentLayer(3), SequenceLastLayer(), LinearLayer(2),
                    SoftmaxLayer()], input=["n"])
    r = net_train(net, {"Input": xs, "Target": torch.tensor([i % 2 for i in range(30)])}, batch_size=4,
                  validation_set=0.25, max_training_rounds=2, random_seed=1, distributed=distributed,
                  progress=False, all=True)
    return [r.total_batches, r.examples_processed, r.round_losses, r.validation_losses]


def _two_processes_and_one(out: Path, name: str, run) -> list:
    """``run``'s results on one process and on ranks 0 and 1 of WORKER's torchrun."""
    return [run(distributed=False)] + [json.loads((out / f"{name}{r}.json").read_text()) for r in (0, 1)]


@pytest.mark.slow
def test_a_last_batch_smaller_than_the_process_count_still_counts(torchrun_out):
    """41 training and 21 validation examples in batches of 20 over 2 processes: the 1-example last batches were
    skipped (training took 4 steps, not 6, and the validation loss left one example out): they count, as in one
    process."""
    single, *ranks = _two_processes_and_one(torchrun_out, "tail", tail_run)
    assert ranks[0] == ranks[1] and ranks[0][:2] == single[:2] == [6, 82]
    assert ranks[0][2] == pytest.approx(single[2], rel=1e-5) and ranks[0][3] == pytest.approx(single[3], rel=1e-5)


@pytest.mark.slow
def test_ragged_sequences_are_sliced_per_process_as_in_memory_data(torchrun_out):
    """Ragged data (and texts, image files) come in netgraph's own loaders: each process drew its own order and
    trained on every example (twice the examples per round over 2 processes, other steps than one process)."""
    single, *ranks = _two_processes_and_one(torchrun_out, "ragged", ragged_run)
    assert ranks[0] == ranks[1] and ranks[0][:2] == single[:2]
    assert ranks[0][2] == pytest.approx(single[2], rel=1e-5) and ranks[0][3] == pytest.approx(single[3], rel=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("norm", ["", "bn: {type: BatchNormalizationLayer}, "])
def test_a_nan_on_one_process_is_reported_once_naming_its_layer(tmp_path, norm):
    """Only one process's slice held the example whose Log is NaN: the other blamed the loss ('every layer output was
    finite'), so two contradicting errors were printed; every process now reports the one that saw the layer. With a
    synced batch norm after it, the replay (layer by layer, stopping at the first non-finite output) hung: one process
    stopped before the batch norm while the other waited in its exchange; it uses each process's own statistics."""
    (tmp_path / "s.yaml").write_text("netgraph: 1\ntype: NetChain\nlayers: {log: {type: ElementwiseLayer, function: "
                                     f"Log}}, {norm}h: {{type: LinearLayer, output: 1}}}}\ninputs: {{Input: [2]}}\n")
    x = np.abs(np.random.default_rng(0).standard_normal((8, 2))).astype("f4") + 0.5
    x[5, 0] = -1
    np.savez(tmp_path / "d.npz", Input=x, Target=np.ones((8, 1), "f4"))
    done = subprocess.run([sys.executable, "-m", "netgraph", "train", str(tmp_path / "s.yaml"), "--data",
                           str(tmp_path / "d.npz"), "-o", str(tmp_path / "out"), "--rounds", "1", "--batch-size", "8",
                           "--nproc", "2", "--quiet"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 1 and done.stderr.count("the loss is nan") == 1, done.stderr
    assert "layer 1 'log' (ElementwiseLayer)" in done.stderr and "every layer output was finite" not in done.stderr
    assert "deprecated" not in done.stderr  # the synced batch norm's all-reduce printed torch's FutureWarning
