"""Distribution parameters through the casts between the data and the draw (found by QA-D, session 48): a float64
rate of 1e-300 fed to a float32 net was refused as "found 0.0" (the cast at the net's input made it 0); ``interpret``
checked the inline Normal and Uniform draws that the compiled forward draws unchecked under checks="auto"; a Binomial
n of 2**24 + 1 at an Integer port was drawn as 2**24 in float32 without a word.
"""

from __future__ import annotations

import math
import re

import numpy
import pytest
import torch

from netgraph import (BinomialDistribution, DataError, ExponentialDistribution, GammaDistribution, LinearLayer,
                      MeanSquaredLossLayer, NetGraph, NetPort, NormalDistribution, RandomArrayLayer, SequenceLastLayer,
                      TrainingError, UniformDistribution, interpret, net_train)


def _draws(call, seed=0):
    torch.manual_seed(seed)
    return call()


@pytest.mark.parametrize("layer, port, option", [
    (RandomArrayLayer(ExponentialDistribution("#r")), "r", "lam"),
    (RandomArrayLayer(GammaDistribution(2.0, "#r")), "r", "beta"),
], ids=["exponential-rate", "gamma-scale"])
@pytest.mark.parametrize("fed", [torch.tensor([[1.0], [1e-300]], dtype=torch.float64), [[1.0], [1e-300]]],
                         ids=["float64-tensor", "python-floats"])
def test_a_parameter_that_underflows_the_nets_float32_is_named_with_the_value_fed(layer, port, option, fed):
    net = NetGraph({"g": layer}, [], r=1)
    with pytest.raises(DataError, match=r"layer 1 'g' \(RandomArrayLayer\): parameter .*input port 'r'.*1e-300 lie "
                                        r"below float32's smallest positive number \(1\.4e-45\)") as err:
        net(r=fed)
    problem = err.value.diagnostics[0]
    assert (problem.kind, problem.layer, problem.port, problem.option, problem.found) == \
        ("precision-range", ("g",), port, option, 1e-300)


@pytest.mark.parametrize("fed", [[torch.tensor([[1.0], [2.0]], dtype=torch.float64),
                                   torch.tensor([[1.0], [1e-300], [3.0]], dtype=torch.float64)],
                                  [[[1.0], [2.0]], [[1.0], [1e-300], [3.0]]]], ids=["float64-tensors", "python-floats"])
def test_a_parameter_that_underflows_float32_in_variable_length_data_is_named_with_the_value_fed(fed):
    """Sequences of different lengths run one length group at a time, each cast as it is grouped."""
    net = NetGraph({"g": RandomArrayLayer(ExponentialDistribution("#r"))}, [], r=("n", 1))
    with pytest.raises(DataError, match=r"layer 1 'g' \(RandomArrayLayer\): parameter lam .*input port 'r'.*1e-300 "
                                        r"lie below float32's smallest positive number") as err:
        net(r=fed)
    problem = err.value.diagnostics[0]
    assert (problem.kind, problem.layer, problem.port, problem.option, problem.found) == \
        ("precision-range", ("g",), "r", "lam", 1e-300)


GENUINE_ZERO = [[1.0]] * 6 + [[0.0], [1e-300]]  # the 0 at example 6 is refused; 1e-300 (example 7) is no excuse


@pytest.mark.parametrize("fed", [torch.tensor(GENUINE_ZERO, dtype=torch.float64), GENUINE_ZERO],
                         ids=["float64-tensor", "python-floats"])
@pytest.mark.parametrize("precision", ["float32", "float64"])
def test_a_genuine_zero_beside_an_underflow_keeps_the_layers_error(fed, precision):
    """The underflow is named only where the value refused is one the cast made 0 (review R6 of misc48)."""
    net = NetGraph({"g": RandomArrayLayer(ExponentialDistribution("#r"))}, [], r=1)
    with pytest.raises(DataError, match=r"found 0\.0 at index \(6, 0\)") as err:
        net(r=fed, precision=precision)
    problem = err.value.diagnostics[0]
    assert (problem.kind, problem.port, problem.example, problem.found) == ("parameter-value", "r", 6, 0.0)


@pytest.mark.parametrize("fed, example", [([[[0.0], [1.0]], [[1.0], [1e-300], [2.0]]], None),
                                          ([[[1.0], [1e-300]], [[1.0], [0.0], [2.0]]], 0)],
                         ids=["genuine-zero-refused", "underflow-refused"])
def test_variable_length_data_names_the_underflow_only_where_it_is_refused(fed, example):
    net = NetGraph({"g": RandomArrayLayer(ExponentialDistribution("#r"))}, [], r=("n", 1))
    with pytest.raises(DataError) as err:
        net(r=fed)
    problem = err.value.diagnostics[0]
    expected = ("parameter-value", 0, 0.0) if example is None else ("precision-range", 0, 1e-300)
    assert (problem.kind, problem.example, problem.found) == expected


def _rates(rows):
    return {"r": torch.tensor(rows, dtype=torch.float64), "t": torch.ones(len(rows), 1)}


@pytest.mark.parametrize("data", [
    _rates([[1.0]] * 5 + [[1e-300]] + [[1.0]] * 2),
    {"r": [[1.0]] * 5 + [[1e-300]] + [[1.0]] * 2, "t": [[1.0]] * 8},
    [{"r": r, "t": [1.0]} for r in [[1.0]] * 5 + [[1e-300]] + [[1.0]] * 2],
], ids=["float64-tensor", "python-lists", "list-of-examples"])
@pytest.mark.parametrize("seed", [0, 1])
def test_training_refused_a_rate_cast_to_zero_names_the_underflow_its_round_batch_and_example(data, seed):
    """net_train's error kept "found 0.0" where the cast made 1e-300 0 (net(x) names it): it now names the value fed
    and keeps where it stopped and the example (batches of 2 from 8 examples, shuffled)."""
    with pytest.raises(TrainingError, match=r"^training stopped at round 1, batch [1-4]: layer 1 'g' .*input port 'r' "
                                            r"at example 5 of the training data, .*1e-300 lie below float32's "
                                            r"smallest "
                                            r"positive number .*"
                                            r"working_precision='float64'") as err:
        net_train(_rated(1), data, max_training_rounds=1, batch_size=2, progress=False, random_seed=seed)
    problem = err.value.diagnostics[0]
    assert (problem.kind, problem.layer, problem.port, problem.example, problem.found) == \
        ("precision-range", ("g",), "r", 5, 1e-300)


def test_a_validation_pass_names_the_underflow_in_the_validation_data():
    """A validation pass kept the layer's "found 0.0" (the values were read from the training data only): the
    example is named in the validation data it lies in."""
    good = {"r": torch.ones(4, 1, dtype=torch.float64), "t": torch.ones(4, 1)}
    with pytest.raises(TrainingError, match=r"^training stopped at the validation after round 1: layer 1 'g' .*input "
                                            r"port 'r' at example 5 of the validation data \(validation_set\), "
                                            r".*1e-300 lie below") as err:
        net_train(_rated(1), good, validation_set=_rates([[1.0]] * 5 + [[1e-300]] + [[1.0]] * 2),
                  max_training_rounds=1, batch_size=2, progress=False, random_seed=0)
    problem = err.value.diagnostics[0]
    assert (problem.kind, problem.port, problem.example, problem.found) == ("precision-range", "r", 5, 1e-300)


def test_training_on_a_data_file_names_the_underflow_with_the_files_path(tmp_path, monkeypatch):
    """The file is named as given (a relative path here: a long absolute one is cut in the middle, as any name is)."""
    monkeypatch.chdir(tmp_path)
    path = "rates.npz"
    numpy.savez(path, r=numpy.array([[1.0]] * 5 + [[1e-300]] + [[1.0]] * 2), t=numpy.ones((8, 1)))
    with pytest.raises(TrainingError, match=rf"input port 'r' at example 5 of the training data in "
                                            rf"{re.escape(repr(path))}, .*1e-300 lie below") as err:
        net_train(_rated(1), path, max_training_rounds=1, batch_size=2, progress=False, random_seed=0)
    assert (err.value.diagnostics[0].kind, err.value.diagnostics[0].example) == ("precision-range", 5)


def _rated(shape):
    return NetGraph({"g": RandomArrayLayer(ExponentialDistribution("#r")), "w": LinearLayer(1),
                     "l": MeanSquaredLossLayer()}, [("g", "w"), ("w", NetPort("l", "Input")), (NetPort("t"), "l")],
                    r=shape, t=1)


def _paired():
    return NetGraph({"g": RandomArrayLayer(ExponentialDistribution("#r")), "w": LinearLayer(1)}, [("g", "w")], r=1)


@pytest.mark.parametrize("inputs", [[[1.0]] * 5 + [[1e-300]] + [[1.0]] * 2,
                                    tuple((r,) for r in [1.0] * 5 + [1e-300] + [1.0] * 2)], ids=["lists", "tuples"])
def test_training_on_a_pair_names_the_underflow_of_its_inputs_example(inputs):
    with pytest.raises(TrainingError,
                       match=r"input port 'r' at example 5 of the training data, .*1e-300 lie below") as err:
        net_train(_paired(), (inputs, [[1.0]] * 8), max_training_rounds=1, batch_size=8, progress=False,
                  random_seed=0)
    problem = err.value.diagnostics[0]
    assert (problem.kind, problem.example, problem.found) == ("precision-range", 5, 1e-300)


def test_training_on_a_pair_of_two_examples_keeps_a_genuine_zero():
    """The pair (inputs, targets) of two examples was read as a list of two examples: example 1's "input" was the
    targets' (1.0,), so a genuine 0 was named an underflow of 1.0."""
    with pytest.raises(TrainingError, match="found 0.0") as err:
        net_train(_paired(), (((5.0,), (0.0,)), ((1.0,), (1.0,))), max_training_rounds=1, batch_size=2,
                  progress=False, random_seed=0)
    problem = err.value.diagnostics[0]
    assert (problem.kind, problem.example, problem.found) == ("parameter-value", 1, 0.0)


def test_training_names_the_underflow_only_where_the_value_refused_is_one():
    """A genuine 0 (example 5) beside values the cast makes 0 (examples 6, 7): whichever the layer refuses first in
    the shuffled batch is named as it is (seeds 0 to 4 refuse both kinds)."""
    rows, seen = [[1.0]] * 5 + [[0.0]] + [[1e-300]] * 2, set()
    for seed in range(5):
        with pytest.raises(TrainingError) as err:
            net_train(_rated(1), _rates(rows), max_training_rounds=1, batch_size=8, progress=False, random_seed=seed)
        problem = err.value.diagnostics[0]
        expected = ("parameter-value", 0.0) if problem.example == 5 else ("precision-range", 1e-300)
        assert (problem.kind, problem.found) == expected and problem.example in (5, 6, 7)
        seen.add(problem.kind)
    assert seen == {"parameter-value", "precision-range"}


@pytest.mark.parametrize("sequences", [
    [[[1.0], [2.0]], [[1.0], [1e-300], [3.0]], [[2.0]], [[1.0], [1.0], [1.0], [1.0]]],
    [torch.tensor(s, dtype=torch.float64) for s in ([[1.0], [2.0]], [[1.0], [1e-300], [3.0]], [[2.0]],
                                                    [[1.0], [1.0], [1.0], [1.0]])],
], ids=["python-floats", "float64-tensors"])
def test_training_on_variable_length_data_names_the_underflow(sequences):
    net = NetGraph({"g": RandomArrayLayer(ExponentialDistribution("#r")), "m": SequenceLastLayer(), "w": LinearLayer(1),
                    "l": MeanSquaredLossLayer()}, [("g", "m", "w"), ("w", NetPort("l", "Input")), (NetPort("t"), "l")],
                   r=("n", 1), t=1)
    data = {"r": sequences, "t": [[1.0]] * 4}
    with pytest.raises(TrainingError, match=r"^training stopped at round 1, batch [12]: .*1e-300 lie below") as err:
        net_train(net, data, max_training_rounds=1, batch_size=2, progress=False, random_seed=0)
    problem = err.value.diagnostics[0]
    assert (problem.kind, problem.port, problem.example, problem.found) == ("precision-range", "r", 1, 1e-300)


def test_a_parameter_that_underflows_float32_draws_in_float64_compiled_and_interpreted():
    net = NetGraph({"g": RandomArrayLayer(ExponentialDistribution("#r"))}, [], r=1)
    rate = torch.full((4000, 1), 1e-300, dtype=torch.float64)
    module = net.compile().double()
    for draws in (net(r=rate, precision="float64"), module(r=rate), interpret(net, module, r=rate)):
        assert draws.dtype == torch.float64
        mean, standard_error = 1e300, 1e300 / math.sqrt(rate.numel())  # Exponential(λ): mean and sd 1/λ
        assert abs(draws.mean().item() - mean) < 5 * standard_error


def test_a_zero_fed_as_data_is_still_found_as_zero():
    net = NetGraph({"g": RandomArrayLayer(ExponentialDistribution("#r"))}, [], r=1)
    with pytest.raises(DataError, match=r"found 0\.0 at index \(1, 0\) of port 'r'") as err:
        net(r=torch.tensor([[2.0], [0.0]], dtype=torch.float64))
    assert err.value.diagnostics[0].kind == "parameter-value"


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("dist, fed", [
    (NormalDistribution("#a", "#b"), (0.0, -2.0)),
    (UniformDistribution(["#a", "#b"]), (3.0, 1.0)),
], ids=["negative-sigma", "bounds-out-of-order"])
def test_the_interpreter_draws_an_inline_draw_unchecked_as_the_compiled_forward(dist, fed, dtype):
    """README (checks="auto"): pathwise Normal and Uniform draws are inline in the compiled forward, unchecked."""
    net = NetGraph({"g": RandomArrayLayer(dist)}, [], a=1, b=1)
    module = net.compile(checks="auto").to(dtype)
    a, b = (torch.full((5, 1), v, dtype=dtype) for v in fed)
    compiled = _draws(lambda: module(a=a, b=b))
    interpreted = _draws(lambda: interpret(net, module, a=a, b=b))
    assert compiled.dtype == interpreted.dtype == dtype
    torch.testing.assert_close(interpreted, compiled)
    checked = net.compile(checks=True).to(dtype)
    with pytest.raises(DataError, match="layer 'g'"):
        checked(a=a, b=b)
    with pytest.raises(DataError, match="layer 'g'"):
        interpret(net, checked, a=a, b=b)


def _binomial_net() -> NetGraph:
    return NetGraph({"b": RandomArrayLayer(BinomialDistribution("#n", 0.5))}, [], n="Integer")


@pytest.mark.parametrize("dtype, n", [(torch.float32, 2 ** 24 + 1), (torch.float64, 2 ** 53 + 1)])
def test_a_binomial_count_the_cast_would_round_is_refused_compiled_and_interpreted(dtype, n):
    net = _binomial_net()
    module = net.compile().to(dtype)
    counts = torch.tensor([3, n, 5])
    calls = [lambda: module(n=counts), lambda: interpret(net, module, n=counts)]
    if dtype == torch.float32:
        calls.append(lambda: net(n=counts))
    for call in calls:
        with pytest.raises(DataError, match=rf"layer 'b'.*parameter n \(number of trials, an integer\) = {n} at index "
                                            rf"\(1,\) of port 'n'.*{str(dtype)[6:]}") as err:
            call()
        problem = err.value.diagnostics[0]
        assert (problem.kind, problem.layer, problem.port, problem.option, problem.found) == \
            ("parameter-value", ("b",), "n", "n", n)


@pytest.mark.parametrize("dtype, n", [(torch.float32, 2 ** 25), (torch.float64, 2 ** 24 + 1)])
def test_a_binomial_count_the_dtype_holds_exactly_is_drawn_compiled_and_interpreted(dtype, n):
    """2**25 is a float32 number (README: Binomial draws n beyond 2**24), 2**24 + 1 a float64 one."""
    net = _binomial_net()
    module = net.compile().to(dtype)
    counts = torch.full((4000,), n)
    for draws in (module(n=counts), interpret(net, module, n=counts)):
        assert draws.dtype == dtype
        mean, sd = n / 2, math.sqrt(n / 4)
        assert abs(draws.double().mean().item() - mean) < 5 * sd / math.sqrt(counts.numel()) + 1  # float32: ulp 2


@pytest.mark.parametrize("dtype, n, drawn_as, float64_holds", [
    (torch.float32, 2 ** 24 + 1, 2 ** 24, True), (torch.float32, 2 ** 63 - 1, 2 ** 63, False),
    (torch.float64, 2 ** 53 + 1, 2 ** 53, False), (torch.float64, 2 ** 63 - 1, 2 ** 63, False)])
def test_a_rounded_binomial_counts_remedy_promises_only_what_holds(dtype, n, drawn_as, float64_holds):
    """Review R1, session 48: "lies beyond ±2**24" read as the rule (2**24 + 2 draws), and float64 was offered for
    counts it cannot hold either (2**63 - 1), or told to give counts "within ±2**53" (2**53 + 2 draws)."""
    with pytest.raises(DataError) as err:
        _binomial_net().compile().to(dtype)(n=torch.tensor([3, n]))
    message, kind = str(err.value), str(dtype).removeprefix("torch.")
    assert f"= {n} at index (1,) of port 'n' is no {kind} number (it would be drawn as {drawn_as})" in message, message
    assert ("precision='float64'" in message) == float64_holds and "±" not in message and "beyond" not in message


class _RateItems(torch.utils.data.Dataset):
    """Example i: a float64 rate (1e-300 at example ``bad``) and its target."""

    def __init__(self, bad=5):
        self.bad = bad

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return {"r": torch.tensor([1e-300 if i == self.bad else 1.0], dtype=torch.float64), "t": torch.ones(1)}


def test_a_dataset_names_the_underflow_at_its_example():
    """A Dataset, a DataLoader and a held-out fraction kept the layer's "found 0.0": the batch is cast before the
    forward, and the value as given was read from the data given only in memory."""
    with pytest.raises(TrainingError, match=r"input port 'r' at example 5 of the training data, .*1e-300 lie below") \
            as err:
        net_train(_rated(1), _RateItems(), max_training_rounds=1, batch_size=2, progress=False, random_seed=0)
    problem = err.value.diagnostics[0]
    assert (problem.kind, problem.example, problem.found) == ("precision-range", 5, 1e-300)


def test_a_data_loader_names_the_underflow_in_its_batch():
    loader = torch.utils.data.DataLoader(_RateItems(), batch_size=2)
    with pytest.raises(TrainingError, match=r"^training stopped at round 1, batch 3: .*input port 'r' at example 1 of "
                                            r"this batch of the training data, .*1e-300 lie below") as err:
        net_train(_rated(1), loader, max_training_rounds=1, progress=False, random_seed=0)
    assert (err.value.diagnostics[0].kind, err.value.diagnostics[0].found) == ("precision-range", 1e-300)


@pytest.mark.parametrize("held", [True, False])
def test_a_held_out_fraction_names_the_underflow_in_the_part_it_lies_in(held):
    from netgraph.train.data_split import held_out
    kept, out = (part.tolist() for part in held_out(8, 0.25, 0))
    bad = out[0] if held else kept[1]
    rows = [[1e-300] if i == bad else [1.0] for i in range(8)]
    part = "validation data held out by validation_set" if held else "training data"
    for data in (_rates(rows), _RateItems(bad)):
        with pytest.raises(TrainingError, match=rf"input port 'r' at example {bad} of the {part}, .*1e-300 lie below"):
            net_train(_rated(1), data, validation_set=0.25, max_training_rounds=1, batch_size=2, progress=False,
                      random_seed=0)


def test_batches_that_train_are_not_searched_for_underflows(monkeypatch):
    """Every batch a float64 loader gave was searched for values its cast to float32 made 0 (two counts of nonzeros,
    ~0.2 ms a 64x784 batch; review r4 of session 51): only a layer's refusal of a 0 searches the batch now."""
    import netgraph.train.data as data
    searched = []
    real = data.underflowed
    monkeypatch.setattr(data, "underflowed", lambda given, cast: searched.append(1) or real(given, cast))
    loader = torch.utils.data.DataLoader(_RateItems(bad=None), batch_size=2)
    net_train(_rated(1), loader, max_training_rounds=1, progress=False, random_seed=0)
    assert searched == []
    with pytest.raises(TrainingError, match=r"input port 'r' at example 1 of this batch of the training data"):
        net_train(_rated(1), torch.utils.data.DataLoader(_RateItems(), batch_size=2), max_training_rounds=1,
                  progress=False, random_seed=0)
    assert searched
