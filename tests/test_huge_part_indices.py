"""A part index or span end far past any real length (a typo such as ``PartLayer(10**7)`` or ``part: 3000000000``)
is reported at once: the lengths that hold it are worked out from its ends, never by trying each length."""

import pytest
import torch

from netgraph import DataError, FunctionLayer, NetChain, NetGraph, PartLayer, ShapeError
from netgraph.layers._part_range import fitting_lengths, part_bounds

pytestmark = pytest.mark.timeout(30)


def _tried_lengths(spec) -> str:
    """The lengths that hold ``spec``, found by trying each length up to past both its ends (for small parts)."""
    ends = (abs(spec),) if isinstance(spec, int) else (abs(spec[0]), abs(spec[1]))
    limit = 2 * sum(ends) + 3
    fits = [n for n in range(1, limit + 1) if part_bounds(spec, n) is not None]
    if not fits:
        return "of no size"
    return f"of at least {fits[0]}" if fits[-1] == limit else f"from {fits[0]} to {fits[-1]}"


def test_the_lengths_a_part_fits_are_those_that_hold_it():
    ends = [e for e in range(-7, 8) if e]
    for spec in [*ends, *((a, b) for a in ends for b in ends), (2, -3, 2)]:
        assert fitting_lengths(spec) == _tried_lengths(spec), spec


@pytest.mark.parametrize("part", [10**7, 3 * 10**9, -3 * 10**9])
def test_a_huge_part_of_a_variable_length_is_an_immediate_data_error_naming_the_length_it_needs(part):
    """It compiled for ever, its memory growing: the check listed every length from 1 to 2 |part| + 3."""
    net = NetChain([PartLayer(part)], input=("n",))
    with pytest.raises(DataError, match=rf"part {part} of level 1 is out of range for a length of 5 along n; it takes "
                                        rf"lengths of at least {abs(part)}$") as caught:
        net(torch.randn(2, 5))
    assert caught.value.kind == "data-shape"


def test_a_huge_span_end_of_a_variable_length_is_the_port_size_limit_not_an_overflow():
    """A span's length counted its elements with len(range(...)), which overflows past sys.maxsize: the layer's
    infer() raised OverflowError (kind layer-contract)."""
    for make in (lambda: NetChain([PartLayer(f"1;;{10**30}")], input=("n",)),
                 lambda: NetGraph({"f": FunctionLayer(f"#x[[1;;{10**30}]]")}, [], x=("n",))):
        with pytest.raises(ShapeError, match="more than the port_elements limit") as caught:
            make()
        assert caught.value.kind == "too-large"


def test_a_function_span_far_from_the_end_is_an_immediate_data_error_naming_the_length_it_needs():
    """#x[[2;;-1000000000]] tried each length from 1 up to the least that holds it."""
    net = NetGraph({"f": FunctionLayer("#x[[2;;-1000000000]]")}, [], x=("n",))
    with pytest.raises(DataError, match="a length of 5 along n is too short .* it needs a length of at least "
                                        "1000000001: Part takes the span 2;;-1000000000 at level 1"):
        net(x=torch.randn(2, 5))
