"""A run resumed with another loss_function: every loss-term history keeps one value a round (NaN where the term was
not in the loss), as metrics do."""

from __future__ import annotations

import math

import torch

from netgraph import LinearLayer, NetGraph, NetPort
from netgraph.train import net_train
from netgraph.train.progress_text import terms_text


def _two_outputs() -> NetGraph:
    return NetGraph({"fit": LinearLayer(1), "head": LinearLayer(1)},
                    [("fit", NetPort("A")), ("head", NetPort("B"))], Input=3)


def test_a_term_dropped_on_resume_reads_nan_for_the_rounds_after(tmp_path):
    """term_losses['B'] held 2 values for 4 rounds (nothing said which rounds), loss_weights likewise."""
    x = torch.randn(32, 3, generator=torch.Generator().manual_seed(0))
    both = {"Input": x, "A": x[:, :1], "B": x[:, 1:2]}
    ck = tmp_path / "ck"
    net_train(_two_outputs(), both, loss_function={"A": 1, "B": 0.5}, checkpoint=str(ck), max_training_rounds=2,
              progress_reporting=None, random_seed=0)
    r = net_train(_two_outputs(), {"Input": x, "A": x[:, :1]}, loss_function={"A": 1}, checkpoint=str(ck),
                  resume=True, max_training_rounds=4, progress_reporting=None, random_seed=0, all=True)
    assert len(r.round_losses) == 4
    for history in (r.term_losses, r.loss_weights):
        assert {k: len(v) for k, v in history.items()} == {"A": 4, "B": 4}
        assert not any(math.isnan(v) for v in history["A"])
        assert not any(math.isnan(v) for v in history["B"][:2]) and all(math.isnan(v) for v in history["B"][2:])
    assert r.loss_weights["B"][:2] == [0.5, 0.5]
    assert r.round_losses[2:] == r.term_losses["A"][2:]  # the A term alone, weight 1


def test_a_term_added_on_resume_reads_nan_for_the_rounds_before(tmp_path):
    x = torch.randn(32, 3, generator=torch.Generator().manual_seed(1))
    ck = tmp_path / "ck"
    net_train(_two_outputs(), {"Input": x, "A": x[:, :1]}, loss_function={"A": 1}, checkpoint=str(ck),
              max_training_rounds=2, progress_reporting=None, random_seed=0)
    r = net_train(_two_outputs(), {"Input": x, "A": x[:, :1], "B": x[:, 1:2]}, loss_function={"A": 1, "B": 2},
                  checkpoint=str(ck), resume=True, max_training_rounds=3, progress_reporting=None, random_seed=0,
                  all=True)
    assert {k: len(v) for k, v in r.term_losses.items()} == {"A": 3, "B": 3}
    assert all(math.isnan(v) for v in r.term_losses["B"][:2]) and not math.isnan(r.term_losses["B"][2])
    assert r.loss_weights["B"][2] == 2


def test_the_progress_line_shows_only_the_terms_of_the_loss_now():
    class State:
        term_round_losses = {"A": [1.0, 0.5], "B": [2.0, math.nan], "C": [3.0, 0.25]}
        term_weights = {"A": [1.0, 1.0], "B": [0.5, math.nan], "C": [2.0, 2.0]}
    assert terms_text(State) == "  (A 0.5, C 0.25 × 2)"
    State.term_round_losses = {"A": [1.0, 0.5], "B": [2.0, math.nan]}
    assert terms_text(State) == ""  # one term left: the round's loss says it all
