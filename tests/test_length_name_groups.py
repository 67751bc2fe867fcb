"""Names of lengths grouped by the shortest length each derives from (core's ``names_by_shortest_base``), the one
grouping that both the probing of a FunctionLayer's lengths (``probed_lengths``) and the checks of undeclared bases
among a net's inputs (``undeclared_base_groups``) read; and a ragged batch's list of shapes written as every other
"... (N in all)" list (``first_few``); and a step over or times 0, which the names' readers refuse."""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError, NetGraph, PoolingLayer, ShapeError
from netgraph.backend.input_lengths import undeclared_base_groups
from netgraph.core.length_names import length_steps, lengths_along, names_by_shortest_base, shortest_length
from netgraph.layers.function_lengths import probed_lengths
from tests.test_length_groups import _draws


def test_names_group_by_their_shortest_base_once_each_in_order():
    names = ["h_minus_1_over_2", "w", "h", "h_minus_1_over_2", "w_times_2_plus_1"]
    assert names_by_shortest_base(names) == {"h": ["h_minus_1_over_2", "h"], "w": ["w", "w_times_2_plus_1"]}


def test_a_functions_lengths_are_probed_through_each_groups_longest_common_base():
    assert probed_lengths(["n_minus_1_over_2", "n_minus_1_over_4", "m"]) == {
        "n_minus_1_over_2": ("n_minus_1", (("over", 2),)), "n_minus_1_over_4": ("n_minus_1", (("over", 4),)),
        "m": ("m", ())}


def test_inputs_derived_from_one_undeclared_base_are_grouped_and_one_from_another_input_is_not():
    net: NetGraph = _draws(x="n_over_2", y="n_over_4", z="m", u="m_minus_1")
    assert undeclared_base_groups(net) == [("n", [(("x", 0), "n_over_2", (("over", 2),)),
                                                  (("y", 0), "n_over_4", (("over", 4),))])]


def test_a_ragged_batchs_shapes_are_listed_as_other_long_lists_are():
    with pytest.raises(DataError) as caught:
        PoolingLayer([2, 2])([torch.zeros(3, 4, 4)] + [torch.zeros(k, 4) for k in range(1, 6)])
    assert "rank 2 ((1, 4), (2, 4), (3, 4), ... (5 in all)); give each example 3 dims" in str(caught.value)


@pytest.mark.parametrize("read", [
    lambda: length_steps("n_over_0", {"n"}),
    lambda: length_steps("n_minus_1_times_0", {"n"}),
    lambda: lengths_along(5, (("over", 0),)),
    lambda: shortest_length((("minus", 1), ("times", 0))),
])
def test_a_step_over_or_times_0_is_a_shape_error_not_a_zero_division(read):
    """A declared name with such a step is refused where it is declared; read or computed here it was a
    ZeroDivisionError (over, or times read back by shortest_length) or a length of 0 (times)."""
    with pytest.raises(ShapeError, match=r"(divides|multiplies) by 0, which gives no length") as info:
        read()
    assert (info.value.kind, info.value.found) == ("shape", 0)
