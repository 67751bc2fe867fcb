"""A user's DataLoader in a distributed run, whose processes' batches differ in size or in number."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file
from torch.utils.data import DataLoader

from netgraph import LinearLayer, NetGraph, net_initialize
from netgraph.train import net_train
from tests.distributed_helpers import torchrun

LOADER_WORKER = """
import json, os, sys
sys.path.insert(0, {root!r})
from safetensors.torch import save_file
from torch.utils.data import DataLoader
from tests.test_train_distributed_loaders import SHARDS, examples, linear, train

for case in sys.argv[1:]:  # one distributed training per case, one after another in this process
    shard = SHARDS[case][int(os.environ["RANK"])]
    r = train(DataLoader([examples()[i] for i in shard], batch_size=20), distributed=True)
    save_file(dict(r.training_net.layers["1"].arrays), os.path.join({out!r}, f"{{case}}{{os.environ['RANK']}}"))
    with open(os.path.join({out!r}, f"{{case}}{{os.environ['RANK']}}.json"), "w") as f:
        json.dump([r.round_losses, r.validation_losses, r.examples_processed, r.total_batches], f)
"""

#: each process's examples: batches of 20, 5 and 20, 1 (as many batches); 20, 10 and 16 (one process has fewer)
SHARDS = {"sizes": (range(25), range(25, 46)), "counts": (range(30), range(30, 46))}
#: one process's batches equal to the processes' batches of each step together
STEPS = {"sizes": [[*range(20), *range(25, 45)], [*range(20, 25), 45]], "counts": [[*range(20), *range(30, 46)],
                                                                                 [*range(20, 30)]]}


def examples() -> list[dict]:
    x = torch.randn(46, 2, generator=torch.Generator().manual_seed(0))
    return [{"Input": a, "Target": a.sum(0, keepdim=True) + 1} for a in x]


def linear() -> NetGraph:
    return net_initialize(NetGraph([LinearLayer(1)], [], Input=2), seed=0)


def train(data, **options):
    validation = DataLoader(examples()[:9], batch_size=4)
    return net_train(linear(), data, validation_set=validation, max_training_rounds=3, method="SGD",
                     learning_rate=0.1, random_seed=1, progress=False, all=True, **options)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Where one torchrun of LOADER_WORKER wrote each case's results on each rank."""
    out = tmp_path_factory.mktemp("loaders")
    torchrun(out, LOADER_WORKER, *SHARDS)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("case", ["sizes", "counts"])
def test_processes_batches_of_different_sizes_or_numbers_train_as_their_union(trained, case):
    """Batches of different sizes were averaged as if equal (a 1-example batch weighed as much as a 20-example one)
    and each process reported its own loss and example count; a process with fewer batches than another left it
    waiting in DDP's gradient exchange forever. Each step is now the processes' batches together."""
    ranks = [json.loads((trained / f"{case}{r}.json").read_text()) for r in (0, 1)]
    arrays = [load_file(trained / f"{case}{r}") for r in (0, 1)]
    single = train(DataLoader(examples(), batch_sampler=STEPS[case]))
    assert ranks[0] == ranks[1] and ranks[0][2:] == [single.examples_processed, single.total_batches] == [138, 6]
    assert ranks[0][0] == pytest.approx(single.round_losses, rel=1e-5)
    assert ranks[0][1] == pytest.approx(single.validation_losses, rel=1e-5)
    for key, value in single.training_net.layers["1"].arrays.items():
        assert torch.equal(arrays[0][key], arrays[1][key])
        torch.testing.assert_close(arrays[0][key], value, rtol=1e-5, atol=1e-6)
