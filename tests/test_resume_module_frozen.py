"""Resuming when a TorchLayer's module freezes arrays (requires_grad=False): a checkpoint that never trained them
resumes; one whose run froze or trained other arrays is refused naming requires_grad, not a rule never given."""

from __future__ import annotations

import pytest
import torch

from netgraph import NetChain, OptionError, TorchLayer, net_initialize, net_train
from netgraph.train.checkpoint import read_checkpoint, save_checkpoint
from tests.test_module_frozen_rules import frozen_linear

KW = dict(batch_size=8, progress=False, random_seed=3)


def data() -> dict:
    generator = torch.Generator().manual_seed(1)
    return {"Input": torch.randn(16, 3, generator=generator), "Output": torch.randn(16, 3, generator=generator)}


def _remade(module: torch.nn.Module) -> NetChain:
    return net_initialize(NetChain({"t": TorchLayer(module)}, input=3))


def test_unfreezing_a_module_array_on_resume_is_refused_naming_requires_grad(tmp_path):
    module, net = frozen_linear("weight")
    net_train(net, data(), max_training_rounds=1, checkpoint=tmp_path, **KW)
    module.weight.requires_grad_(True)
    net = _remade(module)  # a TorchLayer holds a copy of its module: the net of the module changed
    with pytest.raises(OptionError, match=r"this run trains t.weight, which its module froze \(requires_grad=False\)"
                       ) as caught:
        net_train(net, data(), max_training_rounds=2, checkpoint=tmp_path, resume=True, **KW)
    assert caught.value.kind == "checkpoint-mismatch" and caught.value.option is None


def test_freezing_a_trained_module_array_on_resume_is_refused_naming_requires_grad(tmp_path):
    module, net = frozen_linear()
    net_train(net, data(), max_training_rounds=1, checkpoint=tmp_path, **KW)
    module.weight.requires_grad_(False)
    net = _remade(module)
    with pytest.raises(OptionError, match=r"it trained t.weight, which this run's module freezes "
                                          r"\(requires_grad=False\)") as caught:
        net_train(net, data(), max_training_rounds=2, checkpoint=tmp_path, resume=True, **KW)
    assert caught.value.option is None


def test_a_checkpoint_that_held_a_module_frozen_array_untrained_resumes_as_one_without_it(tmp_path):
    """Checkpoints written before module-frozen arrays were left out of the optimizer list them, with no state."""
    module, net = frozen_linear("weight")
    weight = module.weight.detach().clone()
    net_train(net, data(), max_training_rounds=1, checkpoint=tmp_path / "new", **KW)
    expected = net_train(net, data(), max_training_rounds=2, checkpoint=tmp_path / "new", resume=True, all=True, **KW)
    module, net = frozen_linear("weight")
    net_train(net, data(), max_training_rounds=1, checkpoint=tmp_path / "old", **KW)
    old = read_checkpoint(tmp_path / "old" / "round-000001.pt")
    assert old["optimizer_arrays"] == ["t.bias"] and list(old["optimizer"]["state"]) == [0]
    old["optimizer_arrays"] = ["t.weight", "t.bias"]  # as the earlier version wrote it: the weight first, no state
    old["optimizer"]["param_groups"][0]["params"] = [0, 1]
    old["optimizer"]["state"] = {1: old["optimizer"]["state"][0]}
    old.pop("module_frozen", None)
    del old["format"], old["version"], old["round"]
    save_checkpoint(tmp_path / "old", old, 1)
    resumed = net_train(net, data(), max_training_rounds=2, checkpoint=tmp_path / "old", resume=True, all=True,
                        **KW)
    assert resumed.round_losses == expected.round_losses and resumed.total_rounds == 2
    assert torch.equal(module.weight, weight)
