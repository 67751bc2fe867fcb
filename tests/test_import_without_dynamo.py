"""Importing netgraph and building, compiling and calling a net, with or without a random layer, never imports
torch._dynamo (about 3 s per process): only torch.compile of a score-function draw needs it."""

from __future__ import annotations

import subprocess
import sys

_SCRIPT = """
import sys
import torch
from netgraph import GammaDistribution, LinearLayer, NetGraph, RandomArrayLayer, net_initialize
plain = net_initialize(NetGraph([LinearLayer(3)], [], Input=4), seed=0).compile()
plain(Input=torch.ones(2, 4))
drawn = NetGraph([RandomArrayLayer(GammaDistribution("#a", 1.0), estimator="score_function")], [], a=()).compile()
drawn.surrogate_loss(drawn(a=torch.full((5,), 2.0, requires_grad=True)))
print(sorted(name for name in sys.modules if name.startswith("torch._dynamo")))
"""


def test_building_and_calling_nets_imports_no_dynamo():
    result = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"
