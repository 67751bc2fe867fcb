"""net_train(working_precision=...): float64 training, mixed (bfloat16 autocast) training, Wolfram's names, the CLI."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from netgraph import (ElementwiseLayer, GammaDistribution, LinearLayer, MeanSquaredLossLayer, NetChain, NetGraph,
                      NetPort, RandomArrayLayer, net_initialize, net_train)
from netgraph.cli import main
from netgraph.core.errors import DataError, OptionError
from netgraph.core.information import all_arrays
from netgraph.train.precision import parse_working_precision

RNG = np.random.default_rng(0)
X = RNG.normal(size=(256, 4))
Y = (X @ np.array([1.0, -2.0, 3.0, 0.5]))[:, None]


def _net():
    return net_initialize(NetChain([LinearLayer(8), ElementwiseLayer("Tanh"), LinearLayer(1)], input=4), seed=0)


def _by_hand(net, x: torch.Tensor) -> torch.Tensor:
    """The chain's forward written with torch.nn.functional, in the dtype of ``x`` (arrays cast to it)."""
    a = {k: v.to(x.dtype) for k, v in all_arrays(net).items()}
    hidden = torch.tanh(F.linear(x, a[("1", "Weights")], a[("1", "Biases")]))
    return F.linear(hidden, a[("3", "Weights")], a[("3", "Biases")])


def _first_loss(net, precision) -> tuple[float, object]:
    """The first batch's loss (one batch of all the data: no shuffling matters) and the results."""
    results = net_train(net, {"Input": X, "Output": Y}, batch_size=len(X), max_training_rounds=1, random_seed=0,
                        progress=False, all=True, working_precision=precision)
    return results["BatchLossList"][0], results


def test_float64_computes_the_loss_in_float64_and_returns_float64_arrays():
    net = _net()
    expected64 = F.mse_loss(_by_hand(net, torch.tensor(X)), torch.tensor(Y)).item()
    expected32 = F.mse_loss(_by_hand(net, torch.tensor(X, dtype=torch.float32)), torch.tensor(Y).float()).item()
    assert abs(expected64 - expected32) > 1e-9 * expected64  # the two precisions are told apart at this tolerance
    loss, results = _first_loss(net, "float64")
    assert loss == pytest.approx(expected64, rel=1e-13)
    assert {v.dtype for v in all_arrays(results["TrainedNet"]).values()} == {torch.float64}
    assert torch.get_default_dtype() == torch.float32
    default_loss, default = _first_loss(net, None)  # unchanged without the option: float32, arrays as given
    assert default_loss == pytest.approx(expected32, rel=1e-6)
    assert {v.dtype for v in all_arrays(default["TrainedNet"]).values()} == {torch.float32}


def test_float32_given_under_a_float64_default_trains_in_float32():
    net = _net()
    expected32 = F.mse_loss(_by_hand(net, torch.tensor(X, dtype=torch.float32)), torch.tensor(Y).float()).item()
    torch.set_default_dtype(torch.float64)
    try:
        loss, results = _first_loss(net, "Real32")
        assert torch.get_default_dtype() == torch.float64
    finally:
        torch.set_default_dtype(torch.float32)
    assert loss == pytest.approx(expected32, rel=1e-6)
    assert {v.dtype for v in all_arrays(results["TrainedNet"]).values()} == {torch.float32}


def test_the_default_dtype_is_restored_when_training_fails():
    with pytest.raises(DataError):
        net_train(_net(), {"Input": X[:, :3], "Output": Y}, max_training_rounds=1, progress=False,
                  working_precision="float64")
    assert torch.get_default_dtype() == torch.float32


def test_mixed_runs_the_forward_in_bfloat16_and_keeps_float32_arrays():
    net = _net()
    x, y = torch.tensor(X, dtype=torch.float32), torch.tensor(Y, dtype=torch.float32)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = _by_hand(net, x)
    assert out.dtype == torch.bfloat16
    expected = F.mse_loss(out.float(), y).item()
    plain = F.mse_loss(_by_hand(net, x), y).item()
    assert abs(expected - plain) > 1e-4 * plain  # bfloat16's rounding shows at 100x the tolerance below
    loss, results = _first_loss(net, "mixed")
    assert loss == pytest.approx(expected, rel=1e-6)
    assert {v.dtype for v in all_arrays(results["TrainedNet"]).values()} == {torch.float32}


def test_mixed_training_learns_as_float32_does():
    def losses(precision):
        return net_train(_net(), {"Input": X, "Output": Y}, max_training_rounds=30, learning_rate=0.03, random_seed=0,
                         progress=False, all=True, working_precision=precision)["RoundLossList"]

    mixed, plain = losses("Mixed"), losses(None)
    assert mixed[-1] < 0.2 * mixed[0]
    assert mixed[-1] == pytest.approx(plain[-1], rel=0.05)


def test_mixed_draws_without_a_bfloat16_kernel_in_float32():
    """torch has no bfloat16 gamma kernel on the CPU: under mixed precision the draw runs in float32 (as autocast's
    float32 ops do); a module moved to bfloat16 outside autocast still gets the DataError naming the layer."""
    net = NetGraph({"lin": LinearLayer(3), "sp": ElementwiseLayer("Softplus"),
                    "g": RandomArrayLayer(GammaDistribution("#alpha", 1.0)), "loss": MeanSquaredLossLayer()},
                   [("lin", "sp", NetPort("g", "alpha")), ("g", NetPort("loss", "Input"))], Input=4)
    data = {"Input": RNG.random((64, 4)), "Target": RNG.random((64, 3))}
    results = net_train(net, data, max_training_rounds=2, random_seed=0, progress=False, all=True,
                        working_precision="mixed")
    assert all(np.isfinite(results["RoundLossList"]))
    module = net_initialize(net, seed=0).compile().to(torch.bfloat16)
    with pytest.raises(DataError, match="layer 'g'.*cannot draw in torch.bfloat16"):
        module(Input=torch.ones(2, 4, dtype=torch.bfloat16), Target=torch.ones(2, 3, dtype=torch.bfloat16))


@pytest.mark.filterwarnings("ignore:torch.is_autocast_cpu_enabled:DeprecationWarning")  # deprecated from 2.4 on
def test_mixed_draw_fallback_asks_autocast_as_torch_2_3_does(monkeypatch):
    """pyproject allows torch 2.3, whose ``is_autocast_enabled()`` takes no device type (CUDA's) and whose CPU autocast
    is ``is_autocast_cpu_enabled()``: the float32 fallback of a draw without a bfloat16 kernel asks the same way."""
    module = net_initialize(NetGraph({"g": RandomArrayLayer(GammaDistribution("#alpha", 1.0))}, [],
                                     alpha=3), seed=0).compile()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        monkeypatch.setattr(torch, "is_autocast_enabled", lambda: False)  # torch 2.3's signature: CUDA's only
        drawn = module(alpha=torch.full((4000, 3), 2.0, dtype=torch.bfloat16))
        monkeypatch.undo()  # autocast's own exit asks the current signature
    assert drawn.dtype == torch.float32 and drawn.mean().item() == pytest.approx(2.0, abs=4 * (2 / 12000) ** 0.5)


@pytest.mark.parametrize("value, dtype, mixed", [("Real64", torch.float64, False), ("float32", torch.float32, False),
                                                 (torch.float64, torch.float64, False), ("Mixed", None, True),
                                                 (None, None, False)])
def test_working_precision_names(value, dtype, mixed):
    parsed = parse_working_precision(value)
    assert (parsed.dtype, parsed.mixed) == (dtype, mixed)


@pytest.mark.parametrize("value, listed", [("MIXED", "mixed"), ("real64", "Real64"), ("Float32", "float32")])
def test_a_working_precision_in_another_case_is_refused_naming_the_listed_spelling(value, listed):
    """The README lists 'float32', 'float64', 'mixed' and Wolfram's 'Real32', 'Real64', 'Mixed'; other cases were
    taken silently."""
    with pytest.raises(OptionError, match=rf"found {value!r} \(did you mean {listed!r}\?\)") as info:
        parse_working_precision(value)
    assert info.value.diagnostics[0].option == "working_precision"


def test_an_unknown_working_precision_is_an_option_error_before_training():
    with pytest.raises(OptionError, match=r"working_precision= is 'float32', 'float64' or 'mixed'.*found 'flaot64' "
                                          r"\(did you mean 'float64'\?\)") as info:
        net_train(_net(), {"Input": X, "Output": Y}, working_precision="flaot64")
    assert info.value.diagnostics[0].option == "working_precision"


def test_cli_precision_flag(tmp_path, capsys):
    spec = tmp_path / "small.yaml"
    spec.write_text("netgraph: 1\ntype: NetChain\nlayers: [4, Tanh, 1]\ninputs: {Input: 4}\n")
    np.savez(tmp_path / "data.npz", Input=X.astype("float32"), Output=Y.astype("float32"))
    args = ["train", str(spec), "--data", str(tmp_path / "data.npz"), "--rounds", "1", "--quiet"]
    assert main([*args, "--precision", "float64", "-o", str(tmp_path / "out64")]) == 0
    (weights,) = (tmp_path / "out64").glob("*.safetensors")
    assert {v.dtype for v in load_file(weights).values()} == {torch.float64}
    assert main([*args, "--precision", "mixed", "-o", str(tmp_path / "mixed")]) == 0
    (weights,) = (tmp_path / "mixed").glob("*.safetensors")
    assert {v.dtype for v in load_file(weights).values()} == {torch.float32}
    capsys.readouterr()
    assert main([*args, "--precision", "half", "-o", str(tmp_path / "half")]) != 0
    assert "--precision must be float32, float64 or mixed, found 'half'" in capsys.readouterr().err
    assert not (tmp_path / "half").exists()


@pytest.mark.parametrize("then", [None, "mixed"])
def test_a_float64_run_resumed_in_another_precision_is_refused_naming_it(tmp_path, then):
    """Resumed without working_precision='float64', a float64 run trained on in float32, its arrays rounded, silently
    (the losses of its later rounds differed from the uninterrupted run's in the 8th digit)."""
    data = {"Input": X[:64], "Target": Y[:64]}
    kw = dict(checkpoint=tmp_path, progress=False, random_seed=0, all=True)
    net_train(_net(), data, max_training_rounds=2, working_precision="float64", **kw)
    with pytest.raises(OptionError) as info:
        net_train(_net(), data, max_training_rounds=3, resume=True, working_precision=then, **kw)
    assert str(info.value) == (f"checkpoint {str(tmp_path / 'round-000002.pt')!r} holds float64 arrays, but this run "
                               f"trains in float32: resume with working_precision='float64' (netgraph train: --precision "
                               f"float64), or start fresh (resume=False, or another checkpoint directory)")
    resumed = net_train(_net(), data, max_training_rounds=3, resume=True, working_precision="float64", **kw)
    whole = net_train(_net(), data, max_training_rounds=3, working_precision="float64", progress=False, random_seed=0,
                      all=True)
    assert resumed.round_losses == whole.round_losses


def test_a_frozen_float64_array_trained_in_float32_comes_back_bit_identical():
    # the module computes a float64 array in float32 and to_net rounded it back through float32: a frozen array moved
    # by 5e-8 (the README: frozen arrays stay bit-identical), as did every array with learning_rate=0
    g = torch.Generator().manual_seed(0)
    w, b = torch.randn(3, 2, dtype=torch.float64, generator=g), torch.randn(3, dtype=torch.float64, generator=g)
    net = net_initialize(NetChain({"h": LinearLayer(3, weights=w, biases=b), "o": LinearLayer(1)}, Input=2), seed=1)
    data = {"Input": torch.randn(16, 2, generator=g), "Target": torch.randn(16, 1, generator=g)}
    frozen = net_train(net, data, max_training_rounds=2, learning_rate_multipliers={"h": 0}, progress=False,
                       random_seed=0)
    still = net_train(net, data, max_training_rounds=2, learning_rate=0, progress=False, random_seed=0)
    for trained in (frozen, still):
        arrays = trained.layers["h"].arrays
        assert arrays["Weights"].dtype == torch.float64
        assert torch.equal(arrays["Weights"], w) and torch.equal(arrays["Biases"], b)
    assert not torch.equal(frozen.layers["o"].arrays["Weights"], net.layers["o"].arrays["Weights"])  # o trained
    assert torch.equal(net.compile().to_net().layers["h"].arrays["Weights"], w)


class _Elsewhere(torch.Tensor):
    """A tensor that says it is on another device (CPU index 1: no GPU here), as a module moved by .to(device) holds."""

    @property
    def device(self):
        return torch.device("cpu", 1)


def test_a_float64_array_computed_in_float32_on_another_device_comes_back_bit_identical():
    # the exact copy needed given.device == value.device, so net.compile().to(device).to_net() rounded a frozen
    # float64 array through float32 after all
    from netgraph.backend.learned_arrays import _as_given
    given = torch.randn(3, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    found = _as_given(given.float().as_subclass(_Elsewhere), given)
    assert found.dtype == torch.float64 and torch.equal(found, given) and found is not given
