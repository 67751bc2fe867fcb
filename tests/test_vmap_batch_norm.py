"""BatchNormalizationLayer under ``torch.func.vmap``: in training mode each vmapped call's batch statistics would
update the one pair of moving statistics in place, which torch refuses (as for ``nn.BatchNorm``). torch's remedy,
``torch.func.replace_all_batch_norm_modules_``, patches its own modules only: the error names the layer and the ways
that work here (eval mode; the moving statistics batched too, as an ensemble's)."""

from __future__ import annotations

import copy

import pytest
import torch

from netgraph import BatchNormalizationLayer, DataError, LinearLayer, NetChain, net_initialize

NET = NetChain({"lin": LinearLayer(4), "bn": BatchNormalizationLayer(), "act": "ReLU"}, input=3)


def test_vmap_in_training_mode_is_a_data_error_naming_the_layer_and_what_works():
    # it was torch's RuntimeError from inside torch.batch_norm, whose remedy does nothing to our layer's module
    module = net_initialize(NET, seed=0).compile().train()
    torch.func.replace_all_batch_norm_modules_(module)  # torch's remedy leaves the layer as it was
    with pytest.raises(DataError, match=r"layer 'bn' \(BatchNormalizationLayer\).* torch.func.vmap in training mode.*"
                                        r"module.eval\(\).*stack_module_state") as caught:
        torch.func.vmap(module, randomness="different")(torch.randn(5, 2, 3))
    assert (caught.value.diagnostics[0].layer, caught.value.diagnostics[0].kind) == (("bn",), "vmap-moving-statistics")


def test_vmap_in_eval_mode_and_over_an_ensembles_moving_statistics_give_each_calls_values():
    x = torch.randn(3, 8, 3)
    module = net_initialize(NET, seed=0).compile().eval()
    torch.testing.assert_close(torch.func.vmap(module)(x), torch.stack([module(b) for b in x]))
    modules = [net_initialize(NET, seed=seed).compile().train() for seed in range(3)]
    copies = copy.deepcopy(modules)
    params, buffers = torch.func.stack_module_state(modules)
    base = copy.deepcopy(modules[0]).to("meta")
    out = torch.func.vmap(lambda p, b, xi: torch.func.functional_call(base, (p, b), (xi,)))(params, buffers, x)
    torch.testing.assert_close(out, torch.stack([m(b) for m, b in zip(copies, x)]))
    for i, m in enumerate(copies):  # each member's moving statistics updated by its own batch
        torch.testing.assert_close(buffers["bn.MovingMean"][i], m.bn.MovingMean)
        assert not torch.equal(m.bn.MovingMean, modules[i].bn.MovingMean)  # the stacked ones: as initialised
