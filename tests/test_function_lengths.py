"""A FunctionLayer given a Python function on inputs of variable length: output lengths named by probing."""

import pytest
import torch

from netgraph import FunctionLayer, NetGraph
from netgraph.core.errors import ShapeError

CASES = [  # (function, the output shape it has on input ("n", 3))
    (lambda x: x * 2, ("n", 3)),
    (lambda x: x.sum(1), (3,)),
    (lambda x: torch.cat([x, x], dim=1), ("n_times_2", 3)),
    (lambda x: x[:, 1:], ("n_minus_1", 3)),
    (lambda x: torch.cat([x, x, x[:, :1]], dim=1), ("n_times_2_plus_1", 3)),
    (lambda x: x[:, ::2], ("n_over_2", 3)),  # ceil(n / 2), named as PartLayer names "1;;-1;;2"
    (lambda x: x[:, 1::2], ("n_minus_1_over_2", 3)),  # floor(n / 2), PartLayer's "2;;-1;;2"
    (lambda x: x[:, ::4], ("n_over_4", 3)),  # 2 at the first three probes 5, 6, 7: no fixed size
    (lambda x: x[:, ::8], ("n_over_8", 3)),
    (lambda x: torch.cat([x, x[:, ::2]], dim=1), ("n_times_3_over_2", 3)),  # n + ceil(n / 2) = ceil(3n / 2)
    (lambda x: x[:, 2::7], ("n_minus_2_over_7", 3)),
]


@pytest.mark.parametrize("function, shape", CASES)
def test_a_python_function_of_a_variable_length_has_its_output_length_named(function, shape):
    net = NetGraph([FunctionLayer(function, input=("n", 3))])
    assert net.port_types["Output"].shape == shape


@pytest.mark.parametrize("function, shape", CASES)
def test_its_values_are_the_functions_on_sequences_of_different_lengths_compiled_and_interpreted(function, shape):
    torch.manual_seed(0)
    net = NetGraph([FunctionLayer(function, input=("n", 3))])
    sequences = [torch.randn(n, 3) for n in range(1, 10) if len(function(torch.zeros(1, n, 3))[0]) > 0]
    outputs = net(sequences)
    assert len(outputs) == len(sequences) >= 7
    for x, out in zip(sequences, outputs):
        torch.testing.assert_close(out, function(x[None])[0])
    x = torch.randn(2, 6, 3)
    torch.testing.assert_close(net(x), function(x))
    torch.testing.assert_close(net.compile()(x), function(x))


def test_two_lengths_get_their_own_names_where_each_output_dim_follows_one():
    net = NetGraph([FunctionLayer(lambda x, y: x[:, :, None, :] * y[:, None, :, :],
                                  input={"x": ("n", 3), "y": ("m", 3)})])
    assert net.port_types["Output"].shape == ("n", "m", 3)


def test_a_fixed_size_equal_to_a_probe_is_no_length():
    net = NetGraph([FunctionLayer(lambda x: x[:, :, :5], input=("n", 7))])
    assert net.port_types["Output"].shape == ("n", 5)


@pytest.mark.parametrize("function, inputs, found", [
    (lambda x, y: torch.cat([x, y], dim=1), {"x": ("n", 3), "y": ("m", 3)}, "depends on several input lengths (n, m)"),
    (lambda x: (x[:, :, None] * x[:, None]).flatten(1, 2), ("n", 3), "is no ceil((a * n + b) / k)"),
])
def test_an_output_length_no_name_says_is_refused_asking_for_output(function, inputs, found):
    with pytest.raises(ShapeError, match=r"give its output shape, output=\.\.\.") as info:
        NetGraph([FunctionLayer(function, input=inputs)])
    diagnostic = info.value.diagnostics[0]
    assert diagnostic.kind == "shape" and diagnostic.layer == ("1",)
    assert found in diagnostic.found


def test_a_given_output_shape_stands_where_no_length_name_says_it():
    net = NetGraph([FunctionLayer(lambda x, y: torch.cat([x, y], dim=1), input={"x": ("n", 3), "y": ("m", 3)},
                                  output=("k", 3))])
    assert net.port_types["Output"].shape == ("k", 3)
    x, y = torch.randn(2, 4, 3), torch.randn(2, 5, 3)
    torch.testing.assert_close(net(x=x, y=y), torch.cat([x, y], dim=1))


def test_a_data_dependent_function_of_a_variable_length_still_runs_on_zeros_when_its_output_is_given():
    def data_dependent(x):
        return x * 2 if x.sum() >= 0 else x
    net = NetGraph([FunctionLayer(data_dependent, input=("n", 3), output=("n", 3))])
    x = torch.randn(2, 4, 3).abs()
    torch.testing.assert_close(net(x), x * 2)
    with pytest.raises(ShapeError, match="data-dependent control flow"):
        NetGraph([FunctionLayer(data_dependent, input=("n", 3))])


def test_a_stride_past_the_probes_is_refused_not_taken_for_a_fixed_size():
    """``x[:, ::16]`` is ceil(n / 16): constant over nine consecutive probes, but not a fixed size."""
    with pytest.raises(ShapeError) as info:
        NetGraph([FunctionLayer(lambda x: x[:, ::16], input=("n", 3))], [])
    assert "output=" in str(info.value)
