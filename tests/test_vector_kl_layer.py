"""KLDivergenceLayer with vector distributions: every vector closed form through the layer (against torch and a
Monte Carlo estimate of the layer itself), event shapes, the Monte Carlo path, supports, diagram and information().
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.distributions as td

from netgraph import (BernoulliDistribution, CategoricalDistribution, DataError, DirichletDistribution,
                      KLDivergenceLayer, MultinormalDiagonalDistribution, MultinormalDistribution, NetGraph,
                      NormalDistribution, OptionError, ShapeError, interpret)
from netgraph.core.information import information
from netgraph.render.api import diagram
from tests.test_vector_kl import CASES, IDS


def _net(cls_p, params_p, cls_q, params_q, **options):
    """p's and q's parameters as ports (p_mu, q_mu, ...), each shaped as its value (the event dims)."""
    p = cls_p(*(f"#p_{n}" for n in cls_p.PARAMS))
    q = cls_q(*(f"#q_{n}" for n in cls_q.PARAMS))
    shapes = {f"p_{n}": tuple(v.shape) for n, v in zip(cls_p.PARAMS, params_p)}
    shapes |= {f"q_{n}": tuple(v.shape) for n, v in zip(cls_q.PARAMS, params_q)}
    return NetGraph({"kl": KLDivergenceLayer(p, q, **options)}, [], **shapes)


def _feed(net, params_p, params_q, batch):
    return {port: v.expand(batch, *v.shape) for port, v in zip(net.input_ports, [*params_p, *params_q])}


@pytest.mark.parametrize("cls_p,params_p,torch_p,cls_q,params_q,torch_q", CASES, ids=IDS)
def test_each_vector_closed_form_through_the_layer_matches_torch_and_its_monte_carlo_estimate(
        cls_p, params_p, torch_p, cls_q, params_q, torch_q):
    net = _net(cls_p, params_p, cls_q, params_q)
    assert net.layers["kl"].estimate == "closed form" and net.output_shapes == {"Output": ()}
    exact = net.compile().double()(**_feed(net, params_p, params_q, 2))
    torch.testing.assert_close(exact, td.kl_divergence(torch_p, torch_q).expand(2))
    estimate = _net(cls_p, params_p, cls_q, params_q, method="monte_carlo")
    assert estimate.layers["kl"].estimate == "Monte Carlo, 1 sample"
    n = 100_000
    torch.manual_seed(7)
    draws = estimate.compile().double()(**_feed(estimate, params_p, params_q, n))
    mean, se = float(draws.mean()), float(draws.std()) / math.sqrt(n)
    assert abs(mean - float(exact[0])) < 5 * se and se < 0.05 * float(exact[0]), (mean, float(exact[0]), se)


def test_event_dims_are_left_out_of_the_summed_shape():
    # mu (4, 3): four events of size 3; sigma (3,) broadcasts over them; q is one constant event
    layer = KLDivergenceLayer(MultinormalDiagonalDistribution("#mu", "#sigma"),
                              MultinormalDiagonalDistribution([0.0, 0.0, 0.0], [1.0, 2.0, 1.0]))
    net = NetGraph({"kl": layer}, [], mu=(4, 3), sigma=3)
    assert net.output_shapes == {"Output": ()}
    mu, sigma = torch.randn(5, 4, 3), torch.rand(5, 3) + 0.5
    out = net.compile()(mu=mu, sigma=sigma)
    assert out.shape == (5,)
    twin_q = td.Independent(td.Normal(torch.zeros(3), torch.tensor([1.0, 2.0, 1.0])), 1)
    expected = td.kl_divergence(td.Independent(td.Normal(mu, sigma[:, None].expand(5, 4, 3)), 1), twin_q).sum(1)
    torch.testing.assert_close(out, expected)


def test_constant_vector_distributions_take_the_events_shape():
    alpha, beta = torch.tensor([0.5, 2.0, 3.0]), torch.tensor([1.0, 1.0, 4.0])
    layer = KLDivergenceLayer(DirichletDistribution(alpha.tolist()), DirichletDistribution(beta.tolist()), shape=(2, 3))
    out = NetGraph({"kl": layer}, []).compile()(batch_size=4)
    torch.testing.assert_close(out, (6 * td.kl_divergence(td.Dirichlet(alpha), td.Dirichlet(beta))).expand(4))


def test_an_unknown_slot_gets_the_event_dims_from_the_other_parameters():
    layer = KLDivergenceLayer(CategoricalDistribution("#p"), CategoricalDistribution("#q"))
    net = NetGraph({"kl": layer}, [], p=(2, 4))
    assert net.input_shapes == {"p": (2, 4), "q": None}  # as for univariate ones: inferred once all are known
    layer = KLDivergenceLayer(MultinormalDistribution("#mu", [[1.0, 0.0], [0.0, 2.0]]),
                              MultinormalDistribution([0.0, 0.0], "#sigma"), shape=(3,))
    assert NetGraph({"kl": layer}, []).input_shapes == {"mu": (3, 2), "sigma": (3, 2, 2)}


def test_monte_carlo_categorical_is_unbiased_and_compiled_equals_interpreted():
    p, q = torch.tensor([0.1, 0.2, 0.3, 0.4]), torch.tensor([0.4, 0.3, 0.2, 0.1])
    net = NetGraph({"kl": KLDivergenceLayer(CategoricalDistribution("#p"), CategoricalDistribution(q.tolist()),
                                            method="monte_carlo", samples=3)}, [], p=(2, 4))
    module = net.compile()
    torch.manual_seed(3)
    compiled = module(p=p.expand(6, 2, 4))
    torch.manual_seed(3)
    torch.testing.assert_close(compiled, interpret(net, module, p=p.expand(6, 2, 4)))


def test_kl_between_different_kinds_of_value_or_support_is_refused():
    with pytest.raises(OptionError, match="CategoricalDistribution is a distribution over vectors or classes.*"
                                          "BernoulliDistribution is univariate"):
        KLDivergenceLayer(CategoricalDistribution([0.5, 0.5]), BernoulliDistribution(0.5))
    with pytest.raises(OptionError, match="NormalDistribution is univariate"):
        KLDivergenceLayer(NormalDistribution(0, 1), MultinormalDiagonalDistribution([0.0], [1.0]))
    with pytest.raises(OptionError, match="DirichletDistribution has support the probability simplex.*"
                                          "MultinormalDistribution has support ℝᵏ"):
        KLDivergenceLayer(DirichletDistribution([1.0, 2.0]), MultinormalDistribution([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]]))
    with pytest.raises(OptionError, match="discrete"):
        KLDivergenceLayer(CategoricalDistribution([0.5, 0.5]), DirichletDistribution([1.0, 1.0]))


def test_event_sizes_that_differ_are_a_shape_error_naming_both():
    layer = KLDivergenceLayer(MultinormalDiagonalDistribution("#mu", "#s"),
                              MultinormalDiagonalDistribution([0.0, 0.0], [1.0, 1.0]))
    with pytest.raises(ShapeError, match=r"q parameter mu \(mean vector\) has shape \(2\), but the event size k = 3"):
        NetGraph({"kl": layer}, [], mu=3, s=3)


def test_a_draw_outside_q_is_a_data_error_showing_the_event():
    net = NetGraph({"kl": KLDivergenceLayer(CategoricalDistribution("#p"), CategoricalDistribution([0.5, 0.5, 0.0]),
                                            method="monte_carlo")}, [], p=3)
    with pytest.raises(DataError, match=r"a draw from p = .* at example 0 lies outside the support of q .*\(it drew 2\)"):
        net.compile()(p=torch.tensor([[0.0, 0.0, 1.0]]))


def test_a_draw_outside_q_names_the_example_and_the_element_that_drew_it():
    """Only example 1's element 2 can draw class 2, which q never gives (it named the value alone)."""
    net = NetGraph({"kl": KLDivergenceLayer(CategoricalDistribution("#p"), CategoricalDistribution([0.5, 0.5, 0.0]),
                                            method="monte_carlo")}, [], p=(4, 3))
    p = torch.tensor([1.0, 0.0, 0.0]).repeat(2, 4, 1)
    p[1, 2] = torch.tensor([0.0, 0.0, 1.0])
    for run in (lambda: net(p=p), lambda: net.compile()(p=p)):
        with pytest.raises(DataError, match=r"a draw from p = .* at example 1, index \(2,\) lies outside the support "
                                            r"of q = .* \(it drew 2\)") as err:
            run()
        assert err.value.diagnostics[0].example == 1


def test_diagram_and_information_show_the_method_of_vector_kls():
    layer = KLDivergenceLayer(MultinormalDiagonalDistribution("#mu", "#s"),
                              MultinormalDistribution([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]]))
    mc = KLDivergenceLayer(DirichletDistribution("#a"), DirichletDistribution([1.0, 1.0]), method="monte_carlo",
                           samples=2)
    net = NetGraph({"kl": layer, "mc": mc}, [], mu=2, s=2, a=2)
    assert information(net, "Estimators") == {("kl",): "closed form", ("mc",): "Monte Carlo, 2 samples"}
    nodes = {n.id: n for n in diagram(net).nodes}
    assert nodes["L.kl"].lines[:2] == ("KL(p ‖ q)", "p ~ MultinormalDiagonalDistribution(#mu, #s)")
    assert nodes["L.kl"].lines[2].startswith("q ~ MultinormalDistribution([0, 0], [[1, 0], ")  # shortened to fit
    assert nodes["L.kl"].lines[3] == "closed form" and "random" not in nodes["L.kl"].classes
    assert nodes["L.mc"].lines[-1] == "Monte Carlo, 2 samples" and "random" in nodes["L.mc"].classes
    assert NetGraph.from_yaml(net.to_yaml()) == net


@pytest.mark.parametrize("case", [0, 9, 10], ids=[IDS[0], IDS[9], IDS[10]])
def test_vector_monte_carlo_gradient_is_unbiased(case):
    """Pathwise (Multinormal), score function with a leave-one-out baseline (Categorical), implicit (Dirichlet)."""
    cls_p, params_p, _, cls_q, params_q, _ = CASES[case]
    exact_net = _net(cls_p, params_p, cls_q, params_q)
    leaves = [v.clone().requires_grad_(True) for v in params_p]
    exact_net.compile().double()(**_feed(exact_net, leaves, params_q, 1)).sum().backward()
    net = _net(cls_p, params_p, cls_q, params_q, method="monte_carlo", samples=2)
    n = 50_000
    inputs = {k: v.clone().requires_grad_(True) for k, v in _feed(net, params_p, params_q, n).items()}
    torch.manual_seed(8)
    net.compile().double()(**inputs).sum().backward()
    for name, leaf in zip(cls_p.PARAMS, leaves):
        g = inputs[f"p_{name}"].grad.reshape(n, -1)
        mean, se = g.mean(0), g.std(0) / math.sqrt(n)
        assert bool(((mean - leaf.grad.reshape(-1)).abs() < 5 * se + 1e-9).all()), (name, mean, leaf.grad, se)


def test_closed_form_kl_of_a_float64_mean_beside_a_float32_covariance_is_float64():
    """The closed form kept float32 where mu was float64 and the covariance float32 (found by QA)."""
    prior = MultinormalDistribution([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]])
    net = NetGraph({"kl": KLDivergenceLayer(MultinormalDistribution("#mu", "#S"), prior)}, [], mu=2, S=(2, 2))
    mu = torch.tensor([[1e-5, 0.0]], dtype=torch.float64)
    out = net.compile()(mu=mu, S=torch.eye(2).unsqueeze(0))
    assert out.dtype == torch.float64 and out.item() == pytest.approx(0.5e-10, rel=1e-9)


def test_a_draw_outside_q_names_the_one_port_that_can_put_it_there():
    net = NetGraph({"kl": KLDivergenceLayer(CategoricalDistribution("#p"), CategoricalDistribution([0.5, 0.5, 0.0]),
                                            method="monte_carlo")}, [], p=3)
    with pytest.raises(DataError, match="lies outside the support of q") as err:
        net.compile()(p=torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]))
    assert [(d.port, d.example) for d in err.value.diagnostics] == [("p", 1)]


def test_a_draw_outside_qs_diagnostic_gives_qs_support_and_the_draw():
    """Its Diagnostic had the draw in the message only, with the kind of any bad parameter ("parameter-value"); then
    found held the draw as the message writes it, not its number."""
    net = NetGraph({"kl": KLDivergenceLayer(CategoricalDistribution("#p"), CategoricalDistribution([0.5, 0.5, 0.0]),
                                            method="monte_carlo")}, [], p=3)
    with pytest.raises(DataError) as err:
        net.compile()(p=torch.tensor([[0.0, 0.0, 1.0]]))
    d = err.value.diagnostics[0]
    assert (d.kind, d.found) == ("support", 2.0) and type(d.found) is float
    assert "the support of q = CategoricalDistribution" in d.expected and "(it drew 2)" in str(err.value)
