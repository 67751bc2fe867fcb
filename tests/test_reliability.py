"""Wrong results fixed: ThreadingLayer's positional, results by Wolfram property name, patience, the
YAML round trip of a chain with ``Input=None``, and one dtype policy for training data and layer arrays."""

from __future__ import annotations

import numpy
import pytest
import torch

from netgraph import LinearLayer, NetChain, NetGraph, ThreadingLayer, net_initialize
from netgraph.core.errors import NetGraphError, OptionError
from netgraph.train import net_train
from tests.test_train import known_function, mlp


def test_threading_layers_second_positional_argument_is_wolframs_broadcast_spec_not_the_ports():
    assert ThreadingLayer("Plus", 1).broadcast == 1 and ThreadingLayer("Plus", 1).inputs is None
    with pytest.raises(OptionError, match=r"ThreadingLayer option broadcast= must be") as info:
        ThreadingLayer("Plus", 0)
    assert isinstance(info.value, NetGraphError) and isinstance(info.value, ValueError)
    assert ThreadingLayer("Plus", inputs=3).input_ports == ("Input1", "Input2", "Input3")
    assert ThreadingLayer(function="Times").function == "Times"


def test_results_read_wolfram_property_names_by_index():
    x, y = known_function(32, 0)
    r = net_train(mlp(), {"Input": x, "Target": y}, max_training_rounds=2, random_seed=0, progress=False, all=True)
    assert r["TrainedNet"] is r.trained_net and r["TrainingNet"] is r.training_net
    assert r["RoundLossList"] == r.round_losses and r["LossPlot"].startswith("<svg")
    assert r["LossEvolutionPlot"] == r["LossPlot"] and "LossEvolutionPlot" not in r["Properties"]  # Wolfram's old name


@pytest.mark.parametrize("patience", [1, 3, 5])
def test_patience_stops_after_exactly_that_many_stale_rounds(patience):
    """No round after the first improves by the required 1e9: stop at round 1 + patience. The threshold decides when
    to stop, not which net comes back: the best round is the lowest validation loss, however small its gain."""
    x, y = known_function(32, 0)
    r = net_train(mlp(), {"Input": x, "Target": y}, validation_set={"Input": x, "Target": y},
                  training_stopping_criterion={"Patience": patience, "Improvement": 1e9}, max_training_rounds=50,
                  random_seed=0, progress=False, all=True)
    assert r.reason_training_stopped == "TrainingStoppingCriterion"
    assert r.total_rounds == 1 + patience
    losses = r.validation_losses
    assert r.best_validation_round == 1 + min(range(len(losses)), key=losses.__getitem__)


def test_a_chain_with_an_undeclared_input_round_trips_through_yaml():
    n = NetChain([3, 4], Input=None)
    assert NetGraph.from_yaml(n.to_yaml()) == n == NetChain([3, 4])
    typed = NetChain([3, 4], Input=2)
    assert NetGraph.from_yaml(typed.to_yaml()) == typed != n


def test_net_train_takes_numpy_float64_data_and_trains():
    x, y = known_function(128, 0)
    data = {"Input": x.double().numpy(), "Target": y.double().numpy()}
    r = net_train(mlp(), data, max_training_rounds=30, learning_rate=0.05, random_seed=0, progress=False, all=True)
    assert r.round_losses[-1] < 0.5 * r.round_losses[0]
    same = net_train(mlp(), {"Input": x, "Target": y}, max_training_rounds=30, learning_rate=0.05, random_seed=0,
                     progress=False, all=True)
    assert r.round_losses == same.round_losses  # float64 data is cast to float32 exactly as a call would


def test_integer_ports_take_any_integer_dtype_and_integral_floats_in_training():
    from netgraph import EmbeddingLayer, SoftmaxLayer, AggregationLayer
    net = NetChain([EmbeddingLayer(4, 5), AggregationLayer("Mean", 1), LinearLayer(3), SoftmaxLayer()], Input=2)
    idx = numpy.array([[0, 1], [2, 3], [4, 0], [1, 2]])
    for data in (idx.astype(numpy.int16), idx.astype(numpy.int64), idx.astype(numpy.float64)):
        trained = net_train(net, {"Input": data, "Target": numpy.array([0, 1, 2, 0], dtype=numpy.int32)},
                            max_training_rounds=2, random_seed=0, progress=False)
        assert trained(torch.tensor(idx)).dtype == torch.float32


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16])
def test_layer_arrays_in_another_precision_compute_in_the_working_precision(dtype):
    given = torch.tensor([0.5, -0.25], dtype=dtype)
    net = net_initialize(NetGraph([LinearLayer(2, biases=given)], [], Input=3), seed=0)
    x = torch.randn(4, 3)
    out = net(x)
    weights = net.layers["1"].arrays["Weights"]
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, x @ weights.T + given.float())
    module = net.compile()
    assert all(p.dtype == torch.float32 for p in module.parameters())
    back = module.to_net().layers["1"].arrays["Biases"]
    assert back.dtype == dtype and torch.equal(back, given)  # the net keeps the arrays as given


def test_a_numpy_float64_array_option_trains():
    net = NetGraph([LinearLayer(1, biases=numpy.zeros(1))], [], Input=2)
    x, y = known_function(64, 0)
    trained = net_train(net, {"Input": x, "Target": y}, max_training_rounds=3, random_seed=0, progress=False)
    assert trained.layers["1"].arrays["Biases"].dtype == torch.float64
    assert trained(x).dtype == torch.float32
