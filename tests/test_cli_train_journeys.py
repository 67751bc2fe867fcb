"""`netgraph train` as a user meets it: Ctrl-C before a round ends, validation data keyed otherwise than the
training data, data files a user gets wrong."""

from __future__ import annotations

import json

import numpy as np

from netgraph.train.loop import Trainer


def _interrupted_at_once(monkeypatch) -> None:
    """Ctrl-C during the first training step, before any round has ended."""
    def step(self, *args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(Trainer, "step", step)


def test_ctrl_c_before_the_first_round_ends_writes_the_outputs_without_a_traceback(cli, monkeypatch):
    cli.spec(), cli.data()
    _interrupted_at_once(monkeypatch)
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--rounds", "3", "--quiet")
    assert ran.code == 0, ran.err
    assert "trained 0 rounds (ManualStop): no round finished; wrote out/s.yaml" in ran.out
    assert json.loads((cli.folder / "out" / "results.json").read_text())["round_losses"] == []


def test_ctrl_c_before_the_first_round_ends_with_several_loss_terms(cli, monkeypatch):
    cli.spec("netgraph: 1\nlayers: {a: {type: LinearLayer, output: 1}, b: {type: LinearLayer, output: 1}}\n"
             "inputs: {Input: 3}\noutputs: {A: null, B: null}\nedges: [Input -> a -> A, Input -> b -> B]\n")
    np.savez(cli.folder / "d.npz", Input=np.ones((8, 3), "float32"), A=np.ones((8, 1), "float32"),
             B=np.zeros((8, 1), "float32"))
    _interrupted_at_once(monkeypatch)
    ran = cli("train", "s.yaml", "--data", "d.npz", "-o", "out", "--rounds", "3", "--quiet", "--loss", "{A: 1, B: 2}")
    assert ran.code == 0, ran.err
    assert "trained 0 rounds (ManualStop): no round finished; wrote out/s.yaml" in ran.out
