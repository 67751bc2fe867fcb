"""A non-finite loss whose batch holds infinite data advises cleaning the data only (no learning rate makes it
finite); one from finite data advises a gentler training."""

from __future__ import annotations

import pytest
import torch

from netgraph import LinearLayer, NetChain, TrainingError, net_initialize, net_train


def _stopped(x, y, **options):
    net = net_initialize(NetChain([LinearLayer(1)], input=2), seed=0)
    with pytest.raises(TrainingError) as caught:
        net_train(net, {"Input": x, "Target": y}, progress=False, max_training_rounds=3, **options)
    d = caught.value.diagnostics[0]
    assert d.kind == "nonfinite-loss"
    return d


def test_infinite_input_data_is_advised_to_be_cleaned_not_a_smaller_learning_rate():
    d = _stopped(torch.tensor([[1.0, 2.0], [float("inf"), 0.0]] * 5), torch.ones(10, 1))
    assert d.hint.startswith("remove or fix the examples that hold NaN or infinities")
    assert "learning_rate" not in d.hint and "learning_rate" not in d.message


def test_finite_data_that_diverges_is_advised_a_smaller_learning_rate():
    x = torch.randn(10, 2, generator=torch.Generator().manual_seed(0)) * 1e18
    d = _stopped(x, torch.ones(10, 1), learning_rate=1e6, method="SGD")
    assert "a smaller learning_rate" in d.hint


HINT_WORKER = """
import json, os, sys
import torch
sys.path.insert(0, {root!r})
from netgraph import LinearLayer, NetChain, TrainingError, net_initialize, net_train

x = torch.ones(8, 2)
x[5, 0] = float("inf")  # one example: in one process's share only
try:
    net_train(net_initialize(NetChain([LinearLayer(1)], input=2), seed=0), {{"Input": x, "Target": torch.ones(8, 1)}},
              batch_size=4, random_seed=0, max_training_rounds=2, distributed=True, progress=False)
    said = None
except TrainingError as e:
    said = [e.diagnostics[0].message, e.diagnostics[0].hint]
with open(os.path.join({out!r}, "rank" + os.environ["RANK"] + ".json"), "w") as f:
    json.dump(said, f)
"""


@pytest.mark.slow
def test_every_process_of_a_distributed_run_gives_the_hint_of_the_process_whose_message_it_gives(tmp_path):
    """The message was picked from the process whose batch held the infinity, the hint computed from each
    process's own: the other process advised a smaller learning rate for data that held an infinity."""
    import json
    from tests.distributed_helpers import torchrun
    torchrun(tmp_path, HINT_WORKER)
    said = [json.loads((tmp_path / f"rank{rank}.json").read_text()) for rank in (0, 1)]
    assert said[0] == said[1] and "the batch's data is not finite" in said[0][0]
    assert said[0][1].startswith("remove or fix the examples that hold NaN or infinities")
