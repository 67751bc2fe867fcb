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


@pytest.mark.parametrize("value, found", [("1e300", "1e+300"), ("-1", "-1"), ("nan", "nan"),
                                          ("-123456789", "-123456789")])  # said -1.23457e+08
def test_a_distributed_timeout_out_of_range_names_its_flag(cli, value, found):
    """--distributed-timeout -1 said "distributed_timeout must be a number > 0", net_train's keyword; 1e300 was taken,
    and each process of --nproc then failed making a datetime.timedelta of it (an OverflowError)."""
    cli.spec(), cli.data()
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--quiet", "--nproc", "2", "--distributed-timeout",
              value)
    assert (ran.code, ran.err) == (1, f"netgraph train: --distributed-timeout must be a number of seconds > 0 and at "
                                      f"most 8.64e+13, found {found}\n")


def test_net_train_refuses_a_distributed_timeout_no_process_group_takes():
    import torch

    from netgraph import LinearLayer, NetChain, net_train
    from netgraph.core.errors import OptionError
    with pytest.raises(OptionError, match=r"^distributed_timeout must be at most 8.64e\+13 seconds, found 1e\+300$"):
        net_train(NetChain([LinearLayer(1)], input=3), {"Input": torch.ones(4, 3), "Target": torch.ones(4, 1)},
                  distributed_timeout=1e300, max_training_rounds=1, progress=False)
