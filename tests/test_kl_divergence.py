"""KLDivergenceLayer: closed forms against Monte Carlo and torch.distributions, gradients, ports and errors."""

from __future__ import annotations

import math

import pytest
import torch
import torch.distributions as td

from netgraph import (BernoulliDistribution, BinomialDistribution, DataError, ElementwiseLayer,
                      ExponentialDistribution, GammaDistribution, KLDivergenceLayer, NetGraph, NetPort,
                      NormalDistribution, OptionError, PoissonDistribution, ShapeError, UniformDistribution,
                      WeibullDistribution, interpret)
from netgraph.core.information import information
from netgraph.layers.kl import KL_CLOSED_FORMS

#: name -> (p class, p params, q params, torch twin of a distribution from params) in Wolfram's order
CASES = {
    "Normal": (NormalDistribution, (0.3, 1.2), (-0.5, 0.8), lambda m, s: td.Normal(m, s)),
    "Bernoulli": (BernoulliDistribution, (0.3,), (0.6,), lambda p: td.Bernoulli(probs=p)),
    "Exponential": (ExponentialDistribution, (1.5,), (0.7,), lambda r: td.Exponential(r)),
    "Gamma": (GammaDistribution, (2.5, 0.5), (1.5, 1.2), lambda a, b: td.Gamma(a, 1 / b)),
    "Poisson": (PoissonDistribution, (3.0,), (4.5,), lambda m: td.Poisson(m)),
}


def _slots(cls, prefix, n):
    return cls(*(f"#{prefix}{i}" for i in range(n)))


def _net(cls, n, **options):
    layer = KLDivergenceLayer(_slots(cls, "a", n), _slots(cls, "b", n), **options)
    return NetGraph({"kl": layer}, [], **{s: () for s in layer.input_ports})


def _feed(net, p, q, batch, grad=False):
    values = [*p, *q]
    return {port: torch.full((batch,), float(v), dtype=torch.float64, requires_grad=grad)
            for port, v in zip(net.input_ports, values)}


def test_every_required_closed_form_is_in_the_table():
    assert {(f"{n}Distribution",) * 2 for n in CASES} <= set(KL_CLOSED_FORMS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_closed_form_equals_torch_distributions_value_and_gradient(name):
    cls, p, q, twin = CASES[name]
    net = _net(cls, len(p))
    assert net.layers["kl"].estimate == "closed form"
    inputs = _feed(net, p, q, 1, grad=True)
    value = net.compile().double()(**inputs)
    value.sum().backward()
    params = [torch.tensor(float(v), dtype=torch.float64, requires_grad=True) for v in (*p, *q)]
    expected = td.kl_divergence(twin(*params[:len(p)]), twin(*params[len(p):]))
    expected.backward()
    torch.testing.assert_close(value[0], expected)
    for port, param in zip(net.input_ports, params):
        torch.testing.assert_close(inputs[port].grad[0], param.grad, msg=f"d/d{port}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_closed_form_agrees_with_the_monte_carlo_estimate(name):
    cls, p, q, _ = CASES[name]
    exact = float(_net(cls, len(p)).compile().double()(**_feed(_net(cls, len(p)), p, q, 1))[0])
    net = _net(cls, len(p), method="monte_carlo")
    assert net.layers["kl"].estimate == "Monte Carlo, 1 sample"
    torch.manual_seed(0)
    n = 200_000
    draws = net.compile().double()(**_feed(net, p, q, n))
    mean, se = float(draws.mean()), float(draws.std()) / math.sqrt(n)
    assert abs(mean - exact) < 5 * se, (mean, exact, se)


@pytest.mark.parametrize("name", ["Normal", "Poisson", "Gamma"])
def test_monte_carlo_gradient_is_unbiased(name):
    """Pathwise (Normal), implicit (Gamma) and score-function (Poisson, leave-one-out over 2 samples)."""
    cls, p, q, twin = CASES[name]
    params = [torch.tensor(float(v), dtype=torch.float64, requires_grad=True) for v in (*p, *q)]
    td.kl_divergence(twin(*params[:len(p)]), twin(*params[len(p):])).backward()
    net = _net(cls, len(p), method="monte_carlo", samples=2)
    n = 100_000
    inputs = _feed(net, p, q, n, grad=True)
    torch.manual_seed(1)
    net.compile().double()(**inputs).sum().backward()
    for port, param in zip(net.input_ports, params):
        g = inputs[port].grad
        mean, se = float(g.mean()), float(g.std()) / math.sqrt(n)
        assert abs(mean - float(param.grad)) < 5 * se + 1e-12, (port, mean, float(param.grad), se)


@pytest.mark.parametrize("name", ["Normal", "Poisson"])
def test_many_monte_carlo_samples_are_drawn_at_once_with_the_same_estimate(name, monkeypatch):
    """20,000 samples were drawn one at a time in a Python loop (1.1 s); now one draw: the estimate is unchanged."""
    cls, p, q, _ = CASES[name]
    exact = float(_net(cls, len(p)).compile().double()(**_feed(_net(cls, len(p)), p, q, 1))[0])
    calls = []
    rsample = cls.rsample
    monkeypatch.setattr(cls, "rsample", lambda self, params, shape: calls.append(shape) or rsample(self, params, shape))
    net = _net(cls, len(p), method="monte_carlo", samples=20_000)
    torch.manual_seed(2)
    n = 40
    estimates = net.compile().double()(**_feed(net, p, q, n, grad=True))  # grad: the score-function path too
    assert calls == [(20_000, n)]
    estimates = estimates.detach()
    mean, se = float(estimates.mean()), float(estimates.std()) / math.sqrt(n)
    assert abs(mean - exact) < 5 * se and se < 0.01 * exact, (mean, exact, se)


def test_constant_distributions_take_the_shape_option_and_sum_over_it():
    layer = KLDivergenceLayer(NormalDistribution(1.0, 1.0), NormalDistribution(), shape=(2, 3))
    net = NetGraph({"kl": layer}, [])
    assert net.output_shapes == {"Output": ()}
    out = net.compile()(batch_size=4)
    torch.testing.assert_close(out, torch.full((4,), 6 * 0.5))


def test_a_slot_in_both_distributions_is_one_port():
    layer = KLDivergenceLayer(NormalDistribution("#mu", "#s"), NormalDistribution("#mu", 1.0))
    assert layer.input_ports == ("mu", "s")
    net = NetGraph({"kl": layer}, [], mu=3, s=3)
    out = net.compile()(mu=torch.randn(5, 3), s=torch.ones(5, 3))
    torch.testing.assert_close(out, torch.zeros(5))  # same mean, same sigma


def test_compiled_equals_interpreted_for_monte_carlo():
    net = NetGraph({"kl": KLDivergenceLayer(GammaDistribution("#a", 1.0), ExponentialDistribution(1.0), samples=3)},
                   [], a=4)
    module = net.compile()
    a = torch.rand(6, 4) + 0.5
    torch.manual_seed(2)
    compiled = module(a=a)
    torch.manual_seed(2)
    torch.testing.assert_close(compiled, interpret(net, module, a=a))


def test_method_shows_in_repr_information_and_yaml_round_trip():
    layer = KLDivergenceLayer(GammaDistribution("#a", 1.0), GammaDistribution(2.0, 1.0, 1.5, 0.0), samples=4)
    assert repr(layer).endswith("<Monte Carlo, 4 samples>")
    net = NetGraph({"kl": layer}, [], a=2)
    assert information(net, "Estimators") == {("kl",): "Monte Carlo, 4 samples"}
    assert NetGraph.from_yaml(net.to_yaml()) == net


def test_different_supports_are_one_clear_error():
    with pytest.raises(OptionError, match=r"KLDivergenceLayer: p = NormalDistribution has support \[-∞, ∞\], "
                                          r"which is not inside the support \[0, ∞\] of q = GammaDistribution"):
        KLDivergenceLayer(NormalDistribution(), GammaDistribution(1.0, 1.0))
    with pytest.raises(OptionError, match="p = PoissonDistribution is discrete .* q = NormalDistribution is continuous"):
        KLDivergenceLayer(PoissonDistribution(1.0), NormalDistribution())
    with pytest.raises(OptionError, match="p = PoissonDistribution has support .* q = BernoulliDistribution"):
        KLDivergenceLayer(PoissonDistribution(1.0), BernoulliDistribution(0.5))


def test_incompatible_shapes_name_the_layer_and_parameters():
    with pytest.raises(ShapeError, match=r"layer 1 'kl' \(KLDivergenceLayer\): KL parameter shapes port 'm' \(4\), "
                                         r"q parameter mu \(mean\) \(3\) do not broadcast together"):
        NetGraph({"kl": KLDivergenceLayer(NormalDistribution("#m", 1), NormalDistribution([1.0, 2.0, 3.0], 1))}, [], m=4)


def test_bad_options_are_option_errors():
    with pytest.raises(OptionError, match="no closed form is known"):
        KLDivergenceLayer(GammaDistribution(1, 1), ExponentialDistribution(1.0), method="closed_form")
    with pytest.raises(OptionError, match="samples=5 applies to a Monte Carlo estimate"):
        KLDivergenceLayer(NormalDistribution(), NormalDistribution(), samples=5)
    with pytest.raises(OptionError, match="samples= is the number of Monte Carlo draws"):
        KLDivergenceLayer(NormalDistribution(), NormalDistribution(), method="monte_carlo", samples=0)
    with pytest.raises(OptionError, match="q= must be a distribution"):
        KLDivergenceLayer(NormalDistribution(), 3)


def test_bad_runtime_values_are_data_errors():
    net = NetGraph({"kl": KLDivergenceLayer(NormalDistribution("#mu", "#s"), NormalDistribution())}, [], mu=2, s=2)
    with pytest.raises(DataError, match=r"layer 'kl' \(KLDivergenceLayer\(.*\)\), distribution p: NormalDistribution "
                                        r"parameter s"):
        net.compile()(mu=torch.zeros(3, 2), s=-torch.ones(3, 2))
    unchecked = net.compile(checks=False)(mu=torch.zeros(3, 2), s=-torch.ones(3, 2))  # compile(checks=False): none
    assert unchecked.shape == (3,)
    outside = NetGraph({"kl": KLDivergenceLayer(UniformDistribution(["#lo", 1.0]), UniformDistribution([0.0, 2.0]))},
                       [], lo=())
    with pytest.raises(DataError, match=r"has support \[-1, 1\] at example 0, which is not inside the "
                                        r"support \[0, 2\]"):
        outside.compile()(lo=torch.full((8,), -1.0))
    with pytest.raises(OptionError, match=r"BinomialDistribution has support \[0, 3\], which is not inside the "
                                          r"support \[0, 1\] of q = BernoulliDistribution"):
        KLDivergenceLayer(BinomialDistribution(3, "#p"), BernoulliDistribution(0.5))


def test_a_kl_layers_run_time_errors_name_the_layer_in_their_diagnostic():
    """A parameter check and a support check of a KL layer said its name only in the message: a reader of the
    Diagnostic (which layer fed the bad value?) found ``layer`` empty, as a RandomArrayLayer's is not."""
    checked = NetGraph({"kl": KLDivergenceLayer(NormalDistribution("#mu", "#s"), NormalDistribution())}, [],
                       mu=2, s=2)
    bad = {"mu": torch.zeros(3, 2), "s": -torch.ones(3, 2)}
    for run in (lambda: checked(**bad), lambda: interpret(checked, checked.compile(), **bad)):
        with pytest.raises(DataError) as err:
            run()
        assert [(d.layer, d.port) for d in err.value.diagnostics] == [(("kl",), "s")]
    outside = NetGraph({"kl": KLDivergenceLayer(UniformDistribution(["#lo", 1.0]), UniformDistribution([0.0, 2.0]))},
                       [], lo=())
    with pytest.raises(DataError, match="not inside the support") as err:
        outside(lo=torch.full((8,), -1.0))
    assert [d.layer for d in err.value.diagnostics] == [("kl",)]


def test_a_bad_value_given_as_data_gets_advice_about_the_data_not_the_layer_feeding_it():
    """The scale is the user's data, fed straight from the net's input: no layer to pass through Softplus."""
    layer = KLDivergenceLayer(NormalDistribution("#mu", "#s"), NormalDistribution())
    given = NetGraph({"kl": layer}, [], mu=2, s=2)
    with pytest.raises(DataError, match=r"found -1\.0 at index \(1, 0\) of port 's'\. The data at input port 's' "
                                        r"holds it") as err:
        given(mu=torch.zeros(3, 2), s=torch.tensor([[1.0, 1.0], [-1.0, 1.0], [1.0, 1.0]]))
    assert "Softplus" not in str(err.value)
    computed = NetGraph({"e": ElementwiseLayer("#"), "kl": layer}, [(NetPort("x"), "e", NetPort("kl", "s"))],
                        mu=2, x=2)
    with pytest.raises(DataError, match="Softplus"):
        computed(mu=torch.zeros(3, 2), x=-torch.ones(3, 2))


def test_supports_set_by_parameters_are_compared_before_drawing_never_a_finite_kl_where_it_is_infinite():
    # KL(Uniform[-1, 2] ‖ Uniform[0, 1]) is infinite: a draw inside [0, 1] gave -log 3, one outside a DataError
    with pytest.raises(OptionError, match=r"p = UniformDistribution has support \[-1, 2\], which is not inside the "
                                          r"support \[0, 1\] of q = UniformDistribution: KL\(p ‖ q\) is infinite"):
        KLDivergenceLayer(UniformDistribution([-1.0, 2.0]), UniformDistribution([0.0, 1.0]))
    with pytest.raises(OptionError, match=r"support \[0, ∞\], which is not inside the support \[0.5, ∞\] of q"):
        KLDivergenceLayer(ExponentialDistribution(1.0), WeibullDistribution(2.0, 1.0, 0.5))
    with pytest.raises(OptionError, match=r"support \[a parameter, 2\], which is not inside the support \[0, 1\]"):
        KLDivergenceLayer(UniformDistribution(["#lo", 2.0]), UniformDistribution([0.0, 1.0]))
    inside = KLDivergenceLayer(WeibullDistribution(2.0, 1.0, 0.5), ExponentialDistribution(1.0))
    assert inside.resolved_method == "monte_carlo"
    located = NetGraph({"kl": KLDivergenceLayer(ExponentialDistribution(1.0), WeibullDistribution(2.0, 1.0, "#m"))},
                       [], m=())
    for seed in range(8):  # whatever the draws
        torch.manual_seed(seed)
        with pytest.raises(DataError, match=r"p = ExponentialDistribution\(1.0\) has support \[0, ∞\] at example 1, "
                                            r"which is not inside the support \[0.5, ∞\] of q = Weibull.*infinite"):
            located.compile()(m=torch.tensor([0.0, 0.5]))
    assert located.compile()(m=torch.tensor([0.0, -0.5])).shape == (2,)
    counts = NetGraph({"kl": KLDivergenceLayer(BinomialDistribution("#n", 0.5), BinomialDistribution("#k", 0.5))},
                      [], n=(), k=())
    with pytest.raises(DataError, match=r"support \[0, 3\] at example 0, which is not inside the support \[0, 2\]"):
        counts.compile()(n=torch.tensor([3.0, 2.0]), k=torch.tensor([2.0, 3.0]))


def _weibull_kl():
    return KLDivergenceLayer(ExponentialDistribution(1.0), WeibullDistribution(2.0, 1.0, "#m"))


@pytest.mark.parametrize("call", ["net", "compiled"])
def test_a_support_outside_q_inside_a_map_names_the_example_and_the_sequence_element(call):
    """The map folds its sequence into the batch: example 1's element 2 was named 'at example 6' (1 * 4 + 2)."""
    from netgraph import NetMapOperator
    net = NetGraph({"map": NetMapOperator(NetGraph({"kl": _weibull_kl()}, [], m=()))}, [], m=("n",))
    m = torch.zeros(2, 4)
    m[1, 2] = 0.5
    run = {"net": lambda: net(m=m), "compiled": lambda: net.compile()(m=m)}[call]
    with pytest.raises(DataError, match=r"has support \[0, ∞\] at example 1, sequence element 2, which is not inside "
                                        r"the support \[0.5, ∞\]") as err:
        run()
    assert err.value.diagnostics[0].example == 1


def test_a_support_outside_q_names_the_example_and_the_index_within_it():
    net = NetGraph({"kl": _weibull_kl()}, [], m=3)
    m = torch.zeros(2, 3)
    m[1, 2] = 0.5
    with pytest.raises(DataError, match=r"has support \[0, ∞\] at example 1, index \(2,\), which is not inside"):
        net(m=m)


def test_monte_carlo_draws_are_bounded_by_the_port_elements_limit():
    # samples=2**31 was accepted and the first call tried to allocate billions of draws (found by the long fuzz profile)
    import netgraph
    from netgraph import GammaDistribution, KLDivergenceLayer, NetGraph, ShapeError
    layer = KLDivergenceLayer(GammaDistribution("#a", 1.0), GammaDistribution(2.0, 1.0), method="monte_carlo",
                              samples=2**31)
    with pytest.raises(ShapeError, match=r"samples=2,147,483,648 Monte Carlo draws of \(2\) elements make 4,294,967,296 "
                                         r"per example, more than the port_elements limit \(268,435,456; "):
        NetGraph([layer], [], a=2)
    with netgraph.limits(port_elements=2**33):
        assert NetGraph([layer], [], a=2).output_shapes == {"Output": ()}


@pytest.mark.parametrize("scale", [1e20, 1e-25])
def test_the_normal_closed_form_is_finite_at_valid_extreme_scales(scale):
    """σ² alone over- or underflowed float32: KL(N(0, s) ‖ N(0, s)) was NaN, not 0 (found by QA)."""
    from netgraph import KLDivergenceLayer, NetGraph, NormalDistribution
    net = NetGraph({"kl": KLDivergenceLayer(NormalDistribution("#mu", "#sigma"), NormalDistribution(0, scale))}, [],
                   mu=(), sigma=())
    kl = net.compile()(mu=torch.tensor([0.0, scale]), sigma=torch.tensor([scale, 2 * scale]))
    torch.testing.assert_close(kl, torch.tensor([0.0, math.log(0.5) + 2.5 - 0.5]))


@pytest.mark.parametrize("q_location", [5.0, 4.0])
def test_monte_carlo_kl_of_located_gammas_scores_draws_by_their_offsets(q_location):
    """A float32 draw mu + tiny rounds to mu (a fifth of Gamma(0.1) draws at mu = 5), where q's density is infinite
    too: the layer said the draw 'lies outside the support of q'. p's draw and log-density use the offset drawn,
    q's the offset from its own location; the estimate matches the closed form of the unshifted pair."""
    p, q = GammaDistribution(0.1, 1.0, 1.0, 5.0), GammaDistribution(0.2, 1.0, 1.0, q_location)
    torch.manual_seed(0)
    n = 200
    estimates = NetGraph([KLDivergenceLayer(p, q, method="monte_carlo", samples=100, shape=(1,))], [])(batch_size=n)
    assert bool(torch.isfinite(estimates).all())
    if q_location == 5.0:  # same location: KL of Gamma(0.1, 1) from Gamma(0.2, 1)
        exact = (0.1 - 0.2) * torch.special.digamma(torch.tensor(0.1, dtype=torch.float64)) - math.lgamma(0.1) \
            + math.lgamma(0.2)
        se = float(estimates.double().std()) / math.sqrt(n)
        assert abs(float(estimates.double().mean()) - float(exact)) < 5 * se


@pytest.mark.parametrize("p, q, inputs, port", [
    (UniformDistribution(["#lo", 1.0]), UniformDistribution([0.0, 2.0]), {"lo": [0.5, -1.0]}, "lo"),
    (ExponentialDistribution(1.0), WeibullDistribution(2.0, 1.0, "#m"), {"m": [0.0, 0.5]}, "m"),
    (BinomialDistribution("#n", 0.5), BinomialDistribution("#k", 0.5), {"n": [2.0, 3.0], "k": [3.0, 2.0]}, "n"),
    (BinomialDistribution(2, 0.5), BinomialDistribution("#k", 0.5), {"k": [3.0, 1.0]}, "k"),
])
def test_a_support_set_by_a_port_outside_qs_names_that_port(p, q, inputs, port):
    """The DataError named the layer but no port: which input's values put p's support outside q's (p's bound where
    a port sets it, else q's)."""
    net = NetGraph({"kl": KLDivergenceLayer(p, q)}, [], **{name: () for name in inputs})
    given = {name: torch.tensor(values) for name, values in inputs.items()}
    for run in (lambda: net(**given), lambda: net.compile()(**given)):
        with pytest.raises(DataError, match="not inside the support") as err:
            run()
        assert [(d.layer, d.port, d.example) for d in err.value.diagnostics] == [(("kl",), port, 1)]



def test_a_support_outside_qs_diagnostic_gives_both_supports_and_a_kind():
    """The support errors named both supports in their message only (kind "parameter-value", as any bad
    parameter): a reader had to parse the text for what q allows and what p covers."""
    net = NetGraph({"kl": KLDivergenceLayer(UniformDistribution(["#lo", 1.0]), UniformDistribution([0.0, 2.0]))},
                   [], lo=())
    for run in (lambda: net(lo=torch.tensor([0.5, -1.0])), lambda: net.compile()(lo=torch.tensor([0.5, -1.0]))):
        with pytest.raises(DataError) as err:
            run()
        d = err.value.diagnostics[0]
        assert (d.kind, d.expected, d.found, d.example) == ("support", "[0, 2]", "[-1, 1]", 1)


@pytest.mark.parametrize("p, q, expected, found", [
    (NormalDistribution(), GammaDistribution(1.0, 1.0), "[0, ∞]", "[-∞, ∞]"),
    (BinomialDistribution(3, "#p"), BernoulliDistribution(0.5), "[0, 1]", "[0, 3]"),
    (PoissonDistribution(1.0), NormalDistribution(), "continuous (a density)", "discrete (a mass function)"),
])
def test_supports_that_never_fit_give_both_in_the_option_errors_diagnostic(p, q, expected, found):
    """The layer's own check said both supports in its message only."""
    with pytest.raises(OptionError) as err:
        KLDivergenceLayer(p, q)
    d = err.value.diagnostics[0]
    assert (d.kind, d.option, d.expected, d.found) == ("option-combination", "q", expected, found)
