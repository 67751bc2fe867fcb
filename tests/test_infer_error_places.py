"""A NetGraphError a layer's own ``infer()`` raises keeps its fields (kind, option, expected, found) and gains that
layer's path, so a reader (the YAML loader) places it at the layer."""

from __future__ import annotations

import pytest

from netgraph import NetChain, NetGraph, OptionError, SpecError
from netgraph.core.registry import registry_scope
from netgraph.layers import Layer, register


class _Picky(Layer, register=False):
    """Refuses, in infer, an Input of any other size than ``size``."""

    size: int = 4
    input_ports = ("Input",)

    def infer(self, types):
        shape = types["Input"].shape
        if shape is not None and shape != (self.size,):
            raise OptionError(f"_Picky takes size={self.size} features, found {shape}", option="size" if self.size
                              else None, kind="option-value", expected=self.size, found=shape)
        return {"Input": types["Input"], "Output": types["Input"]}


def test_an_option_error_from_a_layers_infer_names_that_layers_path():
    with pytest.raises(OptionError) as info:
        NetGraph({"inner": NetChain({"pick": _Picky(size=4)})}, [], Input=3)
    (d,) = info.value.diagnostics
    assert (d.layer, d.option, d.kind, d.expected, d.found) == (("inner", "pick"), "size", "option-value", 4, (3,))


SPEC = """netgraph: 1
type: NetChain
layers:
  act: Tanh
  pick:
    type: Picky
    size: 4
inputs: {Input: 3}
"""


def test_a_spec_places_an_error_from_a_layers_infer_at_that_layer():
    with registry_scope():
        register(_Picky, "Picky")
        with pytest.raises(SpecError) as info:
            NetChain.from_yaml(SPEC)
    (d,) = info.value.diagnostics
    assert (d.layer, d.option, d.kind, d.expected, d.found) == (("pick",), "size", "option-value", 4, (3,))
    assert (d.line, d.column) == (7, 11)  # its size: option


def test_a_spec_places_an_error_naming_no_option_at_the_layer():
    with registry_scope():
        register(_Picky, "Picky")
        with pytest.raises(SpecError) as info:
            NetChain.from_yaml(SPEC.replace("size: 4", "size: 0"))
    (d,) = info.value.diagnostics
    assert (d.layer, d.option, d.line) == (("pick",), None, 5)  # the line naming the layer
