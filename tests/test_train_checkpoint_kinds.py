"""A checkpoint that is missing, unreadable, malformed or written by a run this one cannot continue is an error
with a kind of its own and the fields a reader needs (the path found, what was expected, why): these had the kind
"error" and no fields."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import netgraph.train.checkpoint
import netgraph.train.checkpoint_checks
from netgraph import LinearLayer, NetChain, OptionError, SoftmaxLayer, net_train
from netgraph.train.checkpoint import load_checkpoint, save_checkpoint
from tests.diagnostic_helpers import calls_without_fields, sole_diagnostic


def _net():
    return NetChain([LinearLayer(3), SoftmaxLayer()], Input=2)


def _data():
    return {"Input": torch.randn(8, 2), "Target": torch.randint(0, 3, (8,))}


def _train(**options):
    return net_train(_net(), _data(), **{"max_training_rounds": 1, "progress": False, "random_seed": 1, **options})


@pytest.mark.parametrize("module", [netgraph.train.checkpoint, netgraph.train.checkpoint_checks])
def test_every_checkpoint_error_names_a_kind(module):
    source = Path(module.__file__).read_text(encoding="utf-8")
    named = {"OptionError", "TrainingError"}.__contains__
    assert calls_without_fields(source, Path(module.__file__).name, named, frozenset({"kind"})) == []


def test_a_checkpoint_file_not_there_is_a_missing_checkpoint(tmp_path):
    path = str(tmp_path / "round-000001.pt")
    d = sole_diagnostic(lambda: _train(resume=path), OptionError)
    assert (d.kind, d.found) == ("missing-checkpoint", path)


def test_a_folder_without_checkpoints_is_a_missing_checkpoint(tmp_path):
    d = sole_diagnostic(lambda: load_checkpoint(_net(), tmp_path), OptionError)
    assert (d.kind, d.found) == ("missing-checkpoint", str(tmp_path))


def test_a_file_torch_cannot_read_is_an_unreadable_file(tmp_path):
    path = tmp_path / "round-000001.pt"
    path.write_bytes(b"PK\x03\x04 cut short")
    d = sole_diagnostic(lambda: load_checkpoint(_net(), path), OptionError)
    assert (d.kind, d.found) == ("unreadable-file", str(path))
    assert d.detail and d.detail in d.message


def test_a_checkpoint_of_the_wrong_form_is_malformed(tmp_path):
    path = save_checkpoint(tmp_path, {"model": [1, 2]}, round=1)
    d = sole_diagnostic(lambda: load_checkpoint(_net(), path), OptionError)
    assert (d.kind, d.expected, d.found) == ("malformed-checkpoint", "a dict of array name -> tensor", "list")
    assert d.detail == "'model' must be a dict of array name -> tensor, found list"


def test_a_torch_file_without_the_format_tag_is_malformed(tmp_path):
    path = tmp_path / "round-000001.pt"
    torch.save({"model": {}}, path)
    d = sole_diagnostic(lambda: load_checkpoint(_net(), path), OptionError)
    assert (d.kind, d.expected) == ("malformed-checkpoint", "netgraph-checkpoint")


def test_a_checkpoint_of_another_net_is_a_checkpoint_mismatch(tmp_path):
    _train(checkpoint=tmp_path)
    other = NetChain([LinearLayer(4), SoftmaxLayer()], Input=2)
    d = sole_diagnostic(lambda: load_checkpoint(other, tmp_path), OptionError)
    assert d.kind == "checkpoint-mismatch"
    assert set(d.found) == {"1.Weights", "1.Biases"}


def test_resuming_with_another_method_is_a_checkpoint_mismatch_of_method(tmp_path):
    _train(checkpoint=tmp_path, method="Adam")
    d = sole_diagnostic(lambda: _train(checkpoint=tmp_path, resume=True, method="SGD", max_training_rounds=2),
                        OptionError)
    assert (d.kind, d.option, d.expected, d.found) == ("checkpoint-mismatch", "method", "SGD", "Adam")


def test_resuming_without_the_validation_set_is_a_checkpoint_mismatch_of_validation_set(tmp_path):
    _train(checkpoint=tmp_path, validation_set=0.25)
    d = sole_diagnostic(lambda: _train(checkpoint=tmp_path, resume=True, max_training_rounds=2), OptionError)
    assert (d.kind, d.option, d.expected, d.found) == ("checkpoint-mismatch", "validation_set", False, True)


def test_resuming_an_earlier_round_into_a_folder_of_later_ones_is_an_occupied_folder(tmp_path):
    _train(checkpoint=tmp_path, max_training_rounds=2)
    first = str(tmp_path / "round-000001.pt")
    d = sole_diagnostic(lambda: _train(checkpoint=tmp_path, resume=first, max_training_rounds=3), OptionError)
    assert (d.kind, d.option, d.found) == ("occupied-folder", "checkpoint", ("round-000002.pt",))


def test_a_checkpoint_dict_takes_wolfram_s_camel_case_keys_as_method_and_stopping_dicts_do(tmp_path):
    """checkpoint={'Directory': d, 'Interval': 2} was refused ("has no key 'Directory'") where method= and the
    stopping dict read Wolfram's CamelCase keys (QA): the same keys now, files written every 2 rounds, 2 kept (every
    round would keep rounds 5 and 6, the default keep=3 rounds 2, 4 and 6)."""
    options = {"max_training_rounds": 6, "all": True}
    result = _train(checkpoint={"Directory": tmp_path / "ck", "Interval": 2, "Keep": 2}, **options)
    assert [Path(f).name for f in result.checkpointing_files] == ["round-000004.pt", "round-000006.pt"]
    assert sorted(p.name for p in (tmp_path / "ck").iterdir()) == ["round-000004.pt", "round-000006.pt"]
    with pytest.raises(OptionError) as caught:
        _train(checkpoint={"Directory": tmp_path / "a", "directory": tmp_path / "b"})
    assert str(caught.value) == "checkpoint gives 'directory' twice (as 'Directory' and 'directory'); give one of them"
    assert caught.value.kind == "option-combination"
    with pytest.raises(OptionError, match=r"^checkpoint has no key 'Intervall' \(did you mean 'interval'\?\)"):
        _train(checkpoint={"Directory": tmp_path / "c", "Intervall": 2})


@pytest.mark.parametrize("keys, kind", [(("Bogus", "interval", "Interval"), "unknown-key"),
                                        (("interval", "Interval", "Bogus"), "option-combination"),
                                        ((3, "interval"), "unknown-key")])
def test_a_checkpoint_dict_s_first_bad_key_in_the_user_s_order_is_the_one_told(tmp_path, keys, kind):
    """One reading of option keys (option_keys.snake_keys, as method= and stopping dicts): each key checked in
    turn, so the first bad one is told, whether unknown or given twice; a key that is no string is unknown."""
    spec = {"directory": tmp_path / "ck", **{key: 2 for key in keys}}
    d = sole_diagnostic(lambda: _train(checkpoint=spec), OptionError)
    assert (d.kind, d.option) == (kind, "checkpoint")
    assert d.found == (keys[0] if kind == "unknown-key" else ("interval", "Interval"))


@pytest.mark.parametrize("kept", [0.1, 0.3, 0.5, 0.6, 0.75, 0.9, 0.99])
def test_a_checkpoint_cut_short_anywhere_is_not_a_torch_file_with_the_earlier_round_hint(tmp_path, kept):
    """Cut past about half its length, torch raised OSError (EINVAL), read as a permission problem: 'cannot read
    checkpoint ...: Invalid argument', without the hint."""
    _train(checkpoint=str(tmp_path))
    (path,) = tmp_path.glob("round-*.pt")
    whole = path.read_bytes()
    path.write_bytes(whole[:int(len(whole) * kept)])
    d = sole_diagnostic(lambda: load_checkpoint(_net(), path), OptionError)
    assert (d.kind, d.found) == ("unreadable-file", str(path))
    assert d.message.startswith(f"{str(path)!r} is not a readable netgraph checkpoint: "), d.message
    assert "cut short" in d.detail and d.hint == netgraph.train.checkpoint.EARLIER_CHECKPOINT, d.message


def test_resuming_with_another_validation_fraction_is_a_checkpoint_mismatch_naming_both(tmp_path):
    """A resume holding out another fraction (other examples held out and trained on) was accepted silently."""
    _train(checkpoint=tmp_path, validation_set=0.25)
    d = sole_diagnostic(lambda: _train(checkpoint=tmp_path, resume=True, max_training_rounds=2, validation_set=0.5),
                        OptionError)
    assert (d.kind, d.option, d.expected, d.found) == ("checkpoint-mismatch", "validation_set", 0.5, 0.25)
    assert "validation_set=0.25, not validation_set=0.5" in d.message
    given = {"Input": torch.randn(4, 2), "Target": torch.randint(0, 3, (4,))}
    d = sole_diagnostic(lambda: _train(checkpoint=tmp_path, resume=True, max_training_rounds=2, validation_set=given),
                        OptionError)
    assert (d.expected, d.found) == (None, 0.25) and "not validation data of its own" in d.message
    same = _train(checkpoint=tmp_path, resume=True, max_training_rounds=2, validation_set=0.25, all=True)
    assert same.total_rounds == 2
