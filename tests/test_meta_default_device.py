"""Under torch's meta (or any other) default device, netgraph still makes a net's arrays, option arrays and
distribution parameters on the CPU, where a net's arrays live: the net saves, writes YAML, evaluates and trains."""

import contextlib

import numpy as np
import pytest
import torch

import netgraph
from netgraph import (BatchNormalizationLayer, LinearLayer, NetArrayLayer, NetChain, NormalDistribution, OptionError,
                      UniformDistribution, net_initialize, net_train)


def _net():
    return NetChain([LinearLayer(5), BatchNormalizationLayer(), "Tanh", LinearLayer(2)], input=4)


@contextlib.contextmanager
def _meta_default():
    torch.set_default_device("meta")
    try:
        yield
    finally:
        torch.set_default_device(None)


def test_initialized_under_meta_device_block_is_the_cpu_net(tmp_path):
    with torch.device("meta"):
        net = net_initialize(_net(), seed=0)
    cpu = net_initialize(_net(), seed=0)
    assert {k: v.device.type for k, v in net.arrays.items()} == {k: "cpu" for k in cpu.arrays}
    assert all(torch.equal(net.arrays[k], cpu.arrays[k]) for k in cpu.arrays)
    assert net.to_yaml() == cpu.to_yaml()
    loaded = netgraph.load(netgraph.save(net, tmp_path / "net"))
    assert all(torch.equal(loaded.arrays[k], cpu.arrays[k]) for k in cpu.arrays)


def test_meta_default_device_options_distributions_and_evaluation():
    x = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    cpu = net_initialize(_net(), seed=0)
    with _meta_default():
        layer = NetArrayLayer(array=[1.5, 2.0])
        normal = NormalDistribution(0, 1)
        variance = normal.variance()
        uniform = UniformDistribution([0, 1])  # its order check makes tensors
        mean = uniform.mean()
        out = cpu(x)
    assert layer.array.device.type == "cpu" and layer.array.tolist() == [1.5, 2.0]
    assert variance == 1.0 and str(normal) == "NormalDistribution(0.0, 1.0)"
    assert mean == 0.5 and str(uniform) == "UniformDistribution([0.0, 1.0])"
    assert out.device.type == "cpu" and torch.equal(out, cpu(x))


def test_meta_default_device_training_matches_cpu():
    rng = np.random.default_rng(1)
    data = (rng.normal(size=(16, 4)).astype(np.float32), rng.normal(size=(16, 2)).astype(np.float32))
    options = {"max_training_rounds": 2, "random_seed": 3, "batch_size": 4}
    expected = net_train(net_initialize(_net(), seed=0), data, **options)
    with _meta_default():
        trained = net_train(net_initialize(_net(), seed=0), data, **options)
    assert all(trained.arrays[k].device.type == "cpu" for k in expected.arrays)
    assert all(torch.equal(trained.arrays[k], expected.arrays[k]) for k in expected.arrays)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64, torch.bool])
def test_a_meta_tensor_as_an_array_option_is_refused_as_one(dtype):
    with pytest.raises(OptionError, match=r"found a meta tensor \(no values\)"):
        NetArrayLayer(array=torch.zeros(2, dtype=dtype, device="meta"))

