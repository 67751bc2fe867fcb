"""Distributed training shares BatchNormalizationLayer's batch statistics across processes (sync_batch_norm)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from netgraph import (BatchNormalizationLayer, ElementwiseLayer, LinearLayer, NetChain, OptionError, TorchLayer,
                      net_initialize)
from netgraph.train import net_train
from netgraph.core.option_checks import UnusedOption
from tests.distributed_helpers import torchrun


TRAIN_WORKER = """
import json, os, sys
sys.path.insert(0, {root!r})
from safetensors.torch import save_file
from tests.test_train_sync_batch_norm import train_bn

for mode in sys.argv[1:]:  # "synced" then "own": two distributed trainings in one process, each its own group
    r = train_bn(mode)
    name = mode + os.environ["RANK"]
    save_file({{f"{{n}}.{{k}}": v for n, layer in r.training_net.layers.items() for k, v in layer.arrays.items()}},
              os.path.join({out!r}, name + ".safetensors"))
    with open(os.path.join({out!r}, name + ".json"), "w") as f:
        json.dump([r.round_losses, r.validation_losses, r.batch_losses], f)
"""

GRADIENT_WORKER = """
import os, sys
sys.path.insert(0, {root!r})
import torch
from safetensors.torch import save_file
from tests.test_train_sync_batch_norm import bn_net, torch_bn_net, bn_data
from netgraph.train.distributed import setup, share_batch_statistics

x = bn_data()[0][:8]
for net in sys.argv[1:]:  # each net joins its own process group and leaves it
    ctx = setup(True, None)
    module = {{"bn_net": bn_net, "torch_bn_net": torch_bn_net}}[net]().compile()
    share_batch_statistics(module, ctx)
    model = ctx.wrap(module, False)
    part = x.tensor_split(2)[ctx.rank]
    (model(part).square().sum() * 2 / 8).backward()  # DDP averages over the 2 processes: the mean over all 8
    found = {{name: p.grad for name, p in module.named_parameters()}}
    found.update((name, b.clone()) for name, b in module.named_buffers())
    save_file(found, os.path.join({out!r}, f"{{net}}{{ctx.rank}}.safetensors"))
    ctx.close()
"""


def bn_net():
    """A net whose loss depends on the batch statistics (inputs far from 0, so normalising matters)."""
    net = NetChain([LinearLayer(4), BatchNormalizationLayer(), ElementwiseLayer("Ramp"), LinearLayer(1)], input=3)
    return net_initialize(net, seed=0)


def torch_bn_net():
    """bn_net with torch's own batch norm, inside a TorchLayer."""
    net = NetChain([LinearLayer(4), TorchLayer(torch.nn.BatchNorm1d(4)), ElementwiseLayer("Ramp"), LinearLayer(1)],
                   input=3)
    return net_initialize(net, seed=0)


def bn_data():
    """41 training examples (batches of 20, 20 and 1: the last leaves one process a stand-in) and 21 validation."""
    g = torch.Generator().manual_seed(0)
    x, vx = 3 * torch.randn(41, 3, generator=g) + 5, 3 * torch.randn(21, 3, generator=g) + 5
    return x, x[:, :1] * x[:, 1:2] / 10, vx, vx[:, :1] * vx[:, 1:2] / 10


def train_bn(mode: str):
    """bn_net trained 3 rounds on bn_data: "single" (one process), "synced" (the default) or "own"
    (sync_batch_norm=False)."""
    x, y, vx, vy = bn_data()
    options = {"sync_batch_norm": False} if mode == "own" else {}
    return net_train(bn_net(), {"Input": x, "Target": y}, validation_set={"Input": vx, "Target": vy}, batch_size=20,
                     max_training_rounds=3, random_seed=1, method="SGD", learning_rate=0.05,
                     distributed=mode != "single", progress=False, all=True, **options)


def _read(tmp_path: Path, name: str) -> tuple[dict, list]:
    import json
    return load_file(tmp_path / f"{name}.safetensors"), json.loads((tmp_path / f"{name}.json").read_text())


@pytest.mark.slow
def test_two_processes_with_synced_batch_norm_train_as_one_process_on_the_whole_batch(tmp_path):
    """Each process normalised by its slice's statistics (and moved its moving mean and variance by them): losses and
    arrays differed from one process's on the whole batch. Shared, they match, the 1-example last batch included."""
    torchrun(tmp_path, TRAIN_WORKER, "synced", "own")
    r = train_bn("single")
    single = {f"{n}.{k}": v for n, layer in r.training_net.layers.items() for k, v in layer.arrays.items()}
    single_losses = [r.round_losses, r.validation_losses, r.batch_losses]
    ranks = [_read(tmp_path, f"synced{r}") for r in (0, 1)]
    assert ranks[0][1] == ranks[1][1] and all(torch.equal(ranks[0][0][k], ranks[1][0][k]) for k in single)
    arrays, losses = ranks[0]
    for key, value in single.items():  # MovingMean and MovingVariance too
        torch.testing.assert_close(arrays[key], value, rtol=1e-5, atol=1e-5, msg=key)
    for got, want in zip(losses, single_losses):
        assert got == pytest.approx(want, rel=1e-5)
    own_arrays, own_losses = _read(tmp_path, "own0")  # each process's own statistics: other steps
    assert not torch.allclose(own_arrays["2.MovingMean"], single["2.MovingMean"], rtol=1e-3)
    assert own_losses[0] != pytest.approx(single_losses[0], rel=1e-3)


@pytest.fixture(scope="module")
def synced_gradients(tmp_path_factory) -> Path:
    """Where one torchrun of GRADIENT_WORKER wrote each net's gradients and buffers on each rank."""
    out = tmp_path_factory.mktemp("gradients")
    torchrun(out, GRADIENT_WORKER, "bn_net", "torch_bn_net")
    return out


@pytest.mark.slow
@pytest.mark.parametrize("net", ["bn_net", "torch_bn_net"])
def test_synced_batch_norm_gradients_equal_one_process_on_the_whole_batch(synced_gradients, net):
    """A torch batch norm inside a TorchLayer normalised by its process's slice (torch's SyncBatchNorm refuses CPU
    tensors): it shares the whole batch's statistics too, running mean, variance and batch count included."""
    ranks = [load_file(synced_gradients / f"{net}{r}.safetensors") for r in (0, 1)]
    module = {"bn_net": bn_net, "torch_bn_net": torch_bn_net}[net]().compile()
    module.train()
    module(bn_data()[0][:8]).square().mean().backward()
    want = {name: p.grad for name, p in module.named_parameters()}
    want.update(module.named_buffers())
    assert set(ranks[0]) == set(want)
    for rank in ranks:
        for name, value in want.items():
            torch.testing.assert_close(rank[name], value, rtol=1e-5, atol=1e-6, msg=name)


def test_sync_batch_norm_is_a_no_op_in_one_process_and_takes_true_or_false():
    x, y, _, _ = bn_data()
    with pytest.warns(UnusedOption, match=r"^sync_batch_norm=True has no effect without distributed=True"):
        run = net_train(bn_net(), {"Input": x, "Target": y}, batch_size=20, max_training_rounds=2, random_seed=1,
                        progress=False, sync_batch_norm=True)
    alone = net_train(bn_net(), {"Input": x, "Target": y}, batch_size=20, max_training_rounds=2, random_seed=1,
                      progress=False)
    assert all(torch.equal(run.layers["2"].arrays[k], alone.layers["2"].arrays[k]) for k in run.layers["2"].arrays)
    with pytest.raises(OptionError, match=r"^sync_batch_norm=False has no effect without distributed=True"):
        net_train(bn_net(), {"Input": x, "Target": y}, sync_batch_norm=False)
    with pytest.raises(OptionError, match="sync_batch_norm= must be True or False"):
        net_train(bn_net(), {"Input": x, "Target": y}, sync_batch_norm="yes")


@pytest.mark.parametrize("shape", [(6, 3), (1, 3), (4, 3, 5)])
def test_the_synced_batch_norm_of_one_process_is_torch_s(monkeypatch, shape):
    """Its statistics summed over one process only: outputs, gradients and moving statistics equal torch.batch_norm's
    (one value per channel normalises to Biases and leaves the moving statistics alone, as unsynced)."""
    from netgraph.layers import _sync_norm
    monkeypatch.setattr(_sync_norm, "_all_sum", lambda t, group: t)
    net = net_initialize(NetChain([BatchNormalizationLayer(momentum=0.7)], input=shape[1:]), seed=0)
    synced, plain = net.compile(), net.compile()
    norm = next(m for m in synced.modules() if hasattr(m, "MovingMean"))
    norm.sync = _sync_norm.BatchStatsSync()
    x = 3 * torch.randn(*shape, generator=torch.Generator().manual_seed(1)) + 2
    outputs = []
    for module in (synced, plain):
        module.train()
        out = module(x)
        (out * torch.arange(out.numel()).reshape(out.shape)).sum().backward()
        outputs.append(out)
    torch.testing.assert_close(outputs[0], outputs[1], rtol=1e-5, atol=1e-5)
    for (name, a), b in zip([*synced.named_parameters(), *synced.named_buffers()],
                            [*plain.parameters(), *plain.buffers()]):
        torch.testing.assert_close(a.grad if a.requires_grad else a, b.grad if b.requires_grad else b,
                                   rtol=1e-5, atol=1e-5, msg=name)


def test_stop_sharing_gives_torch_batch_norms_their_own_forward_back():
    """The trained net's TorchLayer batch norm kept the synced forward, whose all-reduce fails outside the run."""
    from netgraph.train.distributed import Context, share_batch_statistics, stop_sharing
    module = torch_bn_net().compile()
    norm = next(m for m in module.modules() if isinstance(m, torch.nn.BatchNorm1d))
    assert share_batch_statistics(module, Context(active=True)) is not None and "forward" in vars(norm)
    stop_sharing(module)
    assert "forward" not in vars(norm)
