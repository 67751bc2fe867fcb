"""Importing netgraph and building, compiling and calling a net, with or without a random layer, never imports
torch._dynamo (about 3 s per process): only torch.compile of a score-function draw needs it. Nor does the command
line's start: ``netgraph --help``, and ``check`` and ``run`` of a spec with a random layer."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.subprocess_env import ROOT, checkout_env

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


_COMMANDS = """
import json, runpy, sys
for argv in json.loads(sys.argv[1]):  # each command in turn: what it imports joins sys.modules after it
    sys.argv = ["netgraph", *argv]
    try:
        runpy.run_module("netgraph", run_name="__main__")  # python -m netgraph ...
    except SystemExit as exit:
        print(argv[0], "status", exit.code, file=sys.stderr)
    print("dynamo after", argv[0], sorted(name for name in sys.modules if name.startswith("torch._dynamo")))
"""

_RANDOM_SPEC = str(ROOT / "specs" / "bernoulli_latent.yaml")  # a score-function draw: the one use that needs dynamo


def test_the_command_line_imports_no_dynamo(tmp_path):
    """``--help``, ``check`` and ``run`` in one interpreter, in turn (a process each cost an import of torch each):
    the modules listed after each command are those it and the ones before it imported."""
    argvs = [["--help"], ["check", _RANDOM_SPEC], ["run", _RANDOM_SPEC, "-o", "d.svg"]]
    result = subprocess.run([sys.executable, "-c", _COMMANDS, json.dumps(argvs)], capture_output=True, text=True,
                            timeout=300, cwd=tmp_path, env=checkout_env())
    for argv in argvs:
        assert f"{argv[0]} status 0" in result.stderr or f"{argv[0]} status None" in result.stderr, \
            result.stderr[-2000:]
    assert [line for line in result.stdout.splitlines() if line.startswith("dynamo after ")] == [
        "dynamo after --help []", "dynamo after check []", "dynamo after run []"], result.stdout[-2000:]
