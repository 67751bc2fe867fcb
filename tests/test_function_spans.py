"""FunctionLayer parts with Wolfram's [[ ]] and spans (i;;j;;k, 1-based, inclusive, negative from the end),
checked against torch slicing on both execution paths; out-of-range spans are one clear error."""

from __future__ import annotations

import re

import pytest
import torch

from netgraph import DataError, FunctionLayer, NetGraph, OptionError, ShapeError, interpret
from netgraph.spec.api import from_yaml, to_yaml
from tests.layer_families._helpers import three_way

X = torch.randn(3, 5, 6)


@pytest.mark.parametrize("text, shape, hand", [
    ("#x[[2;;4]]", (3, 6), lambda x: x[:, 1:4]),
    ("#x[[;;3]]", (3, 6), lambda x: x[:, :3]),
    ("#x[[2;;]]", (4, 6), lambda x: x[:, 1:]),
    ("#x[[1;;-1;;2]]", (3, 6), lambda x: x[:, 0::2]),
    ("#x[[-2;;]]", (2, 6), lambda x: x[:, -2:]),
    ("#x[[2;;All]]", (4, 6), lambda x: x[:, 1:]),
    ("#x[[All, 3;;All;;2]]", (5, 2), lambda x: x[:, :, 2::2]),
    ("#x[[All, -3;;-1]]", (5, 3), lambda x: x[:, :, 3:]),
    ("#x[[2, 2;;6;;3]]", (2,), lambda x: x[:, 1, 1::3]),
    ("#x[[3]]", (6,), lambda x: x[:, 2]),
    ("#x[[-1]][[;;2]] * 2", (2,), lambda x: x[:, -1, :2] * 2),
    ("Total[#x[[2;;4]], {1}] + Part[#x, 1]", (6,), lambda x: x[:, 1:4].sum(1) + x[:, 0]),
    ("Sin[#x[[All, 2;;5;;2]]]", (5, 2), lambda x: torch.sin(x[:, :, 1:5:2])),
])
def test_parts_and_spans_equal_torch_slicing(text, shape, hand):
    net = NetGraph([FunctionLayer(text)], [], x=(5, 6))
    assert net.output_shapes == {"Output": shape}
    three_way(net, lambda m, x: hand(x), x=X)


@pytest.mark.parametrize("text, fragment", [
    ("#x[[2;;9]]", "the span 2;;9 does not fit level 1 of (5, 6) (its ends must be in 1..5 or -5..-1)"),
    ("#x[[-6;;]]", "the span -6;; does not fit level 1"),
    ("#x[[All, 4;;2]]", "the span 4;;2 selects nothing at level 2"),
    ("#x[[1, 2, 3;;]]", "3 indices for an array of shape (5, 6)"),
])
def test_out_of_range_spans_are_shape_errors(text, fragment):
    with pytest.raises(ShapeError) as info:
        NetGraph([FunctionLayer(text)], [], x=(5, 6))
    assert fragment in str(info.value) and "FunctionLayer" in str(info.value)


def test_a_variable_level_may_be_taken_whole():
    assert NetGraph([FunctionLayer("#x[[All, 2;;3]]")], [], x=("n", 6)).output_shapes == {"Output": ("n", 2)}


@pytest.mark.parametrize("text, length, hand", [
    ("#x[[2;;]]", "n_minus_1", lambda s: s[1:]),
    ("#x[[;;-2]]", "n_minus_1", lambda s: s[:-1]),
    ("#x[[2;;-2]]", "n_minus_2", lambda s: s[1:-1]),
    ("#x[[1;;-1]]", "n", lambda s: s),
    ("#x[[2;;All]]", "n_minus_1", lambda s: s[1:]),  # Wolfram's All as a span's end: the last element
    ("#x[[2;;3]]", 2, lambda s: s[1:3]),
    ("#x[[-2;;-1]]", 2, lambda s: s[-2:]),
    ("#x[[2;;]] - #x[[;;-2]]", "n_minus_1", lambda s: s[1:] - s[:-1]),  # each sequence's differences
])
def test_a_span_of_a_variable_length_takes_each_sequences_own_with_the_derived_length(text, length, hand):
    """Wolfram's #[[2;;]] & of a "Varying" input, as PartLayer("2;;All") (length n - 1); it was a ShapeError
    ('the span 2;; needs a fixed size')."""
    net = NetGraph([FunctionLayer(text)], [], x=("n", 2))
    assert net.output_shapes == {"Output": (length, 2)}
    seqs = [torch.randn(4, 2, generator=torch.Generator().manual_seed(1)), torch.randn(5, 2)]
    out = net(x=seqs)
    for got, s in zip(out, seqs):
        torch.testing.assert_close(got, hand(s))
    dense = torch.stack([seqs[0], seqs[0] * 2])
    module = net.compile()
    torch.testing.assert_close(module(x=dense), torch.stack([hand(s) for s in dense]))
    torch.testing.assert_close(interpret(net, module, x=dense), torch.stack([hand(s) for s in dense]))


@pytest.mark.parametrize("text, shortest, least", [
    ("#x[[2;;]]", 1, 2), ("#x[[2;;-2]]", 2, 3), ("#x[[2;;4]]", 3, 4), ("#x[[-3;;-1]]", 2, 3),
    ("#x[[2;;;;2]]", 1, 2), ("#x[[2;;-2;;3]]", 2, 3), ("#x[[2;;4;;2]]", 3, 4), ("#x[[-3;;-1;;2]]", 2, 3),
])
def test_a_span_past_a_sequences_length_is_a_data_error_with_the_length_it_needs(text, shortest, least):
    net = NetGraph({"f": FunctionLayer(text)}, [], x=("n",))
    with pytest.raises(DataError, match=rf"a length of {shortest} along n.* too short for layer 'f' "
                                        rf"\(FunctionLayer\).*{least}"):
        net(x=[torch.ones(least + 1), torch.ones(shortest)])
    net(x=[torch.ones(least)])


@pytest.mark.parametrize("text, ends, length, span", [
    ("#x[[1;;-1;;2]]", (1, -1), "n_over_2", slice(0, None, 2)),
    ("#x[[;;;;3]]", (1, -1), "n_over_3", slice(None, None, 3)),
    ("#x[[2;;;;2]]", (2, -1), "n_minus_1_over_2", slice(1, None, 2)),
    ("#x[[;;-2;;3]]", (1, -2), "n_minus_1_over_3", slice(None, -1, 3)),
    ("#x[[2;;-2;;2]]", (2, -2), "n_minus_2_over_2", slice(1, -1, 2)),
    ("#x[[3;;-1;;4]]", (3, -1), "n_minus_2_over_4", slice(2, None, 4)),
    ("#x[[2;;5;;2]]", (2, 5), 2, slice(1, 5, 2)),
    ("#x[[-4;;-1;;3]]", (-4, -1), 2, slice(-4, None, 3)),
])
def test_a_stepped_span_of_a_variable_length_has_a_derived_length_and_takes_what_python_slicing_takes(text, ends,
                                                                                                     length, span):
    """Wolfram's #[[1;;-1;;2]] & of a "Varying" input was a ShapeError ('takes a step, which needs a fixed size'):
    its length is the span's length over the step, rounded up (a stride's, n_over_2). Every length from 1 to 9, on
    every path: Python's slice where the sequence holds both ends (as Wolfram's Part needs), else the DataError of a
    length too short (Python's slice would clip the ends, or take nothing)."""
    net = NetGraph({"f": FunctionLayer(text)}, [], x=("n", 2))
    assert net.output_shapes == {"Output": (length, 2)}
    module = net.compile()
    for n in range(1, 10):
        x = torch.arange(4.0 * n).reshape(2, n, 2)
        first, last = (e if e > 0 else n + e + 1 for e in ends)
        runs = {"call": lambda: net(x=x), "compiled": lambda: module(x=x),
                "interpreted": lambda: interpret(net, module, x=x),
                "by lengths": lambda: torch.stack(list(net(x=list(x))))}  # a list, or a fixed length's tensor
        for run in runs.values():
            if not 1 <= first <= last <= n:
                with pytest.raises(DataError, match=rf"a length of {n} along n.* is too short for layer 'f'"):
                    run()
            else:
                torch.testing.assert_close(run(), x[:, span])
    ragged = [torch.randn(n, 2, generator=torch.Generator().manual_seed(n)) for n in (9, 5, 8, 6)]
    for got, s in zip(net(x=ragged), ragged):  # each sequence its own length, in one call
        torch.testing.assert_close(got, s[span])


@pytest.mark.parametrize("text, message", [
    ("#x[[-3;;5]]", "the span -3;;5 of the variable length n (level 1 of (n, 6)) has no length"),
])
def test_a_span_of_a_variable_length_without_a_derived_length_is_refused_saying_why(text, message):
    with pytest.raises(ShapeError, match=re.escape(message)):
        NetGraph([FunctionLayer(text)], [], x=("n", 6))


@pytest.mark.parametrize("text, message", [
    ("#x[[0;;2]]", "Part start must be a non-zero integer"),
    ("#x[[1;;0]]", "Part end must be a non-zero integer"),
    ("#x[[1;;3;;-1]]", "step must be a positive integer, found -1"),
    ("#x[[1;;3;;0]]", "Part step must be a non-zero integer"),
    ("#x[[#y;;2]]", "Part start must be an integer"),
    ("Part[#x, 1;;2]", "a span i;;j is only allowed inside \\[\\[ \\]\\]"),
    ("#x;;2", "a span i;;j is only allowed inside"),
    ("#x[[1;2]]", "';' is only allowed as a span"),
    ("#x[[1]", "must be closed by \\]\\]"),
])
def test_malformed_spans_are_one_clear_option_error(text, message):
    with pytest.raises(OptionError, match=message):
        FunctionLayer(text)


@pytest.mark.parametrize("text", ["#x[[{1, 2}]]", "#x[[ {2} ]]"])
def test_a_list_of_parts_is_refused_not_read_as_one_index_per_level(text):
    """Wolfram's x[[{1, 2}]] is rows 1 and 2; it once parsed as x[[1, 2]] (one element of row 1), silently."""
    with pytest.raises(OptionError, match="a list of parts .* is not supported"):
        FunctionLayer(text)
    assert NetGraph([FunctionLayer("#x[[1, 2]]")], [], x=(2, 3, 4)).output_shapes == {"Output": (4,)}


def test_a_span_survives_yaml():
    net = NetGraph({"f": FunctionLayer("#x[[2;;-1;;2]]")}, [], x=(5, 6))
    back = from_yaml(to_yaml(net))
    torch.testing.assert_close(back(x=X), X[:, 1::2])


@pytest.mark.parametrize("text, shape", [("#x[[1]]", (2,)), ("#x[[-1, 2]]", ()), ("#x[[2;;3]]", (2, 2)),
                                         ("Total[#x[[;;-2]]]", (2,))])
def test_part_of_a_level_whose_size_is_not_known_yet_waits_for_it(text, shape):
    """A partial shape (None) is allowed until the net is compiled: Part there said 'index 1 does not exist at level
    1 of (?, 2)', and a span 'needs a fixed size', so the net could not be built to take its shape later."""
    partial = NetGraph([FunctionLayer(text)], [], x=(None, 2))
    assert partial.output_shapes == {"Output": shape}
    full = NetGraph(partial, x=(4, 2))
    x = torch.arange(8.0).reshape(1, 4, 2)
    expected = {"#x[[1]]": x[:, 0], "#x[[-1, 2]]": x[:, -1, 1], "#x[[2;;3]]": x[:, 1:3],
                "Total[#x[[;;-2]]]": x[:, :-1].sum(1)}[text]
    torch.testing.assert_close(full(x=x), expected)


@pytest.mark.parametrize("text, message", [("#x[[3]]", "Part: index 3 does not exist at level 1 of (2, 2)"),
                                           ("#x[[2;;3]]", "Part: the span 2;;3 does not fit level 1 of (2, 2)")])
def test_part_of_a_level_whose_size_was_not_known_is_checked_once_it_is(text, message):
    partial = NetGraph([FunctionLayer(text)], [], x=(None, 2))
    with pytest.raises(ShapeError) as info:
        NetGraph(partial, x=(2, 2))
    assert message in str(info.value)


@pytest.mark.parametrize("text, hand", [
    ("#x[[-1]]", lambda s: s[-1]), ("Last[#x]", lambda s: s[-1]), ("First[#x]", lambda s: s[0]),
    ("#x[[2, 1]]", lambda s: s[1, 0]), ("#x[[-2]] - #x[[1]]", lambda s: s[-2] - s[0]),
    ("Total[#x[[-1]]]", lambda s: s[-1].sum()),
])
def test_an_index_into_a_variable_length_takes_each_sequences_own_element(text, hand):
    """Wolfram's FunctionLayer[#[[-1]] &] (or Last, First) on a "Varying" input takes each sequence's element, as
    PartLayer(-1) does; it was a ShapeError ('needs a fixed size there')."""
    net = NetGraph([FunctionLayer(text)], [], x=("n", 2))
    seqs = [torch.tensor([[1.0, 2.0], [3.0, 5.0], [7.0, 11.0]]), torch.tensor([[-1.0, 4.0], [6.0, -8.0]])]
    expected = torch.stack([hand(s) for s in seqs])
    assert net.output_shapes == {"Output": tuple(expected.shape[1:])}
    torch.testing.assert_close(net(x=seqs), expected)  # by length groups: each its own length
    dense = torch.stack([seqs[0], seqs[0] * 2])
    torch.testing.assert_close(net.compile()(x=dense), torch.stack([hand(s) for s in dense]))


@pytest.mark.parametrize("call", ["ragged", "dense", "compiled"])
def test_an_index_past_a_sequences_length_is_a_data_error_naming_the_port_and_the_length_it_needs(call):
    net = NetGraph({"f": FunctionLayer("#x[[3]] + #x[[-1]]")}, [], x=("n",))
    run = {"ragged": lambda: net(x=[torch.ones(4), torch.ones(2)]),
           "dense": lambda: net(x=torch.ones(2, 2)),
           "compiled": lambda: net.compile()(x=torch.ones(2, 2))}[call]
    with pytest.raises(DataError, match=r"input port 'x': a length of 2 along n.* is too short for layer 'f' "
                                        r"\(FunctionLayer\).*at least 3: Part takes element 3 at level 1") as err:
        run()
    assert err.value.diagnostics[0].port == "x"
    torch.testing.assert_close(net(x=[torch.arange(3.0), torch.arange(4.0)]), torch.tensor([4.0, 5.0]))
