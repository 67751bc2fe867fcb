"""The benchmark scripts run on tiny sizes (so they do not rot), and their twins compute the same thing.

Nothing here is timed: speed is measured by the scripts themselves (see benchmarks/README.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import _common  # noqa: E402

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


#: (script, arguments, texts its output must hold) for every benchmark script, on tiny sizes
RUNS = [
    ("training_step.py", ["--small", "--number", "1", "--batch", "8"],
     ["MLP 32-16-8-10", "VAE (specs/vae.yaml)", "CNN (specs/small_cnn.yaml)", "ratio (wall)", "ratio (CPU)",
      "order shuffled per round (seed 0)", "glibc malloc pinned", "page faults/step"]),
    ("training_step.py", ["--small", "--number", "1", "--batch", "8", "--adaptive-malloc"],
     ["MLP 32-16-8-10", "glibc malloc adaptive"]),
    ("graph_scaling.py", ["--sizes", "10", "20", "--reps", "1"], ["NetChain", "wide", "torch.fx", "time ratio", "net of the collector", "(gc ", "plain Python dicts", "Python memory", "all in one process"]),
    # one size, two cases: each (case, size) is an interpreter importing torch (2.4 s CPU); every case takes the same
    # fresh-process path (--measure, its warm-up, the JSON back) and runs in one process in the run above
    ("graph_scaling.py", ["--sizes", "10", "--reps", "1", "--fresh-process", "--cases", "NetChain", "torch.fx"],
     ["NetChain", "torch.fx", "each in a fresh process", "NetChain / torch.fx at 10:"]),
    ("yaml_loading.py", ["--layers", "20", "--reps", "1"], ["read_yaml", "from_yaml", "pure"]),
    ("yaml_writing.py", ["--small", "--rounds", "1"], ["1,000-element parameter", "20 layers", "pure / libyaml"]),
    ("nesting_depth.py", ["--depths", "5", "10", "--reps", "1"], ["NetChain", "depth 10/5 CPU time ratio"]),
    ("call_overhead.py", ["--rounds", "1", "--calls", "10"], ["net(x) - module(x)", "autograd graph: False"]),
    ("render.py", ["--layers", "20", "--repeats", "1"], ["builtin"]),
    ("render.py", ["--nested", "5", "10"], ["DOT text, all levels", "built-in SVG, all levels"]),
    ("render_labels.py", ["--only", "crossing_into_one_layer", "fan3", "--rankdirs", "TB"],
     ["total TB: 0 crossed, 0 over their own edge, 0 meeting"]),
    ("random_layers.py", ["--small"], ["Normal 64x16", "plain REINFORCE", "Bernoulli 16x16", "NegativeBinomial 16x16"]),
    ("operators.py", ["--small"], ["NetMapOperator", "NetFoldOperator", "SummationLayer", "ratio (CPU)"]),
    ("kl_layer.py", ["--small"], ["8 x 4", "64 x 8", "unchecked", "ratio (CPU)"]),
    ("layer_ops.py", ["--small"], ["CrossEntropyLossLayer('Index', logits=True)", "FunctionLayer {Total[#x]",
                                   "CrossEntropyLossLayer('Binary', logits=True)",
                                   "DotLayer matrix.vector", "ratio (CPU)"]),
    ("ragged_training.py", ["--small"], ["GatedRecurrentLayer", "LongShortTermMemoryLayer", "padded batches"]),
    ("recurrent.py", ["--small"], ["LongShortTermMemoryLayer / nn.LSTM", "GatedRecurrentLayer / nn.GRU",
                                   "BasicRecurrentLayer / nn.RNN", "ratio (CPU)"]),
    ("transformer.py", ["--small"], ["netgraph / functional", "netgraph / nn.TransformerEncoderLayer", "ratio (CPU)"]),
    ("transformer.py", ["--small", "--device", "cpu"], ["netgraph / functional", "ratio (CPU)"]),
    ("cli_startup.py", ["--reps", "1", "--train"], ["python -c pass", "netgraph --version", "netgraph train"]),
    ("vae_elbo.py", ["--rounds", "1", "--number", "1", "--batch", "8"], ["VAE 16-32-2 (1300 parameters)", "ratio (CPU)"]),
    ("metrics_cost.py", ["--rounds", "1", "--number", "1", "--batch", "8", "--import-reps", "0"],
     ["Accuracy, Precision, Recall, F1", "ratio (CPU)"]),
    ("text_table.py", ["--small"], ["200 rows of 1-8 tokens", "read the .jsonl file", "ratio (CPU)"]),
]
#: the runs in three groups of about equal CPU time, each group one interpreter (tests/bench_runner.py): a run costs
#: 0.2-5 s, its interpreter's imports of torch and netgraph 2.2 s, which 22 interpreters paid once per run
#: (training_step's --adaptive-malloc run first: the other pins glibc malloc's thresholds for the whole process)
GROUPS = {"training": [1, 0, 15, 16, 20, 21, 22], "graphs": [2, 3, 4, 5, 6, 7, 8, 9, 10],
          "layers": [11, 12, 13, 14, 17, 18, 19]}


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_benchmark_scripts_run_on_tiny_sizes(group):
    """Each script runs as ``__main__`` with its arguments, exits with 0 and prints what it measures; a group's
    scripts run one after another in one interpreter (each with its own globals, as when run alone)."""
    runs = [RUNS[i] for i in GROUPS[group]]
    result = subprocess.run([sys.executable, str(Path(__file__).with_name("bench_runner.py")),
                             json.dumps([[script, args] for script, args, _ in runs])],
                            capture_output=True, text=True, timeout=400, cwd=BENCH.parent)
    assert result.returncode == 0, result.stderr[-2000:]
    for (script, args, expect), done in zip(runs, json.loads(result.stdout), strict=True):
        assert done["returncode"] == 0, (script, args, done["stderr"][-2000:])
        missing = [text for text in expect if text not in done["stdout"]]
        assert not missing, (script, args, missing, done["stdout"][-2000:])


def test_the_groups_run_every_benchmark_script_once():
    """No run is left out of the groups, none runs twice, and every script in benchmarks/ is run."""
    indices = sorted(i for group in GROUPS.values() for i in group)
    assert indices == list(range(len(RUNS)))
    scripts = {path.name for path in BENCH.glob("*.py") if not path.name.startswith("_")}
    assert scripts - {script for script, _, _ in RUNS} == {"models.py", "estimator_twins.py", "keras_vae.py"}


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


class FakeClock:
    """Stands in for both clocks: the timed callables advance it by what they "cost"."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def costs(self, seconds):
        def fn():
            self.now += next(seconds)
        return fn


def test_compare_shuffles_the_order_each_round_and_takes_the_median_of_per_round_ratios(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(_common.time, "perf_counter", clock)
    monkeypatch.setattr(_common, "cpu_seconds", clock)
    slow = iter([3.0] * 9)
    fast = iter([1.0, 1.0, 1.0, 1.0, 9.0, 1.0, 1.0, 1.0, 1.0])  # warm-up, then one round slowed by load
    result = _common.compare({"slow": clock.costs(slow), "fast": clock.costs(fast)}, rounds=8, warmup=1, seed=3)
    assert result.ratio("slow", "fast") == 3.0 == result.ratio("slow", "fast", "cpu")  # the loaded round is outvoted
    assert result.median("fast") == 1.0 and sorted(result.samples("fast")) == [1.0] * 7 + [9.0]
    assert all(sorted(order) == ["fast", "slow"] for order in result.orders)
    assert {tuple(order) for order in result.orders} == {("fast", "slow"), ("slow", "fast")}  # not a fixed order
    again = _common.compare({"slow": lambda: None, "fast": lambda: None}, rounds=8, warmup=0, seed=3)
    assert again.orders == result.orders  # the shuffle is seeded: the order is recorded and repeatable
    assert "seed 3" in result.describe()


def test_compare_divides_by_the_calls_per_sample(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(_common.time, "perf_counter", clock)
    monkeypatch.setattr(_common, "cpu_seconds", clock)
    result = _common.compare({"a": clock.costs(iter([2.0] * 12))}, rounds=2, number=5, warmup=2)
    assert result.samples("a") == [2.0, 2.0]
    with pytest.raises(ValueError):
        _common.compare({"a": lambda: None}, rounds=0)


def test_compare_on_a_gpu_times_between_synchronizations_and_has_no_cpu_clock(monkeypatch):
    """A GPU runs kernels asynchronously: each sample must start and end on a torch.cuda.synchronize()."""
    events = []
    monkeypatch.setattr(_common.time, "perf_counter", lambda: events.append("clock") or 0.0)
    result = _common.compare({"a": lambda: events.append("a")}, rounds=2, number=2, warmup=1,
                             sync=lambda: events.append("sync"))
    assert events == ["a"] + ["sync", "clock", "a", "a", "sync", "clock"] * 2
    assert result.synchronized and "torch.cuda.synchronize()" in result.describe()
    with pytest.raises(ValueError, match="use 'wall'"):
        result.ratio("a", "a", "cpu")
    assert _common.synchronizer(torch.device("cpu")) is None
    assert not _common.compare({"a": lambda: None}, rounds=1).synchronized


@pytest.mark.parametrize("value", ["cuda:99", "tpu"])
def test_a_device_the_machine_lacks_stops_a_benchmark_with_a_message(value):
    with pytest.raises(SystemExit, match="--device"):
        _common.bench_device(value)


def test_compare_records_the_page_faults_per_call(monkeypatch):
    """A step whose memory is faulted in afresh every call is told apart from one that reuses it."""
    faults = FakeClock()
    monkeypatch.setattr(_common, "minor_faults", faults)
    result = _common.compare({"refaults": faults.costs(iter([1000.0] * 8)), "reuses": faults.costs(iter([0.0] * 8))},
                             rounds=3, number=2, warmup=1)
    assert result.faults == {"refaults": [1000.0] * 3, "reuses": [0.0] * 3}
    assert result.faults_per_call("refaults") == 1000.0 and result.faults_per_call("reuses") == 0.0


def test_compare_warns_when_one_side_faults_in_fresh_pages_every_call(monkeypatch, capsys):
    faults = FakeClock()
    monkeypatch.setattr(_common, "minor_faults", faults)
    result = _common.compare({"refaults": faults.costs(iter([1000.0] * 8)), "reuses": faults.costs(iter([0.0] * 8)),
                              "alike": faults.costs(iter([800.0] * 8))}, rounds=3, number=2, warmup=1)
    result.ratio("reuses", "refaults")
    result.ratio("refaults", "reuses")  # the same pair: said once
    assert capsys.readouterr().err.count("note: refaults faults in 1000 pages per call, reuses 0: their ratio may be "
                                         "an allocation artefact") == 1
    result.ratio("refaults", "alike")
    assert capsys.readouterr().err == ""  # both fault alike: no artefact to suspect


@pytest.fixture
def twins():
    import estimator_twins
    return estimator_twins


def test_handwritten_estimator_steps_compute_our_gradient(twins):
    """The estimator comparison is only fair if both steps draw the same values and give the same gradient."""
    for case in twins.CASES:
        logits = (torch.randn(6, 5) * 0.5).requires_grad_()
        grads = []
        for make in (twins.ours_step, twins.hand_step):
            step = make(case, logits)
            torch.manual_seed(7)
            step()
            grads.append(logits.grad.clone())
        assert grads[0].abs().sum() > 0, case.name
        torch.testing.assert_close(grads[0], grads[1], msg=case.name)


def test_a_backward_step_resets_the_gradients_without_walking_the_module_tree(monkeypatch):
    """Both sides of a comparison reset their gradients as an optimizer does, over a parameter list:
    ``module.zero_grad`` walked the module tree each call (23 modules for the compiled transformer block, 1 for the
    handwritten twin), which the ratio counted against netgraph."""
    module = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Sequential(torch.nn.Linear(2, 1)))
    x, params = torch.randn(4, 3), list(module.parameters())
    step = _common.backward_step(module, x)
    monkeypatch.setattr(torch.nn.Module, "named_modules", lambda *a, **k: pytest.fail("walked the module tree"))
    step()
    step()  # not accumulated: the same gradients as one backward
    expected = torch.autograd.grad(module(x).square().mean(), params)
    assert all(torch.equal(p.grad, g) for p, g in zip(params, expected))


def test_a_backward_step_of_a_module_returning_output_and_states_takes_the_output(monkeypatch):
    """recurrent.py's torch twins (nn.GRU returns (output, states)) reset their gradients over a parameter list too:
    its own step called ``module.zero_grad``, walking the module tree each call."""
    torch.manual_seed(0)
    module, x = torch.nn.GRU(3, 2, batch_first=True), torch.randn(4, 5, 3)
    params = list(module.parameters())
    step = _common.backward_step(module, x, returns_tuple=True)
    monkeypatch.setattr(torch.nn.Module, "named_modules", lambda *a, **k: pytest.fail("walked the module tree"))
    step()
    step()  # not accumulated: the same gradients as one backward
    monkeypatch.undo()
    expected = torch.autograd.grad(module(x)[0].square().mean(), params)
    assert all(torch.equal(p.grad, g) for p, g in zip(params, expected))
