"""netgraph.train.optimizers: torch's optimizers without the torch._dynamo import give exactly torch's
updates, state and state_dicts, for every method net_train offers, fused, foreach and single-tensor."""

from __future__ import annotations

import copy

import pytest
import torch

from netgraph.train import optimizers
from netgraph.train.options import parse_method

#: (our class, torch's class, suboptions): every method net_train offers, with suboptions that reach
#: their less common branches.
CASES = [
    (optimizers.Adam, torch.optim.Adam, {}),
    (optimizers.Adam, torch.optim.Adam, {"amsgrad": True, "weight_decay": 0.1}),
    (optimizers.AdamW, torch.optim.AdamW, {"weight_decay": 0.05}),
    (optimizers.SGD, torch.optim.SGD, {}),
    (optimizers.SGD, torch.optim.SGD, {"momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    (optimizers.RMSprop, torch.optim.RMSprop, {"momentum": 0.5, "centered": True}),
]
VARIANTS = [{"fused": True}, {"foreach": True}, {"foreach": False}]


def _params(seed: int) -> list[torch.nn.Parameter]:
    g = torch.Generator().manual_seed(seed)
    return [torch.nn.Parameter(torch.randn(5, 3, generator=g)), torch.nn.Parameter(torch.randn(3, generator=g))]


def _train(optimizer: torch.optim.Optimizer, params: list[torch.nn.Parameter], steps: int) -> None:
    g = torch.Generator().manual_seed(7)
    for _ in range(steps):
        x = torch.randn(4, 5, generator=g)
        optimizer.zero_grad(set_to_none=True)
        ((x @ params[0] + params[1]) ** 2).mean().backward()
        optimizer.step()


def _variants(stock: type) -> list[dict]:
    return [v for v in VARIANTS if "fused" not in v or stock in (torch.optim.Adam, torch.optim.AdamW, torch.optim.SGD)]


@pytest.mark.parametrize("ours, stock, options", CASES)
def test_steps_equal_torchs_exactly(ours, stock, options):
    for variant in _variants(stock):
        mine, theirs = _params(0), _params(0)
        try:
            b = stock([{"params": theirs[:1]}, {"params": theirs[1:], "lr": 0.02}], lr=0.05, **options, **variant)
        except RuntimeError:  # a torch without this fused kernel on CPU (before 2.4): ours refuses alike
            with pytest.raises(RuntimeError):
                ours(mine, lr=0.05, **options, **variant)
            continue
        a = ours([{"params": mine[:1]}, {"params": mine[1:], "lr": 0.02}], lr=0.05, **options, **variant)
        _train(a, mine, 6)
        _train(b, theirs, 6)
        assert all(torch.equal(p, q) for p, q in zip(mine, theirs)), variant
        assert not torch.equal(mine[0], _params(0)[0])  # it did train
        state_a, state_b = a.state_dict(), b.state_dict()
        assert state_a["param_groups"] == state_b["param_groups"]
        assert state_a["state"].keys() == state_b["state"].keys()
        for key, values in state_a["state"].items():
            assert values.keys() == state_b["state"][key].keys()
            assert all(torch.equal(values[k], state_b["state"][key][k]) for k in values)


@pytest.mark.parametrize("ours, stock, options", [CASES[i] for i in (1, 2, 4, 5)])  # with state
def test_state_dicts_load_across_ours_and_torchs(ours, stock, options):
    """A checkpoint written by either continues identically in the other (the state_dict format is torch's)."""
    first = _params(1)
    a = ours(first, lr=0.05, **options)
    _train(a, first, 3)
    mine, theirs = ([p.detach().clone().requires_grad_() for p in first] for _ in range(2))
    b = stock(theirs, lr=0.05, **options)
    b.load_state_dict(copy.deepcopy(a.state_dict()))  # loading keeps the given tensors: copy, or b and c share them
    c = ours(mine, lr=0.05, **options)
    c.load_state_dict(copy.deepcopy(b.state_dict()))
    _train(b, theirs, 3)
    _train(c, mine, 3)
    assert all(torch.equal(p, q) for p, q in zip(mine, theirs)) and len(c.state) == len(first)


def test_step_takes_a_closure_runs_hooks_and_keeps_grad_mode():
    params = _params(2)
    optimizer = optimizers.SGD(params, lr=0.1)
    calls = []
    optimizer.register_step_pre_hook(lambda opt, args, kwargs: calls.append("pre"))
    optimizer.register_step_post_hook(lambda opt, args, kwargs: calls.append("post"))

    def closure():
        optimizer.zero_grad()
        loss = (params[0] ** 2).sum() + params[1].sum()
        loss.backward()
        calls.append(torch.is_grad_enabled())
        return loss

    loss = optimizer.step(closure)
    assert calls == ["pre", True, "post"] and torch.is_grad_enabled()
    assert loss.item() == pytest.approx((_params(2)[0] ** 2).sum().item() + _params(2)[1].sum().item())


def test_net_train_methods_build_our_classes_with_torchs_fused_kernel():
    params = _params(3)
    for name, cls in [("Adam", optimizers.Adam), ("AdamW", optimizers.AdamW), ("SGD", optimizers.SGD)]:
        built = parse_method(name, None).optimizer([{"params": params}])
        try:  # fused exactly when torch's own class has a fused kernel here (CPU since torch 2.4)
            fused = cls.__base__(params, lr=0.1, fused=True).defaults["fused"]
        except (RuntimeError, TypeError, ValueError):  # as Method.optimizer falls back
            fused = None
        assert type(built) is cls and built.defaults["fused"] == fused
    built = parse_method(("RMSProp", {"foreach": False}), None).optimizer([{"params": params}])
    assert type(built) is optimizers.RMSprop and isinstance(built, torch.optim.RMSprop)


def test_a_method_without_torchs_decorators_stays_torchs():
    class Plain(torch.optim.SGD):
        def step(self, closure=None):  # no decorator: nothing to strip
            return "plain"

    derived = optimizers.without_dynamo(Plain)
    assert "step" not in vars(derived) and derived([torch.nn.Parameter(torch.ones(1))], lr=0.1).step() == "plain"


def test_default_optimizer_uses_torch_fused_kernel_and_explicit_choice_wins():
    p = [torch.nn.Parameter(torch.zeros(3))]
    assert parse_method("Adam", 0.1).optimizer([{"params": p}]).defaults["fused"] is True
    assert not parse_method(("Adam", {"foreach": True}), 0.1).optimizer([{"params": p}]).defaults.get("fused")
    assert not parse_method("RMSProp", 0.1).optimizer([{"params": p}]).defaults.get("fused")
