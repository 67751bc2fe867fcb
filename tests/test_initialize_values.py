"""net_initialize's default values: the same numbers as handwritten torch from the seed, layers equal to ones made by
with_arrays, every array in its own storage, and a layer's own normalize/validate run on what was drawn."""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import ElementwiseLayer, LinearLayer, NetChain, NetGraph, OptionError, net_initialize
from netgraph.core.layer import Layer
from netgraph.core.options import Array
from netgraph.core.types import REAL, PortType


def chain() -> NetChain:
    return NetChain([LinearLayer(5), ElementwiseLayer("Tanh"), LinearLayer(5), LinearLayer(3),
                     LinearLayer(3, biases=[1.0, 2.0, 3.0]), LinearLayer(2)], input=4)


def test_default_values_are_handwritten_kaiming_uniform_drawn_in_order():
    net = net_initialize(chain(), seed=7)
    generator = torch.Generator().manual_seed(7)
    for name, fan_in, out in (("1", 4, 5), ("3", 5, 5), ("4", 5, 3), ("5", 3, 3), ("6", 3, 2)):
        expected = (torch.rand((out, fan_in), generator=generator) * 2 - 1) * math.sqrt(3 / fan_in)
        assert torch.equal(net.layers[name].arrays["Weights"], expected), name
    assert torch.equal(net.layers["6"].arrays["Biases"], torch.zeros(2))
    assert net.layers["5"].arrays["Biases"].tolist() == [1.0, 2.0, 3.0]


def test_filled_layers_equal_with_arrays_and_hold_arrays_of_their_own():
    before, net = chain(), net_initialize(chain(), seed=0)
    tensors = []
    for name, layer in net.layers.items():
        assert layer == before.layers[name].with_arrays(layer.arrays)
        assert hash(layer) == hash(before.layers[name].with_arrays(layer.arrays))
        tensors += [t for t in layer.arrays.values() if t is not None]
    assert len({t.untyped_storage().data_ptr() for t in tensors}) == len(tensors) == 10
    assert all(t.untyped_storage().nbytes() == t.numel() * t.element_size() for t in tensors)
    given = before.layers["5"].arrays["Biases"]  # an array given by the user is copied, as replace copies it
    assert net.layers["5"].arrays["Biases"].untyped_storage().data_ptr() != given.untyped_storage().data_ptr()


class _Tracked(Layer, register=False):
    """A layer whose normalize derives an attribute from its array and whose validate may refuse it."""

    size: int = 3
    weights: Array = None
    bound: float | None = None
    ARRAYS = {"Weights": "weights"}
    input_ports = ("Input",)

    def declared_types(self) -> dict[str, PortType]:
        return {"Input": PortType((self.size,), REAL), "Output": PortType((self.size,), REAL)}

    def array_shapes(self, types):
        return {"Weights": (self.size, self.size)}

    def normalize(self):
        return {"_total": None if self.weights is None else float(self.weights.sum())}

    def validate(self) -> None:
        if self.bound is not None and self.weights is not None and float(self.weights.abs().max()) > self.bound:
            raise OptionError(f"_Tracked weights= exceed bound={self.bound}", option="weights")


def test_a_layers_normalize_and_validate_run_on_the_drawn_arrays():
    layer = net_initialize(NetGraph({"t": _Tracked()}, [], Input=3), seed=0).layers["t"]
    assert layer._total == pytest.approx(float(layer.weights.sum()))
    with pytest.raises(OptionError, match=r"_Tracked weights= exceed bound=0\.01"):
        net_initialize(NetGraph({"t": _Tracked(bound=0.01)}, [], Input=3), seed=0)
