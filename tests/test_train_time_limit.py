"""max_training_time alone: the time decides how many rounds run (no round limit), as the README says."""

from __future__ import annotations

import math

import torch

from netgraph import LinearLayer, NetChain, net_train


def test_max_training_time_alone_sets_no_round_limit(capsys):
    # the automatic rounds were 10 000 with max_training_time: fast rounds stopped at 10 000, "MaxTrainingRounds",
    # long before the time asked for (14 s of 60 for one example a round)
    net = NetChain([LinearLayer(4), "Tanh", LinearLayer(1)], input=2)
    data = {"Input": torch.rand(1, 2), "Target": torch.rand(1, 1)}
    seen = []

    def progress(info):
        seen.append((info["rounds"], info["progress_fraction"]))
        return "StopTraining" if info["round"] == 3 else None
    r = net_train(net, data, max_training_time=600, progress=progress, all=True, random_seed=0)
    assert r.total_rounds == 3 and all(rounds == math.inf and fraction < 0.01 for rounds, fraction in seen)
    net_train(net, data, max_training_time=0.05, progress="print", random_seed=0)
    assert capsys.readouterr().out.startswith("round 1  loss")


def test_a_resumed_run_with_max_training_time_alone_starts_its_bar_at_the_batches_done(tmp_path, monkeypatch):
    # with no round limit the bar has no total, and it started at 0 on resuming (initial=batches only with a total)
    import tqdm.auto
    import netgraph.train.loop_progress as loop_progress
    bars = []

    def recorded(**options):
        bars.append(options)
        return tqdm.auto.tqdm(**options)
    monkeypatch.setattr(loop_progress, "tqdm", recorded)
    net = NetChain([LinearLayer(1)], input=2)
    data = {"Input": torch.rand(12, 2), "Target": torch.rand(12, 1)}
    first = net_train(net, data, max_training_rounds=2, batch_size=4, checkpoint=tmp_path, progress="bar", all=True)
    net_train(net, data, max_training_time=600, batch_size=4, checkpoint=tmp_path, resume=True, progress="bar",
              training_stopping_criterion=lambda info: info["round"] == 3)
    assert first.total_batches == 6 and [(b["total"], b["initial"]) for b in bars] == [(6, 0), (None, 6)]


def test_a_time_limit_crossed_in_the_validation_pass_ends_the_run_with_that_round(tmp_path, monkeypatch):
    # the limit was checked after each step only: time spent validating round 1 started round 2 anyway (one more
    # step and one more validation pass after the time was up), while resuming round 1's checkpoint, whose elapsed
    # time is past the limit, trains nothing more: the resumed run and the uninterrupted one differed
    import types
    import netgraph.train.loop as loop
    clock = [0.0]
    monkeypatch.setattr(loop, "time", types.SimpleNamespace(perf_counter=lambda: clock[0]))

    def slow_validation(outputs, batch):   # 16 examples train in batches of 8; the 5 validation examples take 10 s
        clock[0] += 10.0 if len(batch["Target"]) == 5 else 0.001
        return (outputs["Output"] - batch["Target"]).square().sum(-1)
    x = torch.randn(21, 2, generator=torch.Generator().manual_seed(0))
    data, validation = {"Input": x[:16], "Target": x[:16, :1]}, {"Input": x[16:], "Target": x[16:, :1]}
    r = net_train(NetChain([LinearLayer(1)], input=2), data, validation_set=validation, loss_function=slow_validation,
                  batch_size=8, max_training_time=5, checkpoint=tmp_path, random_seed=0, progress=False, all=True)
    assert (r.total_rounds, r.total_batches, r.reason_training_stopped) == (1, 2, "MaxTrainingTime")
