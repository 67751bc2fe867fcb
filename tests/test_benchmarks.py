"""The benchmark scripts run on tiny sizes (so they do not rot), and their twins compute the same thing.

Nothing here is timed: speed is measured by the scripts themselves (see benchmarks/README.md).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.parametrize("script, args, expect", [
    ("training_step.py", ["--small", "--reps", "2", "--batch", "8"], ["MLP 32-16-8-10", "VAE (specs/vae.yaml)",
                                                                       "CNN (specs/small_cnn.yaml)", "ratio"]),
    ("graph_scaling.py", ["--sizes", "10", "20", "--reps", "1"], ["NetChain", "wide", "torch.fx", "time ratio", "Python memory"]),
    ("yaml_loading.py", ["--layers", "20", "--reps", "1"], ["read_yaml", "from_yaml", "pure"]),
    ("call_overhead.py", ["--rounds", "1", "--calls", "10"], ["net(x) - module(x)", "autograd graph: False"]),
    ("render.py", ["--layers", "20", "--repeats", "1"], ["builtin"]),
    ("random_layers.py", ["--small"], ["Normal 64x16", "plain REINFORCE"]),
])
def test_benchmark_script_runs_on_tiny_sizes(script, args, expect):
    result = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True, text=True,
                            timeout=240, cwd=BENCH.parent)
    assert result.returncode == 0, result.stderr[-2000:]
    for text in expect:
        assert text in result.stdout, result.stdout[-2000:]


@pytest.fixture
def models():
    sys.path.insert(0, str(BENCH))
    try:
        import models
        yield models
    finally:
        sys.path.remove(str(BENCH))


def test_benchmark_twins_compute_the_same_function(models):
    """The speed comparison is only fair if our net and the handwritten one are the same computation."""
    cases = [(models.mlp(32, 16).compile(), models.HandMLP(32, 16), models.MLP_MAP, torch.rand(5, 32)),
             (models.spec_cnn().compile(), models.HandCNN(), models.CNN_MAP, torch.rand(5, 1, 28, 28))]
    for ours, hand, mapping, x in cases:
        models.copy_arrays(ours, hand, mapping)
        torch.testing.assert_close(ours(x), hand(x))
    ours, hand = models.spec_vae().compile(), models.HandVAE()
    models.copy_arrays(ours, hand, models.VAE_MAP)
    x = torch.rand(5, 16)
    torch.manual_seed(1)
    a = ours(x)
    torch.manual_seed(1)
    b = hand(x)
    torch.testing.assert_close(a["Loss"], b["Loss"])
    torch.testing.assert_close(a["Reconstruction"], b["Reconstruction"])
