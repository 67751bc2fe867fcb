"""numpy's numbers and arrays where the Python API takes Python's (QA pass 11): the README promises that numpy's
numbers work wherever Python's do (layer indices, options, seeds), but a distribution's parameters, ``net_insert``'s
position, ``net_flatten``'s levels and the keys of learning-rate and initialisation rules refused them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netgraph import (CategoricalDistribution, DataError, DiscreteUniformDistribution, LinearLayer,
                      MultinormalDistribution, NetChain, NormalDistribution, OptionError, PoissonDistribution,
                      SoftmaxLayer, net_flatten, net_initialize, net_insert, net_set_learning_rate_multipliers)


@pytest.mark.parametrize("made, plain", [
    (lambda: NormalDistribution(np.int64(2), np.float64(0.5)), NormalDistribution(2, 0.5)),
    (lambda: NormalDistribution(np.array([0.5, 1.0]), np.array(2.0)), NormalDistribution([0.5, 1.0], 2)),
    (lambda: PoissonDistribution(np.float32(2.5)), PoissonDistribution(2.5)),
    (lambda: DiscreteUniformDistribution((np.int64(0), np.int64(3))), DiscreteUniformDistribution((0, 3))),
    (lambda: CategoricalDistribution(np.array([0.25, 0.75])), CategoricalDistribution([0.25, 0.75])),
    (lambda: MultinormalDistribution(np.zeros(2), np.eye(2)), MultinormalDistribution([0, 0], [[1, 0], [0, 1]])),
])
def test_a_distribution_takes_numpy_numbers_and_arrays_as_python_ones(made, plain):
    dist = made()
    assert dist == plain and hash(dist) == hash(plain)
    assert repr(dist) == repr(plain)


def test_a_numpy_bool_or_text_parameter_is_still_refused():
    with pytest.raises(OptionError, match="parameter mu must be a number"):
        NormalDistribution(np.bool_(True), 1)
    with pytest.raises(OptionError, match="parameter mu must be a number"):
        NormalDistribution(np.array(["a"]), 1)


def test_net_insert_takes_a_numpy_position_as_an_int():
    chain = NetChain([LinearLayer(3), "Tanh"], input=2)
    for position in (2, -1):
        assert net_insert(chain, "Ramp", np.int64(position)) == net_insert(chain, "Ramp", position)


def test_net_flatten_takes_numpy_levels_as_an_int():
    net = NetChain([NetChain([NetChain([LinearLayer(3)]), "Tanh"]), "Tanh"], input=2)
    assert net_flatten(net, levels=np.int64(1)) == net_flatten(net, levels=1) != net_flatten(net)


def test_rule_keys_take_numpy_indices_as_ints():
    net = NetChain({"a": LinearLayer(3), "b": "Tanh", "c": LinearLayer(2)}, input=2)
    for key, same in [(np.int64(1), 1), ((np.int64(-1), "Weights"), (-1, "Weights"))]:
        rates = net_set_learning_rate_multipliers(net, {key: 0.5}).learning_rate_multipliers
        assert rates == net_set_learning_rate_multipliers(net, {same: 0.5}).learning_rate_multipliers
    filled = net_initialize(net, method={np.int64(3): 0.25, "All": 0.0}, seed=0)
    assert torch.equal(filled.layers["c"].arrays["Weights"], torch.full((2, 3), 0.25))
    assert torch.equal(filled.layers["a"].arrays["Weights"], torch.zeros(3, 2))



@pytest.mark.parametrize("port", ["fixed", "unknown"])
def test_a_tuple_of_numpy_examples_is_refused_as_a_tuple_of_tensors_is(port, monkeypatch):
    """README: the batch form is a list of tensors or arrays, 'a tuple is refused'; a tuple of numpy arrays was read
    (torch reads it number by number: 10x the CPU time of a stacked array, and a UserWarning 'extremely slow')."""
    import netgraph.core.tensors as tensors
    seen, real = [], torch.as_tensor
    monkeypatch.setattr(tensors.torch, "as_tensor", lambda value, **kw: seen.append(type(value)) or real(value, **kw))
    net = net_initialize(NetChain([LinearLayer(3), "Tanh"], input=2), seed=0) if port == "fixed" else SoftmaxLayer()
    for value in ((np.ones(2), np.zeros(2)), (torch.ones(2), torch.zeros(2))):
        with pytest.raises(DataError, match="a tuple of tensors is no batch") as info:
            net(value)
        assert info.value.diagnostics[0].kind == "not-a-tensor"
        if isinstance(value[0], np.ndarray):
            assert tuple not in seen and list not in seen  # never read number by number
    assert net([np.ones(2), np.zeros(2)]).shape[0] == 2  # the list is the batch form


@pytest.mark.parametrize("number", [np.float32(0.1), np.float16(0.1), np.array(0.1, dtype=np.float32)])
def test_a_narrow_numpy_float_option_is_the_decimal_written(number):
    """np.float32(0.1) was read as 0.10000000149011612, so DropoutLayer(np.float32(0.1)) != DropoutLayer(0.1) and
    printed, hashed and saved so; a float32 tensor parameter reads back as 0.1 (its shortest decimal)."""
    from netgraph import BatchNormalizationLayer, DropoutLayer
    assert DropoutLayer(number) == DropoutLayer(0.1) and hash(DropoutLayer(number)) == hash(DropoutLayer(0.1))
    assert repr(DropoutLayer(number)) == "DropoutLayer(0.1)"
    assert BatchNormalizationLayer(epsilon=number) == BatchNormalizationLayer(epsilon=0.1)
    assert NormalDistribution(number, 1) == NormalDistribution(0.1, 1) and NormalDistribution(number, 1).params[0] == 0.1


def test_layer_indices_and_paths_take_numpy_integers_wherever_a_layer_is_named():
    """One helper (core.integers: plain_int, plain_index) behind every place that names a layer by index: ports,
    wiring, net[...], surgery paths, rule keys, net_insert, net_flatten (wiring and net[...] had own copies)."""
    from netgraph import NetGraph, NetPort, net_drop
    assert NetPort(np.int64(1), "Output") == NetPort(1, "Output") and NetPort((np.int8(1), 2), "x").layer == (1, 2)
    wired = NetGraph([LinearLayer(3), "Tanh"], [(np.int64(1), np.int32(2))], Input=2)
    assert wired == NetGraph([LinearLayer(3), "Tanh"], [(1, 2)], Input=2)
    assert wired[np.int64(-1)] == wired[-1] and wired[np.int64(0), "Weights"] is None
    assert net_initialize(wired, seed=0)[np.int64(0), "Weights"].shape == (3, 2)
    assert net_drop(wired, [(np.int64(2),)]) == net_drop(wired, [(2,)])
