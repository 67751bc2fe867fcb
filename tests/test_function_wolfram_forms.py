"""Wolfram functions a FunctionLayer expression takes beyond the elementwise table: Max/Min of one array, Log[b, x],
ArcTan[x, y], Boole, Quotient, Norm, First, Last and Length, each against Wolfram's definition written here by
hand, on both execution paths, with its inferred shape."""

from __future__ import annotations

import math
import re

import pytest
import torch

from netgraph import DataError, ElementwiseLayer, FunctionLayer, NetGraph, OptionError, ShapeError, ThreadingLayer, interpret
from tests.layer_families._helpers import three_way

X = torch.tensor([[[3.0, -1.0, 2.0], [0.5, 7.0, -4.0]], [[-2.0, -3.0, -9.0], [-5.0, -1.5, -8.0]]])  # (2, 2, 3)
V = torch.tensor([[3.0, -4.0, 0.0], [-1.0, 2.0, 2.0]])  # (2, 3)


@pytest.mark.parametrize("text, hand", [
    ("Max[#x]", lambda x: torch.tensor([7.0, -1.5])),  # Wolfram's Max of a list: its largest element, at every level
    ("Min[#x]", lambda x: torch.tensor([-4.0, -9.0])),
    ("Norm[#x[[1]]]", lambda x: torch.tensor([math.sqrt(14.0), math.sqrt(94.0)])),  # a vector's 2-norm
    ("Length[#x]", lambda x: torch.tensor([2.0, 2.0])),  # the elements at level 1
    ("Length[#x[[1]]] + 0 * Max[#x]", lambda x: torch.tensor([3.0, 3.0])),
    ("#x[[1, 1]] - Max[#x]", lambda x: x[:, 0, 0] - torch.tensor([7.0, -1.5])),  # a scalar with an element
])
def test_whole_array_functions_give_a_scalar(text, hand):
    net = NetGraph([FunctionLayer(text)], [], x=(2, 3))
    assert net.output_shapes == {"Output": ()}
    three_way(net, lambda m, x: hand(x), x=X)


@pytest.mark.parametrize("text, shape, hand", [
    ("First[#x]", (3,), lambda x: x[:, 0]), ("Last[#x]", (3,), lambda x: x[:, -1]),
    ("Last[First[#x]]", (), lambda x: x[:, 0, -1]),
    ("#x - Max[#x]", (2, 3), lambda x: x - torch.tensor([7.0, -1.5])[:, None, None]),
    ("#x / Length[#x]", (2, 3), lambda x: x / 2),
])
def test_whole_array_functions_keep_the_shapes_they_should(text, shape, hand):
    net = NetGraph([FunctionLayer(text)], [], x=(2, 3))
    assert net.output_shapes == {"Output": shape}
    three_way(net, lambda m, x: hand(x), x=X)


def test_norm_of_a_matrix_is_its_largest_singular_value_and_of_a_number_its_absolute_value():
    net = NetGraph([FunctionLayer("Norm[#x]")], [], x=(2, 3))
    three_way(net, lambda m, x: torch.stack([torch.linalg.svdvals(x[i])[0] for i in range(2)]), x=X)
    three_way(NetGraph([FunctionLayer("Norm[#v[[2]]]")], [], v=3), lambda m, v: v[:, 1].abs(), v=V)
    with pytest.raises(ShapeError, match="Norm"):
        NetGraph([FunctionLayer("Norm[#x]")], [], x=(2, 2, 2))


def test_max_and_min_of_a_scalar_or_constant_are_themselves():
    three_way(NetGraph([FunctionLayer("Max[#v[[1]]] + Min[2] + Max[#v[[2]], #v[[3]]]")], [], v=3),
              lambda m, v: v[:, 0] + 2 + torch.maximum(v[:, 1], v[:, 2]), v=V)
    with pytest.raises(OptionError, match="Max takes 1 or more arguments"):
        FunctionLayer("Max[]")


@pytest.mark.parametrize("text, hand", [
    # Wolfram's Max flattens its arguments: Max[{3, -4, 0}, {1, 5, 2}] is 5, Max[{-1, -2}, 0] is 0
    ("Max[#a, #b]", lambda a, b: torch.maximum(a.amax(1), b.amax(1))),
    ("Min[#a, #b]", lambda a, b: torch.minimum(a.amin(1), b.amin(1))),
    ("Max[#a, 0] + Max[#b, -1]", lambda a, b: a.amax(1).clamp(min=0) + b.amax(1).clamp(min=-1)),
    ("Min[#a, 1, #b, 2]", lambda a, b: torch.minimum(a.amin(1), b.amin(1)).clamp(max=1)),
    ("Max[#a[[1]], #b]", lambda a, b: torch.maximum(a[:, 0], b.amax(1))),
])
def test_max_and_min_of_several_arrays_are_their_largest_and_smallest_element(text, hand):
    a, b = torch.tensor([[3.0, -4.0, 0.0], [-1.0, -2.0, -3.0]]), torch.tensor([[1.0, 5.0, 2.0], [-6.0, -0.5, -9.0]])
    net = NetGraph([FunctionLayer(text)], [], a=3, b=3)
    assert net.output_shapes == {"Output": ()}
    three_way(net, lambda m, a, b: hand(a, b), a=a, b=b)


def test_max_of_arrays_given_an_array_output_says_it_flattens_and_how_to_take_the_elementwise_one():
    with pytest.raises(ShapeError, match=r"(?s)expected rank 0 \(\), found rank 1 \(3\).*Wolfram's Max flattens its "
                                         r"arguments.*Ramp\[#x\] for Max\[#x, 0\]"):
        NetGraph([FunctionLayer("Max[#x, 0]", output=3)], [], x=3)


def test_max_of_scalar_ports_and_in_elementwise_layers_is_elementwise():
    """Where f gets numbers (scalar ports; ElementwiseLayer and ThreadingLayer apply f to each element), Max of
    several arguments is their elementwise maximum, as Wolfram's on numbers."""
    a, b = torch.tensor([3.0, -4.0, 0.5]), torch.tensor([1.0, 5.0, -2.0])
    three_way(NetGraph([FunctionLayer("Max[#a, #b] + Min[#a, 0]")], [], a=(), b=()),
              lambda m, a, b: torch.maximum(a, b) + a.clamp(max=0), a=a, b=b)
    x = torch.stack([a, b])
    three_way(NetGraph([ElementwiseLayer("Max[#, 0] + Max[#]")], [], Input=3), lambda m, Input: x.clamp(min=0) + x,
              Input=x)
    for layer in (ThreadingLayer("Max[#1, #2]"), ThreadingLayer("Max")):
        three_way(NetGraph([layer], [], Input1=3, Input2=3), lambda m, Input1, Input2: torch.maximum(Input1, Input2),
                  Input1=x, Input2=x.flip(0))


def test_length_of_a_scalar_is_zero_and_of_a_variable_length_the_sequence_length():
    three_way(NetGraph([FunctionLayer("Length[#v[[1]]] + #v")], [], v=3), lambda m, v: v, v=V)
    net = NetGraph([FunctionLayer("Length[#x]")], [], x=("n",))
    assert net.output_shapes == {"Output": ()}
    assert net(x=[torch.ones(2), torch.ones(5), torch.ones(3)]).tolist() == [2.0, 5.0, 3.0]


def test_first_and_last_of_a_scalar_name_themselves_in_the_error():
    with pytest.raises(ShapeError, match="First needs an array"):
        NetGraph([FunctionLayer("First[#v[[1]]]")], [], v=3)


@pytest.mark.parametrize("text, hand", [
    ("Log[#b, #x]", lambda b, x: torch.log(x) / torch.log(b)),
    ("Log[2, #x] + 0 * #b", lambda b, x: torch.log2(x) + 0 * b),
    ("ArcTan[#x, #b]", lambda b, x: torch.atan2(b, x)),  # Wolfram's ArcTan[x, y]: the angle of the point (x, y)
    # Found by qa-layers11: a number as either argument was torch's TypeError "atan2(): argument 'other' (position 2)
    # must be Tensor, not float" at net(x) time, compiled and interpreted alike
    ("ArcTan[#x, 2] + 0 * #b", lambda b, x: torch.atan2(torch.full_like(x, 2.0), x) + 0 * b),
    ("ArcTan[-1.5, #x] + 0 * #b", lambda b, x: torch.atan2(x, torch.full_like(x, -1.5)) + 0 * b),
    ("Quotient[#x, #b]", lambda b, x: torch.div(x, b, rounding_mode="floor")),
    ("Boole[#x > #b]", lambda b, x: (x > b).to(x.dtype)),
])
def test_two_argument_forms_and_boole_and_quotient_follow_wolfram(text, hand):
    x = torch.tensor([[8.0, 0.5, -7.0, 3.0], [1.0, 9.0, 7.0, -0.25]])
    b = torch.tensor([[2.0, 3.0, 2.0, -0.5], [10.0, -2.0, -2.0, 4.0]])
    if text.startswith("Log"):  # inside its real domain
        x, b = x.abs() + 0.5, b.abs() + 1.5
    net = NetGraph([FunctionLayer(text)], [], x=4, b=4)
    for dtype in (torch.float32, torch.float64):
        three_way(net, lambda m, x, b: hand(b, x), x=x.to(dtype), b=b.to(dtype))


def test_wolfram_values_of_the_new_forms():
    x = torch.tensor([[-1.0, -1.0, 0.0, 1.0, -7.0, 7.5, 1.0]])
    y = torch.tensor([[1.0, -0.0, 0.0, 1.0, 2.0, 2.0, 0.1]])
    angle = NetGraph([FunctionLayer("ArcTan[#x, #y]")], [], x=7, y=7)(x=x, y=y)[0].tolist()
    # ArcTan[-1, 1] = 3 Pi/4, ArcTan[-1, -0.] = Pi (-0. is 0 as in Wolfram), ArcTan[0, 0] Indeterminate, ArcTan[1, 1]
    assert angle[:2] == pytest.approx([3 * math.pi / 4, math.pi]) and math.isnan(angle[2])
    assert angle[3] == pytest.approx(math.pi / 4)
    quotient = NetGraph([FunctionLayer("Quotient[#x, #y]")], [], x=3, y=3)(x=x[:, 4:], y=y[:, 4:])[0].tolist()
    assert quotient == [-4.0, 3.0, 9.0]  # Quotient[-7, 2] = -4, Quotient[7.5, 2] = 3; as Mod[1, 0.1] is 0.1 less a rounding
    assert NetGraph([FunctionLayer("Log[2, #x]")], [], x=1)(x=torch.tensor([[8.0]])).item() == pytest.approx(3.0)
    boole = NetGraph([FunctionLayer("Boole[#x]")], [], x=3)(x=torch.tensor([[0.0, 1.0, -2.0]]))
    assert boole.tolist() == [[0.0, 1.0, 1.0]]


def test_mod_and_quotient_keep_wolframs_identity_m_equals_n_quotient_plus_mod():
    m, n = torch.tensor([[1.0, -7.0, 7.5, -2.0, 5.0]]), torch.tensor([[0.1, 2.0, -2.0, 2.0, 0.3]])
    net = NetGraph([FunctionLayer("#n * Quotient[#m, #n] + Mod[#m, #n]")], [], m=5, n=5)
    torch.testing.assert_close(net(m=m, n=n), m)


@pytest.mark.parametrize("text", ["Max[#x]", "Norm[#x[[1]]]", "Norm[#x]", "Log[#x[[1]] + 1, #x[[2]]]",
                                  "StandardDeviation[#x]", "EuclideanDistance[#x[[1]], #x[[2]]]",
                                  "Tr[Dot[Transpose[#x], Reverse[#x]]]", "Det[#x[[All, 2;;3]]]",
                                  "ArcTan[#x[[1]], #x[[2]]]", "First[#x] * Last[#x]"])
def test_gradients_of_the_new_forms_are_finite_where_defined(text):
    x = torch.tensor([[[3.0, 1.0, 2.0], [0.5, 7.0, 4.0]]], dtype=torch.float64, requires_grad=True)
    module = NetGraph([FunctionLayer(text)], [], x=(2, 3)).compile().double()
    assert torch.autograd.gradcheck(lambda t: module(x=t), (x,))


@pytest.mark.parametrize("text, message", [
    ("Log[#a, #b, #c]", "Log takes 1 or 2 argument"), ("ArcTan[#a, #b, #c]", "ArcTan takes 1 or 2 argument"),
    ("Boole[#a, #b]", "Boole takes 1 argument"),
])
def test_wrong_argument_counts_are_refused_with_the_counts(text, message):
    with pytest.raises(OptionError, match=message):
        FunctionLayer(text)


def test_mod_of_a_multiple_is_zero_not_negative_zero():
    x = torch.tensor([[-2.0, -4.0, 2.0, -0.0]])
    for layer in (FunctionLayer("Mod[#x, 2]"), ThreadingLayer("Mod")):
        ports = {"x": x} if isinstance(layer, FunctionLayer) else {"Input1": x, "Input2": torch.full_like(x, 2.0)}
        module = NetGraph([layer], [], **{p: 4 for p in ports}).compile()
        for result in (module(**ports), interpret(module.net, module, **ports)):
            assert result.tolist() == [[0.0, 0.0, 0.0, 0.0]]
            assert torch.copysign(torch.ones_like(result), result).tolist() == [[1.0] * 4]  # Wolfram's Mod[-2., 2]: 0.


@pytest.mark.parametrize("text, shape, hand", [
    # Wolfram's FunctionLayer page opens with FunctionLayer[StandardDeviation]: it was "unknown function"
    ("StandardDeviation[#v]", (), lambda x, v: v.std(1)),  # over n - 1, as Wolfram's and torch's default
    ("Variance[#v]", (), lambda x, v: v.var(1)),
    ("Variance[#x]", (3,), lambda x, v: ((x[:, 0] - x[:, 1]) ** 2) / 2),  # per column, by hand
    ("StandardDeviation[#x[[1]]]", (), lambda x, v: x[:, 0].std(1)),
    ("EuclideanDistance[#v, #x[[2]]]", (), lambda x, v: (v - x[:, 1]).norm(dim=1)),
    ("EuclideanDistance[#v[[1]], #v[[2]]]", (), lambda x, v: (v[:, 0] - v[:, 1]).abs()),  # of numbers
    # Det and HammingDistance are on Wolfram's FunctionLayer list: they were "unknown function"
    ("HammingDistance[#v, #x[[1]]]", (), lambda x, v: (v != x[:, 0]).sum(1).to(v.dtype)),  # 2 and 3 positions
    ("HammingDistance[#v[[1]], #v[[3]]]", (), lambda x, v: (v[:, 0] != v[:, 2]).to(v.dtype)),  # of numbers
    ("Det[#x[[All, ;;2]]]", (), lambda x, v: x[:, 0, 0] * x[:, 1, 1] - x[:, 0, 1] * x[:, 1, 0]),
])
def test_wolfram_statistics_and_distances(text, shape, hand):
    layer = FunctionLayer(text)
    net = NetGraph([layer], [], **{p: {"x": (2, 3), "v": 3}[p] for p in layer.input_ports})
    assert net.output_shapes == {"Output": shape}
    three_way(net, lambda m, **given: hand(X, V), **{p: {"x": X, "v": V}[p] for p in layer.input_ports})


def test_wolfram_statistics_over_a_variable_length_take_each_sequences_own_length():
    net = NetGraph([FunctionLayer("StandardDeviation[#x]")], [], x=("n",))
    xs = [torch.tensor([1.0, 3.0]), torch.tensor([2.0, 4.0, 9.0])]
    torch.testing.assert_close(net(x=xs), torch.stack([x.std() for x in xs]))


@pytest.mark.parametrize("text", ["Variance[#x]", "StandardDeviation[#x]", "1 + Variance[2 * #x]"])
@pytest.mark.parametrize("call", ["ragged", "dense", "compiled"])
def test_wolfram_statistics_of_a_variable_length_refuse_a_sequence_of_one(text, call):
    """Wolfram's Variance of one element is undefined (it divides by n - 1); it gave NaN. Now the call's DataError
    naming the input port and the layer, as for a fixed length of 1 (a ShapeError when the net is made), and the
    examples of that length where they differ (ragged: examples 1 and 3; a dense batch has one length)."""
    net = NetGraph({"f": FunctionLayer(text)}, [], x=("n",))
    one, two = torch.tensor([5.0]), torch.tensor([1.0, 3.0])
    run = {"ragged": lambda: net(x=[two, one, two, one]),
           "dense": lambda: net(x=torch.tensor([[5.0], [6.0]])),
           "compiled": lambda: net.compile()(x=torch.tensor([[5.0], [6.0]]))}[call]
    examples = r" \(examples 1, 3\)" if call == "ragged" else ""
    with pytest.raises(DataError, match=rf"input port 'x': a length of 1 along n{examples} is too short for layer 'f' "
                                        r"\(FunctionLayer\) .*needs a length of at least 2: .*n - 1") as err:
        run()
    assert err.value.diagnostics[0].port == "x"
    assert err.value.diagnostics[0].example == (1 if call == "ragged" else None)
    torch.testing.assert_close(net(x=[torch.tensor([1.0, 3.0]), torch.tensor([5.0, 6.0, 7.0])]).isfinite(),
                               torch.tensor([True, True]))


@pytest.mark.parametrize("text, shapes, message", [
    ("Variance[#v[[1]]]", {"v": 3}, "Variance needs an array argument, found a scalar ()"),
    ("Variance[#v]", {"v": 1}, "Variance needs 2 or more elements at level 1, found 1"),
    ("EuclideanDistance[#x, #x]", {"x": (2, 3)}, "EuclideanDistance takes two vectors (or numbers), found (2, 3)"),
    ("EuclideanDistance[#v, #w]", {"v": 3, "w": 2}, "do not broadcast"),
    # Found by qa-layers11: a length-1 vector or a number broadcast against the other vector ([1, 2, 3] vs [1]
    # gave Norm[{0, 1, 2}]); Wolfram's EuclideanDistance needs two vectors of equal length, as HammingDistance
    ("EuclideanDistance[#u, #v]", {"u": 3, "v": 1}, "EuclideanDistance compares two vectors of equal length (or "
                                                    "two numbers), found (3) and (1)"),
    ("EuclideanDistance[#u, #v[[1]]]", {"u": 3, "v": 2}, "found (3) and ()"),
    ("EuclideanDistance[#u, 2]", {"u": 3}, "found (3) and ()"),
    ("HammingDistance[#x, #x]", {"x": (2, 3)}, "HammingDistance takes two vectors (or numbers), found (2, 3)"),
    # Found by review: u=3, v=1 broadcast, [1, 2, 3] vs [1] gave 2; Wolfram's needs equal lengths
    ("HammingDistance[#u, #v]", {"u": 3, "v": 1}, "HammingDistance compares two vectors of equal length (or two "
                                                  "numbers), found (3) and (1)"),
    ("HammingDistance[#u, #v[[1]]]", {"u": 3, "v": 2}, "found (3) and ()"),
    ("HammingDistance[#u, 1]", {"u": 3}, "found (3) and ()"),
    ("Det[#x]", {"x": (2, 3)}, "Det takes a square matrix, found (2, 3)"),
    ("Det[#v]", {"v": 3}, "Det takes a square matrix, found (3)"),
])
def test_wolfram_statistics_and_distances_say_what_they_need(text, shapes, message):
    with pytest.raises(ShapeError, match=re.escape(message)):
        NetGraph([FunctionLayer(text)], [], **shapes)


@pytest.mark.parametrize("name, hand", [
    ("StandardDeviation", lambda v: v.std(1)),  # Wolfram's FunctionLayer[StandardDeviation], its page's first example
    ("Sin", torch.sin), ("Max", lambda v: v.amax(1)), ("Norm", lambda v: v.norm(dim=1)), ("Total", lambda v: v.sum(1)),
    ("LogisticSigmoid", torch.sigmoid), ("First", lambda v: v[:, 0]),
])
def test_a_function_name_alone_is_the_function_of_the_one_input(name, hand):
    """Wolfram's FunctionLayer[f] takes a symbol f for f[#]&, port "Input"; it said "call it on its arguments"."""
    layer = FunctionLayer(name)
    assert layer.input_ports == ("Input",)
    three_way(NetGraph([layer], [], Input=3), lambda m, Input: hand(Input), Input=V)
    assert FunctionLayer(f"{name} &").input_ports == ("Input",)


def test_a_name_that_is_not_alone_is_still_to_be_called():
    with pytest.raises(OptionError, match=re.escape("Sin is a function: call it on its arguments, as Sin[#x]")):
        FunctionLayer("Sin + #x")


def test_threading_layer_takes_wolframs_arctan_erf_and_surd():
    """Wolfram's ThreadingLayer functions include Surd, ArcTan and Erf (two-argument forms); they were 'unknown'."""
    x, y = torch.tensor([[-8.0, 8.0, -27.0, 0.0, 1.0]]), torch.tensor([[3.0, 3.0, 3.0, 5.0, -2.0]])
    cases = {"ArcTan": torch.atan2(y, x),  # ArcTan[x, y]: the angle of the point (x, y)
             "Erf": torch.erf(y) - torch.erf(x),  # Erf[z0, z1] = Erf[z1] - Erf[z0]
             "Surd": torch.tensor([[-2.0, 2.0, -3.0, 0.0, 1.0]])}  # Surd[x, n]: the real n-th root
    for name, want in cases.items():
        net = NetGraph([ThreadingLayer(name)], [], Input1=5, Input2=5)
        three_way(net, lambda m, Input1, Input2: want, Input1=x, Input2=y)
        three_way(NetGraph([FunctionLayer(f"{name}[#a, #b]")], [], a=5, b=5), lambda m, a, b: want, a=x, b=y)
    even = NetGraph([ThreadingLayer("Surd")], [], Input1=2, Input2=2)(Input1=torch.tensor([[-4.0, 4.0]]),
                                                                       Input2=torch.tensor([[2.0, 2.0]]))
    assert math.isnan(even[0, 0]) and even[0, 1] == 2.0  # of a negative x for an even n, Wolfram's Indeterminate
    with pytest.raises(OptionError, match="takes exactly 2 inputs"):
        ThreadingLayer("Surd", inputs=3)


@pytest.mark.parametrize("text", ["Apply[#1 * #2 + #2 &]", "Apply[(#1 * #2 + #2 &)]", "Apply[Function[#1 * #2 + #2]]"])
def test_apply_of_a_pure_function_takes_its_arguments_as_ports(text):
    """Wolfram's FunctionLayer[Apply[#1 + #2 &]] (its form for several inputs): it was a syntax error at the '&'."""
    layer = FunctionLayer(text)
    assert layer.input_ports == ("Input1", "Input2")
    three_way(NetGraph([layer], [], Input1=3, Input2=3), lambda m, Input1, Input2: Input1 * Input2 + Input2,
              Input1=V, Input2=V.flip(0))


def test_apply_of_anything_but_a_pure_function_says_what_it_takes():
    with pytest.raises(OptionError, match=re.escape("Apply[f] takes a pure function of #1, #2, ... (Apply[#1 + #2 &])")):
        FunctionLayer("Apply[Plus]")


def test_total_to_level_infinity_totals_every_level():
    """Wolfram's Total[x, Infinity] totals all levels (as Total[x, -1]); it was 'the level must be an integer'."""
    net = NetGraph([FunctionLayer("Total[#x, Infinity]")], [], x=(2, 3))
    assert net.output_shapes == {"Output": ()}
    three_way(net, lambda m, x: x.sum((1, 2)), x=X)


@pytest.mark.parametrize("text, shape, hand", [
    ("Reverse[#x]", (2, 3), lambda x: x.flip(1)),  # level 1 reversed, as Wolfram's Reverse[list]
    ("Reverse[#x[[1]]] - #x[[2]]", (3,), lambda x: x[:, 0].flip(1) - x[:, 1]),
    ("Transpose[#x]", (3, 2), lambda x: x.transpose(1, 2)),
    ("Tr[#x]", (), lambda x: x[:, 0, 0] + x[:, 1, 1]),  # the diagonal's sum (of a rectangular matrix too)
    ("Tr[Dot[Transpose[#x], #x]]", (), lambda x: (x ** 2).sum((1, 2))),
])
def test_reverse_transpose_and_tr_follow_wolfram(text, shape, hand):
    """Wolfram's FunctionLayer lists Reverse and Tr among its functions; they were 'unknown function'."""
    net = NetGraph([FunctionLayer(text)], [], x=(2, 3))
    assert net.output_shapes == {"Output": shape}
    three_way(net, lambda m, x: hand(x), x=X)


@pytest.mark.parametrize("text, shape, message", [
    ("Tr[#x]", (2, 3, 4), "Tr takes a matrix, found (2, 3, 4)"),
    ("Transpose[#x]", (3,), "Transpose needs an array of rank 2 or more, found (3)"),
    ("Transpose[#x]", ("n", 3), "Transpose would move the variable length n of (n, 3) from level 1"),
    ("Reverse[#x[[1]]]", (3,), "Reverse needs an array argument, found a scalar ()"),
])
def test_reverse_transpose_and_tr_say_what_they_need(text, shape, message):
    with pytest.raises(ShapeError, match=re.escape(message)):
        NetGraph([FunctionLayer(text)], [], x=shape)


def test_reverse_of_a_variable_length_reverses_each_sequence():
    net = NetGraph([FunctionLayer("Reverse[#x] * 2")], [], x=("n",))
    xs = [torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0, 5.0])]
    assert [y.tolist() for y in net(x=xs)] == [[4.0, 2.0], [10.0, 8.0, 6.0]]


def test_unit_step_is_wolframs_with_nan_kept():
    """Wolfram's UnitStep[x] (1 for x >= 0, else 0; Indeterminate stays so): it was 'unknown function'."""
    x = torch.tensor([[-1.0, 0.0, -0.0, 2.0, math.inf, -math.inf, math.nan]])
    for net in (NetGraph([FunctionLayer("UnitStep[#]")], [], Input=7), NetGraph([ElementwiseLayer("UnitStep")], [], Input=7)):
        module = net.compile()
        for got in (net(x), module(x), interpret(module.net, module, Input=x)):
            torch.testing.assert_close(got, torch.tensor([[0.0, 1.0, 1.0, 1.0, 1.0, 0.0, math.nan]]), equal_nan=True)


def test_whole_array_functions_over_mixed_lengths_take_each_sequences_own_elements():
    """Max, Min, Norm and Length of sequences of different lengths run by length groups: each example's value is
    that of its own elements, in the order given (two ports of lengths named apart too)."""
    g = torch.Generator().manual_seed(0)
    xs = [torch.randn(n, 2, generator=g) for n in (3, 1, 5, 3, 2, 5)]
    ys = [torch.randn(n, generator=g) for n in (2, 4, 1, 2, 3, 3)]
    net = NetGraph([FunctionLayer("Max[#x, #y] - Min[#y] + Norm[#x[[All, 1]]] * Length[#x]")], [],
                   x=("n", 2), y=("m",))
    want = torch.stack([torch.maximum(x.max(), y.max()) - y.min() + x[:, 0].norm() * len(x) for x, y in zip(xs, ys)])
    torch.testing.assert_close(net(x=xs, y=ys), want)


def test_threading_clip_by_name_says_how_to_clip_between_inputs_and_both_ways_compute_it():
    """ThreadingLayer("Clip") was "unknown function 'Clip'": Wolfram lists Clip among ThreadingLayer's functions, but
    its Clip[x, {min, max}] takes the bounds as a list, so a bare name has no n-ary form of numbers to thread (which
    input would be min?). The message gives the forms that clip between inputs and to constants."""
    with pytest.raises(OptionError, match=re.escape("ThreadingLayer('Min[Max[#x, #lo], #hi]')")) as err:
        ThreadingLayer("Clip")
    assert "Clip[x, {min, max}]" in str(err.value) and err.value.diagnostics[0].option == "function"
    between = NetGraph([ThreadingLayer("Min[Max[#x, #lo], #hi]")], [], x=3, lo=3, hi=3)
    x, lo, hi = torch.tensor([[-2.0, 0.5, 3.0]]), torch.tensor([[0.0, 0.0, 0.7]]), torch.tensor([[1.0, 1.0, 2.0]])
    torch.testing.assert_close(between(x=x, lo=lo, hi=hi), torch.minimum(torch.maximum(x, lo), hi))
    constant = NetGraph([ThreadingLayer("Clip[#x + #y, {0, 1}]")], [], x=3, y=3)
    torch.testing.assert_close(constant(x=x, y=lo), (x + lo).clamp(0, 1))


@pytest.mark.parametrize("text, hand", [
    ("Map[Ramp, #x]", torch.relu), ("Map[LogisticSigmoid, #x] + 1", lambda x: torch.sigmoid(x) + 1),
    ("Map[Exp, #x[[1]]]", lambda x: torch.exp(x[:, 0])), ("Total[Map[Sin, #x], 2]", lambda x: torch.sin(x).sum((1, 2))),
])
def test_map_of_a_named_function_applies_it_to_every_element(text, hand):
    """Wolfram's FunctionLayer takes Map (its page lists it); Map[f, x] of an elementwise f is f[x]. It was
    'unknown function Map (did you mean Max?)', which points away from what was meant. Max and Min of an array are
    its largest and smallest element here, so Map[Max, #m] (each row's) is refused, not read as Max[#m]."""
    net = NetGraph([FunctionLayer(text)], [], x=(2, 3))
    three_way(net, lambda m, x: hand(x), x=X)


@pytest.mark.parametrize("text, column", [("Map[#^2 &, #x]", 1), ("Map[Total, #x]", 1), ("2 * Map[Function[y, y^2], #x]", 5),
                                          ("Map[Ramp]", 1), ("Map[Max, #x]", 1)])
def test_map_of_anything_else_says_how_to_write_it(text, column):
    with pytest.raises(OptionError, match=rf"at column {column}: Map\[f, x\] takes a function name f, which applies "
                                          r"to every element .*Map\[#\^2 &, #x\] is #x\^2.*Total\[#m, \{2\}\].*"
                                          r"NetMapOperator") as err:
        FunctionLayer(text)
    assert err.value.diagnostics[0].kind == "expression-syntax"


def test_netgraph_of_a_function_layer_holds_that_one_layer_whose_code_the_module_shows():
    """Wolfram's NetGraph[FunctionLayer[f]] shows f's graph of layers; here (as the README says) the graph holds the
    one layer and its computation is read in the compiled module's code."""
    net = NetGraph(FunctionLayer("Sin[#x] * 2"), x=3)
    assert list(net.layers) == ["1"] and net.input_shapes == {"x": (3,)}
    assert "torch.sin(x) * 2.0" in net.compile().code
