"""The summary table counted a shared array in every user's row, so the rows of a siamese net added up to twice its
total (Keras lists a shared layer's parameters once). A later user's row now counts its own arrays and shows the
shared ones apart."""

from __future__ import annotations

import re

from netgraph import LinearLayer, NetChain, NetGraph, NetPort, NetSharedArray, net_insert_shared_arrays
from netgraph.core.summary import summary_table


def _rows(table: str) -> dict[str, str]:
    """Each row's parameters cell (what follows the outputs column) by layer name."""
    cells = [(line.split(), re.search(r"[\d,]+( \(\+[\d,]+ shared\))?$", line).group()) for line in
             table.splitlines()[1:]]
    return {words[0] if words[0] == "total" else words[1]: cell for words, cell in cells}


def test_a_shared_array_is_counted_in_its_first_users_row_only_and_shown_apart_in_the_others():
    w = NetSharedArray("w")
    net = NetGraph({"a": LinearLayer(4, weights=w), "b": LinearLayer(4, weights=w)}, [("a", "b")], Input=4)
    rows = _rows(summary_table(net))
    assert rows["a"] == "20" and rows["b"] == "4 (+16 shared)" and rows["total"] == "24"


def test_a_siamese_nets_rows_add_up_to_its_total():
    tower = net_insert_shared_arrays(NetChain({"l1": LinearLayer(8), "act": "Ramp", "l2": LinearLayer(4)}), "t")
    net = NetGraph({"left": tower, "right": tower, "add": "Plus"},
                   [(NetPort("x1"), "left"), (NetPort("x2"), "right"), (["left", "right"], "add")], x1=6, x2=6)
    rows = _rows(summary_table(net))
    assert rows["left/l1"] == "56" and rows["right/l1"] == "0 (+56 shared)" and rows["right/l2"] == "0 (+36 shared)"
    assert rows["total"] == "92"
