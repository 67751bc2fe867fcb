"""Found by QA: `netgraph train`'s closing line quoted the last round's validation loss while the net it wrote was
the best round's; it now names the written net's round and validation loss where they differ."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import numpy as np

from netgraph.cli.train_summary import written_net_text


def _data(path, sign: float) -> None:
    x = np.random.default_rng(0).standard_normal((32, 3)).astype("float32")
    np.savez(path, Input=x, Target=sign * x[:, :1])


def test_the_closing_line_names_the_best_round_whose_net_it_wrote(cli):
    cli.spec()
    _data(cli.folder / "d.npz", 1.0)
    _data(cli.folder / "v.npz", -1.0)  # training towards x0 takes the net away from -x0: validation gets worse
    ran = cli("train", "s.yaml", "--data", "d.npz", "--validation", "v.npz", "-o", "out", "--rounds", "4",
              "--method", "SGD", "--learning-rate", "0.3", "--batch-size", "8", "--seed", "0", "--quiet")
    assert ran.code == 0, ran.err
    summary = json.loads((cli.folder / "out" / "results.json").read_text())
    best, losses = summary["best_validation_round"], summary["validation_losses"]
    assert best < summary["total_rounds"] == 4
    line = ran.out.strip().splitlines()[-1]
    said = re.search(r"validation loss (\S+); wrote out/s\.yaml \(the round-(\d+) net, validation loss (\S+)\), "
                     r"out/loss\.svg, out/results\.json$", line)
    assert said is not None, line
    assert float(said[1]) == float(f"{losses[-1]:.5g}")
    assert int(said[2]) == best and float(said[3]) == float(f"{losses[best - 1]:.5g}")


def test_the_closing_line_says_nothing_more_when_the_last_round_is_the_best(cli):
    cli.spec()
    _data(cli.folder / "d.npz", 1.0)
    _data(cli.folder / "v.npz", 1.0)
    ran = cli("train", "s.yaml", "--data", "d.npz", "--validation", "v.npz", "-o", "out", "--rounds", "3",
              "--method", "SGD", "--learning-rate", "0.1", "--batch-size", "8", "--seed", "0", "--quiet")
    assert ran.code == 0, ran.err
    assert json.loads((cli.folder / "out" / "results.json").read_text())["best_validation_round"] == 3
    assert ran.out.strip().splitlines()[-1].endswith("; wrote out/s.yaml, out/loss.svg, out/results.json")


def test_a_round_chosen_by_a_watched_metric_is_not_called_the_best_validation_loss():
    """Found in review: with early stopping on a metric the written round is the metric's best, whose validation loss
    (6 here, beside round 1's 5) the line called the "best validation loss"."""
    results = SimpleNamespace(best_validation_round=2, total_rounds=3, validation_losses=[5.0, 6.0, 7.0])
    assert written_net_text(results, "s.yaml") == "s.yaml (the round-2 net, validation loss 6)"
