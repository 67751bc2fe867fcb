"""`netgraph train`'s progress where no bar can be drawn: in a log or CI (stderr not a terminal) one line per round,
as Keras's verbose=2, not silence until the end; on a terminal the bar; --quiet nothing."""

from __future__ import annotations

import re
import sys


def test_without_a_terminal_each_round_is_one_line(cli):
    cli.spec(), cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--rounds", "3")
    assert ran.code == 0, ran.err
    rounds = [line for line in ran.out.splitlines() if line.startswith("round ")]
    assert [line.split("  ")[0] for line in rounds] == ["round 1/3", "round 2/3", "round 3/3"]
    assert all(re.search(r"  loss [0-9.e+-]+  ", line) for line in rounds)
    assert "\r" not in ran.err and "net_train" not in ran.err  # no bar's redraws in the log


def test_each_round_line_shows_the_time_so_far_even_for_fast_rounds(cli):
    # Found by a new-user pass: `--nproc 2` printed `0.0 s` on every line (tenths of a second, for rounds of a few
    # milliseconds in its one-thread processes) while one process, slowed by its threads, showed seconds
    cli.spec(), cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--rounds", "3")
    shown = [float(re.fullmatch(r".*  ([0-9.e-]+) s", line).group(1)) for line in ran.out.splitlines()
             if line.startswith("round ")]
    assert len(shown) == 3 and 0 < shown[0] <= shown[1] <= shown[2]


def test_a_round_line_shows_two_digits_of_a_time_under_a_second():
    from types import SimpleNamespace
    from netgraph.train.progress_text import round_line

    state = SimpleNamespace(round_losses=[0.5], validation_losses=[], round_metrics={}, validation_metrics={},
                            term_round_losses={}, term_weights={})
    assert round_line(state, 1, 3, 0.0432).endswith("  0.043 s") and round_line(state, 2, 3, 4.14).endswith("  4.1 s")


def test_quiet_prints_no_round_lines(cli):
    cli.spec(), cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--rounds", "3", "--quiet")
    assert ran.code == 0 and "round 1/3" not in ran.out


def test_on_a_terminal_the_bar_is_drawn_not_lines(cli, monkeypatch):
    cli.spec(), cli.data()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--rounds", "3")
    assert ran.code == 0 and "round 1/3" not in ran.out and "net_train" in ran.err


def test_the_bar_ends_showing_the_last_rounds_validation_loss(cli, monkeypatch):
    # Found by QA: the bar's figures were set at each batch only, so it ended on the validation loss of the round
    # before the last (val=2.497 over a closing line saying "validation loss 2.337")
    cli.spec(), cli.data(random=True)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--rounds", "3", "--validation", "0.25",
              "--batch-size", "2")
    assert ran.code == 0, ran.err
    last = float(re.search(r"validation loss ([0-9.e+-]+);", ran.out).group(1))
    shown = float(re.findall(r"val=([0-9.e+-]+)", ran.err)[-1])  # 4 digits of the 5 the closing line gives
    assert abs(shown - last) <= 1e-3 * abs(last), (shown, last)
