"""A user's own layer type (README "Your own layer types") as a value: YAML, save/load, equality."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from torch import nn

from netgraph import NetChain, NetGraph, net_initialize
from netgraph.core.registry import registry_scope
from netgraph.core.types import unify
from netgraph.layers import Layer
from tests.test_custom_layer_checks import _Same


class _ShiftModule(nn.Module):
    def __init__(self, shift):
        super().__init__()
        self.Shift = nn.Parameter(torch.as_tensor(shift).clone())

    def forward(self, x):
        return x + self.Shift


def _shift_class():
    class Shift(Layer):
        shift: object = None  # an array option with no Array annotation, as README's ScaleShift
        ARRAYS = {"Shift": "shift"}  # noqa: RUF012
        input_ports = ("Input",)

        def infer(self, types):
            t = unify(types["Input"], types["Output"])
            return {"Input": t, "Output": t}

        def array_shapes(self, types):
            return {"Shift": types["Input"].shape}

        def build(self, types):
            return _ShiftModule(self.shift)
    return Shift


def test_array_field_is_a_tensor_from_python_and_yaml():
    with registry_scope():
        shift = _shift_class()
        assert torch.equal(shift(shift=[1, 2]).shift, torch.tensor([1.0, 2.0]))
        net = net_initialize(NetChain([4, shift()], input=2), seed=0)
        again = NetGraph.from_yaml(net.to_yaml())
        assert isinstance(again.layers["2"].shift, torch.Tensor) and again == net
        x = torch.randn(3, 2)
        assert torch.equal(again(x), net(x))


def test_a_shared_array_in_an_unannotated_array_field_saves_and_loads(tmp_path):
    import netgraph
    from netgraph import NetSharedArray
    with registry_scope():
        shift = _shift_class()
        net = net_initialize(NetChain([shift(shift=NetSharedArray("s")), shift(shift=NetSharedArray("s"))], input=3),
                             seed=0)
        netgraph.save(net, tmp_path / "net")
        x = torch.randn(4, 3)
        for again in (netgraph.load(tmp_path / "net"), NetGraph.from_yaml(net.to_yaml())):
            assert list(again.information("SharedArrays")) == ["s"] and again == net
            assert torch.equal(again(x), net(x))


class _Block(nn.Module):
    def __init__(self, size, hidden=4):
        super().__init__()
        self.inner, self.outer = nn.Linear(size, hidden), nn.Linear(hidden, size)

    def forward(self, x):
        return x + self.outer(self.inner(x).relu())


def test_registered_module_keeps_changed_arrays_through_save_and_load(tmp_path):
    import netgraph
    from netgraph import SpecError, register_module
    with registry_scope():
        block = register_module(_Block, "SavedBlock")
        net = NetChain({"b": block(size=3), "out": 2}, input=3)
        state = {k: torch.randn(v.shape) for k, v in net.layers["b"].arrays.items()}  # as training would leave them
        changed = net_initialize(net.replace_layers({"b": net.layers["b"].with_arrays(state)}), seed=0)
        netgraph.save(changed, tmp_path / "net")
        loaded = netgraph.load(tmp_path / "net")
        x = torch.randn(5, 3)
        assert loaded == changed and torch.equal(loaded(x), changed(x))
        assert torch.equal(loaded.layers["b"].arrays["inner.weight"], state["inner.weight"])
        with pytest.raises(SpecError, match=r"layer 'b' \(SavedBlock\) holds arrays other than the ones its options "
                                            r"make .* netgraph.save"):
            changed.to_yaml()
        assert "SavedBlock" in net_initialize(net, seed=0).to_yaml()  # the arrays its options make: written as options


class _Plain(_Same, register=False):
    k: int = 1


def test_spec_names_a_layer_by_its_registered_name_or_refuses(tmp_path):
    import netgraph
    from netgraph import SpecError
    from netgraph.layers import register
    unregistered = NetChain([_Plain(k=2)], input=3)
    with pytest.raises(SpecError, match=r"layer '1' \(_Plain\): its type is not registered, so a spec naming it could "
                                        r"not be read back; register it with netgraph.layers.register\(_Plain\)"):
        unregistered.to_yaml()
    with pytest.raises(SpecError, match="not registered"):
        netgraph.save(unregistered, tmp_path / "net")
    assert not (tmp_path / "net").exists()
    with registry_scope():
        register(_Plain, "PlainAlias")
        text = unregistered.to_yaml()
        assert "type: PlainAlias" in text and NetGraph.from_yaml(text) == unregistered


def test_replace_names_an_unknown_option_and_keeps_the_layer():
    from netgraph import LinearLayer, OptionError
    layer = LinearLayer(3)
    with pytest.raises(OptionError, match=r"LinearLayer.replace: no option 'outptu' \(did you mean 'output'\?\)"):
        layer.replace(outptu=4)
    changed = layer.replace(output=4)
    assert changed.output == (4,) and layer.output == (3,) and changed != layer
    with pytest.raises(dataclasses.FrozenInstanceError):
        layer.output = (5,)
