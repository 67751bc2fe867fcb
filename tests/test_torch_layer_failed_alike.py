"""A module refusing every length it is probed at is grouped by the kind of error it raises (its exception class),
not by its text: the text, digits masked, told "an odd length" from "an even length" and listed 16 shapes."""

from __future__ import annotations

import pytest
from torch import nn

from netgraph import NetChain, ShapeError, TorchLayer


class RefusedInWords(nn.Module):
    """Refuses every length, its words changing with it (no digits): one kind of error all the same."""

    runs: list[int] = []  # on the class: the layer runs a copy of the module

    def forward(self, x):
        RefusedInWords.runs.append(x.shape[-1])
        raise ValueError(f"an {'odd' if x.shape[-1] % 2 else 'even'} length is refused")


def test_a_module_refusing_every_length_in_changing_words_is_told_by_its_kind_of_error():
    # grouped by its text with the digits masked: 'odd' beside 'even' read as two errors, 16 shapes listed
    RefusedInWords.runs.clear()
    with pytest.raises(ShapeError) as info:
        NetChain([TorchLayer(RefusedInWords())], input=(3, "n"))
    message = str(info.value)
    assert "failed alike" in message and "one kind of error (ValueError) at every length tried" in message
    assert f"({len(set(RefusedInWords.runs))} sizes, n = 5 ... 1024" in message and len(set(RefusedInWords.runs)) > 2
    assert "refused every input shape" not in message and "in all)" not in message
    assert "likely a fixed size" not in message


class RefusedTwoWays(nn.Module):
    def forward(self, x):
        raise (ValueError if x.shape[-1] % 2 else TypeError)("refused")


def test_a_module_raising_two_kinds_of_error_is_not_said_to_fail_alike():
    with pytest.raises(ShapeError) as info:
        NetChain([TorchLayer(RefusedTwoWays())], input=(3, "n"))
    assert "failed alike" not in str(info.value) and "refused every input shape tried" in str(info.value)


def test_a_module_raising_one_class_of_error_at_two_places_quotes_the_longest_lengths_error():
    # a conv refuses n = 5 and 6, the linear after it every longer length: both RuntimeErrors, told as "one kind of
    # error" quoting the short lengths' conv error alone, and asking whether it needs longer inputs
    module = nn.Sequential(nn.Conv1d(3, 8, 7), nn.Flatten(), nn.Linear(8 * 3000, 4))
    with pytest.raises(ShapeError) as info:
        NetChain([TorchLayer(module)], input=(3, "n"))
    message = str(info.value)
    assert "failed alike" not in message and "one kind of error" not in message
    assert "refused every input shape tried" in message and message.count("outputs=") == 1
    assert "at (3, 1024) it raised another error: RuntimeError: a and b must have same reduction dim" in message
    assert "[24000, 4]" in message


class RefusedLongerInWords(nn.Module):
    """Refuses every length at one place in words naming it: the longest is quoted."""

    def forward(self, x):
        raise ValueError(f"length {x.shape[-1]} refused")


def test_a_module_failing_alike_is_quoted_at_the_longest_length_tried():
    with pytest.raises(ShapeError) as info:
        NetChain([TorchLayer(RefusedLongerInWords())], input=(3, "n"))
    message = str(info.value)
    assert "one kind of error (ValueError) at every length tried" in message
    assert "at 'Input' (3, 1024): ValueError: length 1024 refused" in message and "length 5 refused" not in message
    assert str(info.value.__cause__) == "length 1024 refused"
