"""ranged_int, the check of a layer's int option in its declared range (RANGES): an open end is left out, and while
a layer's problems are collected a value out of range stands in as the nearest one in range (mends-b11: it ignored
open_high and stood in with the low end)."""

from __future__ import annotations

import pytest

from netgraph import OptionError
from netgraph.core.option_problems import collecting
from netgraph.core.option_ranges import Within
from netgraph.layers._shapes import ranged_int


class _Counted:
    """A stand-in layer: an int option ``k`` of 1 to 4, 4 left out (``open_high``), and ``m`` of 1 to 9."""

    RANGES = {"k": Within(0, 4, open_low=True, open_high=True), "m": Within(1, 9)}
    type_name = "Counted"

    def __init__(self, k: int = 1, m: int = 1):
        self.k, self.m = k, m


@pytest.mark.parametrize("k", [1, 3])
def test_values_in_an_open_range_pass(k):
    assert ranged_int(_Counted(k), "k") == k


@pytest.mark.parametrize("k, said", [(4, "must be an integer from 1 to 3, found 4"),
                                     (0, "must be a positive integer, found 0")])
def test_an_open_end_is_left_out(k, said):
    with pytest.raises(OptionError, match=said) as info:
        ranged_int(_Counted(k), "k")
    assert (info.value.diagnostics[0].option, info.value.diagnostics[0].found) == ("k", k)


def test_while_collecting_a_value_out_of_range_stands_in_as_the_nearest_in_range():
    with pytest.raises(OptionError, match=r"Counted: 2 problems") as info:
        with collecting("Counted"):
            stand_ins = ranged_int(_Counted(k=99), "k"), ranged_int(_Counted(m=10), "m")
    assert stand_ins == (3, 9) and [d.option for d in info.value.diagnostics] == ["k", "m"]



class _Unbounded:
    """A stand-in layer: an int option ``k`` with no low end (-inf), at most 5."""

    RANGES = {"k": Within(high=5)}
    type_name = "Unbounded"

    def __init__(self, k: object = 1):
        self.k = k


def test_a_range_open_below_takes_any_int_up_to_its_high_end():
    """Found by review: int(within.low) raised OverflowError (cannot convert float infinity) for an open low end."""
    assert [ranged_int(_Unbounded(k), "k") for k in (-10**6, 0, 5)] == [-10**6, 0, 5]
    with pytest.raises(OptionError, match=r"Unbounded option k= must be an integer at most 5, found 6"):
        ranged_int(_Unbounded(6), "k")
    with pytest.raises(OptionError, match=r"Unbounded option k= must be an integer, found 1.5"):
        ranged_int(_Unbounded(1.5), "k")
