"""A constant argument Indeterminate (NaN) makes the result Indeterminate, as Wolfram's: folded into a named function
that has a definition (Sech, Surd) as into one torch computes (Sin), computed alike by the compiled forward and the
interpreter; a NaN Clip bound is refused as a reversed pair is; Surd[-8, 2] is not real, as Sqrt[-8]."""

from __future__ import annotations

import math

import pytest
import torch

from netgraph import FunctionLayer, NetGraph, OptionError, interpret, net_initialize
from netgraph.layers.expression import ExpressionError
from netgraph.layers.expression_indeterminate import IndeterminateWarning

_X = torch.tensor([[0.5, 2.0, -1.0, 0.0]])


@pytest.mark.parametrize("text", ["Clip[#x, {Indeterminate, 1}]", "Clip[#x, {0, Indeterminate}]"])
def test_a_nan_clip_bound_is_refused(text):
    """Clip[x, {Indeterminate, 1}] passed the min <= max check (a NaN compares false) and gave NaN everywhere."""
    with pytest.raises(OptionError, match=r"takes two constant bounds, min <= max, found \{(Indeterminate, 1|"
                                          r"0, Indeterminate)\}") as caught:
        FunctionLayer(text)
    assert caught.value.kind == "expression-syntax"


def test_an_even_root_of_a_negative_constant_is_not_real_as_sqrt_is():
    """Surd[-8, 2] was refused as indeterminate (0*Log[0]); Sqrt[-8]'s wording: no real number."""
    for text in ("Surd[-8, 2] + #x", "Sqrt[-8] + #x"):
        with pytest.raises(OptionError, match=r"a constant is not a real number"):
            FunctionLayer(text)
    with pytest.warns(IndeterminateWarning, match=r"ArcTan\[0, 0\] is indeterminate"):  # Wolfram's: Indeterminate
        FunctionLayer("ArcTan[0, 0] + #x")


@pytest.mark.parametrize("text", ["Sech[Indeterminate] + #x", "Surd[Indeterminate, 2] + #x",
                                  "Surd[Indeterminate, 3] + #x", "Log[2, Indeterminate] + #x",
                                  "Sin[Indeterminate] + #x", "Log[Indeterminate, #x]",
                                  "Power[#x, Indeterminate]", "Mod[#x, Indeterminate]", "Quotient[#x, Indeterminate]",
                                  "Surd[#x, Indeterminate]", "ArcTan[Indeterminate, #x]"])
def test_an_indeterminate_argument_makes_nan_compiled_and_interpreted(text):
    """Sech[Indeterminate] was refused as an indeterminate constant where Sin[Indeterminate] gave NaN."""
    net = net_initialize(NetGraph([FunctionLayer(text)], [], x=4), seed=0)
    module = net.compile()
    compiled, interpreted = module(x=_X), interpret(module.net, module, x=_X)
    assert all(math.isnan(v) for v in compiled.flatten().tolist())
    torch.testing.assert_close(compiled, interpreted, equal_nan=True)


def test_an_indeterminate_warning_pickles_and_copies_with_its_fields():
    """It took only its message to Exception's args, so unpickling or copying called __init__ without ``part``."""
    import copy
    import pickle

    warning = IndeterminateWarning("#x + 0*Infinity", "0*Infinity", "FunctionLayer", "function", ("enc", "h"), "y")
    for made in (pickle.loads(pickle.dumps(warning)), copy.copy(warning), copy.deepcopy(warning)):
        assert str(made) == str(warning) and (made.part, made.layer, made.port) == ("0*Infinity", ("enc", "h"), "y")


def test_an_indeterminate_warning_points_at_the_users_line(tmp_path):
    """Every one pointed at "<string>": the __init__ dataclasses generate for a layer, not the line making it."""
    import inspect
    import warnings

    from netgraph import ElementwiseLayer, NetGraph
    (tmp_path / "net.yaml").write_text("netgraph: 1\nlayers:\n  a: {type: FunctionLayer, function: '#x + 0*Infinity'}"
                                       "\nedges: [[x, a]]\ninputs: {x: 1}\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = inspect.currentframe().f_lineno
        ElementwiseLayer("# + 0*Infinity"), FunctionLayer("#x + 0^0"), NetGraph.from_yaml(tmp_path / "net.yaml")
    found = [(w.filename, w.lineno) for w in caught if issubclass(w.category, IndeterminateWarning)]
    assert found == [(__file__, line + 1)] * 3


def test_a_ref_net_used_twice_warns_once_and_an_unused_definition_not_at_all(tmp_path):
    """The reader tells a problem in a ref: net once; its warning came once per use (r1/h, r2/h), and an unused
    nets: definition's as layer 'unused/u', a path that is no layer of the net."""
    import warnings

    from netgraph import NetGraph
    (tmp_path / "net.yaml").write_text(
        "netgraph: 1\nnets:\n"
        "  cell: {type: NetGraph, layers: {h: {type: FunctionLayer, function: '#x + Infinity^0'}}, edges: [[x, h]],"
        " inputs: {x: 1}}\n"
        "  unused: {type: NetGraph, layers: {u: {type: FunctionLayer, function: '#x + 1^Infinity'}}, edges: [[x, u]],"
        " inputs: {x: 1}}\n"
        "layers:\n  r1: {ref: cell}\n  r2: {ref: cell}\n  a: {type: FunctionLayer, function: '#x + 0^0'}\n"
        "edges: [[x, r1], [x, r2], [x, a]]\ninputs: {x: 1}\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        NetGraph.from_yaml(tmp_path / "net.yaml")
    assert sorted(w.message.layer for w in caught if issubclass(w.category, IndeterminateWarning)) == [
        ("a",), ("r1", "h")]


@pytest.mark.parametrize("text", ["#x + Sqrt[-1]", "#x + Log[-1]", "#x + (-8)^(1/3)", "#x + ArcSin[2]",
                                  "#x + Log[-2, 3]", "#x + Sqrt[-Infinity]", "#x + Log[-Infinity]",
                                  "#x + ArcSin[Infinity]"])
def test_a_constant_outside_a_functions_real_domain_is_named_complex_not_indeterminate(text):
    """Sqrt[-1] is Wolfram's I, not Indeterminate: the message said 'indeterminate (0*Log[0] ...)'."""
    with pytest.raises(ExpressionError, match=r"a constant is not a real number \(Wolfram's is complex: Sqrt\[-1\] "
                                              r"is I") as caught:
        FunctionLayer(text)
    assert "indeterminate" not in str(caught.value)
