"""net_train's rules and errors where a TorchLayer's module freezes arrays (requires_grad=False): a rule whose
arrays are all module-frozen warns that it changes nothing; a module that freezes every array is named the cause."""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

from netgraph import NetChain, OptionError, TorchLayer, net_initialize, net_train


def frozen_linear(*frozen: str) -> tuple:
    torch.manual_seed(0)
    module = nn.Linear(3, 3)
    for name in frozen:
        getattr(module, name).requires_grad_(False)
    return module, net_initialize(NetChain({"t": TorchLayer(module)}, input=3))


def train(net, **options):
    data = {"Input": torch.randn(16, 3), "Output": torch.randn(16, 3)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net_train(net, data, max_training_rounds=1, batch_size=8, progress=False, **options)
    return [w for w in caught if "learning_rate_multipliers" in str(w.message)]


def test_a_rule_with_a_rate_on_only_module_frozen_arrays_warns_naming_them():
    module, net = frozen_linear("weight")
    weight = module.weight.detach().clone()
    caught = train(net, learning_rate_multipliers={"t/weight": 5})
    assert len(caught) == 1 and caught[0].filename == __file__
    assert "rule 't/weight': 5.0 picks only t.weight" in str(caught[0].message)
    assert "requires_grad=False" in str(caught[0].message) and torch.equal(module.weight, weight)


@pytest.mark.parametrize("rules", [{"t": 2}, {"t/weight": 0}, {"t/bias": 3}])
def test_rules_that_train_an_array_or_freeze_do_not_warn(rules):
    _, net = frozen_linear("weight")
    assert train(net, learning_rate_multipliers=rules) == []


def test_a_module_freezing_every_array_is_named_as_the_cause_not_an_option():
    _, net = frozen_linear("weight", "bias")
    with pytest.raises(OptionError, match=r"^nothing to train: every array is frozen by its module "
                                          r"\(requires_grad=False\)$") as caught:
        train(net)
    assert (caught.value.kind, caught.value.option, caught.value.found) == ("nothing-to-train", None, 2)
    with pytest.raises(OptionError, match=r"learning_rate_multipliers or its module") as caught:
        train(frozen_linear("weight")[1], learning_rate_multipliers={"t/bias": 0})
    assert caught.value.option == "learning_rate_multipliers"
