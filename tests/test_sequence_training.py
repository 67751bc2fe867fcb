"""net_train trains the README's sequence model on a task that needs order (is the first token equal to the
last?) to at least 95% accuracy on fresh sequences, with a fixed seed. The test runs the README's own block."""

from __future__ import annotations

import re
from pathlib import Path

import torch

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
BLOCK = next(b for b in re.findall(r"```python\n(.*?)```", README, re.S) if "def first_equals_last" in b)


def test_readme_sequence_model_learns_first_equals_last():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a small GRU: one thread is faster, and keeps the suite's CPU time low
    try:
        namespace: dict = {}
        exec("import torch\nfrom netgraph import NetChain, EmbeddingLayer, SequenceLastLayer, SoftmaxLayer\n" + BLOCK,
             namespace)  # the README's own example
    finally:
        torch.set_num_threads(threads)
    x, y = namespace["test_x"], namespace["test_y"]
    assert 0.4 < y.float().mean() < 0.6  # both classes present: chance is about 50%
    assert namespace["accuracy"] >= 0.95
    sequence_blind = namespace["trained"](x.sort(-1).values).argmax(-1)  # the same tokens, positions changed
    assert (sequence_blind == y).float().mean() < namespace["accuracy"] - 0.2  # the model reads positions
