"""`netgraph train -o` with an output file that cannot be replaced: refused before training, and again before any
output is written, so the folder never holds one run's spec beside another run's results."""

from __future__ import annotations

import json
import os

import pytest

import netgraph.cli.train as cli_train
from netgraph.core.errors import OptionError

TRAIN = ("train", "s.yaml", "--data", "d.npz", "-o", "rr", "--batch-size", "2", "--quiet")


def _outputs(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("name", ["results.json", "s.yaml", "loss.svg"])
def test_a_read_only_output_file_is_refused_before_training(cli, name):
    """It was found after training: [Errno 13], exit 1, and rr/s.yaml held the new net beside the old results.json
    (or, with s.yaml read-only, the trained net was lost)."""
    cli.spec(), cli.data()
    assert cli(*TRAIN, "--rounds", "1").code == 0
    os.chmod(cli.folder / "rr" / name, 0o444)
    before = _outputs(cli.folder / "rr")
    ran = cli(*TRAIN, "--rounds", "2")
    assert ran.code == 1 and ran.out == "", ran.out  # no round trained, nothing written
    assert ran.err == (f"netgraph train: -o (the output folder) 'rr': {name} in it cannot be replaced: Permission "
                       f"denied (the file is read-only; make it writable to replace it); or give another folder\n")
    assert _outputs(cli.folder / "rr") == before


def test_the_error_names_the_file_and_the_option(tmp_path):
    (tmp_path / "loss.svg").mkdir()
    with pytest.raises(OptionError) as caught:
        cli_train.check_outputs_replaceable(tmp_path, "net.yaml")
    found = caught.value.diagnostics[0]
    assert (found.kind, found.option, found.found) == ("unwritable-file", "output", str(tmp_path / "loss.svg"))


@pytest.mark.parametrize("flags, advice", [
    ((), "make it replaceable and train again"),
    (("--checkpoint", "ck"), "make it replaceable and run again with --resume, which continues from the checkpoints "
                             "in 'ck'")])
def test_a_file_made_read_only_during_training_leaves_every_output_as_it_was(cli, monkeypatch, flags, advice):
    """Checked again before writing: the trained spec is not written beside results.json of the run before, and the
    error says the trained net was not written (it advised 'or give another folder': training again)."""
    cli.spec(), cli.data()
    assert cli(*TRAIN, "--rounds", "1").code == 0
    before = _outputs(cli.folder / "rr")
    trained = cli_train._net_train

    def train_then_lock(*args):
        results = trained(*args)
        os.chmod(cli.folder / "rr" / "results.json", 0o444)
        return results
    monkeypatch.setattr(cli_train, "_net_train", train_then_lock)
    ran = cli(*TRAIN, "--rounds", "2", *flags)
    assert ran.code == 1 and ran.err.endswith(
        f"results.json in it cannot be replaced: Permission denied (the file is read-only; make it writable to replace "
        f"it); the trained net was not written (the folder is as it was): {advice}\n"), ran.err
    assert _outputs(cli.folder / "rr") == before
    assert json.loads(before["results.json"])["total_rounds"] == 1
    if flags:  # the checkpoints hold the training done: --resume writes it
        os.chmod(cli.folder / "rr" / "results.json", 0o644)
        monkeypatch.setattr(cli_train, "_net_train", trained)
        assert cli(*TRAIN, "--rounds", "2", *flags, "--resume").code == 0
        assert json.loads((cli.folder / "rr" / "results.json").read_text())["total_rounds"] == 2


def test_a_link_to_nothing_is_refused_before_training(cli):
    """atomic_write refuses it (writing through would create /nowhere/loss.svg): it was found after training, exit 1
    with the spec written and loss.svg not."""
    cli.spec(), cli.data()
    (cli.folder / "rr").mkdir()
    (cli.folder / "rr" / "loss.svg").symlink_to("/nowhere/loss.svg")
    ran = cli(*TRAIN, "--rounds", "1")
    assert ran.code == 1 and ran.out == "", ran.out
    assert "loss.svg in it cannot be replaced: it is a link to '/nowhere/loss.svg', which does not exist" in ran.err
    assert [p.name for p in (cli.folder / "rr").iterdir()] == ["loss.svg"]
