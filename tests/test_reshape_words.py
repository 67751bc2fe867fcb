"""ReshapeLayer's dims take Wolfram's words ("Inherited", "Automatic"); PartLayer's "All" (a level kept), which a
user reaches for to keep a dim, was refused without a word of what keeps one here."""

from __future__ import annotations

import ast

import pytest
import torch

from netgraph import NetChain, NetGraph, OptionError, ReshapeLayer
from netgraph.core.errors import NetGraphError


def _suggested(dims):
    with pytest.raises(OptionError) as info:
        ReshapeLayer(dims)
    message = str(info.value)
    assert f"found {dims!r}; " in message and [d.option for d in info.value.diagnostics] == ["dims"]
    return message


@pytest.mark.parametrize("dims, meant", [([2, "All"], [2, "Inherited"]), (["All", 3, 2], ["Inherited", 3, 2]),
                                         (["inherited", -1], ["Inherited", -1]), (["automatic"], ["Automatic"]),
                                         (["Inheritd", 6], ["Inherited", 6]), (["Automatc"], ["Automatic"])])
def test_all_and_other_cases_of_wolframs_words_suggest_dims_that_work(dims, meant):
    message = _suggested(dims)
    assert message.endswith(f"did you mean {meant!r}?")
    assert ("PartLayer's 'All' (a level kept) is 'Inherited' here" in message) == ("All" in dims)
    said = ast.literal_eval(message[message.rindex("did you mean ") + len("did you mean "):-1])
    x = torch.arange(24.0).reshape(2, 2, 6)  # a batch of 2 examples (2, 6), or of sequences of 2 6-vectors
    y = NetChain([ReshapeLayer(said)], input=(2, 6) if len(said) < 3 else ("n", 6))(x)
    torch.testing.assert_close(y.flatten(), x.flatten(), rtol=0, atol=0)
    assert y.shape[0] == 2


@pytest.mark.parametrize("dims", ["All", ["All"]])
def test_all_alone_says_how_to_flatten(dims):
    assert _suggested(dims).endswith("; ReshapeLayer([-1]) flattens each example")


@pytest.mark.parametrize("dims", [[0], ["Bob", 2], ["All", 0], ["All", -1, -1]])
def test_dims_wrong_for_another_reason_get_no_guess(dims):
    with pytest.raises(OptionError) as info:
        ReshapeLayer(dims)
    assert str(info.value).endswith(f"found {dims!r}")


def test_inherited_dims_that_do_not_fit_say_what_inherited_keeps_and_suggest_dims_that_work():
    """``dims: [Inherited]`` on (2, 3) said only "cannot reshape 3 elements to () (1 element)"."""
    with pytest.raises(NetGraphError) as info:
        NetGraph.from_yaml("netgraph: 1\nlayers:\n  a: {type: ReshapeLayer, dims: [Inherited]}\n"
                           "inputs: {Input: [2, 3]}\n")
    message = str(info.value)
    assert message.startswith("<string>:4:") and "layer 1 'a' (ReshapeLayer): cannot reshape 3 elements to () (1 " \
        "element): " in message
    assert ("dims ['Inherited'] keep the input's size 2 at position 1 (Inherited: the input's size there), so the "
            "other dims must hold the 3 elements of the input's other dim; did you mean ['Inherited', -1] "
            "(output (2, 3))?"
            ) in message
    meant = ast.literal_eval(message.split("did you mean ")[1].split(" (output")[0])
    assert NetChain([ReshapeLayer(meant)], input=(2, 3))(torch.ones(2, 3)).shape == (2, 3)


@pytest.mark.parametrize("dims, shape, said", [
    (["Inherited", 7], (2, 3), "cannot reshape 3 elements to (7): dims ['Inherited', 7] keep the input's size 2 at "
                               "position 1 (Inherited: the input's size there), so the other dims must hold the 3 "
                               "elements of the input's other dim "),
    (["Inherited", 5], (2, 3, 4), "cannot reshape 12 elements to (5): dims ['Inherited', 5] keep the input's size 2 "
                                  "at position 1 (Inherited: the input's size there), so the other dims must hold the "
                                  "12 elements of the input's other dims (3, 4) "),
    (["Inherited", "Inherited", 5], (2, 3), "cannot reshape 1 element to (5): dims ['Inherited', 'Inherited', 5] keep "
                                            "the input's size 2 at position 1, 3 at position 2 (Inherited: the input's "
                                            "size there), so the other dims must hold 1 element (the input has no "
                                            "other dims) "),
    ([5, 5], (3, 8), "cannot reshape 24 elements to (5, 5) (25 elements) ")],
    ids=["one-other-dim", "two-other-dims", "no-other-dim", "none-inherited"])
def test_a_reshape_refusal_says_each_count_once(dims, shape, said):
    """The note said "3 elements (3)", and "to (7) (7 elements)": a count, then the same count as a shape."""
    with pytest.raises(NetGraphError) as info:
        NetChain([ReshapeLayer(dims)], input=shape)
    message = str(info.value)
    assert f"layer 1 (ReshapeLayer): {said}['Input' {shape} set by ".replace(",)", ")") in message, message


def test_inherited_dims_that_no_added_dim_fixes_suggest_nothing():
    with pytest.raises(NetGraphError) as info:
        NetChain([ReshapeLayer(["Inherited", 4])], input=(2, 3))
    assert "keep the input's size 2 at position 1" in str(info.value) and "did you mean" not in str(info.value)


@pytest.mark.parametrize("part", ["all", "Al", ["ALL", 1]])
def test_part_layers_all_misspelt_is_told_all(part):
    """Found by QA: PartLayer(['all', 1]) listed the forms a level takes, with no word of the 'All' meant."""
    from netgraph import PartLayer
    with pytest.raises(OptionError) as info:
        PartLayer(part)
    assert str(info.value).endswith(" (did you mean 'All'?)")
