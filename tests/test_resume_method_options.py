"""Resuming with other method suboptions: without a schedule a resumed run trains at its own learning_rate (the
checkpoint's last schedule factor is dropped), another schedule takes over at the resumed step, changed torch
suboptions (momentum, weight_decay, betas, eps) are refused naming each, the kernel flags (fused, foreach) are the
run's own, and learning_rate_multipliers that only group the arrays otherwise resume each array's own Adam state."""

from __future__ import annotations

import re

import pytest
import torch

from netgraph import LinearLayer, NetGraph, OptionError, net_initialize, net_train
from netgraph.train.checkpoint import load_checkpoint

KW = dict(batch_size=100, random_seed=7, learning_rate=0.05, progress=False)  # one batch a round: its order is moot


def _data() -> dict:
    x = torch.randn(100, 3, generator=torch.Generator().manual_seed(0))
    return {"Input": x, "Target": 2 * x[:, :2]}


def _chain(*names: str) -> NetGraph:
    sizes = [4] * (len(names) - 1) + [2]
    edges = [names] if len(names) > 1 else []
    return net_initialize(NetGraph({n: LinearLayer(k) for n, k in zip(names, sizes)}, edges, Input=3), seed=0)


def _arrays(net, names) -> list[torch.Tensor]:
    return [net.layers[n].arrays[k].detach().clone() for n in names for k in ("Weights", "Biases")]


def _forward(arrays: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    for w, b in zip(arrays[::2], arrays[1::2]):
        x = x @ w.T + b
    return x


def _steps(arrays: list[torch.Tensor], optimizer: torch.optim.Optimizer, rates: list[float], count: int) -> None:
    """``count`` full-batch steps of the mean squared error, each array's group at its rate in ``rates``."""
    for group, rate in zip(optimizer.param_groups, rates):
        group["lr"] = rate
    for _ in range(count):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(_forward(arrays, _data()["Input"]), _data()["Target"]).backward()
        optimizer.step()


def test_a_run_resumed_without_a_schedule_trains_at_its_learning_rate(tmp_path):
    net = _chain("lin")
    net_train(net, _data(), max_training_rounds=2, method=("SGD", {"learning_rate_schedule": "cosine"}),
              checkpoint=tmp_path, **KW)
    resumed = net_train(net, _data(), max_training_rounds=4, method="SGD", checkpoint=tmp_path, resume=True,
                        all=True, **KW)
    assert resumed.final_learning_rate == 0.05
    arrays = [a.requires_grad_() for a in _arrays(load_checkpoint(net, tmp_path / "round-000002.pt"), ["lin"])]
    _steps(arrays, torch.optim.SGD(arrays, lr=0.05), [0.05], 2)
    for found, expected in zip(_arrays(resumed.training_net, ["lin"]), arrays):
        torch.testing.assert_close(found, expected.detach(), rtol=1e-6, atol=1e-7)


def test_a_run_resumed_with_another_schedule_follows_it_from_the_resumed_step(tmp_path):
    net = _chain("lin")
    net_train(net, _data(), max_training_rounds=2, method=("SGD", {"learning_rate_schedule": "cosine"}),
              checkpoint=tmp_path, **KW)
    linear = ("SGD", {"learning_rate_schedule": "linear"})
    resumed = net_train(net, _data(), max_training_rounds=4, method=linear, checkpoint=tmp_path, resume=True,
                        all=True, **KW)
    fresh = net_train(net, _data(), max_training_rounds=4, method=linear, all=True, **KW)
    assert resumed.final_learning_rate == fresh.final_learning_rate < 0.05
    arrays = [a.requires_grad_() for a in _arrays(_chain("lin"), ["lin"])]
    sgd = torch.optim.SGD(arrays, lr=0.05)
    for factor in (1.0, 0.5, 1 - 2 / 4, 1 - 3 / 4):  # cosine over 2 steps, then linear over 4 from step 2
        _steps(arrays, sgd, [0.05 * factor], 1)
    for found, expected in zip(_arrays(resumed.training_net, ["lin"]), arrays):
        torch.testing.assert_close(found, expected.detach(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("saved, given, was, now", [
    (("SGD", {"momentum": 0.9}), ("SGD", {"momentum": 0.1, "weight_decay": 0.5}), "momentum=0.9, weight_decay=0",
     "momentum=0.1, weight_decay=0.5"),
    ("Adam", ("Adam", {"Beta1": 0.5, "Epsilon": 1e-6}), "betas=(0.9, 0.999), eps=1e-08",
     "betas=(0.5, 0.999), eps=1e-06"),
    (("RMSProp", {"centered": True}), "RMSProp", "centered=True", "centered=False"),
])
def test_resuming_with_other_suboptions_is_refused_naming_each(tmp_path, saved, given, was, now):
    net_train(_chain("lin"), _data(), max_training_rounds=2, method=saved, checkpoint=tmp_path, **KW)
    with pytest.raises(OptionError, match=re.escape(f"suboptions {was}, not {now}: resume with those")) as caught:
        net_train(_chain("lin"), _data(), max_training_rounds=4, method=given, checkpoint=tmp_path, resume=True, **KW)
    d = caught.value.diagnostics[0]
    assert (d.kind, d.option) == ("checkpoint-mismatch", "method")
    assert [k for k, _ in d.found] == [k for k, _ in d.expected] == [w.split("=")[0] for w in was.split(", ")
                                                                       if "=" in w]


def test_the_same_suboptions_spelled_otherwise_and_other_kernel_flags_resume_exactly(tmp_path):
    options, sgd = dict(max_training_rounds=4, **KW), {"momentum": 0.9, "weight_decay": 0.1, "foreach": True}
    whole = net_train(_chain("lin"), _data(), method=("SGD", sgd), **options)
    for written, folder in ((True, tmp_path / "same"), (False, tmp_path / "other")):  # the same kernel, another
        net_train(_chain("lin"), _data(), max_training_rounds=2, checkpoint=folder, **KW,
                  method=("SGD", {"Momentum": 0.9, "weight_decay": 0.1, "foreach": written}))
        resumed = net_train(_chain("lin"), _data(), method=("SGD", {"momentum": 0.9, "L2Regularization": 0.1,
                                                                    "foreach": True}),
                            checkpoint=folder, resume=True, **options)
        for found, expected in zip(_arrays(resumed, ["lin"]), _arrays(whole, ["lin"])):
            if written:  # SGD's foreach kernel throughout: bit for bit
                assert torch.equal(found, expected)
            else:  # the first two steps per array: rounded otherwise
                torch.testing.assert_close(found, expected, rtol=1e-6, atol=1e-7)


def test_multipliers_that_group_the_arrays_otherwise_resume_each_arrays_adam_state(tmp_path):
    names = ["a", "b", "c"]
    options = dict(method="Adam", checkpoint=tmp_path, **{**KW, "learning_rate": 0.01})
    net_train(_chain(*names), _data(), max_training_rounds=2, learning_rate_multipliers={"a": 0.5}, **options)
    resumed = net_train(_chain(*names), _data(), max_training_rounds=4, learning_rate_multipliers={"b": 0.5},
                        resume=True, **options)
    arrays = [a.requires_grad_() for a in _arrays(_chain(*names), names)]
    adam = torch.optim.Adam([{"params": [a]} for a in arrays], lr=0.01)  # each array its own group and state
    _steps(arrays, adam, [0.005] * 2 + [0.01] * 4, 2)
    _steps(arrays, adam, [0.01] * 2 + [0.005] * 2 + [0.01] * 2, 2)
    for found, expected in zip(_arrays(resumed, names), arrays):
        torch.testing.assert_close(found, expected.detach(), rtol=1e-5, atol=1e-6)


def test_a_resumed_adam_state_is_placed_for_this_runs_kernel_flags():
    """torch places Adam's step counts by the loaded groups' fused flag: the run's own, set before loading (a
    checkpoint written unfused, resumed fused, would otherwise step a fused kernel with the saved step tensors)."""
    from netgraph.train.run_state import load_optimizer
    arrays = [torch.zeros(3, requires_grad=True)]
    written = torch.optim.Adam(arrays, lr=0.1, foreach=False)
    written.param_groups[0]["base_lr"] = 0.1
    arrays[0].grad = torch.ones(3)
    written.step()
    state = written.state_dict()
    state["state"][0]["step"] = state["state"][0]["step"].double()  # as a run with float64 default dtype saves it
    fused = torch.optim.Adam(arrays, lr=0.1, fused=True)
    fused.param_groups[0]["base_lr"] = 0.1
    load_optimizer(fused, {"optimizer": state, "method": "Adam"}, "Adam", "ck")
    reference = torch.optim.Adam(arrays, lr=0.1, fused=True)
    reference.load_state_dict({**state, "param_groups": [{**state["param_groups"][0], "fused": True,
                                                          "foreach": None}]})
    step, expected = fused.state[arrays[0]]["step"], reference.state[arrays[0]]["step"]
    assert (fused.param_groups[0]["fused"], fused.param_groups[0]["foreach"]) == (True, None)
    assert (step.device, step.dtype) == (expected.device, expected.dtype) == (torch.device("cpu"), torch.float32)
    assert state["state"][0]["step"].dtype == torch.float64 and state["param_groups"][0]["fused"] is None


def test_an_optimizer_state_listing_other_arrays_than_its_record_is_malformed():
    """The same array names, yet more arrays in the optimizer state than its record names: no run writes that."""
    from netgraph.train.run_state import load_optimizer
    arrays = [torch.zeros(3, requires_grad=True)]
    adam = torch.optim.Adam(arrays, lr=0.1)
    adam.param_groups[0]["base_lr"] = 0.1
    state = {"state": {}, "param_groups": [{**adam.state_dict()["param_groups"][0], "params": [0, 1]}]}
    with pytest.raises(OptionError) as caught:
        load_optimizer(adam, {"optimizer": state, "method": "Adam", "optimizer_arrays": ["w"]}, "Adam", "ck", ["w"])
    d = caught.value.diagnostics[0]
    assert (d.kind, d.expected, d.found) == ("malformed-checkpoint", 1, 2)
    assert "froze" not in str(caught.value)


def test_matching_twenty_thousand_arrays_by_name_searches_no_list():
    """Resume matches each saved array to this run's by name in sets (searching the lists made it quadratic: 20,000
    arrays ~7 s): no name is looked up in a list."""
    from netgraph.train.run_state import _same_arrays

    class Searched(list):
        lookups = 0

        def __contains__(self, item):
            Searched.lookups += 1
            return super().__contains__(item)

    names = Searched(f"a{i}" for i in range(20000))
    state = {"state": {}, "param_groups": [{"params": list(range(20000)), "lr": 0.1}]}
    matched = _same_arrays({"optimizer": state, "optimizer_arrays": names}, Searched(names), frozenset(), "ck", [20000])
    assert Searched.lookups == 0
    assert matched["param_groups"][0]["params"] == list(range(20000))


def test_a_run_resumed_with_other_clipping_clips_with_its_own(tmp_path):
    """gradient_clipping, max_gradient_norm and weight_clipping are netgraph's, applied at each step from this run's
    method (no optimizer state keeps them): a resumed run may tighten them, as the advice on a diverging run says."""
    net_train(_chain("lin"), _data(), max_training_rounds=2, method=("SGD", {"max_gradient_norm": 5.0}),
              checkpoint=tmp_path, **KW)
    clipped = ("SGD", {"max_gradient_norm": 0.01, "weight_clipping": 0.6})
    resumed = net_train(_chain("lin"), _data(), max_training_rounds=4, method=clipped, checkpoint=tmp_path,
                        resume=True, **KW)
    arrays = [a.requires_grad_() for a in _arrays(load_checkpoint(_chain("lin"), tmp_path / "round-000002.pt"),
                                                  ["lin"])]
    sgd = torch.optim.SGD(arrays, lr=0.05)
    for _ in range(2):
        sgd.zero_grad()
        torch.nn.functional.mse_loss(_forward(arrays, _data()["Input"]), _data()["Target"]).backward()
        torch.nn.utils.clip_grad_norm_(arrays, 0.01)
        sgd.step()
        with torch.no_grad():
            for a in arrays:
                a.clamp_(-0.6, 0.6)
    for found, expected in zip(_arrays(resumed, ["lin"]), arrays):
        torch.testing.assert_close(found, expected.detach(), rtol=1e-6, atol=1e-7)


def test_a_default_adam_run_resumed_with_its_own_kernel_goes_on_bit_for_bit(tmp_path):
    """The kernel flags are the resuming run's: the default (fused Adam) resumed as it was, or fused=False written
    and resumed alike, takes the uninterrupted run's steps exactly; another kernel rounds otherwise in float32."""
    options = dict(max_training_rounds=4, **KW)
    for kernel, other in (("Adam", ("Adam", {"fused": False})), (("Adam", {"fused": False}), "Adam")):
        whole = net_train(_chain("a", "b"), _data(), method=kernel, **options)
        folder = tmp_path / str(len(list(tmp_path.iterdir())))
        net_train(_chain("a", "b"), _data(), max_training_rounds=2, method=kernel, checkpoint=folder, **KW)
        same = net_train(_chain("a", "b"), _data(), method=kernel, checkpoint=folder, resume=True, **options)
        assert all(torch.equal(f, e) for f, e in zip(_arrays(same, "ab"), _arrays(whole, "ab")))
        net_train(_chain("a", "b"), _data(), max_training_rounds=2, method=kernel, checkpoint=folder / "o", **KW)
        otherwise = net_train(_chain("a", "b"), _data(), method=other, checkpoint=folder / "o", resume=True, **options)
        for found, expected in zip(_arrays(otherwise, "ab"), _arrays(whole, "ab")):
            torch.testing.assert_close(found, expected, rtol=1e-5, atol=1e-6)
