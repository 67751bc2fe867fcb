"""Several distributed trainings in one process under torchrun: torch names each new default process group alike,
so the second run's processes met the first run's keys in torchrun's store and paired with its closed connections
(a hang in init_process_group or the first exchange, then a timeout)."""

from __future__ import annotations

import json

import pytest

from tests.distributed_helpers import torchrun

TWICE_WORKER = """
import json, os, sys
sys.path.insert(0, {root!r})
import torch
from netgraph import LinearLayer, NetChain, net_train

x = torch.linspace(-1, 1, 16)[:, None]
losses = []
for run in range(4):
    r = net_train(NetChain([LinearLayer(1)], input=1), {{"Input": x, "Output": 2 * x}}, batch_size=4, all=True,
                  max_training_rounds=2, random_seed=run, progress=False, distributed=True, distributed_timeout=30)
    losses.append(r.round_losses)
with open(os.path.join({out!r}, f"losses{{os.environ['RANK']}}.json"), "w") as f:
    json.dump(losses, f)
"""


@pytest.mark.slow
def test_four_distributed_trainings_in_one_process_each_join_their_own_group(tmp_path):
    torchrun(tmp_path, TWICE_WORKER)  # fails on a process's error (a 30 s timeout) or a hang (180 s)
    ranks = [json.loads((tmp_path / f"losses{rank}.json").read_text()) for rank in (0, 1)]
    assert ranks[0] == ranks[1] and len(ranks[0]) == 4 and all(len(run) == 2 for run in ranks[0])
