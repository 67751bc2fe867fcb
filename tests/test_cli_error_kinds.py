"""The command line's own errors say what they are, as net_train's do: each carries a kind (and the flag as
``option`` where one is to blame), and one that rewords a problem of netgraph's keeps that problem's kind, port and
values. They were of kind "error" (``--data``'s and ``--measure``'s re-raised messages, ``--loss``'s file, YAML and
layer errors, ``--limit``, ``--precision``, render's and export's ``-o``, ``--seed`` on resuming)."""

from __future__ import annotations

import pytest

from netgraph.cli import _limit_flags
from netgraph.core.errors import NetGraphError
from tests.cli_runner import command


def _error(*argv: object) -> NetGraphError:
    """The error the command ``argv`` stops with (what ``main`` prints as one line)."""
    with pytest.raises(NetGraphError) as info:
        command([str(a) for a in argv])()
    return info.value


TRAIN = ("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", "--rounds", "1")


@pytest.mark.parametrize("extra, kind, option, found", [
    (("--loss", "NoSuchLossLayer"), "option-value", "loss", "NoSuchLossLayer"),
    (("--loss", "{type: NoSuchLossLayer}"), "unknown-layer-type", "loss", "NoSuchLossLayer"),
    (("--loss", "{Outptu: 1}"), "unknown-port", "loss", "Outptu"),
    (("--loss", "missing.yaml"), "missing-file", "loss", "missing.yaml"),
    (("--loss", "[1, 2]"), "value-type", "loss", "list"),
    (("--loss", "binary.yaml"), "unreadable-file", "loss", "binary.yaml"),  # a traceback (UnicodeDecodeError)
    (("--loss", "empty.yaml"), "value-type", "loss", "an empty file"),  # 'a spec starts with netgraph: 1'
    (("--loss", "folder.yaml"), "missing-file", "loss", "folder.yaml"),
    (("--precision", "float16"), "option-value", "precision", "float16"),
    (("--metrics", "Accuracy,Output:F1"), "option-value", "metrics", "Accuracy,Output:F1"),
    (("--metrics", "Outptu:Accuracy"), "unknown-port", "metrics", "Outptu"),
    (("--method", "Adam", "--momentum", "0.5"), "option-combination", "momentum", "Adam"),
])
def test_a_train_flag_error_has_a_kind_its_flag_and_the_value(cli, extra, kind, option, found):
    cli.spec(), cli.data()
    (cli.folder / "binary.yaml").write_bytes(b"\xff\xfe\x00\x01")
    (cli.folder / "empty.yaml").write_text(" \n")
    (cli.folder / "folder.yaml").mkdir()
    problem = _error(*TRAIN, *extra).diagnostics[0]
    assert (problem.kind, problem.option, problem.found) == (kind, option, found)
    ran = cli(*TRAIN, *extra)
    assert ran.code == 1 and len(ran.err.strip().splitlines()) == 1 and "Traceback" not in ran.err


def test_a_loss_layers_own_refusal_keeps_its_kind(cli):
    cli.spec(), cli.data()
    error = _error(*TRAIN, "--loss", "{type: MeanSquaredLossLayer, bogus: 1}")
    assert error.kind == "layer-argument" and str(error).startswith("--loss: 'Output': ")


def test_measures_reworded_errors_keep_their_kinds(cli):
    cli.spec(), cli.data()
    missing = _error("measure", "s.yaml", "--data", "d1.npz")
    assert missing.kind == "missing-file" and "(did you mean 'd.npz'?)" in str(missing)  # no d1.npz: d.npz is named
    error = _error("measure", "s.yaml", "--data", "d.npz", "--measure", "Acuracy")
    assert error.kind == "unknown-measurement" and str(error).startswith("--measure 'Acuracy': ")
    assert _error("measure", "s.yaml", "--data", "d.npz", "--measure", ",").kind == "option-value"


@pytest.mark.parametrize("argv, kind", [
    (("render", "s.yaml", "-o", "s.svg", "-f", "png"), "option-combination"),
    (("render", "s.yaml", "-o", "diagram"), "output-path"),
    (("render", "s.yaml", "-o", "s.txt"), "output-path"),
    (("export", "s.yaml", "-o", "s.txt"), "output-path"),
])
def test_an_output_path_error_has_a_kind(cli, argv, kind):
    cli.spec()
    assert _error(*argv).kind == kind


@pytest.mark.parametrize("flag", ["yaml_bytes", "yaml_bytes=0"])
def test_a_bad_limit_flag_has_a_kind(flag):
    with pytest.raises(NetGraphError) as info:
        _limit_flags([flag])
    assert (info.value.kind, info.value.option, info.value.found) == ("option-value", "limit", flag)



@pytest.mark.parametrize("extra, kind, option", [
    (("--validation", "0.99"), "validation-split", "validation_set"),
    (("--method", "SGD", "--momentum", "2"), "method-suboption", "momentum"),
])
def test_net_trains_problems_worded_by_the_flags_keep_their_kind(cli, extra, kind, option):
    cli.spec(), cli.data()
    error = _error(*TRAIN, *extra)
    assert (error.kind, error.option) == (kind, option) and str(error).startswith(extra[-2])
