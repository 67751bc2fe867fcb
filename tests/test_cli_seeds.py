"""Seeds on the command line: one command typed twice gives one result."""

from __future__ import annotations

import numpy as np
import torch
from safetensors.numpy import load_file

from netgraph import NetGraph, load, net_initialize

_EMPTY = "netgraph: 1\ntype: NetChain\nlayers: {h: {type: LinearLayer, output: 2}, d: {type: DropoutLayer}}\n" \
         "inputs: {Input: [3]}\n"


def _fresh(cli, *argv):
    """``cli(*argv)`` as in a new process, whose torch generator starts at a seed of its own."""
    torch.seed()
    return cli(*argv)


def _weights(folder) -> dict:
    arrays = load_file(next(folder.glob("*.safetensors")))
    return {key: arrays[key] for key in sorted(arrays)}


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_train_without_seed_trains_alike_twice_and_as_seed_0(cli):
    # Found by QA: without --seed, `netgraph train` drew its seed from torch's generator, which a fresh process
    # seeds at random: the same command typed twice initialised, shuffled and dropped out differently
    cli.spec(_EMPTY), cli.data(targets=2, random=True)
    for out, extra in (("a", ()), ("b", ()), ("zero", ("--seed", "0")), ("one", ("--seed", "1"))):
        ran = _fresh(cli, "train", "s.yaml", "--data", "d.npz", "-o", out, "--rounds", "2", "--batch-size", "4",
                     "--quiet", *extra)
        assert ran.code == 0, ran.err
    a, b, zero, one = (_weights(cli.folder / name) for name in ("a", "b", "zero", "one"))
    assert _same(a, b) and _same(a, zero)
    assert not _same(a, one)


def test_train_without_seed_starts_from_the_net_run_shows(cli):
    """`run` and `train` both default to seed 0, so a run's example net is the one training starts from."""
    cli.spec(_EMPTY), cli.data(targets=2, random=True)
    assert _fresh(cli, "train", "s.yaml", "--data", "d.npz", "-o", "out", "--rounds", "1", "--learning-rate", "0",
                  "--quiet").code == 0
    trained = load(cli.folder / "out" / "s.yaml")
    fresh = net_initialize(NetGraph.from_yaml(cli.folder / "s.yaml"), seed=0)
    assert trained == fresh


def test_resume_without_seed_takes_the_runs_own(cli):
    cli.spec(_EMPTY), cli.data(targets=2, random=True)
    args = ("s.yaml", "--data", "d.npz", "--batch-size", "4", "--quiet")
    assert cli("train", *args, "-o", "whole", "--rounds", "3", "--seed", "7").code == 0
    assert cli("train", *args, "-o", "cut", "--rounds", "1", "--seed", "7", "--checkpoint", "c").code == 0
    ran = cli("train", *args, "-o", "cut", "--rounds", "3", "--checkpoint", "c", "--resume")
    assert ran.code == 0, ran.err
    assert _same(_weights(cli.folder / "whole"), _weights(cli.folder / "cut"))


_NOISY = "netgraph: 1\nlayers:\n  noise: {type: RandomArrayLayer, distribution: {type: NormalDistribution, " \
         "args: ['#mu', 1]}}\ninputs: {mu: [4]}\noutputs: {Output: null}\nedges: [mu -> noise -> Output]\n"


def test_measure_without_seed_measures_alike_twice(cli):
    # Found by QA: `netgraph measure` of a net with random layers printed another loss at each call
    cli.spec(_NOISY)
    np.savez(cli.folder / "d.npz", mu=np.zeros((16, 4), "float32"), Target=np.zeros((16, 4), "float32"))
    first, second = (_fresh(cli, "measure", "s.yaml", "--data", "d.npz") for _ in range(2))
    assert first.code == 0, first.err
    assert first.out == second.out == cli("measure", "s.yaml", "--data", "d.npz", "--seed", "0").out
    assert first.out != cli("measure", "s.yaml", "--data", "d.npz", "--seed", "1").out
