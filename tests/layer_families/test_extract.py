"""ExtractLayer: Wolfram's 1-based parts at positions from a port, checked by hand indexing; shapes and errors."""

from __future__ import annotations

import pytest
import torch

from netgraph import DataError, ExtractLayer, NetGraph, PortType
from tests.layer_families._helpers import shape_error, three_way


def _one_based(i: int, size: int) -> int:
    return i - 1 if i > 0 else size + i


def test_a_position_vector_extracts_one_part_per_example():
    x = torch.randn(3, 4, 5, 6)
    position = torch.tensor([[1, 2], [-1, -1], [4, 5]])
    net = NetGraph([ExtractLayer()], [], Input=(4, 5, 6), Position=2)
    assert net.output_shapes == {"Output": (6,)}

    def hand(m, Input, Position):
        return torch.stack([Input[b, _one_based(int(i), 4), _one_based(int(j), 5)]
                            for b, (i, j) in enumerate(Position)])
    three_way(net, hand, Input=x, Position=position)


def test_a_position_matrix_stacks_several_parts_and_keeps_integer_data():
    x = torch.arange(2 * 4 * 3).reshape(2, 4, 3)
    position = torch.tensor([[[1], [4], [-2]], [[2], [2], [-4]]])
    net = NetGraph([ExtractLayer()], [], Input=PortType((4, 3), "Integer"), Position=(3, 1))
    assert net.output_shapes == {"Output": (3, 3)}
    expected = torch.stack([x[0, [0, 3, 2]], x[1, [1, 1, 0]]])
    three_way(net, lambda m, Input, Position: expected, Input=x, Position=position)


@pytest.mark.parametrize("bad", [0, 5, -5])
def test_an_index_out_of_range_is_a_data_error_naming_the_port(bad):
    net = NetGraph([ExtractLayer()], [], Input=(4, 2), Position=1)
    with pytest.raises(DataError, match=f"ExtractLayer port 'Position' takes 1-based indices.*found {bad}"):
        net(Input=torch.zeros(1, 4, 2), Position=torch.tensor([[bad]]))


def test_extract_shape_errors():
    shape_error(lambda: NetGraph([ExtractLayer()], [], Input=(4,), Position=2), "ExtractLayer", "indexes 2 levels")
    shape_error(lambda: NetGraph([ExtractLayer()], [], Input=(4,), Position=(1, 1, 1)), "ExtractLayer",
                "port 'Position' must be a vector")
    shape_error(lambda: NetGraph([ExtractLayer()], [], Input=("n", 3), Position=1), "ExtractLayer", "known, fixed")
