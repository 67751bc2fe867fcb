"""Whole steps run on detached inputs (``expression_steps.detached_whole_step``, Quotient's Round of a quotient):
0-dim inputs (vmap), which steps take that path, and subexpressions shared with other outputs (review, session 47)."""

from __future__ import annotations

import torch
from torch.func import jacfwd, jacrev, vmap

from netgraph import FunctionLayer, NetGraph
from netgraph.layers.expression import parse
from netgraph.layers.expression_run import evaluate, to_code
from netgraph.layers.expression_steps import detached_whole_step


def test_a_detached_whole_step_runs_under_vmap_on_0_dim_inputs_compiled_and_evaluated():
    """Its exact 0 was ``x[:0].sum()``, which a 0-dim input refuses: vmap of Floor[#x / 2] was a DataError."""
    module = NetGraph([FunctionLayer("Floor[Exp[#x] / 2]")], [], x=()).compile().double()
    x = torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64)
    assert vmap(module)(x).tolist() == torch.floor(torch.exp(x) / 2).tolist()
    assert vmap(jacrev(module))(x).tolist() == [0.0] * 3 == vmap(jacfwd(module))(x).tolist()
    m, n = torch.tensor(7.0, dtype=torch.float64), torch.tensor(-2.0, dtype=torch.float64)
    assert evaluate(parse("Quotient[#x, #y]").tree, {"x": m, "y": n}).item() == -4.0


def test_a_step_of_a_slot_and_finite_constants_runs_as_it_is():
    """No 0 * Infinity can meet Floor's zero gradient through + 1, * 3 or / 2: no detached copy, no subtraction."""
    for text in ["Floor[#x + 1]", "Round[3 #x]", "Floor[#m / 2]", "Ceiling[-#x - 2]"]:
        assert not detached_whole_step(parse(text).tree), text
    for text in ["Floor[#m / #n]", "Floor[Exp[#x]]", "Floor[#x ^ 0.5]", "Floor[#x * Infinity]", "Quotient[#m, #n]"]:
        assert detached_whole_step(parse(text).tree), text


def test_if_on_a_comparison_with_constant_branches_is_one_where_on_the_comparison():
    """Mod by a port's divisor wrote torch.where((n == 0.0).to(n.dtype) != 0, ...): two ops more per element."""
    code = to_code(parse("Mod[#m, #n]").tree, {"m": "m", "n": "n"})
    assert "!= 0" not in code and "torch.where(n == 0.0, " in code, code


def test_a_subexpression_shared_with_a_detached_whole_step_output_is_computed_once():
    """Each output ran on its own once one was a detached whole step: Exp[#n] was computed twice."""
    net = NetGraph([FunctionLayer('<|"a" -> Quotient[#m, Exp[#n]], "b" -> Exp[#n] + 1|>')], [], m=(), n=())
    module = net.compile().double()
    assert module.code.count("torch.exp(") == 1, module.code
    m = torch.tensor([7.0, 1.0, -3.0], dtype=torch.float64, requires_grad=True)
    n = torch.tensor([0.0, 1.0, 0.5], dtype=torch.float64, requires_grad=True)
    out = module(m, n)
    assert out["a"].tolist() == torch.div(m, torch.exp(n), rounding_mode="floor").tolist()
    assert out["b"].tolist() == (torch.exp(n) + 1).tolist()
    grads = torch.autograd.grad(out["a"].sum() + out["b"].sum(), (m, n))
    assert grads[0].tolist() == [0.0] * 3 and grads[1].tolist() == torch.exp(n).tolist()
