"""README's custom-loop recipe takes net_train's steps (random_seed=s) for both forms of data it names: tensors in
memory in the order torch.randperm(n, generator seeded with mix_seed(s, r)), and a Dataset (a TensorDataset too)
batched by a DataLoader(shuffle=True) iterated after torch.manual_seed(mix_seed(s, r, 0))."""

from __future__ import annotations

import pytest
import torch

from netgraph import DropoutLayer, ElementwiseLayer, LinearLayer, NetGraph, net_initialize, net_train
from netgraph.train.loop import mix_seed

SEED, ROUNDS, BATCH = 3, 3, 16


def _net() -> NetGraph:
    layers = {"h": LinearLayer(8), "act": ElementwiseLayer("Tanh"), "drop": DropoutLayer(0.3), "out": LinearLayer(1)}
    return net_initialize(NetGraph(layers, [("h", "act", "drop", "out")], Input=3), seed=0)


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(5)
    x = torch.randn(50, 3, generator=generator)
    return x, x[:, :1] * 2 - x[:, 1:2].abs()


def _hand_loop(net: NetGraph, batches_of_round) -> list[float]:
    """README's loop: each round seeded, its batches stepped with SGD on the mean squared error."""
    module = net.compile()
    optimizer = torch.optim.SGD(module.parameters(), lr=0.05)
    losses = []
    for r in range(1, ROUNDS + 1):
        torch.manual_seed(mix_seed(SEED, r, 0))
        for xb, yb in batches_of_round(r):
            loss = torch.nn.functional.mse_loss(module(Input=xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses


def _batches(form: str, x: torch.Tensor, y: torch.Tensor):
    """The recipe's batches of round r for ``form``: a DataLoader(shuffle=True) over a TensorDataset, or the
    randperm order of the tensors."""
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=BATCH, shuffle=True)

    def of_round(r):
        if form == "dataset":
            return loader
        order = torch.randperm(len(x), generator=torch.Generator().manual_seed(mix_seed(SEED, r)))
        return [(x[order[i:i + BATCH]], y[order[i:i + BATCH]]) for i in range(0, len(x), BATCH)]
    return of_round


@pytest.mark.parametrize("form, other", [("tensors", "dataset"), ("dataset", "tensors")])
def test_the_readme_recipe_takes_net_trains_steps(form, other):
    """README gave the randperm order for all data of one shape; a Dataset is batched by a shuffling DataLoader."""
    x, y = _data()
    data = {"Input": x, "Target": y} if form == "tensors" else torch.utils.data.TensorDataset(x, y)
    trained = net_train(_net(), data, max_training_rounds=ROUNDS, batch_size=BATCH, random_seed=SEED, method="SGD",
                        learning_rate=0.05, progress=False, all=True)
    assert trained.batch_losses == pytest.approx(_hand_loop(_net(), _batches(form, x, y)), rel=1e-5)
    assert trained.batch_losses != pytest.approx(_hand_loop(_net(), _batches(other, x, y)), rel=1e-5)
