"""`netgraph train` stopped by SIGTERM (``timeout``, a job scheduler) and resumed; a resumed run that had ended."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

from types import SimpleNamespace

import numpy as np
import pytest
from safetensors.numpy import load_file

from netgraph.cli.train_summary import rounds_text
from tests.subprocess_env import checkout_env

TRAIN = ("train", "s.yaml", "--data", "d.npz", "--batch-size", "8", "--checkpoint", "ck", "--quiet")


def _arrays(folder) -> dict[str, np.ndarray]:
    """The trained net's arrays, as ``-o folder`` holds them."""
    (weights,) = folder.glob("s.*.safetensors")
    return load_file(weights)


def test_sigterm_writes_the_net_so_far_exits_143_and_resume_continues_exactly(cli, tmp_path):
    """SIGTERM during training ended the process at once, writing nothing: now it stops as Ctrl-C does (the net so
    far written, exit 128 + 15), and --resume from its checkpoint ends where an uninterrupted run ends."""
    cli.spec()
    x = np.random.default_rng(0).standard_normal((64, 3)).astype("f4")
    np.savez(tmp_path / "d.npz", Input=x, Target=x[:, :1])
    process = subprocess.Popen([sys.executable, "-m", "netgraph", *TRAIN[:-1], "-o", "stopped", "--rounds", "10000000"],
                               cwd=tmp_path, env=checkout_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        first = process.stdout.readline()  # a line a round, printed once the round's checkpoint is written
        assert first.startswith("round 1/"), first + process.stderr.read()[-3000:]
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 143, err[-3000:]
    assert "Traceback" not in err and "netgraph train: terminated (SIGTERM); the net trained so far is written" in err
    stopped = json.loads((tmp_path / "stopped" / "results.json").read_text())
    assert stopped["reason_training_stopped"] == "ManualStop" and stopped["total_rounds"] >= 1, out
    rounds = str(stopped["total_rounds"] + 2)
    resumed = cli(*TRAIN, "-o", "resumed", "--rounds", rounds, "--resume")
    assert resumed.code == 0, resumed.err
    assert cli(*TRAIN[:-3], "--quiet", "-o", "whole", "--rounds", rounds).code == 0
    whole, again = _arrays(tmp_path / "whole"), _arrays(tmp_path / "resumed")
    assert whole.keys() == again.keys() and all(np.array_equal(whole[k], again[k]) for k in whole)


DROPOUT = """\
netgraph: 1
type: NetChain
layers:
  h: {type: LinearLayer, output: 8}
  act: Tanh
  drop: {type: DropoutLayer, p: 0.3}
  out: {type: LinearLayer, output: 1}
inputs: {Input: [3]}
"""


SIGTERM_AT_BATCH = """\
import os, runpy, signal, sys
from netgraph.train import loop
step, at = loop.Trainer.train_batch, int(sys.argv.pop(1))
def train_batch(self, *args):
    if self.state.batches + 1 == at:  # the signal comes while this step is under way, as from a job scheduler
        os.kill(os.getpid(), signal.SIGTERM)
    return step(self, *args)
loop.Trainer.train_batch = train_batch
sys.argv[0] = "netgraph"
runpy.run_module("netgraph", run_name="__main__", alter_sys=True)
"""


def test_sigterm_mid_round_checkpoints_the_last_step_and_resume_ends_as_the_uninterrupted_run(cli, tmp_path):
    """SIGTERM mid-round lost the round's steps (the checkpoint was the last round's): now it writes the state after
    the last whole step, and --resume from it ends with the uninterrupted run's arrays (dropout: its random state
    too). The process signals itself in round 2's 10th step (a sleep timed by round 1 could land between rounds)."""
    cli.spec(DROPOUT)
    x = np.random.default_rng(0).standard_normal((256, 3)).astype("f4")  # 32 batches a round
    np.savez(tmp_path / "d.npz", Input=x, Target=x[:, :1])
    stopped_run = subprocess.run([sys.executable, "-c", SIGTERM_AT_BATCH, "42", *TRAIN[:-1], "-o", "stopped",
                                  "--rounds", "3"], cwd=tmp_path, env=checkout_env(), capture_output=True, text=True,
                                 timeout=120)
    err = stopped_run.stderr
    assert stopped_run.returncode == 143 and "Traceback" not in err, err[-3000:]
    assert "netgraph train: terminated (SIGTERM); the net trained so far is written" in err
    assert ("training interrupted in round 2 after batch 10; wrote round-000002-batch-000010.pt: resuming continues "
            "with batch 11") in err, err[-3000:]
    assert (tmp_path / "ck" / "round-000002-batch-000010.pt").is_file()
    stopped = json.loads((tmp_path / "stopped" / "results.json").read_text())
    assert stopped["total_batches"] == 42, stopped_run.stdout
    past = cli(*TRAIN, "-o", "past", "--rounds", "1", "--resume")  # found by QA: "already trained 1 round", no more
    assert (past.code, past.err) == (0, ""), past.err
    assert past.out.startswith("already trained 1 round and 10 batches of round 2, past this run's limit "
                               "(MaxTrainingRounds), nothing left to train: loss "), past.out
    assert json.loads((tmp_path / "past" / "results.json").read_text())["total_batches"] == 42
    stopped_net, past_net = _arrays(tmp_path / "stopped"), _arrays(tmp_path / "past")
    assert all(np.array_equal(stopped_net[k], past_net[k]) for k in stopped_net)  # the checkpoint's, as it says
    resumed = cli(*TRAIN, "-o", "resumed", "--rounds", "3", "--resume")
    assert resumed.code == 0, resumed.err  # it said "trained 2 more rounds": round 2's rest counted as a round
    assert resumed.out.startswith("trained the rest of round 2 (from batch 11) and 1 more round, 3 in all "
                                  "(MaxTrainingRounds): loss "), resumed.out
    assert cli(*TRAIN[:-3], "--quiet", "-o", "whole", "--rounds", "3").code == 0
    whole, again = _arrays(tmp_path / "whole"), _arrays(tmp_path / "resumed")
    assert whole.keys() == again.keys() and all(np.array_equal(whole[k], again[k]) for k in whole)
    assert json.loads((tmp_path / "resumed" / "results.json").read_text())["batch_losses"] == \
        json.loads((tmp_path / "whole" / "results.json").read_text())["batch_losses"]


def test_resuming_a_run_that_had_ended_says_it_trained_nothing(cli):
    """It printed 'trained 2 rounds' although this invocation trained none."""
    cli.spec(), cli.data()
    assert cli(*TRAIN, "-o", "out", "--rounds", "2").code == 0
    ran = cli(*TRAIN, "-o", "out", "--rounds", "2", "--resume")
    assert ran.code == 0, ran.err
    assert ran.out.startswith("already trained 2 rounds, past this run's limit (MaxTrainingRounds), nothing left to "
                              "train: loss "), ran.out


def test_resuming_a_run_for_more_rounds_says_how_many_this_run_trained_and_in_all(cli):
    """It printed 'trained 3 rounds' when this invocation trained 1 of them (the run's total only)."""
    cli.spec(), cli.data()
    assert cli(*TRAIN, "-o", "out", "--rounds", "2").code == 0
    one = cli(*TRAIN, "-o", "out", "--rounds", "3", "--resume")
    assert one.code == 0 and one.out.startswith("trained 1 more round, 3 in all (MaxTrainingRounds): loss "), one.out
    more = cli(*TRAIN, "-o", "out", "--rounds", "5", "--resume")
    assert more.code == 0, more.err
    assert more.out.startswith("trained 2 more rounds, 5 in all (MaxTrainingRounds): loss "), more.out
    assert json.loads((cli.folder / "out" / "results.json").read_text())["total_rounds"] == 5


@pytest.mark.parametrize("resumed_at, total, reason, said", [
    ((3, 50), 4, "MaxTrainingRounds", "trained the rest of round 4 (from batch 51), 4 in all (MaxTrainingRounds)"),
    ((3, 50), 6, "ManualStop", "trained the rest of round 4 (from batch 51) and 2 more rounds, 6 in all (ManualStop)"),
    ((3, 50), 3, "ManualStop", "trained more of round 4 (from batch 51), 3 in all (ManualStop)"),
    ((3, 0), 3, "ManualStop", "trained 0 more rounds, 3 in all (ManualStop)"),
    ((0, 3), 0, "MaxTrainingTime", "already trained 0 rounds and 3 batches of round 1, past this run's limit "
                                   "(MaxTrainingTime), nothing left to train"),  # found by QA: "0 rounds" alone
    ((3, 0), 3, "TrainingStoppingCriterion", "already trained 3 rounds, its stopping criterion was met "
                                             "(TrainingStoppingCriterion), nothing left to train"),  # not a limit
    ((0, 7), 2, "MaxTrainingRounds", "trained the rest of round 1 (from batch 8) and 1 more round, 2 in all "
                                     "(MaxTrainingRounds)")])
def test_a_run_resumed_mid_round_says_it_trained_the_rest_of_that_round_apart_from_whole_rounds(
        resumed_at, total, reason, said):
    """A mid-round checkpoint's round was counted as a whole one more round ("trained 3 more rounds")."""
    assert rounds_text(SimpleNamespace(total_rounds=total, reason_training_stopped=reason), resumed_at) == said


def test_sigterm_handler_is_put_back_after_training(cli):
    """The handler lives only while net_train runs: Python's default again afterwards (netgraph.cli.main from a
    script leaves its process's signals as they were)."""
    before = signal.getsignal(signal.SIGTERM)
    cli.spec(), cli.data()
    assert cli(*TRAIN, "-o", "out", "--rounds", "1").code == 0
    assert signal.getsignal(signal.SIGTERM) is before
