"""Distributions written in a spec: a bare name (Wolfram's NormalDistribution[]), and parameters given by name
shown as the args list they belong in."""

from __future__ import annotations

import re

import pytest
import yaml

from netgraph import NetGraph
from netgraph.layers.distributions import DISTRIBUTIONS
from netgraph.spec.schema_defs import needs_options
from tests.test_spec_errors import errors_of


@pytest.fixture(autouse=True)
def _each_yaml_loader(yaml_loader):
    """Every test here runs with each YAML loader."""


def _random_layer(distribution: str) -> str:
    return f"netgraph: 1\nlayers:\n  r: {{type: RandomArrayLayer, distribution: {distribution}, output: 3}}\n"


@pytest.mark.parametrize("name, params", [("NormalDistribution", (0.0, 1.0)), ("UniformDistribution", (0.0, 1.0))])
def test_a_bare_distribution_name_with_defaults_for_every_parameter_reads_as_wolframs_name_without_arguments(
        name, params):
    """A bare layer name with defaults reads (`a: Tanh`); `distribution: NormalDistribution` was refused with
    'such as NormalDistribution(0, 1)', Python's words. Wolfram: NormalDistribution[] is Normal(0, 1),
    UniformDistribution[] is Uniform on [0, 1]."""
    distribution = NetGraph.from_yaml(_random_layer(name)).layers["r"].distribution
    assert (type(distribution).__name__, distribution.params) == (name, params)


def test_a_bare_distribution_name_without_defaults_is_refused_with_its_yaml_form():
    errors = errors_of(_random_layer("BernoulliDistribution"))
    assert errors == ["<string>:3:45: layer 'r' option distribution: BernoulliDistribution has no default parameters, so it is written "
                      "with them: {type: BernoulliDistribution, args: [p]} (p (probability of 1)), e.g. "
                      "{type: BernoulliDistribution, args: [0.5]}"]


@pytest.mark.parametrize("name", [n for n, c in sorted(DISTRIBUTIONS.items()) if needs_options(c)])
def test_a_bare_distribution_names_its_fewest_parameters_and_an_example_of_itself_that_loads(name):
    """``distribution: GammaDistribution`` listed all four parameters of Gamma for the two-argument form, and gave a
    NormalDistribution example whatever the name."""
    cls = DISTRIBUTIONS[name]
    fewest = cls.PARAMS[:min(cls.ARITIES or (len(cls.PARAMS),))]
    [error] = errors_of(_random_layer(name))
    form, described, example = re.fullmatch(r".*written with them: (\{.*?\}) \((.*)\), e\.g\. (\{.*\})",
                                            error).group(1, 2, 3)
    listed = ", ".join(fewest)
    assert form == f"{{type: {name}, args: {f'[[{listed}]]' if cls.ONE_LIST else f'[{listed}]'}}}"
    assert described == ", ".join(cls._described(fewest))
    written = yaml.safe_load(example)
    assert written["type"] == name
    cls(*written["args"])  # the example makes the distribution


def test_the_schema_takes_a_bare_distribution_name_where_the_loader_does():
    import jsonschema
    from netgraph.spec.schema import spec_schema
    validator = jsonschema.Draft202012Validator(spec_schema())
    spec = {"netgraph": 1, "layers": {"r": {"type": "RandomArrayLayer", "output": 3}}}
    for name, takes in (("NormalDistribution", True), ("UniformDistribution", True), ("BernoulliDistribution", False)):
        spec["layers"]["r"]["distribution"] = name
        assert validator.is_valid(spec) is takes, name


@pytest.mark.parametrize("given, args", [("mu: 0, sigma: 1", "[0, 1]"), ("sigma: 2, mu: '#mu'", "['#mu', 2]"),
                                         ("mu: 0", "[0, sigma]")])
def test_distribution_parameters_given_by_name_are_shown_as_args_in_order(given, args):
    """`{type: NormalDistribution, mu: 0, sigma: 1}` only listed the allowed keys (type, args)."""
    errors = errors_of(_random_layer(f"{{type: NormalDistribution, {given}}}"))
    assert len(errors) == 1 and errors[0].startswith("<string>:3:72: layer 'r' option distribution: "), errors
    assert errors[0].endswith(f": a distribution (NormalDistribution) takes its parameters in order under 'args:', "
                              f"not by name: write {{type: NormalDistribution, args: {args}}}"), errors
    named, other = errors_of(_random_layer("{type: NormalDistribution, mu: 0, colour: 1}"))  # by place
    assert "has no key 'colour'; its keys are type, args" in other and "args: [0, sigma]" in named


def test_a_misspelt_bare_distribution_name_is_told_the_name_it_is_near():
    """Found by QA: `distribution: NormalDistributon` only said 'RandomArrayLayer needs a distribution such as
    NormalDistribution(0, 1)', where the mapping form's misspelt type got a did-you-mean; a KLDivergenceLayer's p= too."""
    from netgraph import SpecError
    assert errors_of(_random_layer("NormalDistributon")) == [
        "<string>:3:45: layer 'r' option distribution: unknown distribution 'NormalDistributon' (did you mean "
        "'NormalDistribution'?)"]
    with pytest.raises(SpecError) as info:
        NetGraph.from_yaml("netgraph: 1\nlayers:\n  k: {type: KLDivergenceLayer, p: GammaDistributio, q: x}\n")
    (problem,) = info.value.diagnostics
    assert (problem.kind, problem.found, problem.line, problem.column) == ("unknown-distribution", "GammaDistributio",
                                                                          3, 35)
    assert "(did you mean 'GammaDistribution'?)" in problem.message
    assert "GaussianDistribution is NormalDistribution here" in errors_of(_random_layer("GaussianDistribution"))[0]


@pytest.mark.parametrize("given, hint", [
    ("BetaDistribution", "(Wolfram's BetaDistribution is not one of netgraph's distributions)"),
    ("MultinomialDistribution", "(Wolfram's MultinomialDistribution is not one of netgraph's distributions)"),
    ("{type: StudentTDistribution}", "(Wolfram's StudentTDistribution is not one of netgraph's distributions)"),
    ("{type: LogisticDistribution}", "(Wolfram's LogisticDistribution is not one of netgraph's distributions)"),
    ("PoisonDistribution", "(did you mean 'PoissonDistribution'?)"),
    ("ErlangDistrib", "(did you mean 'ErlangDistribution'?)"),
    ("{type: Gama}", "(did you mean 'GammaDistribution'?)")])
def test_a_distribution_name_is_compared_without_the_shared_suffix(given, hint):
    """Found by review: the 12 letters of 'Distribution' that every name shares made any XDistribution near another
    (BetaDistribution -> 'did you mean GammaDistribution?', StudentT -> ChiSquare, Multinomial -> Multinormal)."""
    (error,) = errors_of(_random_layer(given))
    assert hint in error and error.count("(") == hint.count("(") + ("type:" in given), error


@pytest.mark.parametrize("given", ["HalfCauchyDistribution", "{type: HalfCauchyDistribution}"])
def test_a_distribution_name_near_none_by_its_stem_gets_no_guess(given):
    assert "did you mean" not in errors_of(_random_layer(given))[0]
