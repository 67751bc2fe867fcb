"""A FunctionLayer given a Python function on inputs of variable length: output lengths named by probing."""

import re

import pytest
import torch
import torch.nn.functional as F

from netgraph import FlattenLayer, FunctionLayer, LinearLayer, NetChain, NetGraph
from netgraph.core.errors import NetGraphError, ShapeError
from netgraph.layers.function_lengths import LONGER_STARTS, PROBE_CALLS, calls_bound
from netgraph.layers.length_forms import size_step, stepped_form
from tests.length_helpers import evaluated

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
    (lambda x: x[:, ::16], ("n_over_16", 3)),  # 1 at nine consecutive probes: the far ones show it moves
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


RELATED = [  # (function, input shapes, output shape, the inputs' lengths at a real length n)
    (lambda a, b: a + b, {"a": ("n", 3), "b": ("n", 3)}, ("n", 3), lambda n: (n, n)),
    (lambda a, b: torch.cat([a, b], 1), {"a": ("n", 3), "b": ("n", 3)}, ("n_times_2", 3), lambda n: (n, n)),
    (lambda a, b: torch.cat([a, b], 1), {"a": ("n", 3), "b": ("n_times_2", 3)}, ("n_times_3", 3),
     lambda n: (n, 2 * n)),
    (lambda a, b: a + b[:, ::2], {"a": ("n", 3), "b": ("n_times_2", 3)}, ("n", 3), lambda n: (n, 2 * n)),
    (lambda a, b: (b + a[:, ::2])[:, 1:], {"a": ("n", 3), "b": ("n_over_2", 3)}, ("n_over_2_minus_1", 3),
     lambda n: (n, -(-n // 2))),
]


@pytest.mark.parametrize("function, inputs, shape, lengths", RELATED)
def test_inputs_of_related_lengths_are_probed_at_related_sizes(function, inputs, shape, lengths):
    net = NetGraph([FunctionLayer(function, input=inputs)])
    assert net.port_types["Output"].shape == shape
    torch.manual_seed(0)
    module = net.compile()
    for n in (3, 4, 7, 10):
        a, b = (torch.randn(2, k, 3) for k in lengths(n))
        want = function(a, b)
        torch.testing.assert_close(net(a=a, b=b), want)
        torch.testing.assert_close(module(a, b), want)


def test_inputs_of_lengths_named_apart_are_probed_apart_and_a_failure_says_so():
    outer = lambda a, b: a[:, :, None] + b[:, None]  # noqa: E731
    net = NetGraph([FunctionLayer(outer, input={"a": ("n", 3), "b": ("m", 3)})])
    assert net.port_types["Output"].shape == ("n", "m", 3)
    for n, m in ((2, 5), (6, 1), (4, 4)):
        a, b = torch.randn(2, n, 3), torch.randn(2, m, 3)
        torch.testing.assert_close(net(a=a, b=b), outer(a, b))
        torch.testing.assert_close(net.compile()(a, b), outer(a, b))
    with pytest.raises(ShapeError) as info:
        NetGraph([FunctionLayer(lambda a, b: a + b, input={"a": ("n", 3), "b": ("m", 3)})])
    message = str(info.value)
    assert re.search(r"probing the output shape at n = (\d+), m = (?!\1)\d+", message)
    assert "lengths named apart (n, m) are probed at different sizes" in message and "name them alike" in message


@pytest.mark.parametrize("step, start", [(16, 0), (64, 0), (64, 3), (37, 5)])
def test_a_stride_up_to_64_is_named(step, start):
    function = lambda x: x[:, start::step]  # noqa: E731
    net = NetGraph([FunctionLayer(function, input=("n", 3))])
    name = f"n_minus_{start}_over_{step}" if start else f"n_over_{step}"
    assert net.port_types["Output"].shape == (name, 3)
    for n in (start + 1, step, step + start + 1, 3 * step + 2):
        x = torch.randn(2, n, 3)
        torch.testing.assert_close(net(x), function(x))
        torch.testing.assert_close(net.compile()(x), function(x))


@pytest.mark.parametrize("step", [65, 100])
def test_a_stride_past_64_is_refused_saying_to_give_the_output_shape(step):
    with pytest.raises(ShapeError) as info:
        NetGraph([FunctionLayer(lambda x: x[:, ::step], input=("n", 3))])
    message = str(info.value)
    assert "k from 1 to 64" in message and 'declaring it: "n_over_100"' in message
    assert "give its output shape, output=..." in message
    for declared in ("k", f"n_over_{step}"):
        net = NetGraph([FunctionLayer(lambda x: x[:, ::step], input=("n", 3), output=(declared, 3))])
        for n in (1, step, 2 * step + 1):
            x = torch.randn(2, n, 3)
            torch.testing.assert_close(net(x), x[:, ::step])
            torch.testing.assert_close(net.compile()(x), x[:, ::step])


def _counted(function):
    calls = []

    def counting(x):
        calls.append(x.shape)
        return function(x)
    return counting, calls


@pytest.mark.parametrize("function", [lambda x: x * 2, lambda x: x[:, ::64], lambda x: x[:, ::100]])
def test_probing_runs_the_function_at_most_calls_bound_times_per_layer(function):
    counting, calls = _counted(function)
    layer = FunctionLayer(counting, input=("n", 3), output=("k", 3))
    NetGraph([layer])
    NetGraph([layer, FunctionLayer(lambda y: y + 1)])  # a second net of the same shapes probes no more
    assert calls and len(calls) <= calls_bound([("n", 3)]) == 1 + PROBE_CALLS
    assert all(shape[0] == 2 for shape in calls) and max(shape[1] for shape in calls) < 20_000


def _stepwise(x):  # a loop over time, as a recurrent module runs: its cost grows with the length
    return torch.stack([x[:, t] * 2 for t in range(x.shape[1])], 1)


@pytest.mark.parametrize("function, shape, far", [
    (_stepwise, ("n", 3), False), (lambda x: torch.cat([x, x[:, 1:]], 1), ("n_times_2_minus_1", 3), False),
    (lambda x: x.sum(1), (3,), False), (lambda x: x[:, ::2], ("n_over_2", 3), True),
    (lambda x: x[:, ::64], ("n_over_64", 3), True)])
def test_the_farthest_size_is_run_only_where_some_output_dim_is_no_line_of_whole_slope(function, shape, far):
    # every length was run at its first size + 10007 too: 10012 steps of a recurrent module took ~20 s; and a stride
    # was fitted on sizes that included the near ones, run again
    counting, calls = _counted(function)
    assert NetGraph([FunctionLayer(counting, input=("n", 3))]).port_types["Output"].shape == shape
    sizes = sorted({s[1] for s in calls})
    assert (sizes[-1] > 10_000) == far and sizes[-1 - far] > 100 and len(sizes) == len(calls)


def test_a_function_that_needs_data_and_is_affine_is_probed_on_zeros_without_the_farthest_size():
    calls = []

    def data_dependent(x):
        calls.append((x.device.type, x.shape[1]))
        return x * 2 if x.sum() >= 0 else -x
    NetGraph([FunctionLayer(data_dependent, input=("n", 3), output=("n", 3))])
    on_zeros = sorted({n for device, n in calls if device == "cpu"})
    assert on_zeros[-1] - on_zeros[0] < 1000 and on_zeros[-1] > 100


def test_a_function_that_needs_data_runs_once_on_meta_tensors_before_zeros():
    # each rung of the retry ladder (longer starts, the small sizes) ran it on meta again: 16 meta runs, all failing
    calls = []

    def data_dependent(x):
        calls.append(x.device.type)
        return x * 2 if x.sum() >= 0 else -x
    NetGraph([FunctionLayer(data_dependent, input=("n", 3), output=("n", 3))])
    assert calls.count("meta") == 1 and "cpu" in calls


@pytest.mark.parametrize("say", [lambda x: f"too short: {x.shape} on {x.device}", lambda x: "short for the meta-step"])
def test_a_function_refusing_short_lengths_with_meta_in_its_text_is_probed_from_a_longer_start(say):
    # the text had "meta": read as needing data, the longer starts went untried and output= was asked for
    def short(x):
        if x.shape[1] < 14:
            raise ValueError(say(x))
        return x[:, 13:]
    net = NetGraph([FunctionLayer(short, input=("n", 3))])
    assert net.port_types["Output"].shape == ("n_minus_13", 3)
    x = torch.randn(2, 20, 3)
    torch.testing.assert_close(net(x), x[:, 13:])


def test_an_error_inside_the_function_while_probing_is_a_shape_error_naming_layer_shapes_and_exception():
    def failing(x):
        raise KeyError("no such column")
    with pytest.raises(ShapeError) as info:
        NetGraph({"f": FunctionLayer(failing, input=("n", 3))})
    assert isinstance(info.value, NetGraphError) and info.value.diagnostics[0].layer == ("f",)
    message = str(info.value)
    assert re.search(r"layer 1 'f' \(FunctionLayer\): the Python function failed on inputs of shapes \[\(\d+, 3\)\]",
                     message)
    assert "KeyError: 'no such column'" in message and re.search(r"probing the output shape at n = \d+", message)


def test_a_function_that_needs_data_is_probed_on_zeros_with_the_far_sizes_nearer():
    calls = []

    def data_dependent(x):
        calls.append((x.device.type, x.shape[1]))
        return x[:, ::2] if x.sum() >= 0 else x[:, 1::2]
    net = NetGraph([FunctionLayer(data_dependent, input=("n", 3), output=("n_over_2", 3))])
    on_zeros = [n for device, n in calls if device == "cpu"]
    assert 0 < len(on_zeros) <= calls_bound([("n", 3)]) and max(on_zeros) < 1100
    x = torch.randn(2, 7, 3).abs()
    torch.testing.assert_close(net(x), x[:, ::2])


def test_a_remembered_probe_failure_keeps_no_failed_net_alive():
    # the layer remembers a failed probe per input shapes; it once raised the one stored exception each time, whose
    # traceback grew by a build's frames per raise and kept every failed NetGraph (and its arrays) alive
    layer = FunctionLayer(lambda a, b: a + b)
    depths = []
    for _ in range(5):
        with pytest.raises(NetGraphError) as caught:
            NetGraph([layer], [], a=("n",), b=("m",))
        depth, tb = 0, caught.value.__traceback__
        while tb is not None:
            depth, tb = depth + 1, tb.tb_next
        depths.append(depth)
    assert len(set(depths)) == 1  # one build's frames each time, not one more build's per raise
    stored = [v for v in layer.__dict__["_probes"].values() if isinstance(v, Exception)]
    assert stored and all(v.__traceback__ is None for v in stored)


def test_a_derived_length_probed_at_sizes_of_one_parity_is_no_line_of_whole_slope():
    # the fixed sizes push the probes to 5, 7, 9: 2 * ceil(p / 2) read as p + 1 there and at 107, so it was n_plus_1
    inputs = {"x": ("n", 6, 8, 106), "y": ("n_over_2", 6, 8, 106)}
    layer = FunctionLayer(lambda x, y: torch.cat([y, y], 1), input=inputs)
    net = NetGraph([layer])
    assert net.port_types["Output"].shape == ("n_over_2_times_2", 6, 8, 106)
    assert net(x=torch.zeros(1, 10, 6, 8, 106), y=torch.zeros(1, 5, 6, 8, 106)).shape[1] == 10


_W15, _W3 = torch.randn(4, 3, 15), torch.randn(4, 3, 5)
REFUSING_SHORT = [  # (function, input shape): each refuses short lengths (the probe's first, 5)
    (lambda x: F.max_pool1d(x, 8), (3, "n")), (lambda x: F.avg_pool1d(x, 10), (3, "n")),
    (lambda x: F.conv1d(x, _W15), (3, "n")), (lambda x: F.max_pool1d(x, 16), (3, "n")),
    (lambda x: F.conv1d(x, _W3, dilation=3), (3, "n")), (lambda x: F.max_pool2d(x, 16), (3, "h", "w")),
]


@pytest.mark.parametrize("function, shape", REFUSING_SHORT)
def test_a_function_refusing_short_lengths_is_named_from_longer_ones_it_takes_as_a_torch_layer_is(function, shape):
    # refused at build: the probe ran the function at length 5 only
    counting, calls = _counted(function)
    found = NetChain([FunctionLayer(counting, input=shape)]).port_types["Output"].shape
    for size in (64, 99, 130, 1000):
        sizes = {d: size + i for i, d in enumerate(d for d in shape if isinstance(d, str))}
        assert evaluated(found, sizes) == tuple(function(torch.zeros(1, *evaluated(shape, sizes))).shape[1:])
    lengths, on_meta = sum(isinstance(d, str) for d in shape), calls[:1] + calls[2:]  # calls[1]: once on zeros
    assert len(on_meta) == len(set(on_meta)) <= len(LONGER_STARTS) * lengths + calls_bound([shape])  # none twice


def test_a_function_pooling_past_short_lengths_feeds_a_flatten_and_linear_only_as_a_shape_error():
    with pytest.raises(ShapeError, match="cannot flatten a variable-length dimension"):
        NetChain([FunctionLayer(lambda x: F.max_pool1d(x, 8), input=(3, "n")), FlattenLayer(), LinearLayer(3)])


def test_a_function_refusing_a_short_length_and_far_ones_is_not_read_as_fixed_from_the_short_ones():
    def sixteenths_up_to_300(x):  # 1 long at every length up to 15: a fixed (1, 4) read off 5 to 13
        if x.shape[1] == 6 or x.shape[1] > 300:
            raise ValueError("takes a length up to 300 but 6")
        return x[:, : x.shape[1] // 16 + 1]
    with pytest.raises(ShapeError, match="no shape netgraph can name"):
        NetChain([FunctionLayer(sixteenths_up_to_300, input=("n", 4))])


def _sixths_up_to_20(x):
    n = x.shape[1]
    if n % 6 or n > 20:
        raise ValueError(f"takes 6, 12 or 18, not {n}")
    return x[:, : n // 2 if n < 10 else n // 3 + 2]


def test_a_function_taking_two_in_step_lengths_alone_is_not_named_from_those_two():
    # n_over_2 from 6 and 12 alone (any two sizes fit a line), then a DataError at a call on length 18
    with pytest.raises(ShapeError, match="output="):
        NetGraph([FunctionLayer(_sixths_up_to_20, input=("n", 3))])
    net = NetGraph([FunctionLayer(_sixths_up_to_20, input=("n", 3), output=("k", 3))])
    assert net(torch.zeros(1, 18, 3)).shape == (1, 8, 3)


def test_size_step_is_the_one_step_probed_sizes_keep_for_the_far_probe_and_the_stepped_fit():
    """The gcd of the sizes' distances, shared by the far probe (``_accepted``: in step with the sizes accepted) and
    ``stepped_form`` (a line in the step's multiples): a function taking only multiples of 3 gets n_over_3."""
    assert (size_step((6, 8, 12)), size_step((5, 8)), size_step((4,)), size_step((9, 3, 15))) == (2, 3, 0, 6)
    thirds = FunctionLayer(lambda x: x.reshape(x.shape[0], -1, 3, 3).sum(2), input=("n", 3))
    assert NetChain([thirds]).output_shapes["Output"] == ("n_over_3", 3)
    assert stepped_form((6, 9, 12, 96), [2, 3, 4, 32]) == (1, 0, 3)
