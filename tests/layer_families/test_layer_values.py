"""Layers, distributions and NetPorts are frozen dataclass values; the registry refuses silent overwrites."""

from __future__ import annotations

import dataclasses
import time

import pytest
import torch

from netgraph import LinearLayer, NetPort, NormalDistribution, OptionError, ConvolutionLayer
from netgraph.core.layer import REGISTRY, Layer, layer_class, register
from netgraph.core.options import Array, Literal, Shape, option_kinds
from netgraph.core.registry import registry_scope
from netgraph.layers.distributions import DISTRIBUTIONS, Distribution


def test_a_layer_subclass_is_a_frozen_dataclass_without_a_decorator():
    class Scaled(Layer):
        size: Shape = None
        weights: Array = None

    layer = Scaled(size=[2, 3], weights=[[1, 2]])
    assert dataclasses.is_dataclass(layer)
    assert layer.size == (2, 3) and layer.weights.dtype == torch.float32
    with pytest.raises(dataclasses.FrozenInstanceError):
        layer.size = 4
    with pytest.raises(dataclasses.FrozenInstanceError):
        layer.extra = 1
    assert {n: k.name for n, k in option_kinds(Scaled).items()} == {"size": "shape", "weights": "array"}


def test_an_explicit_dataclass_decorator_on_top_changes_nothing():
    @dataclasses.dataclass(frozen=True, eq=False, repr=False)
    class Decorated(Layer):
        size: Shape = None
        tags: tuple = dataclasses.field(default_factory=tuple)

    assert Decorated(size=3).size == (3,) and Decorated().tags == ()
    assert Decorated(size=3) == Decorated(size=[3]) and repr(Decorated(size=3)) == "Decorated(size=3)"


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class _DecoratedScale(Layer, register=False):
    scale: float = 1.0


@pytest.mark.parametrize("layer", [LinearLayer(3), ConvolutionLayer(2, 3), _DecoratedScale()],
                         ids=["built-in", "built-in-2", "decorated-subclass"])
def test_assigning_to_any_layer_says_it_is_frozen_and_what_to_use(layer):
    """Found by QA with Keras habits: layer.trainable = False on a built-in layer (one with an explicit @dataclass)
    was dataclasses' bare "cannot assign to field 'trainable'"."""
    from netgraph.core.errors import FrozenLayerError, NetGraphError
    name, option = layer.type_name, dataclasses.fields(layer)[0].name
    with pytest.raises(FrozenLayerError) as info:
        layer.trainable = False
    assert str(info.value) == (f"{name} is frozen (a value: edits return new layers), not layer.trainable = ...; to "
                               "freeze its arrays in training (Keras's trainable = False), give them a learning-rate "
                               "multiplier of 0: net_set_learning_rate_multipliers(net, {'layer': 0}), or "
                               "net_train(..., learning_rate_multipliers={'layer': 0})")
    assert isinstance(info.value, (NetGraphError, OptionError, dataclasses.FrozenInstanceError, AttributeError))
    assert info.value.name == "trainable" and info.value.diagnostics[0].option == "trainable"
    with pytest.raises(FrozenLayerError, match=rf"^{name} is frozen \(a value: edits return new layers\), not "
                                               rf"layer.{option} = ...: layer.replace\({option}=...\) is a copy with "
                                               rf"{option} changed; net_replace_part\(net, {{'name': new_layer}}\) puts "
                                               rf"it in a net$"):
        setattr(layer, option, 5)
    with pytest.raises(FrozenLayerError, match=rf"^{name} is frozen \(a value: edits return new layers\), not del "
                                               rf"layer.{option}: layer.replace\({option}=...\)"):
        delattr(layer, option)
    with pytest.raises(FrozenLayerError, match=rf"^{name} is frozen .*, not layer.{option}x = ...: it has no option "
                                               rf"'{option}x' \(did you mean '{option}'\?\); its options are "):
        setattr(layer, option + "x", 5)
    assert layer == type(layer)(**{f.name: getattr(layer, f.name) for f in dataclasses.fields(layer)})


def test_a_typed_option_is_checked_by_its_type_and_the_error_names_the_option():
    with pytest.raises(OptionError, match="LinearLayer option output=") as caught:
        LinearLayer(-2)
    assert caught.value.diagnostics[0].option == "output"
    with pytest.raises(OptionError, match="ConvolutionLayer weights=") as caught:
        ConvolutionLayer(2, 3, weights="not numbers")
    assert caught.value.diagnostics[0].option == "weights"


def test_equal_layers_hash_equal_and_distinct_ones_spread():
    layers = [LinearLayer(n) for n in range(1, 101)]
    assert len(set(layers)) == 100
    assert len({hash(layer) for layer in layers}) == 100
    assert hash(LinearLayer(3)) == hash(LinearLayer([3]))
    w = torch.ones(2, 3)
    assert LinearLayer(2, weights=w) == LinearLayer(2, weights=w.clone())
    assert hash(LinearLayer(2, weights=w)) == hash(LinearLayer(2, weights=w.clone()))
    table = {layer: i for i, layer in enumerate(layers)}
    start = time.perf_counter()
    assert all(table[LinearLayer(n)] == n - 1 for n in range(1, 101))
    assert time.perf_counter() - start < 1.0


def test_distributions_and_netports_are_frozen_values():
    d = NormalDistribution(0, 2)
    assert dataclasses.is_dataclass(d) and d == NormalDistribution(0, 2) and hash(d) == hash(NormalDistribution(0, 2))
    assert len({NormalDistribution(m, 1) for m in range(20)}) == 20
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.params = ()
    port = NetPort(3, "Output")
    assert dataclasses.is_dataclass(port) and {port: 1}[NetPort(3, "Output")] == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        port.port = "Input"


def test_a_name_clash_raises_naming_both_classes_unless_replaced_on_purpose():
    class Twice(Layer):
        pass

    first = Twice
    with pytest.raises(OptionError, match=r"'LinearLayer' is taken by netgraph\.layers\.linear\.LinearLayer.*Twice"):
        register(first, "LinearLayer")
    assert layer_class("LinearLayer") is LinearLayer
    assert register(first, "LinearLayer", replace=True) is first and layer_class("LinearLayer") is first


def test_a_clashing_class_definition_is_refused_and_one_can_opt_out_of_registration():
    with pytest.raises(OptionError, match="taken by"):
        type("LinearLayer", (Layer,), {"__module__": "elsewhere"})

    class LinearLayer_(Layer, register=False):
        pass

    assert "LinearLayer_" not in REGISTRY

    class MyDistribution(Distribution):
        PARAMS = ("a",)

    assert DISTRIBUTIONS["MyDistribution"] is MyDistribution
    with pytest.raises(OptionError, match="distribution name 'NormalDistribution' is taken"):
        type("NormalDistribution", (Distribution,), {"PARAMS": ("a",), "__module__": "elsewhere"})


def test_registry_scope_forgets_what_was_registered_inside():
    with registry_scope():
        class Temporary(Layer):
            kind: Literal["a", "b"] = "a"

        assert REGISTRY["Temporary"] is Temporary
    assert "Temporary" not in REGISTRY and REGISTRY["LinearLayer"] is LinearLayer
