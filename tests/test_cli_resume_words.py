"""A checkpoint --resume cannot continue is refused in the command line's words (--method SGD, --precision float64,
--validation), rendered from the error's fields, not in net_train's keywords (method='SGD', resume=False)."""

from __future__ import annotations

import pytest

TRAIN = ("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", "--checkpoint", "c")
FRESH = "or start fresh (without --resume, or with another --checkpoint folder)\n"


@pytest.mark.parametrize("first, then, words", [
    (("--method", "SGD"), (), "was written with --method SGD, not Adam: resume with --method SGD, "),
    (("--method", "SGD", "--momentum", "0.9"), ("--method", "SGD", "--momentum", "0.5"),
     "was written with --momentum 0.9, not --momentum 0.5: resume with --momentum 0.9, "),
    (("--method", "SGD", "--momentum", "0.9"), ("--method", "SGD"),
     "was written with --momentum 0.9, where this run is without --momentum: resume with --momentum 0.9, "),
    (("--method", "SGD"), ("--method", "SGD", "--momentum", "0.5"),
     "was written without --momentum, not --momentum 0.5: resume without --momentum, "),
    (("--epsilon", "1e-6"), (), "was written with --epsilon 1e-06, not --epsilon 1e-08: resume with --epsilon 1e-06, "),
    (("--precision", "float64"), (), "was written with --precision float64, not float32: resume with --precision "
                                     "float64, "),
    (("--validation", "0.25"), (), "was written by a run with --validation: its best net and early stopping follow "
                                   "its validation losses; resume with --validation, "),
    ((), ("--validation", "0.25"), "was written by a run without --validation: its best net and early stopping "
                                   "follow its training losses; resume without --validation, "),
])
def test_a_resume_refusal_names_the_flags(cli, first, then, words):
    cli.spec(), cli.data()
    assert cli(*TRAIN, "--rounds", "1", *first).code == 0
    ran = cli(*TRAIN, "--rounds", "2", "--resume", *then)
    assert ran.code == 1
    assert ran.err == f"netgraph train: checkpoint 'c/round-000001.pt' {words}{FRESH}"
    assert "=" not in ran.err and "resume=False" not in ran.err


def test_a_resume_holding_out_another_fraction_names_both_flags(cli):
    cli.spec(), cli.data()
    assert cli(*TRAIN, "--rounds", "1", "--validation", "0.25").code == 0
    ran = cli(*TRAIN, "--rounds", "2", "--resume", "--validation", "0.5")
    assert ran.code == 1
    assert ran.err == ("netgraph train: checkpoint 'c/round-000001.pt' was written with --validation 0.25, not "
                       f"--validation 0.5: the examples held out (and trained on) would differ; resume with "
                       f"--validation 0.25, {FRESH}")


def test_a_suboption_no_flag_gives_is_told_as_a_python_runs():
    from netgraph.cli.train_words import _suboption_words
    words = _suboption_words((("weight_decay", 0.1),), (("weight_decay", 0),))
    assert words.startswith("was written by a Python run (net_train) with method suboption weight_decay=0.1, which "
                            "no flag of netgraph train gives: resume it from Python with that suboption, or start")
