"""Signals held by boundaries inside one another (``StepBoundary``), and ``netgraph train --distributed``'s ranks
signalled after their rounds: one signal is held between them, a second stops the writes at once, a signal held as
the writing is refused still ends the command as that signal does, and only rank 0 (which writes) says it wrote."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from netgraph.train.step_boundary import StepBoundary
from tests.cli_runner import Cli
from tests.subprocess_env import checkout_env


class _Stopped(Exception):
    """What the handler the boundaries wrap raises: the signal handled at once."""


def _stop(number: int, frame: object) -> None:
    raise _Stopped(number)


@pytest.mark.parametrize("inner_signal", [signal.SIGUSR1, signal.SIGUSR2], ids=["same signal", "another signal"])
def test_nested_boundaries_hold_one_signal_between_them(inner_signal):
    """The inner boundary held the first signal; a second passed through it to the outer one (wrapping the same
    signal) or to its own (another signal), which held it too: the block ran on after two signals."""
    before = {number: signal.signal(number, _stop) for number in (signal.SIGUSR1, signal.SIGUSR2)}
    try:
        with StepBoundary.installed(True, (signal.SIGUSR1, signal.SIGUSR2)) as outer, \
                StepBoundary.installed(True, (inner_signal,)) as inner, outer, inner:
            signal.raise_signal(inner_signal)  # held by the inner boundary
            with pytest.raises(_Stopped):
                signal.raise_signal(signal.SIGUSR1)  # a second signal: at once
            assert inner.forced and outer.forced and not inner.pending and not outer.pending
        assert inner.unhandled is None and outer.unhandled is None  # the first one is not handled after the block
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)


def test_a_first_signal_passed_on_by_a_boundary_outside_its_block_is_held_by_the_one_inside_its_block():
    before = signal.signal(signal.SIGUSR1, _stop)
    try:
        with StepBoundary.installed(True, (signal.SIGUSR1,)) as outer, \
                StepBoundary.installed(True, (signal.SIGUSR1,)) as inner:
            with outer:
                signal.raise_signal(signal.SIGUSR1)  # the inner boundary is not inside its block: the outer holds it
                assert outer.pending == [signal.SIGUSR1] and not inner.forced
            raise AssertionError("the held signal is handled as the outer block ends")
    except _Stopped:
        pass
    finally:
        signal.signal(signal.SIGUSR1, before)


#: ``netgraph train --distributed`` whose training is stood in for (its rounds ended, so that signals are held) and
#: whose writing (rank 0) sends this process the signals named by argv[1] (comma-separated), then raises the
#: refusal of a read-only results.json where argv[2] is "refused"; prints "wrote" when the writing ran to its end
SIGNALLED_AFTER_ROUNDS = """\
import os, runpy, signal, sys
import netgraph.cli.train as cli_train
from netgraph.core.errors import OptionError
from netgraph.train.step_boundary import rounds_ended
sent, refused = [signal.Signals[name] for name in sys.argv.pop(1).split(",")], sys.argv.pop(1) == "refused"
def trained(*args):
    rounds_ended("MaxTrainingRounds")
    if os.environ["RANK"] != "0":
        os.kill(os.getpid(), sent[0])
    return "trained"
def write(results, *outputs):
    for number in sent:
        os.kill(os.getpid(), number)
    if refused:
        raise OptionError("-o (the output folder) 'out': results.json in it cannot be replaced", kind="unwritable-file")
    print("wrote")
    return 0
cli_train._trained, cli_train.write_outputs = trained, write
sys.argv[0] = "netgraph"
runpy.run_module("netgraph", run_name="__main__", alter_sys=True)
"""


def _train_distributed(tmp_path, sent: str, refused: str = "", rank: str = "0") -> subprocess.CompletedProcess:
    files = Cli(tmp_path, None)
    files.spec(), files.data()
    return subprocess.run([sys.executable, "-c", SIGNALLED_AFTER_ROUNDS, sent, refused or "written", "train", "s.yaml",
                           "--data", "d.npz", "-o", "out", "--quiet", "--distributed"], cwd=tmp_path,
                          env=checkout_env(RANK=rank, WORLD_SIZE="2"), capture_output=True, text=True, timeout=120)


def test_sigterm_held_by_rank_zero_as_its_writing_is_refused_ends_the_command_as_sigterm(tmp_path):
    """The refusal was printed and the command ended with exit 1: the SIGTERM held while writing was dropped (only
    the outer boundary's held signal was read)."""
    ran = _train_distributed(tmp_path, "SIGTERM", "refused")
    assert ran.returncode == 143 and "Traceback" not in ran.stderr, ran.stderr[-3000:]
    lines = ran.stderr.rstrip().splitlines()
    assert "results.json in it cannot be replaced" in lines[-2] and lines[-1] == "netgraph: terminated", lines


@pytest.mark.parametrize("sent, code, said", [("SIGTERM,SIGINT", 130, "netgraph: interrupted"),
                                              ("SIGINT,SIGTERM", 143, "netgraph: terminated"),
                                              ("SIGTERM,SIGTERM", 143, "netgraph: terminated")])
def test_a_second_signal_while_rank_zero_writes_stops_the_writing_at_once(tmp_path, sent, code, said):
    """SIGTERM and Ctrl-C were held by two boundaries, one each: the writes ran on after the second signal; and a
    second SIGTERM, which stopped them, was reported as a net written."""
    ran = _train_distributed(tmp_path, sent)
    assert ran.returncode == code and "Traceback" not in ran.stderr, ran.stderr[-3000:]
    assert "wrote" not in ran.stdout and ran.stderr.rstrip().splitlines()[-1] == said, ran.stderr[-3000:]


def test_a_rank_that_writes_nothing_does_not_say_the_net_is_written(tmp_path):
    """Rank 1, interrupted after its rounds, said 'the net trained so far is written': only rank 0 writes."""
    ran = _train_distributed(tmp_path, "SIGINT", rank="1")
    assert ran.returncode == 130 and "Traceback" not in ran.stderr, ran.stderr[-3000:]
    assert ran.stderr.rstrip().splitlines()[-1] == \
        "netgraph train: interrupted; rank 1 writes nothing (rank 0 writes the outputs)", ran.stderr[-3000:]
    assert "written" not in ran.stderr and not (tmp_path / "out" / "s.yaml").exists()


def test_a_second_signal_after_the_holding_block_ended_does_not_mark_it_forced():
    """Found by review: a signal between ``__exit__``'s ``inside = False`` and its handling of the held one marked the
    ended block forced, and ``netgraph train`` said "interrupted" though its writes had finished."""
    handled: list[int] = []
    boundary = StepBoundary()
    boundary.previous[signal.SIGUSR1] = lambda number, frame: handled.append(number)
    boundary.__enter__()
    boundary._heard(signal.SIGUSR1, None)  # held: the block runs on
    boundary.inside = False  # the block has ended: __exit__'s first line, before the held signal is handled
    boundary._heard(signal.SIGUSR1, None)
    boundary.__exit__(None, None, None)
    assert handled == [signal.SIGUSR1] and boundary.forced is False
