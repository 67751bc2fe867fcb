"""A NaN a layer makes in training (the Log of a negative input) names the layer and now also the example(s) whose
output went non-finite there: by their index in the data given (a dict's, a Dataset's), else by their row in the
batch (a generator's), with the round and batch where training stopped. The search runs only once the loss is
non-finite: steps whose loss is finite do no more work."""

from __future__ import annotations

import warnings

import pytest
import torch

from netgraph import ElementwiseLayer, LinearLayer, NetGraph, NormalDistribution, RandomArrayLayer, UniformDistribution
from netgraph.train import TrainingError, net_train
from tests.test_train import known_function


def log_net() -> NetGraph:
    return NetGraph({"log": ElementwiseLayer("Log"), "out": LinearLayer(1)}, [("log", "out")], Input=2)


def positive(bad: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """16 examples whose inputs are positive but at the rows ``bad`` (one value of each below 0)."""
    x, y = known_function(16, 0)
    x = x.abs() + 0.1
    x[list(bad), 1] = -2.0
    return x, y


class Items(torch.utils.data.Dataset):
    def __init__(self):
        self.x, self.y = positive((13,))

    def __len__(self) -> int:
        return 16

    def __getitem__(self, i: int) -> dict:
        return {"Input": self.x[i], "Target": self.y[i]}


def stopped(data, **options) -> TrainingError:
    with pytest.raises(TrainingError) as info:
        net_train(log_net(), data, random_seed=0, max_training_rounds=1, progress=False, **options)
    d = info.value.diagnostics[0]
    assert (d.kind, d.layer, d.port) == ("nonfinite-loss", ("log",), "Output")
    return info.value


@pytest.mark.parametrize("seed", [0, 1])
def test_the_example_a_layer_made_nan_of_is_named_by_its_index_in_the_data(seed):
    x, y = positive((13,))
    torch.manual_seed(seed)
    for data in ({"Input": x, "Target": y}, Items()):  # shuffled: example 13 is at another row of another batch
        error = stopped(data, batch_size=4)
        assert "(1 NaN and 0 infinite of 8 values; in example 13)" in str(error)
        assert error.diagnostics[0].example == 13


def test_several_examples_are_counted_and_the_first_in_the_data_named():
    x, y = positive((13, 5, 9))
    error = stopped({"Input": x, "Target": y}, batch_size=16)
    assert "training stopped at round 1, batch 1: " in str(error)
    assert "(3 NaN and 0 infinite of 32 values; in 3 examples, the first example 5)" in str(error)
    assert error.diagnostics[0].example == 5


def test_a_generators_example_is_named_by_its_row_in_the_batch_named():
    x, y = positive((13,))  # row 1 of batch 4
    error = stopped(({"Input": x[i:i + 4], "Target": y[i:i + 4]} for i in range(0, 16, 4)), batch_size=4)
    assert "training stopped at round 1, batch 4: " in str(error)
    assert "(1 NaN and 0 infinite of 8 values; in example 1 of the batch)" in str(error)
    assert error.diagnostics[0].example == 1


def test_a_nan_a_layer_makes_on_a_validation_example_is_warned_of_once_naming_the_layer_and_example():
    # it trained on with "validation loss nan" and no word of where the NaN came from
    from netgraph.train.validation_nonfinite import NonfiniteValidationLoss
    x, y = positive(())
    xv, yv = positive((2,))
    with pytest.warns(NonfiniteValidationLoss) as caught:
        r = net_train(log_net(), {"Input": x, "Target": y}, validation_set={"Input": xv[:4], "Target": yv[:4]},
                      batch_size=4, random_seed=0, max_training_rounds=3, progress=False, all=True)
    found = [w.message for w in caught if isinstance(w.message, NonfiniteValidationLoss)]
    assert len(found) == 1 and (found[0].layer, found[0].port, found[0].example) == (("log",), "Output", 2)
    assert "after round 1 is not finite; the first layer whose output went non-finite is layer 1 'log'" in \
        str(found[0]) and "in example 2)" in str(found[0])
    assert len(r.validation_losses) == 3 and all(v != v for v in r.validation_losses)  # NaN each round, trained on


UNCHECKED_DRAWS = {"mu": lambda: NormalDistribution("#m", 1.0), "max": lambda: UniformDistribution([-1.0, "#m"])}


def drawing(parameter: str) -> NetGraph:
    """A pathwise draw (written inline into the compiled forward, unchecked) whose ``parameter`` is port m."""
    return NetGraph({"g": RandomArrayLayer(UNCHECKED_DRAWS[parameter]()), "l": LinearLayer(1)}, [("g", "l")], m=3)


def infinite_at(example: int, n: int = 50) -> torch.Tensor:
    m = torch.zeros(n, 3)
    m[example, 2] = float("inf")
    return m


@pytest.mark.parametrize("parameter", list(UNCHECKED_DRAWS))
@pytest.mark.parametrize("seed", [0, 1])
def test_an_infinite_parameter_of_an_unchecked_draw_names_the_layer_and_the_example_in_the_data(parameter, seed):
    """The replay checks the draw: its DataError escaped bare, naming the row (1) in the shuffled batch."""
    with pytest.raises(TrainingError) as info:
        net_train(drawing(parameter), {"m": infinite_at(13), "Target": torch.zeros(50, 1)}, batch_size=8,
                  random_seed=seed, progress=False)
    d = info.value.diagnostics[0]
    assert (d.kind, d.layer, d.port, d.example) == ("nonfinite-loss", ("g",), "m", 13)
    assert (f"the first layer that refuses its values is layer 1 'g' (RandomArrayLayer) port 'm' "
            f"(parameter {parameter} must be a finite number, found inf; in example 13)") in str(info.value)


@pytest.mark.parametrize("parameter", list(UNCHECKED_DRAWS))
def test_an_infinite_parameter_of_an_unchecked_draw_in_validation_data_is_warned_of(parameter):
    """It raised the replay's DataError and ended the run."""
    from netgraph.train.validation_nonfinite import NonfiniteValidationLoss
    with pytest.warns(NonfiniteValidationLoss) as caught:
        r = net_train(drawing(parameter), {"m": torch.zeros(48, 3), "Target": torch.zeros(48, 1)}, batch_size=8,
                      validation_set={"m": infinite_at(4, 10), "Target": torch.zeros(10, 1)}, random_seed=0,
                      max_training_rounds=2, progress=False, all=True)
    found = [w.message for w in caught if isinstance(w.message, NonfiniteValidationLoss)]
    assert len(found) == 1 and (found[0].layer, found[0].port, found[0].example) == (("g",), "m", 4)
    assert len(r.validation_losses) == 2


NONFINITE_WORKER = """
import json, os, sys, warnings
sys.path.insert(0, {root!r})
from netgraph.train import net_train
from netgraph.train.validation_nonfinite import NonfiniteValidationLoss
from tests.test_train_nonfinite_layer_examples import log_net, positive

x, y = positive(())
xv, yv = positive(tuple(range(16)))  # every validation example: each process's share has some
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    net_train(log_net(), {{"Input": x, "Target": y}}, validation_set={{"Input": xv[:8], "Target": yv[:8]}},
              batch_size=4, random_seed=0, max_training_rounds=2, distributed=True, progress=False)
said = [str(w.message) for w in caught if isinstance(w.message, NonfiniteValidationLoss)]
with open(os.path.join({out!r}, "rank" + os.environ["RANK"] + ".json"), "w") as f:
    json.dump(said, f)
"""


@pytest.mark.slow
def test_a_distributed_run_warns_of_a_nonfinite_validation_loss_once_not_once_a_process(tmp_path):
    """Each process warned of its own share's NaN: the warning, 'said once a run', was printed twice."""
    import json
    from tests.distributed_helpers import torchrun
    torchrun(tmp_path, NONFINITE_WORKER)
    said = [json.loads((tmp_path / f"rank{rank}.json").read_text()) for rank in (0, 1)]
    assert [len(s) for s in said] == [1, 0]
    assert "after round 1 is not finite; the first layer whose output went non-finite is layer 1 'log'" in said[0][0]


def test_a_validation_pass_makes_one_collective_call_whether_or_not_its_loss_is_finite(monkeypatch):
    """Whether a process had warned of a NaN was gathered apart from the sums of the loss: a second collective call,
    each validation pass of each distributed run. (Counted on the calls to the Context, which a one-process run
    makes too.)"""
    from netgraph.train.distributed import Context
    calls = []
    for name in ("sum", "gather", "any", "most"):
        monkeypatch.setattr(Context, name, lambda self, value, name=name, was=getattr(Context, name):
                            calls.append(name) or was(self, value))
    made = []
    for held in (None, (2,), ()):  # no validation; a NaN in each validation pass; none
        calls.clear()
        validation = None if held is None else dict(zip(("Input", "Target"), (t[:4] for t in positive(held))))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            net_train(log_net(), dict(zip(("Input", "Target"), positive(()))), batch_size=4, random_seed=0,
                      validation_set=validation, max_training_rounds=3, progress=False)
        made.append(len(calls))
    assert made[1] - made[0] == made[2] - made[0] == 3  # one a pass, 3 passes
