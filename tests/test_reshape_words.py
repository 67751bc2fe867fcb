"""ReshapeLayer's dims take Wolfram's words ("Inherited", "Automatic"); PartLayer's "All" (a level kept), which a
user reaches for to keep a dim, was refused without a word of what keeps one here."""

from __future__ import annotations

import ast

import pytest
import torch

from netgraph import NetChain, OptionError, ReshapeLayer


def _suggested(dims):
    with pytest.raises(OptionError) as info:
        ReshapeLayer(dims)
    message = str(info.value)
    assert f"found {dims!r}; " in message and [d.option for d in info.value.diagnostics] == ["dims"]
    return message


@pytest.mark.parametrize("dims, meant", [([2, "All"], [2, "Inherited"]), (["All", 3, 2], ["Inherited", 3, 2]),
                                         (["inherited", -1], ["Inherited", -1]), (["automatic"], ["Automatic"])])
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
