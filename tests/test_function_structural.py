"""FunctionLayer beyond elementwise: Total/Mean over levels, Dot, Part, Clip and several outputs, checked
against handwritten torch on both execution paths; malformed and hostile forms give one clear OptionError."""

from __future__ import annotations

import pytest
import torch

from netgraph import (ElementwiseLayer, FunctionLayer, NetChain, NetGraph, NetPort, NormalDistribution, OptionError,
                      RandomArrayLayer, ShapeError, ThreadingLayer)
from netgraph.backend.interpreter import interpret
from netgraph.spec.api import from_yaml, to_yaml
from tests.layer_families._helpers import three_way

X = torch.randn(3, 2, 4, 5)
M, V = torch.randn(3, 6, 5), torch.randn(3, 5)


@pytest.mark.parametrize("text, shape, hand", [
    ("Total[#x]", (4, 5), lambda x: x.sum(1)),
    ("Total[#x, 2]", (5,), lambda x: x.sum((1, 2))),
    ("Total[#x, {3}]", (2, 4), lambda x: x.sum(3)),
    ("Mean[#x, {2, 3}]", (2,), lambda x: x.mean((2, 3))),
    ("Mean[#x, {-1}] * 2", (2, 4), lambda x: x.mean(-1) * 2),
    ("Part[#x, 2, All, -1]", (4,), lambda x: x[:, 1, :, 4]),
    ("Part[#x, 1] - Total[#x, {1}] / 2", (4, 5), lambda x: x[:, 0] - x.sum(1) / 2),
    ("Clip[#x, {-0.5, 1}] + Clip[#x]", (2, 4, 5), lambda x: x.clamp(-0.5, 1) + x.clamp(-1, 1)),
])
def test_whole_array_functions_of_one_input(text, shape, hand):
    net = NetGraph([FunctionLayer(text)], [], x=(2, 4, 5))
    assert net.output_shapes == {"Output": shape}
    three_way(net, lambda m, x: hand(x), x=X)


@pytest.mark.parametrize("text, shapes, hand", [
    ("Dot[#m, #v]", {"m": (6, 5), "v": 5}, lambda m, v: (m @ v[:, :, None])[..., 0]),
    ("Dot[#v, #v] + #v", {"v": 5}, lambda v: (v * v).sum(1, keepdim=True) + v),
    ("Dot[#x, #m]", {"x": (2, 4, 6), "m": (6, 5)}, lambda x, m: torch.einsum("bijk,bkl->bijl", x, m)),
    ("Total[#m, {2}] + #v * 2", {"m": (5, 6), "v": 5}, lambda m, v: m.sum(2) + v * 2),
])
def test_dot_contracts_last_with_first_and_ranks_align_after_the_batch(text, shapes, hand):
    values = {"m": M if shapes.get("m") == (6, 5) else torch.randn(3, 5, 6), "v": V, "x": torch.randn(3, 2, 4, 6)}
    inputs = {p: values[p] for p in shapes}
    net = NetGraph([FunctionLayer(text)], [], **shapes)
    three_way(net, lambda module, **kw: hand(**kw), **inputs)


def test_several_outputs_named_or_numbered_feed_other_layers():
    net = NetGraph([FunctionLayer('<|"mean" -> Mean[#x, {2}], "spread" -> Total[(#x - #x) ^ 2, {2}] + Part[#x, All, 1]|>')],
                   [], x=(3, 4))
    assert net.layers["1"].output_ports == ("mean", "spread") and net.output_shapes == {"mean": (3,), "spread": (3,)}
    x = torch.randn(2, 3, 4)
    three_way(net, lambda m, x: {"mean": x.mean(2), "spread": x[:, :, 0]}, x=x)
    numbered = NetGraph([FunctionLayer("{#a + #b, #a * #b}")], [], a=3, b=3)
    assert numbered.output_ports == ("Output1", "Output2")
    chain = NetGraph({"f": FunctionLayer("{Total[#x], #x}"), "g": FunctionLayer("#s * Total[#y]")},
                     [(NetPort("f", "Output1"), NetPort("g", "s")), (NetPort("f", "Output2"), NetPort("g", "y"))], x=(4, 2))
    a = torch.randn(5, 4, 2)
    torch.testing.assert_close(chain(x=a), a.sum(1) * a.sum(1))


def test_shape_errors_name_the_problem():
    with pytest.raises(ShapeError, match="Dot: the last dimension of .5. must equal the first of .4."):
        NetGraph([FunctionLayer("Dot[#a, #b]")], [], a=5, b=4)
    with pytest.raises(ShapeError, match="Part: index 3 does not exist at level 1"):
        NetGraph([FunctionLayer("Part[#a, 3]")], [], a=2)
    with pytest.raises(ShapeError, match="Total: levels 2 do not exist"):
        NetGraph([FunctionLayer("Total[#a, {2}]")], [], a=2)
    with pytest.raises(ShapeError, match="output 'Output2' uses no input"):
        NetGraph([FunctionLayer("{#a, 1}")], [], a=2)


@pytest.mark.parametrize("text, message", [
    ("Total[#x, #y]", "level must be an integer"),
    ("Total[#x, {0}]", "levels m to n"),
    ("Part[#x, 0]", "Part index must be a non-zero integer"),
    ("Part[#x, 1.5]", "Part index must be an integer"),
    ("Clip[#x, {#y, 1}]", "two constant bounds"),
    ("Clip[#x, 1]", "two constant bounds"),
    ("Dot[#x]", "Dot takes 2 arguments, found 1"),
    ("#a + {#b, #c}", "a list inside an expression"),
    ("#a, #b", "several outputs are written"),
    ('<|#a -> #b|>', "keys of <| ... |> must be port names"),
    ('<|"a" -> #a, "a" -> #b|>', "distinct names"),
    ('"__class__"', "a string must be a port name"),
    ("#a | #b", "'|' is only allowed in <| ... |>"),
    ('<|"a" -> {#a, #b}|>', "a list inside an expression"),
    ("Total[#x, {1, 2, 3}]", "levels m to n"),
])
def test_malformed_forms_are_one_clear_option_error(text, message):
    with pytest.raises(OptionError, match=message):
        FunctionLayer(text)


def test_only_function_layer_takes_whole_array_forms():
    with pytest.raises(OptionError, match="ElementwiseLayer expression 'Total.#.' must be elementwise"):
        ElementwiseLayer("Total[#]")
    with pytest.raises(OptionError, match="ThreadingLayer expression .* must be elementwise"):
        ThreadingLayer("{#a, #b}")
    with pytest.raises(OptionError, match="several outputs"):
        FunctionLayer("{#a, #b}", output=3)


def test_yaml_round_trip_and_drawing_of_several_outputs():
    net = NetChain([FunctionLayer('<|"m" -> Mean[#x], "t" -> Total[#x, 2]|>')], input=(3, 4))
    back = from_yaml(to_yaml(net))
    assert back.output_shapes == net.output_shapes == {"m": (4,), "t": ()}
    svg = net.render_svg()
    assert "m" in svg and "t" in svg


def test_a_python_function_gives_several_outputs_by_dict_or_tuple():
    x = torch.randn(2, 3, 4)
    by_name = NetGraph([FunctionLayer(lambda x: {"s": x.std(-1), "m": x.mean(-1)}, outputs=["m", "s"])], [], x=(3, 4))
    assert by_name.output_shapes == {"m": (3,), "s": (3,)}
    three_way(by_name, lambda module, x: {"m": x.mean(-1), "s": x.std(-1)}, x=x)
    in_order = NetGraph([FunctionLayer(lambda a, b: (a + b, a * b), outputs=["sum", "product"])], [], a=4, b=(3, 4))
    a, b = torch.randn(2, 4), torch.randn(2, 3, 4)
    three_way(in_order, lambda module, a, b: {"sum": a[:, None] + b, "product": a[:, None] * b}, a=a, b=b)


@pytest.mark.parametrize("make, message", [
    (lambda: FunctionLayer("#a + 1", outputs=["x"]), "outputs= names the outputs of a Python function"),
    (lambda: FunctionLayer(lambda a: a, outputs=["x", "x"]), "list of distinct port names"),
    (lambda: FunctionLayer(lambda a: a, outputs=["x", "y"], output=3), "several outputs"),
])
def test_bad_outputs_options(make, message):
    with pytest.raises(OptionError, match=message):
        make()


def test_a_python_function_returning_the_wrong_outputs_is_a_shape_error():
    with pytest.raises(ShapeError, match=r"returned keys \['a'\], expected the outputs \['m', 's'\]"):
        NetGraph([FunctionLayer(lambda x: {"a": x}, outputs=["m", "s"])], [], x=3)
    with pytest.raises(ShapeError, match="must return 2 tensors"):
        NetGraph([FunctionLayer(lambda x: x, outputs=["m", "s"])], [], x=3)


@pytest.mark.parametrize("make", [
    lambda: FunctionLayer("#Output * 2"),
    lambda: RandomArrayLayer(NormalDistribution("#Output", 1.0), output=3),
    lambda: RandomArrayLayer(NormalDistribution("#LogProbability", 1.0), output=3, log_probability=True),
])
def test_an_input_named_like_an_output_port_is_refused(make):
    # a layer with an input and an output of one name made NetPort(layer, name) ambiguous
    with pytest.raises(OptionError, match=r"would name both an input port and an output port .*e\.g\. #\w+In$"):
        make()


@pytest.mark.parametrize("make", [lambda: FunctionLayer("Clip[#x, {1, 0}]"), lambda: ElementwiseLayer("Clip[#, {1, 0}]"),
                                  lambda: FunctionLayer("Clip[#x, {Infinity, -Infinity}]")])
def test_a_clip_whose_min_is_above_its_max_is_refused(make):
    """torch's clamp with min > max sets every element to max: Clip[x, {1, 0}] gave 0 everywhere, where Wolfram's
    definition (min below min, max above max) gives 1 below 1; a reversed pair is refused, naming it."""
    with pytest.raises(OptionError,
                       match=r"takes two constant bounds, min <= max, found \{(1, 0|Infinity, -Infinity)\}"):
        make()
    assert torch.equal(FunctionLayer("Clip[#x, {1, 1}]")(torch.tensor([0.0, 2.0])), torch.tensor([1.0, 1.0]))


def _clip_values(x: torch.Tensor, lo: float, hi: float, below: float, above: float) -> torch.Tensor:
    """Wolfram's Clip[x, {lo, hi}, {below, above}] in torch: x clipped, below where x < lo, above where x > hi."""
    return torch.where(x < lo, below, torch.where(x > hi, above, x.clamp(lo, hi)))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("text, hand", [
    ("Clip[#x, {-0.5, 1}, {-7, 9}]", lambda x: _clip_values(x, -0.5, 1, -7, 9)),
    ("Clip[#x, {0, 0}, {1, -1}] + Clip[#x, {-1, 1}]", lambda x: _clip_values(x, 0, 0, 1, -1) + x.clamp(-1, 1)),
    ("Round[#x, 0.25]", lambda x: torch.round(x / 0.25) * 0.25),
    ("Round[#x, 3] - Round[#x]", lambda x: torch.round(x / 3) * 3 - torch.round(x)),
    ("Floor[#x, 0.5] + Ceiling[#x, 2]", lambda x: torch.floor(x / 0.5) * 0.5 + torch.ceil(x / 2) * 2),
    ("Floor[#x, -2]", lambda x: torch.floor(x / -2) * -2),
])
def test_clip_to_values_and_round_to_a_multiple_are_wolframs(text, hand, dtype):
    """Clip[x, {a, b}, {va, vb}] (va below a, vb above b), Round[x, a] (the nearest multiple of a), Floor[x, a] and
    Ceiling[x, a] were refused as arity errors (session 52)."""
    x = torch.cat([torch.randn(3, 2, 4, 5, dtype=dtype) * 3, torch.full((3, 2, 4, 5), 0.375, dtype=dtype)])
    x[0, 0, 0, :3] = torch.tensor([-0.5, 1.0, 0.0], dtype=dtype)  # at the bounds: x itself
    module = three_way(NetGraph([FunctionLayer(text)], [], x=(2, 4, 5)), lambda m, x: hand(x), x=x)
    assert module(x=x).dtype == dtype
    assert torch.equal(ElementwiseLayer(text.replace("#x", "#"))(x), hand(x.float()))  # alone: the net's float32


@pytest.mark.parametrize("text, column", [("Clip[#x, {-1, 1}, {#x, 5}]", 19), ("Clip[#x, {-1, 1}, 3]", 19)])
def test_clips_values_are_two_constants(text, column):
    with pytest.raises(OptionError, match=f"at column {column}: Clip\\[x, {{min, max}}, {{vmin, vmax}}\\] takes two "
                                          f"constant values"):
        FunctionLayer(text)


def test_clip_to_values_has_clips_gradient_and_computes_its_argument_once():
    """Its innermost Min[Max[x, lo], hi] never changes the value, but gives the gradient 0 at a bound that README
    documents for Clip (kept); a ThreadingLayer wrote Exp[#1 - #2] three times (review of session 52)."""
    x = torch.tensor([-0.5, 1.0, 0.25, float("nan"), -1.0, 2.0], dtype=torch.float64)
    module = NetGraph([FunctionLayer("Clip[#x, {-0.5, 1}, {-7, 9}]")], [], x=()).compile().double()
    for run in (module, lambda x: interpret(module.net, module, x=x)):
        xi = x.clone().requires_grad_(True)
        value = run(x=xi) if run is module else run(xi)
        value.sum().backward()
        assert torch.equal(value.detach().nan_to_num(99.0), torch.tensor([-0.5, 1.0, 0.25, 99.0, -7.0, 9.0],
                                                                        dtype=torch.float64))
        assert xi.grad.tolist() == [0.0, 0.0, 1.0, 1.0, 0.0, 0.0]
    threaded = NetGraph([ThreadingLayer("Clip[Exp[#1 - #2], {0.5, 2}, {-7, 9}]")], [], Input1=3, Input2=3).compile()
    assert threaded.code.count("torch.exp(") == 1, threaded.code
    a, b = torch.tensor([0.0, 1.0, -1.0]), torch.tensor([0.0, 0.0, 0.0])
    assert torch.equal(threaded(Input1=a, Input2=b), torch.tensor([1.0, 9.0, -7.0]))
