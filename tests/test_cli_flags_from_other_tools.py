"""A flag as Keras, Lightning or torch scripts spell it (--epochs, --lr, --optimizer) is refused naming the netgraph
flag that does the same, not the flag nearest in spelling (--epochs was told '--nproc', --lr '--loss')."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("argv, typed", [
    (["train", "s.yaml", "--data", "d.npz", "--epochs", "3"], "--epochs 3 (did you mean '--rounds'?)"),
    (["train", "s.yaml", "--data", "d.npz", "--max_epochs=3"], "--max_epochs=3 (did you mean '--rounds'?)"),
    (["train", "s.yaml", "--data", "d.npz", "--lr", "0.1"], "--lr 0.1 (did you mean '--learning-rate'?)"),
    (["train", "s.yaml", "--data", "d.npz", "--optimizer", "SGD"], "--optimizer SGD (did you mean '--method'?)"),
    (["train", "s.yaml", "--data", "d.npz", "--val", "0.2"], "--val 0.2 (did you mean '--validation'?)"),
    (["train", "s.yaml", "--data", "d.npz", "--log-dir", "runs"], "--log-dir runs (did you mean '--tensorboard'?)"),
    (["train", "s.yaml", "--data", "d.npz", "--early-stopping", "3"],
     "--early-stopping 3 (did you mean '--patience'?)"),
    (["measure", "s.yaml", "--data", "d.npz", "--metrics", "Accuracy"],
     "--metrics Accuracy (did you mean '--measure'?)")])
def test_another_tools_flag_names_the_netgraph_flag_meant(cli, argv, typed):
    cli.spec(), cli.data()
    with pytest.raises(SystemExit) as stop:
        cli(*argv)
    assert stop.value.code == 2
    assert f"error: unrecognized arguments: {typed}" in cli.capsys.readouterr().err


def test_another_tools_flag_a_command_has_no_counterpart_for_gets_no_wrong_one(cli):
    """measure trains nothing: --epochs there names no flag (the table's --rounds is train's)."""
    cli.spec(), cli.data()
    with pytest.raises(SystemExit):
        cli("measure", "s.yaml", "--data", "d.npz", "--epochs", "3")
    err = cli.capsys.readouterr().err
    assert "unrecognized arguments: --epochs 3\n" in err
