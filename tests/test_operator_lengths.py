"""Operators step through their sequence inputs in lockstep: lengths named apart are refused where the net is built."""

from __future__ import annotations

import pytest

from netgraph import FunctionLayer, GatedRecurrentLayer, NetFoldOperator, NetGraph, NetMapOperator, ShapeError


def test_fold_refuses_element_inputs_with_lengths_named_apart():
    """The fold silently dropped y's extra elements (or raised a raw IndexError) when x and y had lengths n and m."""
    fold = NetFoldOperator(NetGraph({"f": FunctionLayer("Tanh[#State + #x * #y]")}, []))
    with pytest.raises(ShapeError, match=r"'fold' \(NetFoldOperator\): sequence ports 'x' \(length n\) and 'y' "
                                         r"\(length m\) .*lengths m and n are independent"):
        NetGraph({"fold": fold}, [], x=("n", 3), y=("m", 3))
    same = NetGraph({"fold": fold}, [], x=("n", 3), y=("n", 3))
    assert same.port_types["Output"].shape == ("n", 3)


def test_map_refuses_inputs_with_lengths_named_apart():
    """The map's forward raised a raw torch RuntimeError on sequences of different lengths."""
    with pytest.raises(ShapeError, match=r"'m' \(NetMapOperator\): sequence ports 'a' \(length n\) and 'b' "
                                         r"\(length m\)"):
        NetGraph({"m": NetMapOperator(FunctionLayer("#a + #b"))}, [], a=("n", 3), b=("m", 3))
    one = NetGraph({"m": NetMapOperator(FunctionLayer("#a + #b"))}, [], a=(None, 3), b=("m", 3))
    assert one.port_types["Output"].shape == ("m", 3)


def test_map_shape_error_states_the_shapes_and_ranks():
    """It said "(n, n, 3)" for the map's (k, n, 3) output and called a rank-2 sequence "(?, ?)" a non-sequence."""
    with pytest.raises(ShapeError, match=r"'m' \(NetMapOperator\): port 'Output' gives a sequence of \(n, 3\) "
                                         r"elements, shape \(k, n, 3\) \(rank 3\); found \(\?, \?\) \(rank 2\)"):
        NetGraph({"m": NetMapOperator(GatedRecurrentLayer(3)), "l": GatedRecurrentLayer(2)}, [("m", "l")],
                 Input=("k", "n", 2))


def test_a_bare_length_name_as_a_port_shape_says_how_to_write_it():
    """Input="n" was refused as "must be an int or a list of ints", as if length names were not allowed."""
    with pytest.raises(ShapeError, match=r"port 'a' must be an int or a list of ints, found 'n'; a variable "
                                         r"length is a name inside the list: \['n'\] is a sequence of length n"):
        NetGraph({"m": NetMapOperator(FunctionLayer("#a + 1"))}, [], a="n")
