"""On a GPU: every example spec and every layer example of test_layer_parity (each layer type, function name and
distribution), compiled and moved with ``.to("cuda")``, gives the CPU module's outputs and dtypes, in float32 and
float64, eval and train mode (values only where the module draws nothing at random; random ones: ports, shapes,
dtypes and device). The data-on-the-wrong-device errors are the documented DataErrors; the probability check reads
the device once."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import torch

from netgraph import DataError, LinearLayer, NetChain, NetGraph, net_initialize
from netgraph.layers._loss_modules import checked_probabilities
from tests.gpu_helpers import check_moved, needs_cuda
from tests.test_layer_parity import EXAMPLES, Example, _inputs, distribution_examples, function_examples

pytestmark = needs_cuda

SPECS = Path(__file__).resolve().parent.parent / "specs"
DTYPES = [torch.float32, torch.float64]


def spec_case(name: str, dtype: torch.dtype) -> tuple:
    """The spec's net, a maker of its compiled module in ``dtype``, and random inputs of the declared shapes (a
    variable length is 5)."""
    net = net_initialize(NetGraph.from_yaml(SPECS / f"{name}.yaml"), seed=0)
    g = torch.Generator().manual_seed(3)
    inputs = {p: torch.rand(3, *(5 if isinstance(d, str) else d for d in shape), generator=g, dtype=dtype)
              for p, shape in net.input_shapes.items()}
    return net, lambda: net.compile().to(dtype), inputs


def layer_case(example: Example, dtype: torch.dtype) -> tuple:
    net = net_initialize(NetGraph([example.layer], [], **example.shapes), seed=0)
    return net, lambda: net.compile().to(dtype), _inputs(net, example, dtype)


def check_spec(name: str, dtype: torch.dtype, device: str) -> None:
    _, make, inputs = spec_case(name, dtype)
    for training in (False, True):
        check_moved(make, inputs, device, f"specs/{name}.yaml, {dtype}, training={training}", training)


def check_layer(example: Example, dtype: torch.dtype, device: str, tolerances: dict | None = None) -> None:
    _, make, inputs = layer_case(example, dtype)
    for training in (False, True):
        check_moved(make, inputs, device, f"{example.layer!r}, {dtype}, training={training}", training, tolerances)


#: torch's CUDA hardswish kernel multiplies by a float32 1/6 whatever the dtype (``one_sixth(1.0f / 6.0f)`` in
#: ATen/native/cuda/ActivationHardswishKernel.cu): float64 HardSwish on a GPU is right to float32 rounding only
#: (relative 3e-8, seen on an H200 with torch 2.11), where every other function holds the float64 tolerance
FLOAT32_CONSTANTS_ON_CUDA = {"ElementwiseLayer HardSwish", "FunctionLayer HardSwish"}


LAYERS = [(name, i) for name, examples in EXAMPLES.items() for i in range(len(examples))]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("name", sorted(p.stem for p in SPECS.glob("*.yaml")))
def test_an_example_spec_on_the_gpu_gives_the_cpus_outputs(name, dtype):
    check_spec(name, dtype, "cuda")


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", LAYERS, ids=lambda case: f"{case[0]}-{case[1]}")
def test_a_layer_on_the_gpu_gives_the_cpus_outputs(case, dtype):
    check_layer(EXAMPLES[case[0]][case[1]], dtype, "cuda")


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("name", sorted(function_examples()))
def test_a_function_on_the_gpu_gives_the_cpus_values(name, dtype):
    torch_float32_constant = name in FLOAT32_CONSTANTS_ON_CUDA and dtype == torch.float64
    tolerances = {torch.float64: {"rtol": 1e-7, "atol": 1e-9}} if torch_float32_constant else None
    check_layer(function_examples()[name](), dtype, "cuda", tolerances)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("name", sorted(distribution_examples()))
def test_a_random_layer_draws_on_the_gpu_in_the_cpus_shapes_and_dtypes(name, dtype):
    check_layer(distribution_examples()[name], dtype, "cuda")


def test_net_called_with_gpu_data_is_the_documented_data_error():
    net = net_initialize(NetChain([LinearLayer(3)], input=4), seed=0)
    x = torch.rand(2, 4, device="cuda")
    with pytest.raises(DataError, match=rf"input port 'Input': the data is on device {x.device}, but net\(\.\.\.\) "
                                        r"evaluates on device cpu") as info:
        net(x)
    assert info.value.diagnostics[0].port == "Input"
    torch.testing.assert_close(net(x.cpu()), net.compile()(x.cpu()))


def test_a_module_on_the_gpu_given_cpu_data_is_the_documented_data_error():
    module = net_initialize(NetChain([LinearLayer(3)], input=4), seed=0).compile().to("cuda")
    with pytest.raises(DataError, match=r"input port 'Input': the compiled module's arrays are on cuda:0, found a "
                                        r"tensor on cpu"):
        module(torch.rand(2, 4))
    assert module(torch.rand(2, 4, device="cuda")).device.type == "cuda"


def test_a_cross_entropy_s_probability_check_on_the_gpu_reads_the_device_once():
    """Found in review: the check of values in [0, 1] read its two ends with two .item() calls, two syncs."""
    v = torch.rand(32, 10, device="cuda")
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert checked_probabilities(v, "L", "Input", None, False) is v
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert len([w for w in caught if "synchroniz" in str(w.message)]) == 1
