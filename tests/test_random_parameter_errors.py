"""A bad parameter value at a slot names the port and the index in the data given to it (found by QA: the index was
that of the layer's internal, broadcast tensor: (1, 0, 2) for the value at (1, 2) of a (2, 3) input)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings

import pytest
import torch

from netgraph import (BernoulliDistribution, BinomialDistribution, CategoricalDistribution, DataError, ElementwiseLayer,
                      GammaDistribution, KLDivergenceLayer, MultinormalDistribution, NetGraph, NetMapOperator, NetPort,
                      NormalDistribution, OptionError, PoissonDistribution, RandomArrayLayer, WeibullDistribution,
                      interpret, net_port_gradient, set_distribution_checks)
from netgraph.layers.estimators import EstimatorWarning
from tests.subprocess_env import checkout_env


def test_a_bad_slot_value_is_named_at_its_index_in_the_port():
    net = NetGraph({"g": RandomArrayLayer(GammaDistribution("#a", 1.0), output=(2, 3))}, [], a=3)
    alpha = torch.ones(2, 3)
    alpha[1, 2] = -1.0
    with pytest.raises(DataError, match=r"layer 'g' .*alpha \(shape\) must be a finite number > 0, found -1.0 at "
                                        r"index \(1, 2\) of port 'a'\.") as err:
        net(a=alpha)
    assert err.value.diagnostics[0].port == "a" and err.value.diagnostics[0].kind == "parameter-value"


def test_each_bad_parameter_names_its_own_port():
    net = NetGraph({"n": RandomArrayLayer(NormalDistribution("#m", "#s"))}, [], m=2, s=2)
    previous = set_distribution_checks(True)  # Normal draws are inline (unchecked) under "auto"
    try:
        with pytest.raises(DataError, match=r"sigma \(standard deviation\) must be a finite number > 0, found -2.0 at "
                                            r"index \(0, 1\) of port 's'") as err:
            net(m=torch.zeros(1, 2), s=torch.tensor([[1.0, -2.0]]))
    finally:
        set_distribution_checks(previous)
    assert err.value.diagnostics[0].port == "s"


def test_a_kl_divergence_names_the_port_of_q():
    kl = KLDivergenceLayer(PoissonDistribution("#rate"), PoissonDistribution("#prior"))
    net = NetGraph({"kl": kl}, [], rate=(), prior=())
    with pytest.raises(DataError, match=r"distribution q: PoissonDistribution parameter mu \(mean\) must be a finite "
                                        r"number >= 0, found -3.0 at index \(1,\) of port 'prior'"):
        net(rate=torch.ones(2), prior=torch.tensor([1.0, -3.0]))


@pytest.mark.parametrize("distribution, value", [(PoissonDistribution("#x"), -1.0), (BernoulliDistribution("#x"), 1.5),
                                                 (CategoricalDistribution("#x"), -0.5)], ids=["poisson", "bernoulli", "categorical"])
def test_with_checks_off_a_value_torch_refuses_is_a_data_error_naming_the_layer(distribution, value):
    """Found by QA: torch's RuntimeError ('invalid Poisson rate', 'Expected p_in >= 0 ...') came through as it was."""
    shape = 3 if isinstance(distribution, CategoricalDistribution) else ()
    module = NetGraph({"noise": RandomArrayLayer(distribution)}, [], x=shape).compile(checks=False)
    x = torch.full((2, 3) if shape else (2,), value)
    with pytest.raises(DataError, match=r"layer 'noise' .*torch refused to draw .*distribution checks are off") as err:
        module(x=x)
    assert err.value.diagnostics[0].layer == ("noise",)  # found by QA: the message named it, the Diagnostic did not


def test_a_bad_matrix_or_probability_vector_is_named_at_its_index_in_the_port():
    """Found by QA: a covariance fed per example to 5 draws each was 'the matrix at index (2, 0)' for example 2."""
    net = NetGraph({"mvn": RandomArrayLayer(MultinormalDistribution([0.0, 0.0], "#S"), output=(5, 2))}, [], S=(2, 2))
    covariances = torch.eye(2).repeat(3, 1, 1)
    covariances[2] = torch.tensor([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(DataError, match=r"must be positive definite .*\(the matrix at index \(2,\)\)") as err:
        net(S=covariances)
    assert err.value.diagnostics[0].port == "S"
    categorical = NetGraph({"c": RandomArrayLayer(CategoricalDistribution("#p"), output=(4,))}, [], p=3)
    with pytest.raises(DataError, match=r"must sum to 1 \(within 0.0001\), found a sum of 0.6 \(at index \(1,\)\)"):
        categorical(p=torch.tensor([[0.2, 0.3, 0.5], [0.2, 0.2, 0.2]]))


def test_net_port_gradient_through_a_discrete_draw_uses_its_score_function_without_a_warning():
    """Found by QA: it warned to add module.surrogate_loss(losses) before backward, which net_port_gradient's caller
    cannot do; later QA: it then gave 0 with a warning. It takes the score-function term itself
    (tests/test_port_gradient_discrete.py checks the values)."""
    net = NetGraph({"coin": RandomArrayLayer(BernoulliDistribution("#p"))}, [], p=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", EstimatorWarning)
        gradient = net_port_gradient(net, {"p": torch.full((4, 3), 0.3)}, seed=0)
    assert gradient.shape == (4, 3) and gradient.abs().sum() > 0


def _mapped_gamma(depth: int = 1):
    net = NetGraph({"g": RandomArrayLayer(GammaDistribution("#a", 1.0))}, [], a=3)
    for length in ("n", "m")[:depth]:
        net = NetGraph({"m": NetMapOperator(net)}, [], a=(length, *net.port_types["a"].shape))
    return net


@pytest.mark.parametrize("call", ["net", "compiled", "interpreted"])
def test_a_bad_value_inside_a_map_names_the_example_and_the_sequence_element(call):
    """The map folds its sequence into the batch: example 1's element 2 was named 'index (6, 0)' (1 * 4 + 2)."""
    net = _mapped_gamma()
    a = torch.ones(2, 4, 3)
    a[1, 2, 0] = -1.0
    run = {"net": lambda: net(a=a), "compiled": lambda: net.compile()(a=a),
           "interpreted": lambda: interpret(net, net.compile(), a=a)}
    with pytest.raises(DataError, match=r"found -1\.0 at example 1, sequence element 2, index \(0,\) of port 'a'") as e:
        run[call]()
    assert e.value.diagnostics[0].port == "a" and e.value.diagnostics[0].kind == "parameter-value"


def test_a_bad_value_inside_nested_maps_names_each_element():
    net = _mapped_gamma(depth=2)
    a = torch.ones(2, 3, 4, 3)
    a[1, 2, 3, 1] = -1.0
    with pytest.raises(DataError, match=r"found -1\.0 at example 1, sequence element \(2, 3\), index \(1,\) of port"):
        net.compile()(a=a)
    outside = NetGraph({"g": RandomArrayLayer(GammaDistribution("#a", 1.0))}, [], a=3)
    with pytest.raises(DataError, match=r"found -1\.0 at index \(1, 0\) of port 'a'"):  # no map: the index as it was
        outside(a=torch.tensor([[1.0, 1.0, 1.0], [-1.0, 1.0, 1.0]]))


@pytest.mark.parametrize("layer, shapes, bad, match", [
    (RandomArrayLayer(MultinormalDistribution([0.0, 0.0], "#s")), {"s": (2, 2)},
     lambda s: s[1, 2].copy_(torch.tensor([[1.0, 0.0], [0.0, -1.0]])),
     r"must be positive definite .* \(the matrix at example 1, sequence element 2\) of port 's', found"),
    (RandomArrayLayer(CategoricalDistribution("#s")), {"s": (3,)},
     lambda s: s[1, 2].copy_(torch.tensor([0.5, 0.5, 0.5])),
     r"must sum to 1 .*found a sum of 1\.5 \(at example 1, sequence element 2\)"),
], ids=["Multinormal", "Categorical"])
def test_a_bad_vector_parameter_inside_a_map_names_the_example_and_the_element(layer, shapes, bad, match):
    net = NetGraph({"m": NetMapOperator(NetGraph({"d": layer}, [], **shapes))}, [],
                   s=("n", *shapes["s"]))
    s = torch.eye(2).expand(2, 4, 2, 2).clone() if len(shapes["s"]) == 2 else torch.full((2, 4, 3), 1 / 3)
    bad(s)
    with pytest.raises(DataError, match=match):
        net.compile()(s=s)


@pytest.mark.parametrize("call", ["net", "interpreted"])
def test_a_bad_value_inside_a_fold_names_the_example_and_the_step(call):
    """A fold draws once per step with the batch as it is: example 1's step 2 was named 'index (1, 0)', no step."""
    from netgraph import FunctionLayer, NetFoldOperator, NetPort
    cell = NetGraph({"g": RandomArrayLayer(GammaDistribution("#Input", 1.0)), "f": FunctionLayer("#a + #b")},
                    [(NetPort("g", "Output"), NetPort("f", "a")), (NetPort("State"), NetPort("f", "b"))],
                    Input=3, State=3)
    net = NetGraph({"fold": NetFoldOperator(cell)}, [], Input=("n", 3))
    x = torch.ones(2, 4, 3)
    x[1, 2, 0] = -1.0
    run = {"net": lambda: net(Input=x), "interpreted": lambda: interpret(net, net.compile(), Input=x)}
    with pytest.raises(DataError, match=r"found -1\.0 at example 1, sequence element 2, index \(0,\) of port 'Input'"):
        run[call]()


def test_a_bad_value_in_a_fold_inside_a_map_names_the_map_element_then_the_step():
    from netgraph import FunctionLayer, NetFoldOperator, NetPort
    cell = NetGraph({"g": RandomArrayLayer(GammaDistribution("#Input", 1.0)), "f": FunctionLayer("#a + #b")},
                    [(NetPort("g", "Output"), NetPort("f", "a")), (NetPort("State"), NetPort("f", "b"))],
                    Input=3, State=3)
    fold = NetGraph({"fold": NetFoldOperator(cell)}, [], Input=("n", 3))
    net = NetGraph({"m": NetMapOperator(NetGraph({"f": fold}, [], Input=("n", 3)))}, [], Input=("m", "n", 3))
    x = torch.ones(2, 3, 4, 3)
    x[1, 2, 3, 0] = -1.0
    with pytest.raises(DataError, match=r"found -1\.0 at example 1, sequence element \(2, 3\), index \(0,\) of port"):
        net.compile()(Input=x)


def test_a_bad_value_given_as_data_gets_advice_about_the_data_not_the_layer_feeding_it():
    """The scale is the user's data, fed straight from the net's input: no layer to pass through Softplus."""
    net = NetGraph({"n": RandomArrayLayer(NormalDistribution(0.0, "#sigma"), output=3)}, [], sigma=3)
    previous = set_distribution_checks(True)  # Normal draws are inline (unchecked) under "auto"
    try:
        with pytest.raises(DataError, match=r"found -1.0 at index \(0, 1\) of port 'sigma'\. The data at input port "
                                            r"'sigma' holds it") as err:
            net(sigma=torch.tensor([[1.0, -1.0, 1.0]]))
        assert "Softplus" not in str(err.value)
        computed = NetGraph({"e": ElementwiseLayer("#"),
                             "n": RandomArrayLayer(NormalDistribution(0.0, "#sigma"), output=3)},
                            [(NetPort("x"), "e", NetPort("n", "sigma"))], x=3)
        with pytest.raises(DataError, match="Softplus"):
            computed(x=torch.tensor([[1.0, -1.0, 1.0]]))
    finally:
        set_distribution_checks(previous)


@pytest.mark.parametrize("layer", [
    RandomArrayLayer(GammaDistribution("#a", 1.0)),
    KLDivergenceLayer(GammaDistribution("#a", 1.0), GammaDistribution(1.0, 1.0)),
], ids=["RandomArrayLayer", "KLDivergenceLayer"])
def test_the_interpreter_gives_a_bad_value_given_as_data_the_compiled_net_s_message(layer):
    """Layer by layer, the module was told neither its label nor which of its ports the data feeds."""
    net = NetGraph({"l": layer}, [], a=3)
    a = torch.tensor([[1.0, -1.0, 1.0]])
    with pytest.raises(DataError, match="The data at input port 'a' holds it") as compiled:
        net.compile()(a=a)
    with pytest.raises(DataError) as interpreted:
        interpret(net, net.compile(), a=a)
    assert str(interpreted.value) == str(compiled.value)


@pytest.mark.parametrize("layer, port, parameter", [
    (RandomArrayLayer(BinomialDistribution("#count", 0.3)), "count", "n"),
    (RandomArrayLayer(WeibullDistribution(2.0, 1.0, "#loc"), estimator="score_function"), "loc", "mu"),
])
def test_a_parameter_that_gets_no_gradient_fed_one_that_requires_grad_names_layer_port_and_parameter(
        layer, port, parameter):
    """The OptionError said all three in its message only: its Diagnostic had no layer, port or option (found by QA)."""
    net = NetGraph({"pre": ElementwiseLayer("Ramp"), "draw": layer}, [("pre", NetPort("draw", port))], Input=3)
    module = net.compile()
    value = torch.full((2, 3), 4.0, requires_grad=True)
    for call in (lambda: module(Input=value), lambda: interpret(net, module, Input=value)):
        with pytest.raises(OptionError) as err:
            call()
        diagnostic = err.value.diagnostics[0]
        assert (diagnostic.layer, diagnostic.port, diagnostic.option) == (("draw",), port, parameter)
        assert diagnostic.kind == "parameter-gradient" and diagnostic.found == "a value that requires grad"


@pytest.mark.parametrize("call", ["net", "compiled", "interpreted", "map"])
def test_a_bad_slot_value_has_the_parameter_expected_and_found_in_its_diagnostic(call):
    """The DataError said "alpha (shape) must be a finite number > 0, found -1.0" in its message only: its Diagnostic's
    option, expected and found were None (found by QA)."""
    if call == "map":
        net, a = _mapped_gamma(), torch.ones(2, 4, 3)
        a[1, 2, 0] = -1.0
    else:
        net, a = NetGraph({"g": RandomArrayLayer(GammaDistribution("#a", 1.0), output=3)}, [], a=3), torch.ones(2, 3)
        a[1, 2] = -1.0
    run = {"net": lambda: net(a=a), "compiled": lambda: net.compile()(a=a), "map": lambda: net.compile()(a=a),
           "interpreted": lambda: interpret(net, net.compile(), a=a)}
    with pytest.raises(DataError) as err:
        run[call]()
    diagnostic = err.value.diagnostics[0]
    assert (diagnostic.port, diagnostic.option, diagnostic.expected, diagnostic.found) == (
        "a", "alpha", "a finite number > 0", -1.0)


def test_a_nan_binomial_count_with_the_checks_off_draws_nan_instead_of_hanging():
    """torch.binomial never returns for a NaN count (torch 2.13), so a NaN n with the checks off (compile(checks=False),
    or traced code, which skips them) hung the call forever (found by QA). Such an element now draws NaN, as NaN
    parameters of the other distributions do. In a subprocess: the bug is a hang."""
    script = ("import json\nimport torch\nfrom netgraph import BinomialDistribution, NetGraph, RandomArrayLayer\n"
              "net = NetGraph([RandomArrayLayer(BinomialDistribution('#n', 0.5), output=2)], [], n=2)\n"
              "print(json.dumps(net.compile(checks=False)(n=torch.tensor([[float('nan'), 4.0]])).tolist()))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            env=checkout_env())
    assert result.returncode == 0, result.stderr
    (nan, four), = json.loads(result.stdout)
    assert math.isnan(nan) and four in (0.0, 1.0, 2.0, 3.0, 4.0)


@pytest.mark.parametrize("call", ["compiled", "interpreted"])
def test_a_bad_value_inside_a_map_has_the_whole_path_of_its_layer_in_its_diagnostic(call):
    """The Diagnostic of a bad parameter value inside a NetMapOperator had no layer (the message named 'm/net/g'), so
    `netgraph run` could not place it in the spec (found by QA): the random layer's module was labelled by its
    whole path for the message, but its path for the Diagnostic was left unset."""
    net = _mapped_gamma()
    a = torch.ones(2, 4, 3)
    a[1, 2, 0] = -1.0
    run = {"compiled": lambda: net.compile()(a=a), "interpreted": lambda: interpret(net, net.compile(), a=a)}
    with pytest.raises(DataError) as err:
        run[call]()
    assert err.value.diagnostics[0].layer == ("m", "net", "g") and err.value.diagnostics[0].example == 1


def test_a_bad_value_at_a_kl_divergence_inside_a_map_names_its_whole_path():
    """As a random layer's: the message said "layer 'kl'" and, once the map kept the Diagnostic's layer, ('kl',) would
    have been a path of no layer outside the map."""
    inner = NetGraph({"kl": KLDivergenceLayer(GammaDistribution("#a", 1.0), GammaDistribution(2.0, 1.0))}, [], a=3)
    net = NetGraph({"m": NetMapOperator(inner)}, [], a=("n", 3))
    a = torch.ones(2, 4, 3)
    a[1, 2, 0] = -1.0
    with pytest.raises(DataError, match=r"^layer 'm/net/kl' ") as err:
        net(a=a)
    assert err.value.diagnostics[0].layer == ("m", "net", "kl")
