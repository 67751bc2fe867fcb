"""Nested lists holding an item that is no number (None for a missing cell, the text '3' as the csv module reads a
cell) name that item, by net(x) and net_train alike (a new user's QA)."""

from __future__ import annotations

import numpy as np
import pytest

from netgraph import DataError, LinearLayer, NetChain, net_initialize, net_train


@pytest.mark.parametrize("bad, said", [(None, "item [1][2] is None, not a number"),
                                       ("3", "item [1][2] is the text '3', not a number (a .csv's cells are text: "
                                             "convert them, float(cell))")])
def test_nested_lists_holding_no_number_name_the_first_such_item(bad, said):
    """Lists read from a .csv with the csv module hold texts ('3') or None for a missing cell; torch's 'Could not
    infer dtype of NoneType' or "new(): invalid data type 'str'" named no item."""
    rows = [[1.0, 2.0, 3.0], [4.0, 5.0, bad]]
    net = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    with pytest.raises(DataError) as info:
        net(rows)
    assert str(info.value) == f"input port 'Input': cannot make a tensor from list: {said}"
    with pytest.raises(DataError) as info:
        net_train(NetChain([LinearLayer(2)], input=3), {"Input": rows, "Target": np.zeros((2, 2))},
                  max_training_rounds=1, random_seed=0)
    assert f"key 'Input': cannot make a tensor from list: {said}" in str(info.value)


def test_a_text_that_reads_as_no_number_gets_no_csv_hint():
    net = net_initialize(NetChain([LinearLayer(2)], input=3), seed=0)
    with pytest.raises(DataError) as info:
        net([[1.0, 2.0, 3.0], [4.0, 5.0, "film"]])
    assert str(info.value) == ("input port 'Input': cannot make a tensor from list: item [1][2] is the text 'film', "
                               "not a number")
