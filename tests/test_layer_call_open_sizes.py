"""``layer(x)`` at a port of known rank and unknown sizes: the data fixes them, as Wolfram's
``PoolingLayer[{2, 2}][data]`` runs. ``PoolingLayer([2, 2])(x)`` was refused ("graph input 'Input' has unknown
shape (?, ?, ?)") though x gives every size. Data that cannot fix them (another rank, a size it contradicts) and
uninitialised arrays (Wolfram cannot evaluate those either) are still refused, naming the sizes as declared."""

from __future__ import annotations

import pytest
import torch

from netgraph import (DataError, ElementwiseLayer, NetChain, NetGraph, NormalizationLayer, PoolingLayer,
                      UninitializedError, net_initialize, net_port_gradient)
from tests.test_layer_parity import EXAMPLES, _as_dict, _inputs

CASES = [(name, i) for name, examples in EXAMPLES.items() for i in range(len(examples))]


def test_a_pooling_layer_takes_its_sizes_from_one_example_or_a_batch():
    x = torch.arange(16.0).reshape(1, 4, 4)
    want = torch.tensor([[[5.0, 6, 7], [9, 10, 11], [13, 14, 15]]])  # the max of each 2x2 window, stride 1
    torch.testing.assert_close(PoolingLayer([2, 2])(x), want)
    torch.testing.assert_close(PoolingLayer([2, 2])(torch.stack([x, -x])), torch.stack([want, -x[:, :3, :3]]))
    torch.testing.assert_close(PoolingLayer([2, 2])([x, x]), torch.stack([want, want]))
    torch.testing.assert_close(NetChain([PoolingLayer([2, 2]), ElementwiseLayer("Ramp")])(-x), torch.zeros(1, 3, 3))
    assert NetGraph(PoolingLayer([2, 2])).input_shapes == {"Input": (None, None, None)}


def test_the_port_gradient_takes_the_sizes_from_the_data_too():
    x = torch.tensor([[[1.0, 3.0], [2.0, 0.0]]])
    torch.testing.assert_close(net_port_gradient(PoolingLayer([2, 2]), x), torch.tensor([[[0.0, 1.0], [0.0, 0.0]]]))


def test_data_that_cannot_fix_the_sizes_is_refused_naming_the_port_s_shape():
    with pytest.raises(DataError, match=r"input port 'Input': expected shape \(b, \?, \?, \?\) with b the batch "
                                        r"size, found \(4, 4\)") as info:
        PoolingLayer([2, 2])(torch.zeros(4, 4))  # rank 2: neither one example (rank 3) nor a batch
    assert info.value.diagnostics[0].kind == "data-shape"
    declared = NetGraph(PoolingLayer([2, 2]), Input=(3, None, None))
    with pytest.raises(DataError, match=r"expected one example of shape \(3, \?, \?\) or a batch \(b, 3, \?, \?\)"):
        declared(torch.zeros(2, 4, 4))  # the data contradicts the declared 3 channels
    assert declared(torch.zeros(3, 4, 4)).shape == (3, 3, 3)


def test_examples_of_different_shapes_at_a_port_of_unknown_sizes_are_refused_for_what_they_are():
    examples = [torch.zeros(3, 4, 4), torch.zeros(3, 6, 6), torch.zeros(3, 4, 4)]
    with pytest.raises(DataError) as info:
        PoolingLayer([2, 2])(examples)
    assert str(info.value) == (
        "bad ragged input: input port 'Input' has the shape (?, ?, ?), its sizes read from the data: it expects one "
        "shape for all examples of a batch, but the list of 3 tensors has the shapes (3, 4, 4), (3, 6, 6); give the "
        "examples of each shape as a batch of their own")
    problem = info.value.diagnostics[0]
    assert (problem.kind, problem.port, problem.expected) == ("data-shape", "Input", (None, None, None))
    assert problem.found == ((3, 4, 4), (3, 6, 6))


def test_examples_of_another_rank_are_refused_naming_the_rank_expected_and_found():
    """The advice was "give the examples of each shape as a batch of their own", for one shape too."""
    with pytest.raises(DataError) as info:
        PoolingLayer([2, 2])([torch.zeros(4, 4), torch.zeros(4, 4)])
    assert str(info.value) == (
        "bad ragged input: input port 'Input' has the shape (?, ?, ?), its sizes read from the data: each example "
        "needs rank 3, but the 2 tensors given have rank 2 ((4, 4)); give each example 3 dims")
    with pytest.raises(DataError) as mixed:
        PoolingLayer([2, 2])([torch.zeros(3, 4, 4), torch.zeros(1, 3, 5, 5), torch.zeros(4, 4)])
    assert "each example needs rank 3, but 2 of the 3 tensors given have rank 2 or 4 ((1, 3, 5, 5), (4, 4)); " \
           "give each example 3 dims" in str(mixed.value)
    problem = mixed.value.diagnostics[0]
    assert (problem.kind, problem.port, problem.expected, problem.found) == ("data-shape", "Input", 3, (2, 4))


def test_examples_against_a_fixed_size_are_refused_naming_the_size_expected_and_found():
    declared = NetGraph(PoolingLayer([2, 2]), Input=(3, None, None))
    with pytest.raises(DataError) as info:
        declared([torch.zeros(3, 4, 4), torch.zeros(2, 5, 5), torch.zeros(4, 5, 5)])
    assert str(info.value) == (
        "bad ragged input: input port 'Input' has the shape (3, ?, ?), its sizes read from the data: its dim 1 is "
        "fixed at 3, but 2 of the 3 tensors given have 2 or 4 there ((2, 5, 5), (4, 5, 5)); give each example 3 in "
        "dim 1")
    problem = info.value.diagnostics[0]
    assert (problem.kind, problem.port, problem.expected, problem.found) == ("data-shape", "Input", 3, (2, 4))
    with pytest.raises(DataError, match=r"the tensor given has rank 2 \(\(3, 4\)\)"):
        declared([torch.zeros(3, 4)])


def test_uninitialised_arrays_are_still_refused():
    with pytest.raises(UninitializedError, match="array 'Scaling'"):
        NormalizationLayer(group_number=2)(torch.zeros(4, 3, 2))


def test_a_group_normalization_of_unknown_channels_builds():
    """Its unbiased-variance check divided level 1's size by the groups: a raw TypeError on None."""
    layer = NetGraph(NormalizationLayer(group_number=2), Input=(None, None, None))
    assert layer.input_shapes == {"Input": (None, None, None)}


def _opened(name: str, index: int) -> tuple[NetGraph, NetGraph, dict[str, torch.Tensor]]:
    """(the parity example's initialised net, the same layer with every input size unknown, a batch of inputs)."""
    example = EXAMPLES[name][index]
    net = net_initialize(NetGraph([example.layer], [], **example.shapes), seed=0)
    layer = net.layers[next(iter(net.layers))]
    unknown = {p: tuple(None if isinstance(d, int) else d for d in s) for p, s in net.input_shapes.items() if s}
    return net, NetGraph([layer], [], **unknown), _inputs(net, example, torch.float32)


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case[0]}-{case[1]}")
def test_every_layer_type_with_sizes_missing_takes_them_from_the_data(case):
    net, opened, inputs = _opened(*case)
    torch.manual_seed(11)
    want = _as_dict(net(**inputs))
    torch.manual_seed(11)
    got = _as_dict(opened(**inputs))
    assert got.keys() == want.keys()
    for port, value in want.items():
        torch.testing.assert_close(got[port], value, equal_nan=True)


def test_most_layer_types_leave_sizes_for_the_data_to_fix():
    """The loop above is about open sizes: its arrays fix some layers' inputs (a LinearLayer's), not most."""
    open_sizes = [case for case in CASES if any(s and None in s for s in _opened(*case)[1].input_shapes.values())]
    assert len(open_sizes) > len(CASES) / 2
