"""A flag is typed whole: argparse's abbreviations (--roun for --rounds) are refused, with the flag meant."""

from __future__ import annotations

import pytest

from netgraph import __version__


@pytest.mark.parametrize("argv, typed", [
    (["train", "s.yaml", "--data", "d.npz", "--roun", "2"], "--roun 2 (did you mean '--rounds'?)"),
    (["train", "s.yaml", "--data", "d.npz", "--learning=0.1"], "--learning=0.1 (did you mean '--learning-rate'?)"),
    (["render", "s.yaml", "--rank", "LR"], "--rank LR (did you mean '--rankdir'?)"),
    (["export", "s.yaml", "--ops", "17"], "--ops 17 (did you mean '--opset'?)"),
    (["check", "s.yaml", "--allow-out"], "--allow-out (did you mean '--allow-outside'?)")])
def test_an_abbreviated_flag_is_refused_naming_the_flag_it_may_mean(cli, argv, typed):
    """--roun was read as --rounds: a script's abbreviation would silently change meaning the day another flag
    starting alike is added (--rounds-per-checkpoint), and a typo of one flag could pass as another's prefix."""
    cli.spec(), cli.data()
    with pytest.raises(SystemExit) as stop:
        cli(*argv)
    assert stop.value.code == 2
    assert f"error: unrecognized arguments: {typed}" in cli.capsys.readouterr().err


def test_the_version_flag_is_not_abbreviated_either(cli, capsys):
    with pytest.raises(SystemExit) as stop:
        cli("--vers")
    out, err = capsys.readouterr()
    assert stop.value.code == 2 and __version__ not in out and "usage: netgraph" in err


@pytest.mark.parametrize("argv, said", [
    (["trian", "s.yaml"], "argument command: invalid choice: 'trian' (did you mean 'train'?) (choose from 'run', "),
    (["render", "s.yaml", "--rankdir", "lr"], "argument --rankdir: invalid choice: 'lr' (did you mean 'LR'?) "
                                              "(choose from 'TB', 'LR', 'BT', 'RL')")])
def test_a_mistyped_command_or_choice_is_refused_naming_the_one_it_may_mean(cli, argv, said):
    """A flag got the nearest flag, but `netgraph trian` listed the commands without the one meant."""
    with pytest.raises(SystemExit) as stop:
        cli(*argv)
    assert stop.value.code == 2 and said in cli.capsys.readouterr().err


@pytest.mark.parametrize("argv, said", [
    (["train", "s.yaml", "--dta", "d.npz"], "unrecognized arguments: --dta (did you mean '--data'?); the following "
                                            "arguments are required: --data"),
    (["train", "s.yaml", "--epochs=3"], "unrecognized arguments: --epochs (did you mean '--rounds'?); the following "
                                        "arguments are required: --data"),
    (["train", "s.yaml", "--", "--dta"], "error: the following arguments are required: --data")])
def test_a_missing_argument_beside_a_mistyped_flag_names_the_mistyped_flag_too(cli, argv, said):
    """`netgraph train s.yaml --dta d.npz` said only `required: --data`, which the user had typed (they thought):
    argparse reports a missing argument before unknown ones. After `--` every word is a value, never a flag."""
    with pytest.raises(SystemExit) as stop:
        cli(*argv)
    assert stop.value.code == 2 and said in cli.capsys.readouterr().err
