"""`netgraph train --checkpoint-interval N --checkpoint-keep N`: net_train's checkpoint interval and keep."""

from __future__ import annotations

import pytest

from netgraph.cli.flags import check_train_flags
from netgraph.cli.parser import build_parser
from netgraph.core.errors import OptionError

TRAIN = ("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet")


def _saved(cli) -> list[str]:
    return sorted(p.name for p in (cli.folder / "ck").iterdir())


def test_checkpoint_interval_and_keep_reach_net_train(cli):
    """Every 2nd round and after the last (5), the newest 2 kept; the defaults: every round, the newest 3."""
    cli.spec(), cli.data()
    ran = cli(*TRAIN, "--rounds", "5", "--checkpoint", "ck", "--checkpoint-interval", "2", "--checkpoint-keep", "2")
    assert ran.code == 0, ran.err
    assert _saved(cli) == ["round-000004.pt", "round-000005.pt"]
    ran = cli(*TRAIN, "--rounds", "9", "--checkpoint", "ck", "--resume", "--checkpoint-interval", "3")
    assert ran.code == 0, ran.err
    assert _saved(cli) == ["round-000005.pt", "round-000006.pt", "round-000009.pt"]  # rounds 6 and 9; keep 3


@pytest.mark.parametrize("flags, message", [
    (("--checkpoint-interval", "0"), "--checkpoint-interval must be a whole number > 0, found 0"),
    (("--checkpoint-keep", "-1"), "--checkpoint-keep must be a whole number > 0, found -1"),
    (("--checkpoint-keep", str(2**64)), "--checkpoint-keep must be a whole number from 1 to "),
])
def test_checkpoint_counts_out_of_range_are_refused_by_the_flag(cli, flags, message):
    cli.spec(), cli.data()
    ran = cli(*TRAIN, "--checkpoint", "ck", *flags)
    assert ran.code == 1 and ran.err.startswith(f"netgraph train: {message}"), ran.err
    assert not (cli.folder / "out").exists() and not (cli.folder / "ck").exists()


@pytest.mark.parametrize("flag", ["--checkpoint-interval", "--checkpoint-keep"])
def test_checkpoint_counts_without_checkpoints_are_refused(cli, flag):
    """Without --checkpoint (or --resume) no checkpoint is written: the flag would be ignored silently."""
    cli.spec(), cli.data()
    ran = cli(*TRAIN, flag, "2")
    assert ran.code == 1 and ran.err == (f"netgraph train: {flag} 2 has no effect without --checkpoint DIR or "
                                         f"--resume (no checkpoints are written without them; --resume writes them "
                                         f"to OUTPUT/checkpoints); give --checkpoint DIR or --resume, or leave it "
                                         f"out\n")
    with pytest.raises(OptionError) as refused:
        check_train_flags(build_parser().parse_args([*TRAIN, flag, "2"]))
    problem = refused.value.diagnostics[0]
    assert (problem.kind, problem.option, problem.found) == ("option-combination", flag[2:].replace("-", "_"), 2)
