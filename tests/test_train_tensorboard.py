"""net_train(progress_reporting="tensorboard"): the event files hold what the results object holds."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest
from tensorboard.backend.event_processing import event_accumulator
import torch

from netgraph import (
    BatchNormalizationLayer,
    BernoulliDistribution,
    CategoricalDistribution,
    DropoutLayer,
    EmbeddingLayer,
    ElementwiseLayer,
    FunctionLayer,
    LinearLayer,
    NetChain,
    NetGraph,
    NetPort,
    NormalDistribution,
    OptionError,
    PoissonDistribution,
    RandomArrayLayer,
    SoftmaxLayer,
)
from netgraph.cli import main
from netgraph.train import net_train
from netgraph.train.tensorboard import TensorBoardLog
from tests.conftest import normal_reparameterization_layer
from tests.test_train import moment_loss



def _events(log_dir) -> event_accumulator.EventAccumulator:
    events = event_accumulator.EventAccumulator(str(log_dir), size_guidance={"scalars": 0})
    events.Reload()
    return events


def _scalars(events, tag: str) -> tuple[list[int], list[float]]:
    found = events.Scalars(tag)
    return [e.step for e in found], [e.value for e in found]


def _mlp() -> NetGraph:
    return NetChain([LinearLayer(8), ElementwiseLayer("Ramp"), DropoutLayer(0.2), LinearLayer(1)], input=3)


def _noisy() -> NetGraph:
    """Input -> Linear, plus a fresh normal draw per example: every forward pass uses the RNG."""
    return NetGraph({"lin": LinearLayer(1), "noise": RandomArrayLayer(NormalDistribution(0, 1), output=1),
                     "sum": FunctionLayer("#A + #B")},
                    [("lin", NetPort("sum", "A")), ("noise", NetPort("sum", "B"))], Input=3)


def _data(n: int = 90) -> dict[str, torch.Tensor]:
    x = torch.randn(n, 3, generator=torch.Generator().manual_seed(0))
    return {"Input": x, "Target": x.sum(1, keepdim=True)}


def _train(net: NetGraph | None = None, **options):
    return net_train(net or _mlp(), _data(), max_training_rounds=3, batch_size=32, validation_set=0.2, random_seed=4,
                     progress=False, all=True, method=("Adam", {"learning_rate_schedule": "linear"}), **options)


def test_scalars_match_the_results(tmp_path):
    results = _train(progress_reporting="tensorboard", log_dir=tmp_path / "run")
    events = _events(tmp_path / "run")
    steps, values = _scalars(events, "loss/batch")
    assert steps == list(range(1, results.total_batches + 1)) and results.total_batches == 9
    assert values == pytest.approx(results.batch_losses, rel=1e-6)
    for tag, expected in (("loss/round", results.round_losses), ("loss/validation", results.validation_losses)):
        steps, values = _scalars(events, tag)
        assert steps == [1, 2, 3] and values == pytest.approx(expected, rel=1e-6)
    steps, rates = _scalars(events, "learning_rate")
    assert steps == [1, 2, 3] and rates[-1] == pytest.approx(results.final_learning_rate, rel=1e-6)
    assert rates[0] > rates[1] > rates[2]  # the linear schedule is visible
    assert events.Tags()["graph"]
    names = {node.name for node in events.Graph().node}
    assert "input/Input" in names  # the input port, and both LinearLayers' arrays (layers 1 and 4 of the chain)
    assert {f"CompiledNet/LinearModule[{i}]/{a}/{a}" for i in (1, 4) for a in ("Weights", "Biases")} <= {
        n.rsplit(".", 1)[0] for n in names}


def test_logging_does_not_change_training(tmp_path):
    """Tracing the graph runs the net once (it draws noise): the RNG and the arrays must not notice."""
    logged = _train(_noisy(), progress_reporting="tensorboard", log_dir=tmp_path / "run")
    plain = _train(_noisy())
    assert logged.batch_losses == plain.batch_losses
    assert logged.validation_losses == plain.validation_losses


def _drawing(draw, after: dict | None = None) -> NetGraph:
    """Input (8) -> Linear -> ``draw``'s parameter -> its draw (-> ``after``): its draw scores its parameters."""
    first, to_parameter = (LinearLayer(3, input=8), SoftmaxLayer()) if draw is CategoricalDistribution else (
        LinearLayer(4, input=8), ElementwiseLayer("LogisticSigmoid" if draw is BernoulliDistribution else "Exp"))
    layers = {"logits": first, "p": to_parameter, "draw": RandomArrayLayer(draw("#p")), **(after or {})}
    return NetGraph(layers, [tuple(layers)])


@pytest.mark.parametrize("net, targets", [
    (lambda: _drawing(BernoulliDistribution), 4), (lambda: _drawing(PoissonDistribution), 4),
    (lambda: _drawing(CategoricalDistribution, {"embed": EmbeddingLayer(2, 3)}), 2),
    (lambda: NetChain([LinearLayer(4), BatchNormalizationLayer(), LinearLayer(2)], input=8), 2)],
    ids=["bernoulli", "poisson", "categorical", "batchnorm"])
def test_logging_leaves_no_draw_records_behind(tmp_path, net, targets):
    """Tracing drew once with grad on: its records of that draw entered the first step's score-function term."""
    data = {"Input": torch.randn(64, 8, generator=torch.Generator().manual_seed(1)), "Target": torch.ones(64, targets)}
    options = dict(max_training_rounds=2, random_seed=5, progress=False, all=True, learning_rate=0.05, batch_size=16)
    plain = net_train(net(), data, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # the graph is logged: no "was not logged" warning
        logged = net_train(net(), data, progress_reporting="tensorboard", log_dir=tmp_path, **options)
    assert logged.batch_losses == plain.batch_losses
    for name, layer in plain.trained_net.layers.items():
        for array, value in layer.arrays.items():
            assert torch.equal(value, logged.trained_net.layers[name].arrays[array]), (name, array)
    assert _events(tmp_path).Tags()["graph"]


def test_a_net_that_cannot_be_traced_is_logged_without_its_graph(tmp_path):
    net = normal_reparameterization_layer([0.0, 30.0], [10.0, 5.0])  # no inputs: nothing to trace with
    with pytest.warns(UserWarning, match="graph was not logged because the net has no input ports"):
        results = net_train(net, {"Target": torch.randn(64, 2)}, loss_function=moment_loss, batch_size=32,
                            max_training_rounds=2, random_seed=0, progress=False, all=True,
                            progress_reporting="tensorboard", log_dir=tmp_path)
    events = _events(tmp_path)
    assert not events.Tags()["graph"]
    assert _scalars(events, "loss/round")[1] == pytest.approx(results.round_losses, rel=1e-6)


def test_a_tracing_failure_is_a_warning_not_an_error(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("cannot trace this\nsecond line")

    monkeypatch.setattr("torch.utils.tensorboard.SummaryWriter.add_graph", refuse)
    with pytest.warns(UserWarning, match=r"tracing it failed \(RuntimeError: cannot trace this\)"):
        results = _train(progress_reporting="tensorboard", log_dir=tmp_path)
    assert len(_scalars(_events(tmp_path), "loss/batch")[1]) == results.total_batches


def test_missing_tensorboard_package_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # makes the import fail
    with pytest.raises(OptionError, match=r"pip install torch-netgraph\[tensorboard\]"):
        _train(progress_reporting="tensorboard", log_dir=tmp_path)


@pytest.mark.parametrize("options, message", [
    ({"progress_reporting": "tensorbord", "log_dir": "x"}, "must be None or 'tensorboard', found 'tensorbord'"),
    ({"progress_reporting": "tensorboard"}, "needs log_dir="),
    ({"log_dir": "x"}, "^log_dir='x' has no effect without progress_reporting='tensorboard' "),
])
def test_bad_reporting_options_are_one_clear_error(options, message):
    with pytest.raises(OptionError, match=message):
        _train(**options)


def test_the_command_line_writes_event_files(tmp_path, capsys):
    data = _data(40)
    np.savez(tmp_path / "data.npz", **{k: v.numpy() for k, v in data.items()})
    spec = tmp_path / "net.yaml"
    spec.write_text(_mlp().to_yaml())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the graph traces without complaint
        code = main(["train", str(spec), "--data", str(tmp_path / "data.npz"), "--rounds", "2", "--batch-size",
                     "16", "--quiet", "-o", str(tmp_path / "out"), "--tensorboard", str(tmp_path / "tb")])
    assert code == 0
    events = _events(tmp_path / "tb")
    assert _scalars(events, "loss/batch")[0] == list(range(1, 7))  # 2 rounds of ceil(40 / 16) batches
    assert _scalars(events, "loss/round")[0] == [1, 2] and events.Tags()["graph"]


def test_the_graph_of_a_net_with_two_outputs_is_logged(tmp_path):
    """Its module returns a dict, which a strict trace refused: the graph was skipped with torch's advice."""
    net = NetGraph({"a": LinearLayer(1), "b": LinearLayer(1)}, [], Input=2)
    x = torch.randn(64, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net_train(net, {"Input": x, "Output1": x.sum(1, keepdim=True), "Output2": x[:, :1]}, max_training_rounds=1,
                  progress=False, progress_reporting="tensorboard", log_dir=tmp_path)
    assert net.output_ports == ("Output1", "Output2") and _events(tmp_path).Tags()["graph"]


class _Counting(torch.nn.Module):
    """A Linear whose forward counts its calls in a buffer, in place (as BatchNorm's num_batches_tracked)."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(3, 2)
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))

    def forward(self, x):
        self.calls += 1
        return self.linear(x)


def test_tracing_restores_buffers_without_copying_parameters(tmp_path, monkeypatch):
    """Tracing runs in eval mode without grad: only buffers can change, so only buffers are copied (a big net's
    parameters were cloned whole on every run)."""
    module = _Counting()
    cloned, clone = [], torch.Tensor.clone
    monkeypatch.setattr(torch.Tensor, "clone", lambda t, *a, **k: cloned.append(t.data_ptr()) or clone(t, *a, **k))
    log = TensorBoardLog(tmp_path)
    log.graph(module, (torch.randn(4, 3),))
    monkeypatch.undo()
    log.close()  # the writer's thread flushes the event file on close, not at once: read after it
    assert module.calls.item() == 0 and module.training  # left as found
    assert not {p.data_ptr() for p in module.parameters()} & set(cloned)
    assert module.calls.data_ptr() in cloned
    assert _events(tmp_path).Tags()["graph"]
