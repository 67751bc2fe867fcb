"""A user's own layer type with a mistake in infer() or build() gives one error naming the layer and the mistake."""

from __future__ import annotations

from typing import Literal, Optional

import pytest
import torch
from torch import nn

from netgraph import EmbeddingLayer, LinearLayer, NetChain, OptionError, ShapeError, net_initialize
from netgraph.backend.interpreter import interpret
from netgraph.core.types import PortType, unify
from netgraph.layers import given_outputs
from netgraph.layers import Layer


class _Same(Layer, register=False):
    """Input and Output share one type; ``module`` is what build gives."""
    input_ports = ("Input",)

    def infer(self, types):
        t = unify(types["Input"], types["Output"])
        return {"Input": t, "Output": t}

    def build(self, types):
        return nn.Identity()


class _Cast(nn.Module):
    def forward(self, x):
        return x.long()


@pytest.mark.parametrize("built, found", [(None, "NoneType"), (lambda x: x, "function")])
def test_build_must_return_a_module(built, found):
    class NoModule(_Same, register=False):
        def build(self, types):
            return built
    with pytest.raises(OptionError, match=rf"layer 1 \(NoModule\): NoModule.build\(\) must return a torch.nn.Module, "
                                          rf"returned {found}"):
        NetChain([NoModule()], input=3)(torch.randn(2, 3))


@pytest.mark.parametrize("module, found", [(nn.Linear(3, 5), r"\(5\) Real"), (_Cast(), r"\(3\) Integer")])
def test_built_module_must_give_the_inferred_type(module, found):
    class Wrong(_Same, register=False):
        def build(self, types):
            return module
    with pytest.raises(ShapeError, match=rf"layer 1 \(Wrong\): port 'Output': infer\(\) gives \(3\) Real, but the "
                                         rf"module from Wrong.build\(\) gives {found}"):
        NetChain([Wrong()], input=3).compile()


def test_built_module_that_fits_or_cannot_run_on_meta_passes():
    class HoldsTensor(nn.Module):  # a plain tensor attribute: no meta run, so no check
        def __init__(self):
            super().__init__()
            self.scale = torch.tensor(2.0)

        def forward(self, x):
            return x * self.scale

    class Fits(_Same, register=False):
        def build(self, types):
            return HoldsTensor()
    assert torch.equal(NetChain([Fits()], input=3)(torch.ones(2, 3)), torch.full((2, 3), 2.0))


def _infer_returning(value):
    class BadInfer(_Same, register=False):
        def infer(self, types):
            return value(types)
    return BadInfer


@pytest.mark.parametrize("value, message", [
    (lambda types: None, r"must return a dict of port name -> PortType, returned NoneType"),
    (lambda types: {"Input": types["Input"], "Output": (3,)}, r"it returned tuple \(3,\) for port 'Output'"),
    (lambda types: {**types, "output": types["Input"]},
     r"it returned port 'output', which the layer does not have \(did you mean 'Output'\?\)"),
    (lambda types: {**types, "Extra": None}, r"it returned port 'Extra', which the layer does not have"),  # None: no
    # port's type, so no stand-in for a missing port may be None
    (lambda types: types["Missing"], r"raised KeyError: 'Missing'"),
])
def test_infer_mistakes_name_the_layer(value, message):
    with pytest.raises(ShapeError, match=r"layer 1 \(BadInfer\): BadInfer.infer\(\) (.* )?" + message):
        NetChain([_infer_returning(value)()], input=3)


def test_infer_may_leave_ports_out():
    layer = _infer_returning(lambda types: {"Input": types["Input"]})()
    assert NetChain([layer, 2], input=3, output=2).layer_types("1")["Output"] == PortType(None, "Real")


def test_class_definition_mistakes_name_the_class():
    with pytest.raises(OptionError, match=r"layer type MutableDefault: mutable default <class 'list'> for field "
                                          r"sizes .*, or give a tuple"):
        class MutableDefault(Layer, register=False):
            sizes: list = [1, 2]  # noqa: RUF012
    with pytest.raises(OptionError, match=r"layer type OnePort: input_ports must be a tuple of port names, found "
                                          r"'Input' \(write \('Input',\)\)"):
        class OnePort(Layer, register=False):
            input_ports = "Input"
    with pytest.raises(OptionError, match=r"layer type NoField: ARRAYS names field 'weight', which the class does "
                                          r"not declare \(did you mean 'weights'\?\)"):
        class NoField(Layer, register=False):
            weights: object = None
            ARRAYS = {"Weights": "weight"}  # noqa: RUF012


@pytest.mark.parametrize("code, message", [
    (lambda ctx: f"{ctx.module}({ctx.args[0]}", r"layer 1 \(BadEmit\): BadEmit.emit\(\) gave code that is not Python"),
    (lambda ctx: 42, r"BadEmit.emit\(\) must return a Python expression as text, returned int 42"),
])
def test_emit_must_give_python_code(code, message):
    class BadEmit(_Same, register=False):
        def emit(self, ctx):
            return code(ctx)
    with pytest.raises(OptionError, match=message):
        NetChain([BadEmit()], input=3).compile()


def _with_array(init=None, shapes=None):
    from netgraph.layers import Layer as Base

    class Shifted(Base, register=False):
        shift: object = None
        ARRAYS = {"Shift": "shift"}  # noqa: RUF012
        input_ports = ("Input",)

        def infer(self, types):
            t = unify(types["Input"], types["Output"])
            return {"Input": t, "Output": t}

        def array_shapes(self, types):
            return shapes if shapes is not None else {"Shift": types["Input"].shape}

        def init_array(self, name, shape, generator):
            return init(shape) if init else torch.zeros(shape)

        def build(self, types):
            return nn.Identity()
    return Shifted()


@pytest.mark.parametrize("init, found", [(lambda s: torch.zeros(7), r"a tensor of shape \(7,\)"),
                                         (lambda s: None, "NoneType")])
def test_init_array_must_give_the_shape_asked_for(init, found):
    from netgraph import net_initialize
    with pytest.raises(ShapeError, match=rf"Shifted.init_array\('Shift', \(3,\), generator\) must return a tensor of "
                                         rf"that shape, returned {found}"):
        net_initialize(NetChain([_with_array(init)], input=3))


def test_array_shapes_must_name_every_array():
    from netgraph import net_initialize
    with pytest.raises(ShapeError, match=r"layer 1 \(Shifted\): Shifted.array_shapes\(\) must give the shape of each "
                                         r"of its arrays \['Shift'\], gave \{'Wrong': \(3,\)\}"):
        net_initialize(NetChain([_with_array(shapes={"Wrong": (3,)})], input=3))


def test_built_module_must_hold_each_array_by_its_name():
    from netgraph import net_initialize

    class Lowercase(nn.Module):
        def __init__(self):
            super().__init__()
            self.shift = nn.Parameter(torch.zeros(3))

        def forward(self, x):
            return x + self.shift

    class Misnamed(type(_with_array()), register=False):
        def build(self, types):
            return Lowercase()
    net = net_initialize(NetChain([Misnamed()], input=3), seed=0)
    with pytest.raises(OptionError, match=r"layer 1 \(Misnamed\): the module from Misnamed.build\(\) holds no parameter "
                                          r"or buffer named 'Shift' for array 'Shift' \(it has \['shift'\]\)"):
        net.compile()


def test_literal_option_refuses_other_values_in_python_and_yaml():
    from netgraph import NetGraph, SpecError
    from netgraph.core.registry import registry_scope
    with registry_scope():
        class Moded(_Same):
            mode: Literal["Zero", "Copy"] = "Zero"
            extra: Optional[Literal["A"]] = None
        assert Moded(mode="Copy", extra="A").mode == "Copy" and Moded().extra is None
        with pytest.raises(OptionError, match=r"Moded option mode= must be one of \['Zero', 'Copy'\], found 'Cpy' "
                                              r"\(did you mean 'Copy'\?\)"):
            Moded(mode="Cpy")
        with pytest.raises(SpecError, match=r"3:\d+: layer '1': Moded option mode= must be one of"):
            NetGraph.from_yaml("netgraph: 1\ntype: NetChain\nlayers: [{type: Moded, mode: Cpy}]\ninputs: {Input: 3}\n")


def test_built_module_must_not_change_its_input_in_place():
    class Doubles(nn.Module):
        def forward(self, x):
            return x.mul_(2)

    class InPlace(_Same, register=False):
        def build(self, types):
            return Doubles()
    with pytest.raises(OptionError, match=r"layer 1 \(InPlace\): the module from InPlace.build\(\) changes its input "
                                          r"'Input' in place"):
        NetChain([InPlace()], input=3)(torch.ones(2, 3))


@pytest.mark.parametrize("text, found", [('"abc"', "'abc'"), ("[1, 2]", r"\[1, 2\]"), ("true", "True")])
def test_plain_float_option_refuses_other_values_in_yaml_with_its_place(text, found):
    from netgraph import NetGraph, SpecError
    from netgraph.core.registry import registry_scope
    with registry_scope():
        class Scaled(_Same):
            scale: float = 2.0
            label: Optional[str] = None
        assert Scaled(scale=3).scale == 3 and Scaled(label="x").label == "x"  # an int is a number
        with pytest.raises(OptionError, match=r"Scaled option label= must be a string or None, found 3") as info:
            Scaled(label=3)
        assert info.value.diagnostics[0].option == "label"
        place = r"<string>:4:\d+: layer '1'"
        with pytest.raises(SpecError, match=rf"{place}: Scaled option scale= must be a number, found {found}"):
            NetGraph.from_yaml(f"netgraph: 1\ntype: NetChain\ninputs: {{Input: 3}}\nlayers: [{{type: Scaled, "
                               f"scale: {text}}}]\n")


def test_a_dtype_from_the_default_is_not_said_to_come_from_the_options():
    """A layer declaring no port types has every port Real by default; a conflict said that Real came "(from its
    options)", which _Same has none of."""
    class Typed(_Same, register=False):
        def declared_types(self):
            return {"Input": PortType(None, "Real"), "Output": PortType(None, "Real")}
    with pytest.raises(ShapeError) as raised:
        NetChain([_Same(), EmbeddingLayer(4, 10)], input=3)
    assert str(raised.value).endswith("(the dtype Real was set by layer 1 (_Same) port 'Output' (Real by default: "
                                      "_Same declares no port types); joined by edge 1 -> 2)")
    with pytest.raises(ShapeError, match=r"set by layer 1 \(Typed\) port 'Output' \(from its options\); joined"):
        NetChain([Typed(), EmbeddingLayer(4, 10)], input=3)


def _needing_values(forward):
    """A user's own layer type whose module reads a value (``.item()``), so it cannot run on meta tensors."""
    class ReadsValues(nn.Module):
        def forward(self, x):
            x.abs().max().item()
            return forward(x)

    class Unprobed(_Same, register=False):
        def build(self, types):
            return ReadsValues()
    return Unprobed


@pytest.mark.parametrize("forward, found", [(lambda x: torch.cat([x, x], -1), r"shape \(2, 6\)"),
                                            (lambda x: None, "NoneType"), (lambda x: (x, x), "tuple")])
def test_built_module_that_cannot_run_on_meta_is_checked_at_its_first_call(forward, found):
    net = net_initialize(NetChain([_needing_values(forward)(), LinearLayer(2)], input=3))
    message = (rf"layer '1' \(Unprobed\) port 'Output': the module returned {found}, where infer\(\) gives \(b, 3\) "
               rf"with b the batch size; make infer\(\) give the shapes it returns, or make it return those")
    module, x = net.compile(), torch.ones(2, 3)
    for call in (lambda: net(x), lambda: module(Input=x), lambda: interpret(net, module, Input=x)):
        with pytest.raises(ShapeError, match=message):
            call()
    assert torch.equal(NetChain([_needing_values(lambda x: x * 2)()], input=3)(x), x * 2)


def test_built_module_that_cannot_run_on_meta_has_outputs_of_another_precision_cast():
    """Its float64 output met the next layer's float32 weights in torch ("mat1 and mat2 must have the same dtype")."""
    net = net_initialize(NetChain([_needing_values(lambda x: x.double() * 2)(), LinearLayer(2)], input=3), seed=0)
    module, x = net.compile(), torch.randn(4, 3, generator=torch.Generator().manual_seed(0))
    expected = net_initialize(NetChain([_needing_values(lambda x: x * 2)(), LinearLayer(2)], input=3), seed=0)(x)
    for found in (net(x), module(Input=x), interpret(net, module, Input=x)):
        assert found.dtype == torch.float32 and torch.equal(found, expected)


def test_an_output_of_the_shape_and_dtype_given_is_checked_without_asking_whether_torch_traces(monkeypatch):
    """The compiled forward checks an unprobed module's outputs at every call: the common case, one tensor of the shape
    given in its dtype, is one comparison of its shape (asking whether torch traces was a third of the check); every
    other output takes the full check, which still refuses a missing batch dim, a wrong size and casts a precision."""
    asked = []
    monkeypatch.setattr(given_outputs, "tracing", lambda: asked.append(1) or False)
    check = lambda out, shape: given_outputs.checked_outputs(out, (shape,), ("t",), ("Output",), "T", "outputs",  # noqa
                                                             torch.float32)
    fits = torch.zeros(2, 3)
    assert check(fits, (3,)) is fits and check(torch.zeros(0, 3, 4), (3, 4)) is not None
    assert check(torch.zeros(2, 3, dtype=torch.long), (3,)).dtype == torch.long
    assert asked == []
    assert check(torch.zeros(2, 3, dtype=torch.float64), (3,)).dtype == torch.float32
    for wrong, shape in ((torch.zeros(()), ()), (torch.zeros(3), (3,)), (torch.zeros(2, 4), (3,)),
                         (torch.zeros(2, 3, 1), (3,))):
        with pytest.raises(ShapeError, match=r"port 'Output': the module returned shape"):
            check(wrong, shape)
    assert check(torch.zeros(2, 5), ("n",)).shape == (2, 5)  # a variable length takes any size


def test_built_module_on_a_variable_length_that_cannot_run_on_meta_is_checked_at_each_call():
    """On ("n", 3) a module returning (n, 2) passed silently: the check was skipped for any input with a length name."""
    net = net_initialize(NetChain([_needing_values(lambda x: x[:, :, :2])()], input=("n", 3)))
    module, x = net.compile(), torch.ones(2, 5, 3)
    for call in (lambda: net(x), lambda: module(Input=x), lambda: interpret(net, module, Input=x)):
        with pytest.raises(ShapeError, match=r"port 'Output': the module returned shape \(2, 5, 2\), where infer\(\)"):
            call()
    assert torch.equal(NetChain([_needing_values(lambda x: x * 2)()], input=("n", 3))(x), x * 2)


def test_built_module_on_a_variable_length_is_checked_on_meta_tensors_at_a_probe_length():
    class Cut(nn.Module):
        def forward(self, x):
            return x[:, :, :2]

    class CutLayer(_Same, register=False):
        def build(self, types):
            return Cut()
    with pytest.raises(ShapeError, match=r"port 'Output': infer\(\) gives \(n, 3\) Real, but the module from "
                                         r"CutLayer.build\(\) gives \(5, 2\) Real \(checked on meta tensors"):
        NetChain([CutLayer()], input=("n", 3)).compile()
