"""A slot fed a shape other than its declared one, called on the compiled module directly (which checks its inputs
only once something fails) and through ``netgraph.interpret``: both give the declared output's shape where the slot
broadcasts to it, else the same DataError naming the port, for every one of the 20 univariate distributions. The
inline Normal and Uniform draws of the compiled forward once took the slot's shape: mu (7, 1) for a declared (3,)
drew (7, 1), where every other distribution, and the interpreter, drew (7, 3). Where every slot has the output's
declared shape, the inline draw is ``mu + sigma * torch.randn_like(mu)``, handwritten torch's cost (``.expand`` and a
shaped ``torch.randn`` had made it 1.6x), where the slots' shapes agree, else of their broadcast shape (it took the
first slot's: one of length 1 beside one of n repeated its noise along n); ``net(x)`` refuses such shapes.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import netgraph.layers.distributions as D
from netgraph import (DataError, ElementwiseLayer, LinearLayer, NetGraph, NetPort, RandomArrayLayer, interpret,
                      net_initialize)
from netgraph.backend.interpreter import ModuleRunner

# name: (arguments with the slot "#a", a value of the slot inside the support)
SLOTTED = {
    "NormalDistribution": (("#a", 1.0), 0.5), "UniformDistribution": ((["#a", 2.0],), 0.5),
    "ExponentialDistribution": (("#a",), 0.5), "MaxwellDistribution": (("#a",), 0.5),
    "RayleighDistribution": (("#a",), 0.5), "HalfNormalDistribution": (("#a",), 0.5),
    "WeibullDistribution": (("#a", 1.0), 0.5), "GammaDistribution": (("#a", 1.0), 0.5),
    "ChiDistribution": (("#a",), 0.5), "NakagamiDistribution": (("#a", 1.0), 0.5),
    "ChiSquareDistribution": (("#a",), 0.5), "ErlangDistribution": (("#a", 1.0), 2.0),
    "LogGammaDistribution": (("#a", 0.4, 1.0), 0.5), "ExpGammaDistribution": (("#a", 1.0, 0.0), 0.5),
    "InverseGammaDistribution": (("#a", 1.0), 0.5), "BernoulliDistribution": (("#a",), 0.5),
    "BinomialDistribution": (("#a", 0.5), 3.0), "PoissonDistribution": (("#a",), 0.5),
    "NegativeBinomialDistribution": (("#a", 0.5), 0.5), "DiscreteUniformDistribution": ((["#a", 5],), 2.0),
}
SHAPES = [(7, 1), (7, 2), (7, 1, 3), (7,), (7, 3)]


def test_the_table_covers_every_univariate_distribution():
    univariate = {n for n, c in D.DISTRIBUTIONS.items() if not issubclass(c, D.VectorDistribution)}
    assert set(SLOTTED) == univariate and len(SLOTTED) == 20


def _outcome(call):
    try:
        return tuple(call().shape)
    except DataError as exc:
        return ("DataError", exc.diagnostics[0].port, exc.diagnostics[0].found)


@pytest.mark.parametrize("checks", ["auto", True])
@pytest.mark.parametrize("name", sorted(SLOTTED))
def test_compiled_and_interpreted_agree_on_a_wrongly_shaped_slot(name, checks):
    args, value = SLOTTED[name]
    net = NetGraph([RandomArrayLayer(getattr(D, name)(*args))], [], a=3)
    module = net.compile(checks=checks)
    if "_like(a" in module.code:  # the inline draw at handwritten torch's cost: unchecked, as any compiled op is
        return _inline_draws_are_checked_at_the_net(net, value)
    for shape in SHAPES:
        a = torch.full(shape, value)
        compiled, interpreted = _outcome(lambda: module(a=a)), _outcome(lambda: interpret(net, module, a=a))
        assert compiled == interpreted, (shape, compiled, interpreted)
        expected = (7, 3) if shape in [(7, 1), (7, 3)] else ("DataError", "a", shape)
        assert compiled == expected, (shape, compiled)


def _inline_draws_are_checked_at_the_net(net, value):
    net = net_initialize(net, seed=0)
    for shape in SHAPES:
        outcome = _outcome(lambda: net(a=torch.full(shape, value)))
        assert outcome == ((7, 3) if shape == (7, 3) else ("DataError", "a", shape)), (shape, outcome)


def test_the_inline_normal_draw_costs_what_handwritten_torch_does():
    """randn_like(mu) where the slots' shapes agree (a shape comparison: 6.7 against 6.4 us by hand, process time;
    the noise's dtype, floating for integer slots, 0.4 us more)."""
    module = NetGraph([RandomArrayLayer(D.NormalDistribution("#mu", "#sigma"))], [], mu=3, sigma=3).compile()
    assert ("mu + sigma * torch.randn_like((mu if not symbolic_tracing() and mu.shape == sigma.shape else "
            "torch.broadcast_tensors(mu, sigma)[0]), dtype=(x1_promoted if not isinstance(x1_promoted, torch.dtype) "
            "or x1_promoted.is_floating_point else torch.promote_types(self._modules['1'].constant('slot_dtype', mu)"
            ".dtype, working_dtype())))") in module.code
    assert ".expand(" not in module.code


def _vae_draw(mu_from_layer: bool) -> NetGraph:
    """z ~ Normal(mu, sigma) fed by two LinearLayer(4) outputs (sigma through Softplus), or mu straight from a net
    input of the same shape."""
    layers = {"sp": LinearLayer(4), "sig": ElementwiseLayer("Softplus"),
              "z": RandomArrayLayer(D.NormalDistribution("#mu", "#sigma"))}
    edges = [(NetPort("Input"), "sp", "sig"), (NetPort("sig", "Output"), NetPort("z", "sigma"))]
    if mu_from_layer:
        layers["mu"] = LinearLayer(4)
        edges += [(NetPort("Input"), "mu"), (NetPort("mu", "Output"), NetPort("z", "mu"))]
        return net_initialize(NetGraph(layers, edges, Input=3), seed=0)
    edges.append((NetPort("Mu"), NetPort("z", "mu")))
    return net_initialize(NetGraph(layers, edges, Input=3, Mu=4), seed=0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_an_inline_draw_from_layer_outputs_is_the_handwritten_line(dtype):
    """mu and sigma from LinearLayer(4)s (Real, in the module's dtype, of the output's fixed shape): the README's
    ``mu + sigma * torch.randn_like(mu)``, not a 330-character line of promotion and broadcast conditions; the same
    values from one seed as the general form and the handwritten twin, in the module's dtype."""
    net = _vae_draw(True)
    module = net.compile()
    module = module.double() if dtype == torch.float64 else module
    assert "    z = mu + sig * torch.randn_like(mu);" in module.code
    assert "promote_types" not in module.code and "broadcast_tensors" not in module.code
    x = torch.randn(5, 3, dtype=dtype)
    torch.manual_seed(3)
    drawn = module(Input=x)
    mu, sig = F.linear(x, module.mu.Weights, module.mu.Biases), F.softplus(F.linear(x, module.sp.Weights,
                                                                                    module.sp.Biases))
    torch.manual_seed(3)
    assert drawn.dtype == dtype and torch.equal(drawn, mu + sig * torch.randn_like(mu))
    torch.manual_seed(3)
    assert torch.equal(interpret(net, module, Input=x), drawn)  # the interpreter's walk: the module's draw


def test_an_inline_draw_fed_by_a_net_input_keeps_the_general_form():
    """A net input may arrive in another dtype (unchecked with checks=False): its draw promotes the slots' dtypes."""
    module = _vae_draw(False).compile(checks=False)
    assert "promote_types" in module.code and "torch.randn_like(mu)" not in module.code
    x, mu = torch.randn(5, 3), torch.randn(5, 4, dtype=torch.float64)
    torch.manual_seed(3)
    drawn = module(Input=x, Mu=mu)
    sig = F.softplus(F.linear(x, module.sp.Weights, module.sp.Biases))
    torch.manual_seed(3)
    assert drawn.dtype == torch.float64 and torch.equal(drawn, mu + sig * torch.randn(5, 4, dtype=torch.float64))


# (declared slot shapes, fed shapes: one slot of length 1 along "n" beside one of length 4)
UNEVEN = [({"mu": ("n",), "sigma": ("n",)}, {"mu": (20_000, 1), "sigma": (20_000, 4)}),
          ({"mu": ("n",), "sigma": ("n",)}, {"mu": (20_000, 4), "sigma": (20_000, 1)}),
          ({"mu": ("n", 2), "sigma": ("n", 1)}, {"mu": (20_000, 1, 2), "sigma": (20_000, 4, 1)})]


@pytest.mark.parametrize("declared, fed", UNEVEN, ids=["all-full-first-short", "all-full-second-short", "one-full"])
def test_an_inline_draw_takes_the_broadcast_length_of_every_slot(declared, fed):
    """The compiled forward's inline draw took "n" from its first full-shaped slot: beside a slot of 4, a slot of 1
    repeated one noise value 4 times (correlation 1 along the sequence). Now its fx trace (which leaves the compiled
    module's input checks out; the module and ``interpret`` refuse these lengths) draws the very values the
    interpreter's walk draws from the same seed, and those are independent along the sequence: unit variance per element, correlation between
    elements within 5 standard errors (1/sqrt(20000)) of 0."""
    net = NetGraph([RandomArrayLayer(D.NormalDistribution("#mu", "#sigma"))], [], **declared)
    module = net.compile(checks=False)
    inputs = {"mu": torch.zeros(fed["mu"]), "sigma": torch.ones(fed["sigma"])}
    with pytest.raises(DataError, match="share the length n"):
        module(**inputs)
    with pytest.raises(DataError, match="share the length n"):  # the interpreter checks lengths as the module does
        interpret(net, module, **inputs)
    torch.manual_seed(0)
    interpreted = ModuleRunner(net, module, 20_000).run(inputs)["Output"]  # its walk, without those checks
    torch.manual_seed(0)
    assert torch.equal(torch.fx.symbolic_trace(module)(**inputs), interpreted)
    draws = interpreted.reshape(20_000, 4, -1)[..., 0]
    correlation = torch.corrcoef(draws.T)
    off_diagonal = correlation[~torch.eye(4, dtype=torch.bool)]
    assert float(off_diagonal.abs().max()) < 5 / 20_000 ** 0.5, correlation
    assert float((draws.var(0) - 1).abs().max()) < 5 * (2 / 20_000) ** 0.5


def test_an_inline_draw_of_a_slot_of_size_one_draws_independent_values_along_the_output():
    net = NetGraph([RandomArrayLayer(D.NormalDistribution("#a", 1.0), output=3)], [], a=1)
    module = net.compile()
    assert "torch.randn((" in module.code  # the inline draw, of the output's shape
    torch.manual_seed(0)
    draws = module(a=torch.zeros(20_000, 1))
    assert draws.shape == (20_000, 3)
    correlation = torch.corrcoef(draws.T)[0, 1]
    assert abs(float(correlation)) < 5 / 20_000 ** 0.5


def _expand_calls(call) -> int:
    """How many times ``call`` calls Tensor.expand (cProfile's count)."""
    import cProfile
    import pstats
    profile = cProfile.Profile()
    profile.runcall(call)
    return sum(calls for (_, _, name), (calls, *_) in pstats.Stats(profile).stats.items() if "'expand'" in name)


def test_a_checked_draw_expands_only_slots_not_of_the_output_s_shape():
    # a slot of the output's shape cannot broadcast beyond it: its expand was a Python call on every draw
    module = NetGraph([RandomArrayLayer(D.NormalDistribution("#mu", "#sigma"))], [], mu=3, sigma=3).compile(checks=True)
    assert _expand_calls(lambda: module(mu=torch.zeros(7, 3), sigma=torch.ones(7, 3))) == 0
    assert _expand_calls(lambda: module(mu=torch.zeros(7, 1), sigma=torch.ones(7, 3))) == 1
    assert module(mu=torch.zeros(7, 1), sigma=torch.ones(7, 3)).shape == (7, 3)


@pytest.mark.parametrize("checks", ["auto", True])
@pytest.mark.parametrize("dist", [D.NormalDistribution("#a", "#b"), D.UniformDistribution(["#a", "#b"]),
                                  D.PoissonDistribution("#a"), D.GammaDistribution("#a", "#b")],
                         ids=["normal", "uniform", "poisson", "gamma"])
def test_a_compiled_module_takes_integer_slots_as_reals_for_every_distribution(dist, checks):
    """int64 slots of an inline (unchecked) Normal or Uniform draw were a 'data-dtype' DataError, while the same
    draw with checks, and Poisson or Gamma, took them: each now draws in the default dtype, as net(x) does. Draws
    from the same seed equal those from the slots as floats."""
    slots = {p: () for p in ("a", "b") if f"#{p}" in repr(dist)}
    module = NetGraph([RandomArrayLayer(dist)], [], **slots).compile(checks=checks)
    ints = {p: torch.tensor([2, 3]) * (i + 1) for i, p in enumerate(module.net.input_ports)}
    torch.manual_seed(0)
    drawn = module(**ints)
    torch.manual_seed(0)
    assert drawn.dtype == torch.float32 and torch.equal(drawn, module(**{p: x.float() for p, x in ints.items()}))
