"""net_train stopped mid-round (Ctrl-C, SIGTERM, a KeyboardInterrupt from the data) writes the checkpoint of the state
after its last whole step, and a resumed run ends with the very arrays and losses of the uninterrupted run."""

from __future__ import annotations

import signal
from types import SimpleNamespace

import pytest
import torch

from netgraph import DropoutLayer, ElementwiseLayer, LinearLayer, NetGraph, OptionError, net_initialize
from netgraph.train import checkpoint as checkpoint_module
from netgraph.train import net_train
from netgraph.train.checkpoint import checkpoints, position_of, read_checkpoint, save_checkpoint
from netgraph.train.interrupted_round import resumed_within
from tests.test_train import known_function

KW = dict(batch_size=8, random_seed=5, progress=False, all=True, validation_set=0.25)


def dropout_net() -> NetGraph:
    """Dropout draws from torch's generator at every step: a resumed run must take back its state to match."""
    layers = {"h": LinearLayer(8), "act": ElementwiseLayer("Tanh"), "drop": DropoutLayer(0.3), "out": LinearLayer(1)}
    return net_initialize(NetGraph(layers, [("h", "act", "drop", "out")], Input=2), seed=0)


def data(n: int = 96) -> dict:
    x, y = known_function(n, 0)
    return {"Input": x, "Target": y}


class Examples(torch.utils.data.Dataset):
    """A map-style Dataset of example dicts (net_train shuffles it with torch's generator) that raises
    KeyboardInterrupt, as Ctrl-C while reading would, at the ``stop_at``-th item read after ``arm()``."""

    def __init__(self, stop_at: int | None = None):
        self.cols, self.read, self.stop_at = data(), None, stop_at

    def arm(self, info: dict) -> None:  # a progress function: called after each round
        self.read = 0 if self.read is None else self.read

    def __len__(self) -> int:
        return 96

    def __getitem__(self, i: int) -> dict:
        if self.read is not None:
            self.read += 1
            if self.read == self.stop_at:
                raise KeyboardInterrupt
        return {k: v[i] for k, v in self.cols.items()}


def assert_same_run(a, b) -> None:
    for name in ("h", "out"):
        for key in ("Weights", "Biases"):
            assert torch.equal(a.training_net.layers[name].arrays[key], b.training_net.layers[name].arrays[key])
    assert a.batch_losses == b.batch_losses and a.round_losses == b.round_losses
    assert a.validation_losses == b.validation_losses and a.total_batches == b.total_batches


def test_a_keyboard_interrupt_from_the_data_mid_round_is_checkpointed_and_resumed_exactly(tmp_path, capsys):
    options = dict(max_training_rounds=4, **{**KW, "validation_set": data(24)})
    whole = net_train(dropout_net(), Examples(), **options)
    examples = Examples(stop_at=28)  # armed after round 1: the 28th item read is the 4th of round 2's 4th batch
    stopped = net_train(dropout_net(), examples, checkpoint=tmp_path, **{**options, "progress": examples.arm})
    assert stopped.reason_training_stopped == "ManualStop" and stopped.total_batches == 15
    assert [p.name for p in checkpoints(tmp_path)] == ["round-000001.pt", "round-000002-batch-000003.pt"]
    assert ("training interrupted in round 2 after batch 3; wrote round-000002-batch-000003.pt: resuming continues "
            "with batch 4") in capsys.readouterr().err
    saved = read_checkpoint(checkpoints(tmp_path)[-1])
    assert saved["round"] == 1 and saved["within_round"]["batches"] == 3 and saved["progress"]["batches"] == 15
    resumed = net_train(dropout_net(), Examples(), checkpoint=tmp_path, resume=True, **options)
    assert_same_run(resumed, whole)
    # the mid-round file is gone once a round's checkpoint follows it; keep counts the rounds' files only
    assert [p.name for p in checkpoints(tmp_path)] == ["round-000002.pt", "round-000003.pt", "round-000004.pt"]


def interrupting_loss(at: set[int], signals: int = 1):
    """A loss (outputs, batch) -> per-example losses that sends this process SIGINT ``signals`` times while the
    ``at``-th batches' steps are under way (as Ctrl-C pressed then would)."""
    calls = []

    def loss(outputs, batch):
        calls.append(1)
        if len(calls) in at:
            for _ in range(signals):
                signal.raise_signal(signal.SIGINT)
        return (outputs["Output"] - batch["Target"]).pow(2).sum(1)
    return loss


def test_ctrl_c_inside_a_step_lets_the_step_end_then_checkpoints_after_it(tmp_path, capsys):
    # the round's metrics so far are saved too: the resumed round's are of all its batches
    options = dict(max_training_rounds=3, metrics=["MeanAbsoluteError", "RSquared"], **{**KW, "validation_set": None})
    whole = net_train(dropout_net(), data(), loss_function=interrupting_loss(set()), **options)
    stopped = net_train(dropout_net(), data(), loss_function=interrupting_loss({29}), checkpoint=tmp_path,
                        **options)
    assert stopped.total_batches == 29 and stopped.batch_losses == whole.batch_losses[:29]  # the 29th step ended
    assert [p.name for p in checkpoints(tmp_path)] == ["round-000001.pt", "round-000002.pt",
                                                       "round-000003-batch-000005.pt"]
    assert "interrupted in round 3 after batch 5; wrote round-000003-batch-000005.pt" in capsys.readouterr().err
    resumed = net_train(dropout_net(), data(), loss_function=interrupting_loss(set()), checkpoint=tmp_path,
                        resume=True, **options)
    assert resumed.batch_losses == whole.batch_losses and resumed.round_losses == whole.round_losses
    assert resumed.round_metrics == whole.round_metrics and len(whole.round_metrics["RSquared"]) == 3
    assert torch.equal(resumed.trained_net.layers["h"].arrays["Weights"],
                       whole.trained_net.layers["h"].arrays["Weights"])


def test_a_second_ctrl_c_stops_the_step_at_once_and_keeps_the_rounds_checkpoints(tmp_path, capsys):
    stopped = net_train(dropout_net(), data(), loss_function=interrupting_loss({29}, signals=2), checkpoint=tmp_path,
                        max_training_rounds=3, **{**KW, "validation_set": None})
    assert stopped.reason_training_stopped == "ManualStop" and stopped.total_batches == 28  # the 29th abandoned
    assert [p.name for p in checkpoints(tmp_path)] == ["round-000001.pt", "round-000002.pt"]
    err = capsys.readouterr().err
    assert ("training interrupted inside a step or at a round's end; a second interrupt, or one raised there: "
            "round-000002.pt is the newest checkpoint (what came after it is trained again)") in err


def test_an_interrupt_at_a_rounds_end_writes_that_rounds_checkpoint_between_intervals(tmp_path, capsys):
    def stop_after_round_1(info):
        if info["round"] == 1:
            raise KeyboardInterrupt
    options = dict(max_training_rounds=3, **KW)
    whole = net_train(dropout_net(), data(), **options)
    net_train(dropout_net(), data(), progress=stop_after_round_1, checkpoint={"directory": tmp_path, "interval": 2},
              **{k: v for k, v in options.items() if k != "progress"})
    assert [p.name for p in checkpoints(tmp_path)] == ["round-000001.pt"]
    err = capsys.readouterr().err
    assert "interrupted after round 1; wrote round-000001.pt: resuming continues with round 2" in err
    assert_same_run(net_train(dropout_net(), data(), checkpoint=tmp_path, resume=True, **options), whole)


def test_a_one_shot_generator_interrupted_mid_round_keeps_todays_checkpoints_and_says_why(tmp_path, capsys):
    x, y = known_function(64, 0)

    def batches():
        for i in range(0, 64, 8):
            if i == 32:
                raise KeyboardInterrupt
            yield {"Input": x[i:i + 8], "Target": y[i:i + 8]}
    stopped = net_train(dropout_net(), batches(), max_training_rounds=1, checkpoint=tmp_path, progress=False,
                        all=True)
    assert stopped.total_batches == 4 and checkpoints(tmp_path) == []
    err = capsys.readouterr().err
    assert "interrupted in round 1 after batch 4; a one-shot iterable (a generator) cannot give this round's " in err
    assert "no checkpoint was written (what came after it is trained again)" in err


def test_resuming_an_earlier_round_checkpoint_is_refused_while_a_mid_round_one_is_in_its_folder(tmp_path):
    options = dict(max_training_rounds=4, **{**KW, "validation_set": data(24)})
    examples = Examples(stop_at=28)
    net_train(dropout_net(), examples, checkpoint=tmp_path, **{**options, "progress": examples.arm})
    with pytest.raises(OptionError, match="holds checkpoints of rounds after round 1") as caught:
        net_train(dropout_net(), Examples(), checkpoint=tmp_path, resume=tmp_path / "round-000001.pt", **options)
    assert caught.value.diagnostics[0].kind == "occupied-folder"


@pytest.mark.parametrize("names, classes", [(["Accuracy", "Precision", "Recall", "F1"], 3),
                                            (["ROCAUC", "Perplexity"], 2)])
def test_a_rounds_part_of_metrics_taken_back_by_another_meter_ends_as_the_whole_round(names, classes):
    # Precision, Recall and F1 share their counts (a compute group), ROCAUC keeps lists of scores
    from tests.test_train_metrics import _meter, _probabilities, _softmax_net
    probs = _probabilities(40, classes, 0)
    target = torch.randint(0, classes, (40,), generator=torch.Generator().manual_seed(1))
    whole, first = _meter(_softmax_net(classes), names), _meter(_softmax_net(classes), names)
    for meter, cuts in ((whole, range(0, 40, 8)), (first, range(0, 24, 8))):
        for a in cuts:
            meter.update("train", {"Output": probs[a:a + 8]}, {"Target": target[a:a + 8]})
    resumed = _meter(_softmax_net(classes), names)
    resumed.take_partial(first.partial())
    for a in range(24, 40, 8):
        resumed.update("train", {"Output": probs[a:a + 8]}, {"Target": target[a:a + 8]})
    found, expected = resumed.compute("train"), whole.compute("train")
    assert found.keys() == expected.keys() and all(torch.equal(torch.as_tensor(found[k]), torch.as_tensor(expected[k]))
                                                   for k in expected)


def test_keep_counts_the_rounds_files_and_a_mid_round_file_goes_when_a_later_checkpoint_comes(tmp_path):
    def saved(rounds: int, batch: int = 0) -> list[str]:
        save_checkpoint(tmp_path, {"model": {}}, rounds, keep=1, batch=batch)
        return [p.name for p in checkpoints(tmp_path)]
    assert saved(1) == ["round-000001.pt"] and saved(2) == ["round-000002.pt"]
    assert saved(2, batch=5) == ["round-000002.pt", "round-000003-batch-000005.pt"]  # the round's file stays
    assert saved(2, batch=7) == ["round-000002.pt", "round-000003-batch-000007.pt"]
    assert saved(3) == ["round-000003.pt"]
    assert [position_of(name) for name in ("round-000003.pt", "round-000004-batch-000002.pt")] == [(3, 0), (3, 2)]


def test_a_mid_round_checkpoint_whose_place_is_malformed_is_refused_naming_the_entry(tmp_path):
    options = dict(max_training_rounds=4, **{**KW, "validation_set": data(24)})
    examples = Examples(stop_at=28)
    net_train(dropout_net(), examples, checkpoint=tmp_path, **{**options, "progress": examples.arm})
    path = checkpoints(tmp_path)[-1]
    state = read_checkpoint(path)
    state["within_round"]["rng"] = torch.zeros(3, dtype=torch.uint8)  # torch.set_rng_state would raise deep inside
    save_checkpoint(tmp_path, {k: v for k, v in state.items() if k not in ("format", "version", "round")},
                    state["round"], batch=state["within_round"]["batches"])
    with pytest.raises(OptionError, match="'within_round' must be None or a dict of the place") as caught:
        net_train(dropout_net(), Examples(), checkpoint=tmp_path, resume=True, **options)
    assert caught.value.diagnostics[0].kind == "malformed-checkpoint"


def test_a_distributed_run_refuses_to_resume_a_mid_round_checkpoint():
    trainer = SimpleNamespace(ctx=SimpleNamespace(active=True), state=SimpleNamespace(rounds=3))
    assert resumed_within(trainer, "ck/round-000003.pt", {"within_round": None}) is None
    with pytest.raises(OptionError, match="written in the middle of round 4 .* resume it with one process") as caught:
        resumed_within(trainer, "ck/round-000004-batch-000002.pt", {"within_round": {"batches": 2}})
    assert caught.value.diagnostics[0].kind == "checkpoint-mismatch"


def test_the_signal_handlers_are_put_back_after_training_with_checkpoints(tmp_path):
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    net_train(dropout_net(), data(), max_training_rounds=1, checkpoint=tmp_path, **KW)
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


def test_an_interrupt_in_the_validation_pass_checkpoints_the_rounds_last_step(tmp_path, capsys):
    # the validation comes before the round's state is recorded: stopped there, it is the state after batch 12 of 12
    options = dict(max_training_rounds=3, **{k: v for k, v in KW.items() if k != "validation_set"})
    whole = net_train(dropout_net(), data(), validation_set=Examples(), **options)
    validation = Examples(stop_at=5)
    net_train(dropout_net(), data(), validation_set=validation, checkpoint={"directory": tmp_path, "interval": 2},
              **{**options, "progress": validation.arm})
    assert [p.name for p in checkpoints(tmp_path)] == ["round-000002-batch-000012.pt"]
    assert ("interrupted in round 2's validation pass (12 batches trained); wrote round-000002-batch-000012.pt: "
            "resuming runs round 2's validation, then round 3") in capsys.readouterr().err
    resumed = net_train(dropout_net(), data(), validation_set=Examples(), checkpoint=tmp_path, resume=True, **options)
    assert_same_run(resumed, whole)


def interrupted_in_round_2_after_batch_3(folder) -> dict:
    """Options of a run of 96 examples in batches of 8, and its mid-round checkpoint in ``folder`` (round 2, 3 done)."""
    options = dict(max_training_rounds=4, **{**KW, "validation_set": data(24)})
    examples = Examples(stop_at=28)
    net_train(dropout_net(), examples, checkpoint=folder, **{**options, "progress": examples.arm})
    assert read_checkpoint(checkpoints(folder)[-1])["within_round"] | {"rng": None} == {
        **read_checkpoint(checkpoints(folder)[-1])["within_round"], "batches": 3, "batch_size": 8, "examples": 24,
        "rng": None}
    return options


def test_resuming_mid_round_with_another_batch_size_is_refused_naming_both(tmp_path):
    # it passed over 3 batches of 32 (the whole round) and went on silently
    options = interrupted_in_round_2_after_batch_3(tmp_path)
    with pytest.raises(OptionError, match=r"after 3 batches of 8 examples in round 2; with batch_size=32 .* resume "
                                          r"with batch_size=8") as caught:
        net_train(dropout_net(), Examples(), checkpoint=tmp_path, resume=True, **{**options, "batch_size": 32})
    d = caught.value.diagnostics[0]
    assert (d.kind, d.option, d.expected, d.found) == ("checkpoint-mismatch", "batch_size", 32, 8)


def test_resuming_mid_round_with_data_that_ends_before_the_batches_done_is_refused(tmp_path):
    # 16 examples give 2 batches of 8, not the 3 done: the round ended without a step, silently (data of a known
    # size is refused before: the next test's); here of an unknown size, found by reading its batches
    options = interrupted_in_round_2_after_batch_3(tmp_path)
    with pytest.raises(OptionError, match="after 3 batches of round 2, but the training data gives 2") as caught:
        net_train(dropout_net(), Batches(16), checkpoint=tmp_path, resume=True, **options)
    d = caught.value.diagnostics[0]
    assert (d.kind, d.expected, d.found) == ("checkpoint-mismatch", "at least 3 batches", 2)


def test_a_checkpoint_that_cannot_be_written_at_ctrl_c_still_returns_the_net_and_says_so(tmp_path, capsys,
                                                                                         monkeypatch):
    # the TrainingError replaced the ManualStop result, and the net trained so far was lost
    def full_disk(path, write):
        raise OSError(28, "No space left on device")

    def loss(outputs, batch):
        calls.append(1)
        if len(calls) == 29:
            monkeypatch.setattr(checkpoint_module, "atomic_write", full_disk)
            signal.raise_signal(signal.SIGINT)
        return (outputs["Output"] - batch["Target"]).pow(2).sum(1)
    calls: list[int] = []
    options = dict(max_training_rounds=3, **{**KW, "validation_set": None})
    whole = net_train(dropout_net(), data(), loss_function=interrupting_loss(set()), **options)
    stopped = net_train(dropout_net(), data(), loss_function=loss, checkpoint=tmp_path, **options)
    assert stopped.reason_training_stopped == "ManualStop" and stopped.batch_losses == whole.batch_losses[:29]
    assert [p.name for p in checkpoints(tmp_path)] == ["round-000001.pt", "round-000002.pt"]
    assert ("warning: training interrupted, but its checkpoint was not written (No space left on device: "
            f"{tmp_path / 'round-000003-batch-000005.pt'}); round-000002.pt is the newest checkpoint"
            ) in capsys.readouterr().err


def test_a_checkpoint_written_at_ctrl_c_whose_older_files_cannot_be_removed_says_it_was_written(tmp_path, capsys,
                                                                                                monkeypatch):
    # the warning said "was not written" and then named the file it had written as the newest
    blocked = tmp_path / "blocked"
    blocked.mkdir()

    def loss(outputs, batch):
        calls.append(1)
        if len(calls) == 29:
            monkeypatch.setattr(checkpoint_module, "_superseded", lambda folder, written, keep: [blocked])
            signal.raise_signal(signal.SIGINT)
        return (outputs["Output"] - batch["Target"]).pow(2).sum(1)
    calls: list[int] = []
    options = dict(max_training_rounds=3, **{**KW, "validation_set": None})
    stopped = net_train(dropout_net(), data(), loss_function=loss, checkpoint=tmp_path, **options)
    assert stopped.reason_training_stopped == "ManualStop"
    err = capsys.readouterr().err
    assert (f"warning: training interrupted; its checkpoint was written, but older ones in {tmp_path} could not be "
            "removed (") in err and "round-000003-batch-000005.pt is the newest checkpoint" in err
    assert "was not written" not in err


def test_resuming_mid_round_with_other_metrics_warns_that_the_rounds_metrics_are_of_its_later_batches(tmp_path):
    options = interrupted_in_round_2_after_batch_3(tmp_path)
    with pytest.warns(UserWarning, match="holds no states of this run's metrics= for the 3 batches of round 2 .*"
                                         "round 2's metrics are of its batches after batch 3 only") as caught:
        net_train(dropout_net(), Examples(), checkpoint=tmp_path, resume=True, metrics=["MeanAbsoluteError"],
                  **options)
    assert caught[0].filename == __file__  # the user's line, as other training warnings


def test_an_interrupt_between_rounds_after_its_checkpoint_names_that_checkpoint(tmp_path, capsys):
    def stop_after_round_1(info):
        if info["round"] == 1:
            raise KeyboardInterrupt
    net_train(dropout_net(), data(), progress=stop_after_round_1, checkpoint=tmp_path, max_training_rounds=3,
              **{k: v for k, v in KW.items() if k != "progress"})
    assert [p.name for p in checkpoints(tmp_path)] == ["round-000001.pt"]
    assert ("training interrupted after round 1; resuming continues from round-000001.pt\n"
            in capsys.readouterr().err)


def test_an_interrupt_before_the_first_step_writes_nothing_and_says_so(tmp_path, capsys):
    options = dict(max_training_rounds=1, **{**KW, "validation_set": data(24)})
    counted = Examples()
    counted.read = 0
    # the items read to set up (kept to train on), then batch 1's
    with pytest.raises(OptionError, match="raised RuntimeError .*: stop"):
        net_train(dropout_net(), counted, **options, loss_function=_stop)
    examples = Examples(stop_at=counted.read)  # the last item batch 1 reads, before the first step
    examples.read = 0
    stopped = net_train(dropout_net(), examples, checkpoint=tmp_path, **options)
    assert stopped.reason_training_stopped == "ManualStop" and stopped.total_batches == 0
    assert checkpoints(tmp_path) == []
    assert "training interrupted before its first step\n" in capsys.readouterr().err


def _stop(outputs: dict, batch: dict) -> torch.Tensor:
    raise RuntimeError("stop")


class Batches:
    """A re-iterable of batch dicts without a length: how many examples it holds is not known before a round ends."""

    def __init__(self, n: int):
        self.cols = data(n)

    def __iter__(self):
        n = len(self.cols["Input"])
        return iter([{k: v[i:i + 8] for k, v in self.cols.items()} for i in range(0, n, 8)])



class NaNWhilePassedOver(Examples):
    """``Examples`` whose items ``nan`` hold NaN inputs when read between the ``first`` and the ``last`` read (counted
    from 1); every read is recorded in ``order``."""

    def __init__(self, nan: set[int] = frozenset(), first: int = 0, last: int = 0):
        super().__init__()
        self.order, self.nan, self.first, self.last = [], nan, first, last

    def __getitem__(self, i: int) -> dict:
        self.order.append(i)
        item = {k: v[i] for k, v in self.cols.items()}
        nan = i in self.nan and self.first <= len(self.order) <= self.last
        return {**item, "Input": item["Input"] * float("nan")} if nan else item


def test_a_resumed_run_reads_the_batches_done_again_but_does_not_check_them(tmp_path):
    """The batches a resumed run passes over are read (the loader's place in the round) but not trained on: checking
    them cost a second check of each and refused a resume over data the run no longer steps on. Here the items of
    round 2's 3 batches done hold NaN where the resumed run reads them after the 9 it reads to set up (item 0, read
    for its keys, and the batch drawn to check the data, kept to train on) and within round 2 (its first 96 reads):
    the run resumes as the whole run went on, and reads each item once a round."""
    options = dict(max_training_rounds=4, **{**KW, "validation_set": data(24)})
    recorded = NaNWhilePassedOver()
    whole = net_train(dropout_net(), recorded, **options)
    assert sorted(recorded.order[96:192]) == list(range(96))  # round 2, in its order: read whole, none kept
    examples = Examples(stop_at=28)  # as in the test above: stopped in round 2 after batch 3
    net_train(dropout_net(), examples, checkpoint=tmp_path, **{**options, "progress": examples.arm})
    assert checkpoints(tmp_path)[-1].name == "round-000002-batch-000003.pt"
    passed_over = NaNWhilePassedOver(set(recorded.order[96:120]), 10, 96)
    assert_same_run(net_train(dropout_net(), passed_over, checkpoint=tmp_path, resume=True, **options), whole)
    assert sum(i in passed_over.nan for i in passed_over.order[9:96]) > 12  # most of the 24 read with NaN
    assert len(passed_over.order) == 96 * 3  # rounds 2 (all of it, those read to set up too), 3 and 4
