"""Out-of-range values of `netgraph train` flags are refused by the flag's name, before any work."""

from __future__ import annotations

import sys

import pytest

BIG = 10**20  # more than any count torch takes (sys.maxsize)


@pytest.mark.parametrize("flag", ["--batch-size", "--rounds", "--patience", "--workers", "--nproc"])
def test_a_huge_whole_number_names_its_flag(cli, tmp_path, flag):
    """--batch-size 1e20 said "batch_size must be at most ...", net_train's keyword, as --rounds said
    max_training_rounds, --patience training_stopping_criterion and --workers num_workers."""
    cli.spec(), cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", flag, BIG)
    least = 0 if flag in ("--patience", "--workers") else 1
    assert (ran.code, ran.err) == (1, f"netgraph train: {flag} must be a whole number from {least} to {sys.maxsize}, "
                                      f"found {BIG}\n")
    assert not (tmp_path / "out").exists()
