"""Checkpoints: atomic files, exact resume (also after the process is killed mid-training), load_checkpoint."""

from __future__ import annotations

import fractions
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from netgraph import LinearLayer, NetGraph, OptionError, net_initialize
from netgraph.train.checkpoint import (NothingToResume, checkpoints, load_checkpoint, read_checkpoint,
                                       save_checkpoint)
from netgraph.train import net_train
from tests.test_train import known_function, mlp

ROOT = Path(__file__).resolve().parents[1]
KW = dict(batch_size=16, random_seed=5, progress=False, all=True, validation_set=0.25)


def data(n: int = 96) -> dict:
    x, y = known_function(n, 0)
    return {"Input": x, "Target": y}


def same_arrays(a, b) -> bool:
    return all(torch.equal(a.layers[n].arrays[k], b.layers[n].arrays[k]) for n in ("h", "out")
               for k in ("Weights", "Biases"))


def test_resuming_continues_exactly_where_the_run_stopped(tmp_path):
    net = net_initialize(mlp(), seed=0)
    whole = net_train(net, data(), max_training_rounds=6, **KW)
    first = net_train(net, data(), max_training_rounds=3, checkpoint={"directory": tmp_path, "keep": 2}, **KW)
    assert [p.name for p in checkpoints(tmp_path)] == ["round-000002.pt", "round-000003.pt"]
    assert first.checkpointing_files[-1] == str(tmp_path / "round-000003.pt")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    rest = net_train(net, data(), max_training_rounds=6, checkpoint=tmp_path, resume=True, **KW)
    assert same_arrays(whole.training_net, rest.training_net) and same_arrays(whole.trained_net, rest.trained_net)
    assert rest.round_losses == whole.round_losses and rest.validation_losses == whole.validation_losses
    assert rest.batch_losses == whole.batch_losses and rest.total_rounds == 6
    assert rest.best_validation_round == whole.best_validation_round


def test_training_and_resuming_draw_nothing_from_pythons_or_numpys_random_state(tmp_path):
    """A checkpoint holds torch's random state, not Python's random or NumPy's (README): what net_train runs
    (initialisation, shuffling, the validation split, checkpoints) draws from neither, so none is lost on resuming."""
    random.seed(3)
    np.random.seed(3)
    before = random.getstate(), np.random.get_state()
    net_train(mlp(), data(), max_training_rounds=2, checkpoint=tmp_path, **KW)
    net_train(mlp(), data(), max_training_rounds=3, checkpoint=tmp_path, resume=True, **KW)
    after = np.random.get_state()
    assert random.getstate() == before[0] and after[0] == before[1][0] and after[2:] == before[1][2:]
    assert np.array_equal(after[1], before[1][1])


def test_resuming_a_run_that_ended_trains_no_further_unless_its_options_allow(tmp_path):
    stop = dict(KW, learning_rate=0.5, training_stopping_criterion=1)  # a killed rerun, or a job run again
    done = net_train(mlp(), data(), max_training_rounds=40, checkpoint=tmp_path, **stop)
    assert done.reason_training_stopped == "TrainingStoppingCriterion" and done.total_rounds < 40
    again = net_train(mlp(), data(), max_training_rounds=40, checkpoint=tmp_path, resume=True, **stop)
    assert again.total_rounds == done.total_rounds and again.reason_training_stopped == "TrainingStoppingCriterion"
    assert again.round_losses == done.round_losses and same_arrays(again.training_net, done.training_net)
    longer = net_train(mlp(), data(), max_training_rounds=done.total_rounds + 1, checkpoint=tmp_path, resume=True,
                       **dict(stop, training_stopping_criterion=100))
    assert longer.total_rounds == done.total_rounds + 1

    timed = dict(KW, max_training_time=0.2)  # its time spent, it stays ended too (not one more one-batch round)
    spent = net_train(mlp(), data(), checkpoint=tmp_path / "timed", **timed)
    assert spent.reason_training_stopped == "MaxTrainingTime"
    again = net_train(mlp(), data(), checkpoint=tmp_path / "timed", resume=True, **timed)
    assert again.batch_losses == spent.batch_losses and again.total_rounds == spent.total_rounds


def test_resuming_a_run_its_stopping_function_ended_trains_no_further(tmp_path):
    """A run a stopping function ended resumed for one more round (a function's stop was not recorded), where an
    uninterrupted run, and a patience's stop, train no more."""
    stop = dict(KW, training_stopping_criterion=lambda info: info["round"] >= 2)
    done = net_train(mlp(), data(), max_training_rounds=10, checkpoint=tmp_path, **stop)
    again = net_train(mlp(), data(), max_training_rounds=10, checkpoint=tmp_path, resume=True, **stop)
    assert (done.total_rounds, done.reason_training_stopped) == (2, "TrainingStoppingCriterion")
    assert (again.total_rounds, again.reason_training_stopped) == (2, "TrainingStoppingCriterion")
    assert same_arrays(again.training_net, done.training_net) and again.batch_losses == done.batch_losses



def test_a_patience_stop_resumed_with_a_stopping_function_trains_on(tmp_path):
    """Only a function's stop is recorded as one (review R4, session 48: a patience stop was, so a resume with a
    function that never stops ended at once)."""
    patience = {"patience": 1, "improvement": ("absolute", 10.0)}
    done = net_train(mlp(), data(), max_training_rounds=50, checkpoint=tmp_path, training_stopping_criterion=patience,
                     **KW)
    again = net_train(mlp(), data(), max_training_rounds=done.total_rounds + 2, checkpoint=tmp_path, resume=True,
                      training_stopping_criterion=lambda info: False, **KW)
    assert done.reason_training_stopped == "TrainingStoppingCriterion" and done.total_rounds < 50
    assert (again.total_rounds, again.reason_training_stopped) == (done.total_rounds + 2, "MaxTrainingRounds")

def test_resuming_with_other_arrays_frozen_is_refused_naming_them(tmp_path):
    net_train(mlp(), data(), max_training_rounds=1, checkpoint=tmp_path, learning_rate_multipliers={"h": 0}, **KW)
    with pytest.raises(OptionError, match=r"froze other arrays \(learning_rate_multipliers\): this run trains "
                                          r"h.Weights, h.Biases, which it left frozen; it trained out.Weights, "
                                          r"out.Biases, which this run freezes"):
        net_train(mlp(), data(), max_training_rounds=2, checkpoint=tmp_path, resume=True,
                  learning_rate_multipliers={"out": 0}, **KW)
    old = read_checkpoint(tmp_path / "round-000001.pt")  # as written before the trained arrays were recorded:
    del old["optimizer_arrays"], old["format"], old["version"], old["round"]  # torch would match them by position
    save_checkpoint(tmp_path, old, 1)
    with pytest.raises(OptionError, match=r"optimizer state that does not fit this run: its 'exp_avg' of an array of "
                                          r"shape \(16, 2\) is a shape \(1, 16\)"):  # unchecked: a crash in fused Adam
        net_train(mlp(), data(), max_training_rounds=2, checkpoint=tmp_path, resume=True,
                  learning_rate_multipliers={"out": 0}, **KW)


def test_resuming_from_an_earlier_round_into_a_folder_with_later_ones_is_refused(tmp_path):
    net_train(mlp(), data(), max_training_rounds=4, checkpoint={"directory": tmp_path, "keep": 4}, **KW)
    with pytest.raises(OptionError, match=r"holds checkpoints of rounds after round 1, which .*round-000001\.pt' "
                                          r"resumes from: round-000002\.pt, round-000003\.pt, round-000004\.pt; the "
                                          r"resumed run's own checkpoints would mix with them"):
        net_train(mlp(), data(), max_training_rounds=3, checkpoint={"directory": tmp_path, "keep": 2},
                  resume=tmp_path / "round-000001.pt", **KW)  # kept, its rounds 2-3 were removed as the older ones
    assert [p.name for p in checkpoints(tmp_path)] == [f"round-00000{r}.pt" for r in (1, 2, 3, 4)]
    branch = net_train(mlp(), data(), max_training_rounds=3, checkpoint=tmp_path / "branch",
                       resume=tmp_path / "round-000001.pt", **KW)  # another folder: fine
    assert [p.name for p in checkpoints(tmp_path / "branch")] == ["round-000002.pt", "round-000003.pt"]
    assert branch.total_rounds == 3


def test_resuming_from_the_named_earlier_checkpoint_sets_a_damaged_later_one_aside(tmp_path):
    # the hint of a damaged newest checkpoint led to resume='.../round-000002.pt', which was then refused because
    # the damaged round-000003.pt was still in the folder
    net_train(mlp(), data(), max_training_rounds=3, checkpoint=tmp_path, **KW)
    damaged = tmp_path / "round-000003.pt"
    damaged.write_bytes(b"PK\x03\x04 cut short")
    with pytest.raises(OptionError, match="pass its path as resume="):
        net_train(mlp(), data(), max_training_rounds=4, checkpoint=tmp_path, resume=True, **KW)
    with pytest.warns(UserWarning, match=rf"{damaged.name}, of a later round than .*round-000002\.pt', is not a "
                                         rf"readable checkpoint: moved aside as {damaged.name}\.damaged"):
        resumed = net_train(mlp(), data(), max_training_rounds=4, checkpoint=tmp_path,
                            resume=tmp_path / "round-000002.pt", **KW)
    whole = net_train(mlp(), data(), max_training_rounds=4, **KW)
    assert resumed.batch_losses == whole.batch_losses
    assert (tmp_path / "round-000003.pt.damaged").read_bytes() == b"PK\x03\x04 cut short"
    assert [p.name for p in checkpoints(tmp_path)] == ["round-000002.pt", "round-000003.pt", "round-000004.pt"]


def test_resuming_with_another_learning_rate_uses_it(tmp_path):
    """The optimizer state comes from the checkpoint, but its saved rates do not override this run's
    learning_rate (times the multipliers): a rate far below the arrays' precision leaves them as saved."""
    options = {**KW, "method": "SGD", "checkpoint": tmp_path}
    first = net_train(net_initialize(mlp(), seed=0), data(), max_training_rounds=2, learning_rate=0.1, **options)
    frozen = net_train(net_initialize(mlp(), seed=0), data(), max_training_rounds=4, learning_rate=1e-30, resume=True,
                       **options)
    assert frozen.total_rounds == 4 and same_arrays(frozen.training_net, first.training_net)
    slower = net_train(net_initialize(mlp(), seed=0), data(), max_training_rounds=3, learning_rate=0.1, **KW,
                       method="SGD", checkpoint=tmp_path / "again", learning_rate_multipliers={"h": 0.5})
    resumed = net_train(net_initialize(mlp(), seed=0), data(), max_training_rounds=4, learning_rate=0.2,
                        learning_rate_multipliers={"h": 1e-30}, method="SGD", resume=tmp_path / "again", **KW)
    h = resumed.training_net.layers["h"].arrays
    assert all(torch.equal(h[k], slower.training_net.layers["h"].arrays[k]) for k in ("Weights", "Biases"))
    assert not torch.equal(resumed.training_net.layers["out"].arrays["Weights"],
                           slower.training_net.layers["out"].arrays["Weights"])


def test_checkpoint_interval_and_load_checkpoint(tmp_path):
    r = net_train(mlp(), data(), max_training_rounds=5, checkpoint={"directory": tmp_path, "interval": 2}, **KW)
    assert [p.name for p in checkpoints(tmp_path)] == ["round-000002.pt", "round-000004.pt", "round-000005.pt"]
    saved = read_checkpoint(tmp_path / "round-000005.pt")
    assert saved["progress"]["rounds"] == 5 and saved["progress"]["round_losses"] == r.round_losses
    assert same_arrays(load_checkpoint(mlp(), tmp_path), r.training_net)
    assert same_arrays(load_checkpoint(mlp(), tmp_path, best=True), r.trained_net)


def test_bad_checkpoints_are_option_errors(tmp_path):
    net_train(mlp(), data(), max_training_rounds=1, checkpoint=tmp_path, **KW)
    other = NetGraph({"lin": LinearLayer(1)}, [], Input=2)
    with pytest.raises(OptionError, match=r"was written for a different net: h.Biases: \(16,\) in the checkpoint, "
                                          r"not in the net"):
        net_train(other, data(), checkpoint=tmp_path, resume=True, progress=False)
    broken = tmp_path / "broken.pt"
    broken.write_bytes((tmp_path / "round-000001.pt").read_bytes()[:100])
    with pytest.raises(OptionError, match="is not a readable netgraph checkpoint"):
        net_train(mlp(), data(), resume=broken, progress=False)
    with pytest.raises(OptionError, match="no checkpoint file"):
        net_train(mlp(), data(), resume=tmp_path / "missing.pt", progress=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(OptionError, match=r"no checkpoint \(round-\*\.pt\) in directory"):
        net_train(mlp(), data(), resume=tmp_path / "empty", progress=False)


@pytest.mark.parametrize("word", ["True", "yes", "false", "True ", " no"])  # spaced: found by review
def test_resume_given_a_yes_or_no_word_naming_no_file_says_to_give_the_bool(tmp_path, monkeypatch, word):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OptionError, match=f"resume={word!r} is text naming no checkpoint file or folder: give "
                                          f"resume=True") as caught:
        net_train(mlp(), data(), checkpoint=tmp_path / "c", resume=word, progress=False)
    d = caught.value.diagnostics[0]
    assert (d.kind, d.option, d.found) == ("option-value", "resume", word)


def test_resume_given_a_word_that_names_a_real_checkpoint_resumes_from_it(tmp_path, monkeypatch):
    # Review: the yes/no-word refusal must leave a checkpoint folder "True" or a file "yes" in the cwd resumable
    monkeypatch.chdir(tmp_path)
    net_train(mlp(), data(), max_training_rounds=1, checkpoint="True", **KW)
    Path("yes").write_bytes(Path("True", "round-000001.pt").read_bytes())
    for spec in ("True", "yes"):
        assert net_train(mlp(), data(), max_training_rounds=2, resume=spec, **KW).total_rounds == 2


@pytest.mark.parametrize("saved, resumed", [("Adam", "SGD"), ("SGD", "Adam"), ("RMSProp", "SGD"), ("Adam", "AdamW")])
def test_resuming_with_another_method_names_the_one_it_was_written_with(tmp_path, saved, resumed):
    net_train(mlp(), data(), max_training_rounds=1, checkpoint=tmp_path, method=saved, **KW)
    with pytest.raises(OptionError) as info:
        net_train(mlp(), data(), max_training_rounds=2, checkpoint=tmp_path, resume=True, method=resumed, **KW)
    assert str(info.value) == (f"checkpoint '{tmp_path / 'round-000001.pt'}' was written with method {saved!r}, not "
                               f"{resumed!r}: resume with method={saved!r}, or start fresh (resume=False, or another "
                               f"checkpoint directory)")


def test_a_checkpoint_that_does_not_record_its_method_is_told_by_its_settings(tmp_path):
    net_train(mlp(), data(), max_training_rounds=1, checkpoint=tmp_path, **KW)  # Adam
    old = read_checkpoint(tmp_path / "round-000001.pt")
    del old["method"], old["format"], old["version"], old["round"]  # as written before the method was recorded
    save_checkpoint(tmp_path, old, 1)
    with pytest.raises(OptionError, match=r"was written with another method than 'SGD' \(its optimizer state lacks "
                                          r"dampening, momentum\): resume with the method it was written with"):
        net_train(mlp(), data(), max_training_rounds=2, checkpoint=tmp_path, resume=True, method="SGD", **KW)
    assert net_train(mlp(), data(), max_training_rounds=2, checkpoint=tmp_path, resume=True, **KW).total_rounds == 2
    old["method"] = "Adam"  # recorded, but the settings torch's Adam needs are not all there (another torch's)
    del old["optimizer"]["param_groups"][0]["betas"]
    save_checkpoint(tmp_path, old, 1)
    with pytest.raises(OptionError, match=r"holds Adam optimizer state without betas, which this torch's Adam needs "
                                          r"\(written by another torch version\?\); start fresh"):
        net_train(mlp(), data(), max_training_rounds=2, resume=tmp_path / "round-000001.pt", **KW)


@pytest.mark.parametrize("content, why", [
    (b"", "the file is empty (0 bytes)"),
    (b"garbage", "its 7 bytes are not a torch zip archive (another kind of file, or one cut short)"),
    ("objects", "it holds Python objects (fractions.Fraction) besides tensors and plain values, which netgraph "
                "does not load"),
])
def test_an_unreadable_checkpoint_says_what_is_wrong_without_torchs_unsafe_advice(tmp_path, content, why):
    net_train(mlp(), data(), max_training_rounds=1, checkpoint=tmp_path, **KW)
    path = tmp_path / "round-000001.pt"
    if content == "objects":
        torch.save({"format": "netgraph-checkpoint", "x": fractions.Fraction(1, 2)}, path)
    else:
        path.write_bytes(content)
    with pytest.raises(OptionError) as info:
        net_train(mlp(), data(), max_training_rounds=2, checkpoint=tmp_path, resume=True, **KW)
    assert str(info.value) == (f"{str(path)!r} is not a readable netgraph checkpoint: {why}; an earlier round's "
                               f"checkpoint may still be readable: pass its path as resume= (this file is then set "
                               f"aside)")


def test_resume_true_without_a_checkpoint_starts_fresh_and_says_so_once(tmp_path):
    """As Wolfram's resumption would, it starts fresh; it did so silently, so a mistyped folder went unnoticed."""
    with pytest.warns(NothingToResume) as told:
        a = net_train(mlp(), data(), max_training_rounds=2, checkpoint=tmp_path / "new", resume=True, **KW)
    b = net_train(mlp(), data(), max_training_rounds=2, **KW)
    assert same_arrays(a.training_net, b.training_net)
    assert [str(w.message) for w in told] == [f"resume=True, but checkpoint directory {str(tmp_path / 'new')!r} holds "
                                              f"no checkpoint (round-*.pt): training starts fresh"]
    assert told[0].message.directory == str(tmp_path / "new") and told[0].filename == __file__


SCRIPT = """
import sys, time
import torch
sys.path.insert(0, {root!r})
from netgraph import net_initialize
from netgraph.train import net_train
from tests.test_train import known_function, mlp

x, y = known_function(96, 0)

def slow(info):
    time.sleep(0.25)  # leaves time to kill the process between checkpoints

net_train(net_initialize(mlp(), seed=0), {{"Input": x, "Target": y}}, max_training_rounds=8, batch_size=16,
          random_seed=5, validation_set=0.25, checkpoint={ckpt!r}, progress=slow)
print("finished")
"""


@pytest.mark.slow
def test_a_killed_run_resumes_from_its_checkpoint_and_finishes(tmp_path):
    ckpt = tmp_path / "ckpt"
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(SCRIPT.format(root=str(ROOT), ckpt=str(ckpt))))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not checkpoints(ckpt) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, err.decode()
    assert b"finished" not in out
    done = checkpoints(ckpt)
    assert done and done[-1].name < "round-000008.pt"  # killed mid-training
    resumed = net_train(net_initialize(mlp(), seed=0), data(), max_training_rounds=8, checkpoint=ckpt, resume=True,
                        **KW)
    assert resumed.total_rounds == 8 and resumed.reason_training_stopped == "MaxTrainingRounds"
    whole = net_train(net_initialize(mlp(), seed=0), data(), max_training_rounds=8, **KW)
    for name in ("h", "out"):
        torch.testing.assert_close(resumed.training_net.layers[name].arrays["Weights"],
                                   whole.training_net.layers[name].arrays["Weights"], rtol=1e-6, atol=1e-7)
    assert resumed.round_losses == pytest.approx(whole.round_losses, rel=1e-6)
    assert checkpoints(ckpt)[-1].name == "round-000008.pt"


def test_a_new_run_refuses_a_folder_with_an_earlier_runs_checkpoints(tmp_path):
    """Run B in run A's folder would lose its own files to keep= (A's rounds are higher) and a later resume
    would continue A: refused, naming the folder and resume=True; the files kept are the ones on disk."""
    net = net_initialize(mlp(), seed=0)
    first = net_train(net, data(), max_training_rounds=5, checkpoint={"directory": tmp_path, "keep": 3}, **KW)
    assert first["CheckpointingFiles"] == [str(p) for p in checkpoints(tmp_path)]  # not the two removed
    with pytest.raises(OptionError, match="already holds an earlier run's checkpoints.*resume=True"):
        net_train(net, data(), max_training_rounds=2, checkpoint=tmp_path, **KW)
    assert [p.name for p in checkpoints(tmp_path)] == ["round-000003.pt", "round-000004.pt", "round-000005.pt"]
    resumed = net_train(net, data(), max_training_rounds=6, checkpoint=tmp_path, resume=True, **KW)  # continuing: fine
    # the files on disk, the rounds it took over included (it listed only round 6, the one file it wrote itself)
    assert resumed["CheckpointingFiles"] == [str(tmp_path / f"round-00000{r}.pt") for r in (4, 5, 6)]


@pytest.mark.parametrize("folder, why", [("", "empty name"), ("/proc/self", "")])
def test_a_checkpoint_folder_that_cannot_hold_files_is_refused_before_training(folder, why):
    with pytest.raises(OptionError, match=f"checkpoint directory .*cannot be used as a folder.*{why}"):
        net_train(mlp(), data(), max_training_rounds=1, checkpoint=folder, **KW)


@pytest.mark.parametrize("value", [-1, float("nan"), float("inf")])
def test_a_single_learning_rate_multiplier_is_checked_as_a_rule_is(value):
    with pytest.raises(OptionError, match="learning_rate_multipliers must be a number >= 0"):
        net_train(net_initialize(mlp(), seed=0), data(), max_training_rounds=1, learning_rate_multipliers=value, **KW)


def test_resuming_restores_the_running_mean_baseline_of_a_discrete_random_layer(tmp_path):
    from netgraph import BernoulliDistribution, ElementwiseLayer, RandomArrayLayer
    net = net_initialize(NetGraph({"logits": LinearLayer(4), "p": ElementwiseLayer("LogisticSigmoid"),
                                   "coin": RandomArrayLayer(BernoulliDistribution("#p")), "out": LinearLayer(1)},
                                  [("logits", "p", "coin", "out")], Input=8), seed=0)
    x = torch.randn(128, 8, generator=torch.Generator().manual_seed(0))
    d = {"Input": x, "Target": x[:, :1]}
    scalar = lambda o, b: (o["Output"] - b["Target"]).square().mean()  # one number per batch: running-mean baseline
    kw = dict(loss_function=scalar, random_seed=3, progress=False, all=True, learning_rate=0.05)
    whole = net_train(net, d, max_training_rounds=4, **kw)
    net_train(net, d, max_training_rounds=4, checkpoint=tmp_path,
              training_stopping_criterion=lambda i: i["round"] >= 2, **kw)
    assert read_checkpoint(checkpoints(tmp_path)[-1])["estimators"]["coin"] is not None
    resumed = net_train(net, d, max_training_rounds=4, checkpoint=tmp_path, resume=True, **kw)
    assert resumed.round_losses == whole.round_losses
    assert all(torch.equal(whole.training_net.layers[n].arrays[k], resumed.training_net.layers[n].arrays[k])
               for n in ("logits", "out") for k in ("Weights", "Biases"))


def test_a_float64_checkpoint_loads_unrounded_under_the_default_float32(tmp_path):
    """load_checkpoint compiled the net in float32 and copied the saved float64 arrays into it: the net it gave
    back was the trained one rounded through float32."""
    torch.set_default_dtype(torch.float64)
    try:
        net = net_initialize(mlp(), seed=0)
        trained = net_train(net, data(), max_training_rounds=1, checkpoint=str(tmp_path), progress=False)
    finally:
        torch.set_default_dtype(torch.float32)
    back = load_checkpoint(net, tmp_path)
    assert same_arrays(back, trained)
    assert {a.dtype for a in back.information("Arrays").values()} == {torch.float64}


def test_resuming_with_a_validation_set_where_the_run_had_none_or_the_other_way_is_refused(tmp_path):
    """Resumed with validation_set=0.25, a run without one had 2 validation losses for 5 rounds, named round 3 (no
    validation) its best, and results["ValidationLoss"] raised IndexError."""
    net, plain = net_initialize(mlp(), seed=0), {**KW}
    del plain["validation_set"]
    net_train(net, data(), max_training_rounds=3, checkpoint=tmp_path / "a", **plain)
    with pytest.raises(OptionError, match=r"round-000003.pt' was written by a run without a validation set: .* resume "
                                          r"without validation_set, or start fresh"):
        net_train(net, data(), max_training_rounds=5, checkpoint=tmp_path / "a", resume=True, **KW)
    net_train(net, data(), max_training_rounds=3, checkpoint=tmp_path / "b", **KW)
    with pytest.raises(OptionError, match=r"was written by a run with a validation set: .* resume with validation_set"):
        net_train(net, data(), max_training_rounds=5, checkpoint=tmp_path / "b", resume=True, **plain)
    resumed = net_train(net, data(), max_training_rounds=5, checkpoint=tmp_path / "b", resume=True, **KW)
    assert len(resumed.validation_losses) == 5 and resumed["ValidationLoss"] == resumed.validation_losses[-1]
    assert resumed.validation_losses[resumed.best_validation_round - 1] == min(resumed.validation_losses)
