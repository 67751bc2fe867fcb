"""A TorchLayer's output lengths: each variable input length is probed at sizes of its own, and each output dim is
named after the one length it follows, in the forms netgraph's own layers name (a pooling's ``n_minus_1_over_2``)."""

from __future__ import annotations

import onnx
import pytest
import torch
from torch import nn

from netgraph import (FlattenLayer, LinearLayer, NetChain, NetGraph, NetPort, PoolingLayer, ShapeError, TorchLayer,
                      export_onnx, net_initialize, register_module)
from tests.length_helpers import evaluated


class Transposed(nn.Module):
    def forward(self, x):
        return x.transpose(2, 3)


@pytest.mark.parametrize("module, shape, expected", [
    (nn.Conv2d(1, 2, 3, padding=1), (1, "h", "w"), (2, "h", "w")),
    (nn.Identity(), ("n", "m", 3), ("n", "m", 3)),
    (Transposed(), (1, "h", "w"), (1, "w", "h")),
    (nn.Conv2d(1, 2, (1, 2)), (1, "h", "w"), (2, "h", "w_minus_1")),
])
def test_each_output_dim_is_named_after_the_input_length_it_follows(module, shape, expected):
    # every variable dim took the first one's name: a Conv2d on (1, h, w) gave (2, h, h)
    assert NetChain([module], input=shape).port_types["Output"].shape == expected


def test_a_residual_sum_around_a_wrapped_block_on_images_of_any_size_builds_and_computes_the_block():
    torch.manual_seed(0)
    block = nn.Sequential(nn.Conv2d(2, 2, 3, padding=1), nn.ReLU(), nn.Conv2d(2, 2, 3, padding=1))
    net = NetGraph({"body": TorchLayer(block), "add": "Plus"},
                   [(NetPort("Input"), ["body"]), ([NetPort("Input"), "body"], "add")], Input=(2, "h", "w"))
    assert net.port_types["Output"].shape == (2, "h", "w")
    x = torch.randn(3, 2, 5, 9)
    assert torch.allclose(net_initialize(net)(x), x + block(x), atol=1e-6)


def test_a_wrapped_max_pooling_names_its_length_as_pooling_layer_does_so_the_two_add_up():
    # MaxPool1d(2) on n gave "n_2_3_at_5_7" where PoolingLayer(2, stride=2) gives "n_minus_1_over_2": a ShapeError
    net = NetGraph({"torch": TorchLayer(nn.MaxPool1d(2)), "own": PoolingLayer(2, stride=2), "add": "Plus"},
                   [(NetPort("Input"), ["torch", "own"]), (["torch", "own"], "add")], Input=(2, "n"))
    assert net.port_types["Output"].shape == (2, "n_minus_1_over_2")
    x = torch.randn(2, 2, 9)
    assert torch.equal(net(x), 2 * nn.functional.max_pool1d(x, 2))


class TablePositions(nn.Module):
    """Adds a learned position table of 16 rows: it refuses sequences longer than 16."""

    def __init__(self):
        super().__init__()
        self.table = nn.Parameter(torch.arange(16.0)[None, :, None].repeat(1, 1, 4))

    def forward(self, x):
        return x + self.table[:, : x.shape[1]]


def test_a_module_that_refuses_long_lengths_is_still_probed_on_short_ones():
    net = NetChain([TablePositions()], input=("n", 4))
    assert net.port_types["Output"].shape == ("n", 4)
    assert torch.equal(net(torch.zeros(1, 3, 4))[0, :, 0], torch.tensor([0.0, 1.0, 2.0]))


def test_an_output_length_of_two_input_lengths_asks_for_the_output_shape_and_takes_one_given():
    with pytest.raises(ShapeError) as info:
        NetChain([nn.Flatten()], input=(2, "h", "w"))
    assert "depends on several input lengths (h, w)" in str(info.value)
    assert "outputs={'Output': shape}" in str(info.value)
    net = NetChain([TorchLayer(nn.Flatten(), outputs={"Output": ("hw",)})], input=(2, "h", "w"))
    assert net.port_types["Output"].shape == ("hw",)
    assert net(torch.ones(1, 2, 3, 5)).shape == (1, 30)


def test_onnx_export_of_a_wrapped_conv_declares_each_length_by_its_own_name(tmp_path):
    net = net_initialize(NetChain([nn.Conv2d(1, 2, 3, padding=1)], input=(1, "h", "w")), seed=0)
    export_onnx(net, tmp_path / "conv.onnx")
    output = onnx.load(str(tmp_path / "conv.onnx")).graph.output[0]
    assert [d.dim_param or d.dim_value for d in output.type.tensor_type.shape.dim] == ["batch", 2, "h", "w"]


class ShortTable(nn.Module):
    """Adds a learned position table of ``rows`` rows: it refuses longer sequences."""

    def __init__(self, rows):
        super().__init__()
        self.table = nn.Parameter(torch.arange(float(rows))[:, None].repeat(1, 4))

    def forward(self, x):
        return x + self.table[: x.shape[1]]


@pytest.mark.parametrize("rows", [10, 6])
def test_a_position_table_shorter_than_the_nine_small_probe_sizes_still_builds(rows):
    # a ShapeError since the fallback probed nine consecutive sizes (5 to 13): it built when two sizes were probed
    net = NetChain([TorchLayer(ShortTable(rows))], input=("n", 4))
    assert net.port_types["Output"].shape == ("n", 4)
    assert torch.equal(net(torch.zeros(1, 3, 4))[0, :, 0], torch.tensor([0.0, 1.0, 2.0]))


class OddLengthsOnly(nn.Module):
    def forward(self, x):
        if x.shape[1] % 2 == 0:
            raise ValueError("needs an odd length")
        return x[:, 1:]


def test_a_module_that_takes_odd_lengths_alone_is_named_from_the_odd_sizes_it_takes():
    net = NetChain([TorchLayer(OddLengthsOnly())], input=("n", 4))
    assert net.port_types["Output"].shape == ("n_minus_1", 4)
    assert net(torch.ones(1, 5, 4)).shape == (1, 4, 4)


class SumOfTwo(nn.Module):
    def forward(self, x, y):
        return x + y


def test_a_module_that_needs_two_lengths_named_apart_alike_still_builds_named_after_the_first():
    # probed apart (n = 5 beside m = 14) the sum failed; it built when every length took one size
    net = NetGraph({"sum": TorchLayer(SumOfTwo(), inputs=["x", "y"])},
                   [(NetPort("A"), NetPort("sum", "x")), (NetPort("B"), NetPort("sum", "y"))], A=("n", 4), B=("m", 4))
    assert net.port_types["Output"].shape == ("n", 4)
    assert torch.equal(net(A=torch.ones(1, 3, 4), B=torch.ones(1, 3, 4)), torch.full((1, 3, 4), 2.0))


def test_a_module_that_refuses_every_size_but_the_first_is_refused_with_the_module_error():
    with pytest.raises(ShapeError) as info:
        NetChain([TorchLayer(ShortTable(5))], input=("n", 4))
    assert "running the module on meta tensors" in str(info.value) and "outputs={'Output': shape}" in str(info.value)


class CountedCalls(nn.Module):
    sizes: list[int] = []  # on the class: the layer runs a copy of the module

    def forward(self, x):
        CountedCalls.sizes.append(x.shape[1])
        return torch.cat([x, x], 1)[:, 1:]


def test_an_output_length_affine_at_the_first_sizes_and_the_far_one_is_named_without_the_other_sizes():
    # every length took nine near sizes and two far ones, then three near and both far ones (10012: ~20 s for a GRU),
    # though three near and the one at 101 on tell a * n + b (see function_lengths)
    CountedCalls.sizes.clear()
    assert NetChain([TorchLayer(CountedCalls())], input=("n", 4)).port_types["Output"].shape == ("n_times_2_minus_1", 4)
    assert sorted(set(CountedCalls.sizes)) == [5, 6, 7, 106]


class FiveOrSeven(nn.Module):
    def forward(self, x):
        if x.shape[1] not in (5, 7):
            raise ValueError("takes a length of 5 or 7")
        return 2 * x


@pytest.mark.parametrize("fixed", [5, 7])
def test_a_module_taking_two_lengths_alone_builds_beside_a_fixed_size_equal_to_one(fixed):
    # a ShapeError: the probes passed over the fixed size (6, 7, 8...) and the first of them, refused, was raised
    net = NetChain([TorchLayer(FiveOrSeven())], input=("n", fixed))
    assert net.port_types["Output"].shape == ("n", fixed)
    assert torch.equal(net(torch.ones(1, 7, fixed)), torch.full((1, 7, fixed), 2.0))


class SumWithHalf(nn.Module):
    def forward(self, x, y, z):
        return x + y + z[:, ::2]


def test_lengths_named_apart_beside_one_derived_from_them_are_tried_at_one_size():
    # a ShapeError: with a derived length (m_times_2) among them, n and m were never tried at one size
    net = NetGraph({"sum": TorchLayer(SumWithHalf(), inputs=["x", "y", "z"])},
                   [(NetPort(p), NetPort("sum", q)) for p, q in zip("ABC", "xyz")],
                   A=("n", 4), B=("m", 4), C=("m_times_2", 4))
    assert net.port_types["Output"].shape == ("n", 4)
    assert torch.equal(net(A=torch.ones(1, 3, 4), B=torch.ones(1, 3, 4), C=torch.ones(1, 6, 4)),
                       torch.full((1, 3, 4), 3.0))


class TwelveOrLonger(nn.Module):
    sizes: list[int] = []  # on the class: the layer runs a copy of the module

    def forward(self, x):
        TwelveOrLonger.sizes.append(x.shape[1])
        if x.shape[1] < 12:
            raise ValueError("takes a length of 12 or more")
        return x[:, 2:]


def test_sizes_a_module_refused_are_not_probed_again():
    # found in review: 17 runs, each of 5 to 11 twice (the search for a first size taken, then the sizes beside it);
    # now 5 (refused), then from 14 on with strides as a module that takes every length: each size once
    TwelveOrLonger.sizes.clear()
    net = NetChain([TorchLayer(TwelveOrLonger())], input=("n", 4))
    assert net.port_types["Output"].shape == ("n_minus_2", 4)
    assert TwelveOrLonger.sizes == [5, 6, 1024, 14, 15, 16, 115]  # 6 and 1024: is it a length it refuses?
    assert net(torch.ones(1, 12, 4)).shape == (1, 10, 4)


@pytest.mark.parametrize("module, shape", [
    (nn.MaxPool1d(8), (3, "n")), (nn.AvgPool1d(10), (3, "n")), (nn.Conv1d(1, 8, 10, stride=5), (1, "n")),
    (nn.Conv2d(3, 8, 8, stride=8), (3, "h", "w")),  # refuse short lengths: each dim read 1 at 5 to 13
    (nn.Conv1d(3, 4, 15), (3, "n")), (nn.MaxPool1d(16), (3, "n")), (nn.Conv1d(3, 4, 5, dilation=3), (3, "n")),
    (nn.Conv2d(3, 8, 16, stride=16), (3, "h", "w")),  # refuse every length up to 13: a ShapeError
])
def test_a_module_refusing_short_lengths_is_named_from_longer_ones_it_takes(module, shape):
    found = NetChain([TorchLayer(module)], input=shape).port_types["Output"].shape
    for size in (64, 99, 130, 1000):
        sizes = {d: size + i for i, d in enumerate(d for d in shape if isinstance(d, str))}
        x = torch.zeros(1, *evaluated(shape, sizes))
        assert evaluated(found, sizes) == tuple(module(x).shape[1:])


def test_a_pooling_refusing_short_lengths_feeds_a_flatten_and_linear_only_as_a_shape_error():
    # built as (3, 1) then a raw torch matmul error at a call on length 64
    with pytest.raises(ShapeError):
        NetChain([nn.MaxPool1d(8), FlattenLayer(), LinearLayer(3)], input=(3, "n"))


class FromLength2000(nn.Module):
    def forward(self, x):
        if x.shape[-1] < 2000:
            raise ValueError(f"length {x.shape[-1]} is under 2000")
        return x


def test_a_module_refusing_every_length_tried_says_how_many_it_tried_and_its_one_kind_of_error():
    # it named only (3, 5); then listed all 16 shapes; then dropped the longest (1024) and blamed a fixed size alone
    with pytest.raises(ShapeError) as info:
        NetChain([TorchLayer(FromLength2000())], input=(3, "n"))
    message = str(info.value)
    assert "one kind of error (ValueError) at every length tried (16 sizes, n = 5 ... 1024" in message  # the longest
    assert "length 1024 is under 2000" in message and "likely a fixed size" not in message  # the longest: telling
    assert "(3, 14)" not in message and message.count("outputs=") == 1 and "longer inputs" in message


def test_a_registered_module_refusing_every_length_is_not_told_of_an_outputs_option():
    # a registered module has no outputs= option, yet the message told it to give the output shapes with one
    layer = register_module(FromLength2000, name="FromLength2000M2", replace=True)
    with pytest.raises(ShapeError) as info:
        NetChain([layer()], input=(3, "n"))
    assert "at every length tried (16 sizes, n = 5 ... 1024" in str(info.value)
    assert "outputs=" not in str(info.value)


class AssertLonger(nn.Module):
    def forward(self, x):
        if x.shape[-1] < 2000:  # a bare assert's error (pytest rewrites an assert here to say the values)
            raise AssertionError
        return x


class NeedsEightChannels(nn.Module):
    def forward(self, x):
        return nn.functional.conv1d(x, torch.zeros(2, 8, 3))


@pytest.mark.parametrize("module", [nn.Conv1d(4, 8, 3), NeedsEightChannels()])
def test_a_module_failing_alike_at_every_length_is_refused_with_its_one_error_naming_the_port(module):
    # wrong channels, not lengths: the message listed 16 shapes tried and advised outputs= (twice)
    with pytest.raises(ShapeError) as info:
        NetChain([TorchLayer(module, inputs={"Input": (3, "n")})])
    message, cause = str(info.value), info.value.__cause__
    assert isinstance(cause, RuntimeError) and str(cause) in message
    assert "layer 1 (TorchLayer)" in message and "'Input' (3, n)" in message and "every length" in message
    assert "likely a fixed size" in message and message.count("outputs=") == 1
    assert "(3, 6)" not in message and "(3, 1024)" not in message


class RefusedUnder(nn.Module):
    """Refuses lengths under ``least`` with ``say(x)``: a text that names no length."""

    def __init__(self, least, say):
        super().__init__()
        self.least, self.say = least, say

    def forward(self, x):
        if x.shape[-1] < self.least:
            raise ValueError(self.say(x))
        return x[..., self.least - 1:]


@pytest.mark.parametrize("say", [lambda x: f"too short for the kernel: {x}", lambda x: "short for the meta-learner"])
def test_a_module_refusing_short_lengths_with_meta_in_its_text_is_probed_from_a_longer_start(say):
    # the text had "meta" (device='meta' in a tensor's repr): read as needing data, the longer starts went untried
    module = RefusedUnder(14, say)
    net = NetChain([TorchLayer(module)], input=(3, "n"))
    assert net.port_types["Output"].shape == (3, "n_minus_13")
    x = torch.randn(2, 3, 20)
    assert torch.equal(net(x), module(x))


@pytest.mark.parametrize("module", [RefusedUnder(2000, lambda x: "shorter than the receptive field"), AssertLonger()])
def test_a_module_refusing_short_lengths_alike_is_told_of_outputs(module):
    # "the lengths are not the fault: check the fixed sizes", without outputs=: wrong for a length refusal
    with pytest.raises(ShapeError) as info:
        NetChain([TorchLayer(module)], input=(3, "n"))
    message = str(info.value)
    assert "likely a fixed size" in message and "longer inputs or real data" in message
    assert message.count("outputs=") == 1 and "not the fault" not in message


class SixteenthsUpTo300(nn.Module):
    """Refuses length 6 and lengths past 300; its output is ``n // 16 + 1`` long (1 at every length up to 15)."""

    def forward(self, x):
        if x.shape[1] == 6 or x.shape[1] > 300:
            raise ValueError("takes a length up to 300 but 6")
        return x[:, : x.shape[1] // 16 + 1]


def test_a_dim_the_same_at_the_short_lengths_a_module_takes_is_not_fixed_where_a_far_one_moves_it():
    # it read (1, 4) from the lengths 5 to 13 it took: a wrong fixed dim
    with pytest.raises(ShapeError) as info:
        NetChain([TorchLayer(SixteenthsUpTo300())], input=("n", 4))
    assert "no shape netgraph can name" in str(info.value) and "outputs=" in str(info.value)


class TwentyToForty(nn.Module):
    """Takes only lengths 20 to 40 (every other position kept): neither probe path can name its output."""

    def forward(self, x):
        if not 20 <= x.shape[-1] <= 40:
            raise ValueError(f"length {x.shape[-1]} outside 20..40")
        return x[..., ::2]


def test_a_module_taking_some_lengths_but_no_name_says_which_it_took_and_refused():
    # the message named only length 5 ("check that the module takes inputs of these shapes"), though it ran at 32, 33
    with pytest.raises(ShapeError) as info:
        NetChain([TorchLayer(TwentyToForty())], input=(3, "n"))
    message = str(info.value)
    assert "it took (3, 32)" in message and "refused (3, 5)" in message and message.count("outputs=") == 1
    assert len(message) < 1000


class EvenOnly(nn.Module):
    def forward(self, x):
        b, c, n = x.shape
        if n % 2:
            raise ValueError("takes even lengths only")
        return x.view(b, c, n // 2, 2).mean(-1)


class EvenOnlyDropFirst(EvenOnly):
    def forward(self, x):
        return super().forward(x)[..., 1:]


@pytest.mark.parametrize("module, named, at_10", [(EvenOnly(), "n_over_2", 5),
                                                  (EvenOnlyDropFirst(), "n_minus_2_over_2", 4)])
def test_a_module_taking_only_even_lengths_is_named_over_the_even_sizes_it_takes(module, named, at_10):
    # "dim 2 is no a * n + b with whole a > 0 ([3, 4, 5, 6]... at n = [6, 8, 10, 12]...)": unnamed
    net = NetChain([TorchLayer(module)], input=(3, "n"))
    assert net.port_types["Output"].shape == (3, named)
    x = torch.randn(2, 3, 10)
    assert net(x).shape == (2, 3, at_10) and torch.equal(net(x), module(x))


class EvenOnlyQuarters(EvenOnly):
    def forward(self, x):
        return super().forward(x)[..., ::2]  # ceil(n / 4) over even n: no line of n / 2


def test_a_module_taking_only_even_lengths_whose_output_fits_no_form_is_refused_saying_what_was_tried():
    # "dim 2 is no ceil((a * n + b) / k) with whole a > 0 and k from 1 to 1" read as a bug
    with pytest.raises(ShapeError) as info:
        NetChain([TorchLayer(EvenOnlyQuarters())], input=(3, "n"))
    message = str(info.value)
    assert "k from 1 to 1" not in message and "only the forms a * n + b" in message
    assert "every k-th length" in message and message.count("outputs=") == 1


class NeedsData(nn.Module):
    meta_calls: list[int] = []  # on the class: the layer runs a copy of the module

    def forward(self, x):
        if x.device.type == "meta":
            NeedsData.meta_calls.append(x.shape[-1])
        return x * 2 if x.sum() >= 0 else -x


def test_a_module_that_needs_data_is_run_at_most_thrice_on_meta_tensors():
    # it failed on meta at every size of the retry ladder: 16 meta runs before the given output shapes stood
    NeedsData.meta_calls.clear()
    net = NetChain([TorchLayer(NeedsData(), outputs={"Output": (3, "n")})], input=(3, "n"))
    assert 1 <= len(NeedsData.meta_calls) <= 3  # the first sizes and the longest start: is it a length it refuses?
    assert torch.equal(net(torch.ones(1, 3, 4)), torch.full((1, 3, 4), 2.0))


def test_a_module_failing_alike_with_the_lengths_in_its_text_is_refused_with_its_one_error():
    # nn.Linear(4, 8) on (n, 3): torch's text holds batch x n, so it read as 16 different errors, a long message
    with pytest.raises(ShapeError) as info:
        NetChain([TorchLayer(nn.Linear(4, 8))], input=("n", 3))
    message, cause = str(info.value), info.value.__cause__
    assert isinstance(cause, RuntimeError) and str(cause) in message
    assert "failed alike" in message and "one kind of error" in message and message.count("outputs=") == 1
    assert "refused every input shape" not in message and "in all)" not in message and "longer inputs" in message
