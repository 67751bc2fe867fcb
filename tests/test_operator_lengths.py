"""Operators step through their sequence inputs in lockstep: lengths named apart are refused where the net is built."""

from __future__ import annotations

import pytest

from netgraph import FunctionLayer, NetFoldOperator, NetGraph, NetMapOperator, ShapeError


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
